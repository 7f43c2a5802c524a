"""PostgreSQL SQL for registered models, their tags and aliases.

Tags and the alias map are JSONB (DuckDB: MAP). Every write locks the model's row first
(``fetch_model(..., lock=True)``), so writes to one model queue up and each history row's
old value is the one it replaced.
"""

from __future__ import annotations

import json
from typing import Any

from registry.entities import STAGES, ModelVersion, PagedList, RegisteredModel
from registry.errors import alias_not_found, model_exists, model_not_found
from registry.store.duckdb.changes import NewChange, now_ms, record
from registry.store.duckdb.gates import guard_production, is_protected
from registry.store.duckdb.models import DELETED_WITH_MODEL, MODEL_KEYED, _clear_leftovers
from registry.store.duckdb.paging import search_page
from registry.store.duckdb.versions import VERSION_COLUMNS, fetch_version, to_version

MODEL_COLUMNS = (
    "m.name, m.creation_timestamp, m.last_updated_timestamp, m.description, m.tags, m.aliases"
)
# The aliases of ARRAY, once each and sorted bytewise (as DuckDB's list_sort).
SORTED_ALIASES = (
    "SELECT coalesce(array_agg(a ORDER BY a COLLATE \"C\"), '{}') "
    "FROM (SELECT DISTINCT unnest(ARRAY) AS a) t"
)


def latest_by_stage(cur, names: list[str]) -> dict[str, list[ModelVersion]]:
    """The newest version in each stage, for every model in ``names``."""
    if not names:
        return {}
    # One index probe per (model, stage) (model_versions_stage_idx), not every version read.
    rows = cur.execute(
        f"SELECT {VERSION_COLUMNS} FROM unnest(?::varchar[]) n(name) "
        "CROSS JOIN unnest(?::varchar[]) s(stage) CROSS JOIN LATERAL (SELECT * FROM "
        "model_versions x WHERE x.name = n.name AND x.current_stage = s.stage AND NOT x.deleted "
        "ORDER BY x.version DESC LIMIT 1) v",
        [names, list(STAGES)],
    ).fetchall()
    latest: dict[str, list[ModelVersion]] = {}
    for row in sorted(rows, key=lambda r: (r[0], r[1])):
        latest.setdefault(row[0], []).append(to_version(row))
    return latest


def _to_model(row: tuple, latest: list[ModelVersion]) -> RegisteredModel:
    return RegisteredModel(
        *row[:4], tags=row[4] or {}, aliases=row[5] or {}, latest_versions=latest
    )


def fetch_model(cur, name: str, with_latest: bool = True, lock: bool = False) -> RegisteredModel:
    """The model; ``lock`` holds its row until the transaction ends. Raises NotFoundError."""
    sql = f"SELECT {MODEL_COLUMNS} FROM registered_models m WHERE m.name = ?"
    found = cur.execute(sql + (" FOR UPDATE" if lock else ""), [name]).fetchone()
    if found is None:
        raise model_not_found(name)
    latest = latest_by_stage(cur, [name]).get(name, []) if with_latest else []
    return _to_model(found, latest)


