"""SQL for registered models, their tags and aliases."""

from __future__ import annotations

from typing import Any

from registry.entities import ModelVersion, PagedList, RegisteredModel
from registry.errors import AlreadyExistsError, NotFoundError
from registry.search import compile_filter, compile_order_by
from registry.store.changes import NewChange, now_ms, record
from registry.store.paging import decode_token, encode_token
from registry.store.versions import VERSION_COLUMNS, fetch_version, to_version

_MODEL_COLUMNS = "m.name, m.creation_timestamp, m.last_updated_timestamp, m.description"
_CHILD_TABLES = (
    "model_versions",
    "model_version_tags",
    "registered_model_tags",
    "registered_model_aliases",
)


def model_not_found(name: str) -> NotFoundError:
    return NotFoundError(f"Registered model {name!r} not found")


def _latest_by_stage(cur, names: list[str]) -> dict[str, list[ModelVersion]]:
    """The newest version in each stage, for every model in ``names``."""
    if not names:
        return {}
    rows = cur.execute(
        f"SELECT {VERSION_COLUMNS}, NULL, NULL FROM model_versions v "
        f"WHERE v.name IN ({', '.join('?' * len(names))}) AND NOT v.deleted QUALIFY "
        "row_number() OVER (PARTITION BY v.name, v.current_stage ORDER BY v.version DESC) = 1 "
        "ORDER BY v.name, v.version",
        names,
    ).fetchall()
    latest: dict[str, list[ModelVersion]] = {}
    for row in rows:
        latest.setdefault(row[0], []).append(to_version(row))
    return latest


def _to_model(row: tuple, latest: list[ModelVersion]) -> RegisteredModel:
    return RegisteredModel(
        *row[:4], tags=row[4] or {}, aliases=row[5] or {}, latest_versions=latest
    )


def fetch_model(cur, name: str) -> RegisteredModel:
    row = cur.execute(
        f"SELECT {_MODEL_COLUMNS}, "
        "(SELECT map(list(key), list(value)) FROM registered_model_tags WHERE name = $1), "
        "(SELECT map(list(alias ORDER BY alias), list(version ORDER BY alias)) "
        "   FROM registered_model_aliases WHERE name = $1) "
        "FROM registered_models m WHERE m.name = $1",
        [name],
    ).fetchone()
    if row is None:
        raise model_not_found(name)
    return _to_model(row, _latest_by_stage(cur, [name]).get(name, []))


