"""SQL for registered models, their tags and aliases."""

from __future__ import annotations

from typing import Any

from registry.entities import ModelVersion, PagedList, RegisteredModel
from registry.errors import AlreadyExistsError, alias_not_found, model_exists, model_not_found
from registry.store.duckdb.changes import NewChange, now_ms, record
from registry.store.duckdb.gates import MAY_REQUIRE, guard_production, protected_aliases
from registry.store.duckdb.paging import search_page
from registry.store.duckdb.parsed import run
from registry.store.duckdb.versions import (
    TAGS_PARAM,
    VERSION_COLUMNS,
    fetch_version,
    of_model,
    to_version,
    update_versions,
)

_MODEL_COLUMNS = (
    "m.name, m.creation_timestamp, m.last_updated_timestamp, m.description, m.tags, m.aliases"
)
_GET_MODEL = f"SELECT {_MODEL_COLUMNS}, m.next_version FROM registered_models m WHERE m.name = ?"
# Tables whose rows belong to one model, by their model-name column: a rename moves them.
# A delete removes the versions, the workflow rows and the policy; validation records stay
# (they are immutable, and keyed by the model's creation time too, so a model created again
# under the name starts clean).
MODEL_KEYED = (
    ("model_versions", "name"),
    ("transition_requests", "model_name"),
    ("version_comments", "model_name"),
    ("validation_policies", "model_name"),
    ("validation_records", "model_name"),
)
DELETED_WITH_MODEL = (
    "model_versions",
    "transition_requests",
    "version_comments",
    "validation_policies",
)
_REMOVE_KEY = "map_from_entries([e FOR e IN map_entries({column}) IF e.key != ?])"


def _clear_leftovers(cur, new_name: str, created: int) -> None:
    """Before a rename onto ``new_name``: drop a deleted namesake's policy (registries from
    before deletes removed it) and refuse when its records would pass for this model's
    (both models created in the same millisecond, as one import_models call does)."""
    run(cur, "DELETE FROM validation_policies WHERE model_name = ?", [new_name])
    clash = run(
        cur,
        "SELECT 1 FROM validation_records WHERE model_name = ? AND model_created = ? LIMIT 1",
        [new_name, created],
    ).fetchone()
    if clash:
        raise AlreadyExistsError(
            f"Cannot rename to {new_name!r}: a deleted model of that name, created at the same "
            "moment as this one, left validation records that would pass for this model's. "
            "Choose another name."
        )


# Up to this many versions ever created in all, the models' newest per stage are picked from
# a plain read of their versions; past it DuckDB picks them (arg_max by stage) and returns
# only those, as reading many rows with their tags costs more. Measured at 1,000 versions
# (CPU ms, plain / picked): 26 rows 2.1 / 3.8, 65 rows 4.1 / 4.6, 104 rows 5.4 / 5.0,
# 209 rows 7.1 / 5.6 (a window: 8.4).
_PLAIN_LATEST_UP_TO = 80


def _latest(cur, created: dict[str, int]) -> dict[str, list[ModelVersion]]:
    """The newest version in each stage of each model, given how many versions each has
    created (its next_version - 1, tombstones included), in version order per model."""
    names = list(created)
    one = "= ?" if len(names) == 1 else f"IN ({', '.join('?' * len(names))})"
    if sum(created.values()) > _PLAIN_LATEST_UP_TO:
        rows = run(
            cur,
            f"SELECT {VERSION_COLUMNS} FROM model_versions v WHERE v.rowid IN (SELECT "
            f"arg_max(rowid, version) FROM model_versions WHERE name {one} AND NOT deleted "
            "GROUP BY name, current_stage)",
            names,
        ).fetchall()
    else:
        newest: dict[tuple[str, str], tuple] = {}
        for row in run(
            cur,
            f"SELECT {VERSION_COLUMNS} FROM model_versions v WHERE v.name {one} AND NOT v.deleted",
            names,
        ).fetchall():
            held = newest.get((row[0], row[4]))
            if held is None or row[1] > held[1]:
                newest[row[0], row[4]] = row
        rows = list(newest.values())
    latest: dict[str, list[ModelVersion]] = {}
    for row in sorted(rows, key=lambda row: row[1]):
        latest.setdefault(row[0], []).append(to_version(row))
    return latest