class ModelQueries:
    """Registered models, their tags and aliases."""

    _lease: Any

    def create_registered_model(
        self, name: str, tags: dict[str, str], description: str | None, actor: str
    ) -> RegisteredModel:
        ts = now_ms()
        with self._lease.transaction() as cur:
            inserted = cur.execute(
                "INSERT INTO registered_models (name, description, creation_timestamp, "
                "last_updated_timestamp, tags) VALUES (?, ?, ?, ?, ?::jsonb) "
                "ON CONFLICT DO NOTHING RETURNING name",
                [name, description, ts, ts, json.dumps(tags)],
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
            model = fetch_model(cur, name, with_latest=False, lock=True)
            if cur.execute("SELECT 1 FROM registered_models WHERE name = ?", [new_name]).fetchone():
                raise model_exists(new_name, f" Cannot rename {name!r} onto it.")
            _clear_leftovers(cur, new_name, model.creation_timestamp)
            cur.execute(
                "UPDATE registered_models SET name = ?, last_updated_timestamp = ? WHERE name = ?",
                [new_name, ts, name],
            )
            for table, column in MODEL_KEYED:
                cur.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [new_name, name])
            change = NewChange("registered_model.renamed", new_name, old=name, new=new_name)
            record(cur, actor, ts, [change])
            return fetch_model(cur, new_name)

    def update_registered_model(
        self, name: str, description: str | None, actor: str
    ) -> RegisteredModel:
        ts = now_ms()
        with self._lease.transaction() as cur:
            old = fetch_model(cur, name, with_latest=False, lock=True)
            if old.description == description:  # the same value: nothing changes, no history row
                return fetch_model(cur, name)
            cur.execute(
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
            fetch_model(cur, name, with_latest=False, lock=True)
            for table, column in MODEL_KEYED:
                if table in DELETED_WITH_MODEL:
                    cur.execute(f"DELETE FROM {table} WHERE {column} = ?", [name])
            cur.execute("DELETE FROM registered_models WHERE name = ?", [name])
            record(cur, actor, ts, [NewChange("registered_model.deleted", name)])

    def set_registered_model_tag(self, name: str, key: str, value: str, actor: str) -> None:
        ts = now_ms()
        with self._lease.transaction() as cur:
            old = fetch_model(cur, name, with_latest=False, lock=True).tags.get(key)
            if old == value:  # the same value: nothing changes, no history row
                return
            cur.execute(
                "UPDATE registered_models SET tags = tags || jsonb_build_object(?::text, ?::text) "
                "WHERE name = ?",
                [key, value, name],
            )
            change = NewChange("registered_model.tag_set", name, key=key, old=old, new=value)
            record(cur, actor, ts, [change])

    def delete_registered_model_tag(self, name: str, key: str, actor: str) -> None:
        ts = now_ms()
        with self._lease.transaction() as cur:
            old = fetch_model(cur, name, with_latest=False, lock=True).tags.get(key)
            if old is None:
                return
            cur.execute(
                "UPDATE registered_models SET tags = tags - ?::text WHERE name = ?", [key, name]
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
            old = fetch_model(cur, name, with_latest=False, lock=True).aliases.get(alias)
            fetch_version(cur, name, version)
            if old == version:  # the same value: nothing changes, no history row
                return
            overridden = []
            if old != version and is_protected(cur, name, alias):
                overridden = guard_production(cur, name, version, override, ts, f"@{alias}")
            cur.execute(
                "UPDATE registered_models SET aliases = aliases || jsonb_build_object(?::text, "
                "?::integer) WHERE name = ?",
                [alias, version, name],
            )
            added = SORTED_ALIASES.replace("ARRAY", "array_append(aliases, $2::varchar)")
            cur.execute(
                f"UPDATE model_versions SET aliases = CASE WHEN version = $3 THEN ({added}) "
                "ELSE array_remove(aliases, $2::varchar) END "
                "WHERE name = $1 AND (version = $3 OR version = $4)",
                [name, alias, version, old if old is not None else version],
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
            old = fetch_model(cur, name, with_latest=False, lock=True).aliases.get(alias)
            if old is None:
                return
            cur.execute(
                "UPDATE registered_models SET aliases = aliases - ?::text WHERE name = ?",
                [alias, name],
            )
            cur.execute(
                "UPDATE model_versions SET aliases = array_remove(aliases, ?::varchar) "
                "WHERE name = ? AND version = ?",
                [alias, name, old],
            )
            change = NewChange("registered_model.alias_deleted", name, old, key=alias, old=str(old))
            record(cur, actor, ts, [change])

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        with self._lease.cursor() as cur:
            row = cur.execute(
                f"SELECT {VERSION_COLUMNS} FROM model_versions v WHERE v.name = ? "
                "AND ?::varchar = ANY(v.aliases) AND NOT v.deleted",
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
        select = f"SELECT {MODEL_COLUMNS} FROM registered_models m"
        with self._lease.cursor() as cur:
            page, token = search_page(
                cur, select, "model", filter_string, order_by, max_results, page_token,
                dialect="postgres",
            )  # fmt: skip
            latest = latest_by_stage(cur, [row[0] for row in page])
        return PagedList([_to_model(row, latest.get(row[0], [])) for row in page], token)