class ModelQueries:
    """Registered models, their tags and aliases."""

    _lease: Any

    def create_registered_model(
        self, name: str, tags: dict[str, str], description: str | None, actor: str
    ) -> RegisteredModel:
        ts = now_ms()
        with self._lease.transaction() as cur:
            exists = cur.execute(
                "SELECT 1 FROM registered_models WHERE name = ?", [name]
            ).fetchone()
            if exists:
                raise AlreadyExistsError(f"Registered model {name!r} already exists")
            cur.execute(
                "INSERT INTO registered_models (name, description, creation_timestamp, "
                "last_updated_timestamp) VALUES (?, ?, ?, ?)",
                [name, description, ts, ts],
            )
            if tags:
                _insert_model_tags(cur, name, tags)
            record(cur, actor, ts, [NewChange("registered_model.created", name, new=description)])
        return RegisteredModel(name, ts, ts, description, tags=dict(tags))

    def get_registered_model(self, name: str) -> RegisteredModel:
        with self._lease.cursor() as cur:
            return fetch_model(cur, name)

    def rename_registered_model(self, name: str, new_name: str, actor: str) -> RegisteredModel:
        ts = now_ms()
        with self._lease.transaction() as cur:
            fetch_model(cur, name)
            taken = cur.execute(
                "SELECT 1 FROM registered_models WHERE name = ?", [new_name]
            ).fetchone()
            if taken:
                raise AlreadyExistsError(
                    f"Cannot rename {name!r}: registered model {new_name!r} already exists"
                )
            for table in ("registered_models", *_CHILD_TABLES):
                cur.execute(f"UPDATE {table} SET name = ? WHERE name = ?", [new_name, name])
            cur.execute(
                "UPDATE registered_models SET last_updated_timestamp = ? WHERE name = ?",
                [ts, new_name],
            )
            change = NewChange("registered_model.renamed", new_name, old=name, new=new_name)
            record(cur, actor, ts, [change])
            return fetch_model(cur, new_name)

    def update_registered_model(
        self, name: str, description: str | None, actor: str
    ) -> RegisteredModel:
        ts = now_ms()
        with self._lease.transaction() as cur:
            old = fetch_model(cur, name)
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
            fetch_model(cur, name)
            for table in (*_CHILD_TABLES, "registered_models"):
                cur.execute(f"DELETE FROM {table} WHERE name = ?", [name])
            record(cur, actor, ts, [NewChange("registered_model.deleted", name)])

    def set_registered_model_tag(self, name: str, key: str, value: str, actor: str) -> None:
        ts = now_ms()
        with self._lease.transaction() as cur:
            old = fetch_model(cur, name)
            _insert_model_tags(cur, name, {key: value})
            change = NewChange(
                "registered_model.tag_set", name, key=key, old=old.tags.get(key), new=value
            )
            record(cur, actor, ts, [change])

    def delete_registered_model_tag(self, name: str, key: str, actor: str) -> None:
        ts = now_ms()
        with self._lease.transaction() as cur:
            old = fetch_model(cur, name)
            if key not in old.tags:
                return
            cur.execute("DELETE FROM registered_model_tags WHERE name = ? AND key = ?", [name, key])
            change = NewChange("registered_model.tag_deleted", name, key=key, old=old.tags[key])
            record(cur, actor, ts, [change])

    def set_registered_model_alias(self, name: str, alias: str, version: int, actor: str) -> None:
        ts = now_ms()
        with self._lease.transaction() as cur:
            model = fetch_model(cur, name)
            fetch_version(cur, name, version)
            old = model.aliases.get(alias)
            cur.execute(
                "INSERT OR REPLACE INTO registered_model_aliases (name, alias, version) "
                "VALUES (?, ?, ?)",
                [name, alias, version],
            )
            event = "registered_model.alias_moved" if old else "registered_model.alias_set"
            change = NewChange(
                event, name, version, key=alias, old=None if old is None else str(old),
                new=str(version),
            )  # fmt: skip
            record(cur, actor, ts, [change])

    def delete_registered_model_alias(self, name: str, alias: str, actor: str) -> None:
        ts = now_ms()
        with self._lease.transaction() as cur:
            model = fetch_model(cur, name)
            old = model.aliases.get(alias)
            if old is None:
                return
            cur.execute(
                "DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?", [name, alias]
            )
            change = NewChange("registered_model.alias_deleted", name, old, key=alias, old=str(old))
            record(cur, actor, ts, [change])

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        with self._lease.cursor() as cur:
            row = cur.execute(
                "SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?",
                [name, alias],
            ).fetchone()
            if row is None:
                raise NotFoundError(f"Registered model {name!r} has no alias {alias!r}")
            return fetch_version(cur, name, row[0])

    def search_registered_models(
        self,
        filter_string: str | None,
        max_results: int,
        order_by: list[str] | None,
        page_token: str | None,
    ) -> PagedList[RegisteredModel]:
        where = compile_filter(filter_string, "model")
        order = compile_order_by(order_by, "model")
        offset = decode_token(page_token)
        sql = f"""
        WITH page AS (
            SELECT * FROM registered_models m WHERE ({where.sql})
            ORDER BY {order} LIMIT ? OFFSET ?
        ), page_tags AS (
            SELECT name, map(list(key), list(value)) AS tags FROM registered_model_tags
            WHERE name IN (SELECT name FROM page) GROUP BY name
        ), page_aliases AS (
            SELECT name, map(list(alias ORDER BY alias), list(version ORDER BY alias))
                AS aliases
            FROM registered_model_aliases WHERE name IN (SELECT name FROM page) GROUP BY name
        )
        SELECT {_MODEL_COLUMNS}, t.tags, a.aliases FROM page m
        LEFT JOIN page_tags t ON t.name = m.name
        LEFT JOIN page_aliases a ON a.name = m.name
        ORDER BY {order}
        """
        with self._lease.cursor() as cur:
            rows = cur.execute(sql, [*where.params, max_results + 1, offset]).fetchall()
            rows = rows[: max_results + 1]
            page = rows[:max_results]
            latest = _latest_by_stage(cur, [row[0] for row in page])
        token = encode_token(offset + max_results) if len(rows) > max_results else None
        return PagedList([_to_model(row, latest.get(row[0], [])) for row in page], token)


def _insert_model_tags(cur, name: str, tags: dict[str, str]) -> None:
    values = ", ".join(["(?, ?, ?)"] * len(tags))
    params = [item for key, value in tags.items() for item in (name, key, value)]
    cur.execute(
        f"INSERT OR REPLACE INTO registered_model_tags (name, key, value) VALUES {values}", params
    )