def _to_model(row: tuple, latest: list[ModelVersion]) -> RegisteredModel:
    return RegisteredModel(
        *row[:4], tags=row[4] or {}, aliases=row[5] or {}, latest_versions=latest
    )


def fetch_model(cur, name: str, with_latest: bool = True) -> RegisteredModel:
    found = run(cur, _GET_MODEL, [name]).fetchone()
    if found is None:
        raise model_not_found(name)
    latest = _latest(cur, {name: found[6] - 1}).get(name, []) if with_latest else []
    return _to_model(found, latest)


# What moving an alias needs, in one statement: where it points now, whether the version
# exists, the model's protected aliases and whether it may require a validation.
_ALIAS_STATE = (
    "SELECT m.aliases[$2], EXISTS (SELECT 1 FROM model_versions v WHERE "
    f"{of_model('v.version = $3 AND NOT v.deleted', '$1')}), p.protected_aliases, {MAY_REQUIRE} "
    "FROM registered_models m "
    "LEFT JOIN validation_policies p ON p.model_name = m.name "
    "AND p.model_created = m.creation_timestamp WHERE m.name = $1"
)


class ModelQueries:
    """Registered models, their tags and aliases."""

    _lease: Any

    def create_registered_model(
        self, name: str, tags: dict[str, str], description: str | None, actor: str
    ) -> RegisteredModel:
        ts = now_ms()
        with self._lease.transaction() as cur:
            inserted = run(
                cur,
                "INSERT INTO registered_models (name, description, creation_timestamp, "
                f"last_updated_timestamp, tags) VALUES (?, ?, ?, ?, {TAGS_PARAM}) "
                "ON CONFLICT DO NOTHING RETURNING name",
                [name, description, ts, ts, tags],
            ).fetchone()
            if inserted is None:
                raise model_exists(name)
            record(cur, actor, ts, [NewChange("registered_model.created", name, new=description)])
        return RegisteredModel(name, ts, ts, description, tags=dict(tags))

    def get_registered_model(self, name: str) -> RegisteredModel:
        with self._lease.cursor() as cur:
            return fetch_model(cur, name)

    def rename_registered_model(self, name: str, new_name: str, actor: str) -> RegisteredModel:
        ts = now_ms()
        with self._lease.transaction() as cur:
            model = fetch_model(cur, name, with_latest=False)
            if run(cur, "SELECT 1 FROM registered_models WHERE name = ?", [new_name]).fetchone():
                raise model_exists(new_name, f" Cannot rename {name!r} onto it.")
            _clear_leftovers(cur, new_name, model.creation_timestamp)
            run(
                cur,
                "UPDATE registered_models SET name = ?, last_updated_timestamp = ? WHERE name = ?",
                [new_name, ts, name],
            )
            for table, column in MODEL_KEYED:
                run(cur, f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [new_name, name])
            change = NewChange("registered_model.renamed", new_name, old=name, new=new_name)
            record(cur, actor, ts, [change])
            return fetch_model(cur, new_name)

    def update_registered_model(
        self, name: str, description: str | None, actor: str
    ) -> RegisteredModel:
        ts = now_ms()
        with self._lease.transaction() as cur:
            old = fetch_model(cur, name, with_latest=False)
            if old.description == description:  # the same value: nothing changes, no history row
                return fetch_model(cur, name)
            run(
                cur,
                "UPDATE registered_models SET description = ?, last_updated_timestamp = ? "
                "WHERE name = ?",
                [description, ts, name],
            )
            change = NewChange(
                "registered_model.description_changed", name, old=old.description, new=description
            )
            record(cur, actor, ts, [change])
            return fetch_model(cur, name)

    def delete_registered_model(self, name: str, actor: str) -> None:
        ts = now_ms()
        with self._lease.transaction() as cur:
            fetch_model(cur, name, with_latest=False)
            for table, column in MODEL_KEYED:
                if table in DELETED_WITH_MODEL:
                    run(cur, f"DELETE FROM {table} WHERE {column} = ?", [name])
            run(cur, "DELETE FROM registered_models WHERE name = ?", [name])
            record(cur, actor, ts, [NewChange("registered_model.deleted", name)])

    def set_registered_model_tag(self, name: str, key: str, value: str, actor: str) -> None:
        ts = now_ms()
        with self._lease.transaction() as cur:
            old = fetch_model(cur, name, with_latest=False).tags.get(key)
            if old == value:  # the same value: nothing changes, no history row
                return
            run(
                cur,
                "UPDATE registered_models SET tags = map_concat(tags, map([?], [?])) "
                "WHERE name = ?",
                [key, value, name],
            )
            change = NewChange("registered_model.tag_set", name, key=key, old=old, new=value)
            record(cur, actor, ts, [change])

    def delete_registered_model_tag(self, name: str, key: str, actor: str) -> None:
        ts = now_ms()
        with self._lease.transaction() as cur:
            old = fetch_model(cur, name, with_latest=False).tags.get(key)
            if old is None:
                return
            run(
                cur,
                f"UPDATE registered_models SET tags = {_REMOVE_KEY.format(column='tags')} "
                "WHERE name = ?",
                [key, name],
            )
            change = NewChange("registered_model.tag_deleted", name, key=key, old=old)
            record(cur, actor, ts, [change])

    def set_registered_model_alias(
        self,
        name: str,
        alias: str,
        version: int,
        actor: str,
        *,
        comment: str | None = None,
        override: str | None = None,
    ) -> None:
        """Point ``alias`` at ``version``: the model's map is the truth, versions mirror it.
        A protected alias passes the Production gate first (or records the override)."""
        ts = now_ms()
        with self._lease.transaction() as cur:
            found = run(cur, _ALIAS_STATE, [name, alias, version]).fetchone()
            if found is None:
                raise model_not_found(name)
            old, version_exists, protected, may_require = found
            if not version_exists:
                fetch_version(cur, name, version)  # raises NotFoundError naming the version
            if old == version:  # the same value: nothing changes, no history row
                return
            overridden = []
            if alias in protected_aliases(protected):
                overridden = guard_production(
                    cur, name, version, override, ts, f"@{alias}", may_require=may_require
                )
            run(
                cur,
                "UPDATE registered_models SET aliases = map_concat(aliases, map([?], [?])) "
                "WHERE name = ?",
                [alias, version, name],
            )
            run(
                cur,
                update_versions(
                    "aliases = CASE WHEN one.version = ? THEN "
                    "list_sort(list_distinct(list_append(aliases, ?))) "
                    "ELSE [a FOR a IN aliases IF a != ?] END",
                    count=2,
                ),
                [version, alias, alias, name, version, old if old is not None else version],
            )
            event = "registered_model.alias_moved" if old else "registered_model.alias_set"
            change = NewChange(
                event, name, version, key=alias, old=None if old is None else str(old),
                new=str(version), comment=comment,
            )  # fmt: skip
            record(cur, actor, ts, [*overridden, change])

    def delete_registered_model_alias(self, name: str, alias: str, actor: str) -> None:
        ts = now_ms()
        with self._lease.transaction() as cur:
            old = fetch_model(cur, name, with_latest=False).aliases.get(alias)
            if old is None:
                return
            run(
                cur,
                f"UPDATE registered_models SET aliases = {_REMOVE_KEY.format(column='aliases')} "
                "WHERE name = ?",
                [alias, name],
            )
            run(
                cur,
                update_versions("aliases = [a FOR a IN aliases IF a != ?]"),
                [alias, name, old],
            )
            change = NewChange("registered_model.alias_deleted", name, old, key=alias, old=str(old))
            record(cur, actor, ts, [change])

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        with self._lease.cursor() as cur:
            row = run(
                cur,
                f"SELECT {VERSION_COLUMNS} FROM model_versions v "
                f"WHERE {of_model('list_contains(v.aliases, ?) AND NOT v.deleted')}",
                [name, alias],
            ).fetchone()
            if row is None:
                fetch_model(cur, name, with_latest=False)  # MLflow names a missing model first
                raise alias_not_found(name, alias)
        return to_version(row)

    def search_registered_models(
        self,
        filter_string: str | None,
        max_results: int,
        order_by: list[str] | None,
        page_token: str | None,
    ) -> PagedList[RegisteredModel]:
        select = f"SELECT {_MODEL_COLUMNS}, m.next_version FROM registered_models m"
        with self._lease.cursor() as cur:
            page, token = search_page(
                cur, select, "model", filter_string, order_by, max_results, page_token
            )
            latest = _latest(cur, {row[0]: row[6] - 1 for row in page}) if page else {}
        return PagedList([_to_model(row, latest.get(row[0], [])) for row in page], token)
