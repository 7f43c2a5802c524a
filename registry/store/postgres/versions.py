"""PostgreSQL SQL for model versions: numbering, tags, stage transitions, bulk creation.

Numbers come from ``UPDATE registered_models SET next_version = next_version + n ...
RETURNING``: the update locks the model's row until commit, so concurrent creates (from any
number of server processes) queue on it and each gets its own consecutive numbers. A
transition locks the same row before reading anything, so two promotions with
``archive_existing_versions`` run one after the other and the second archives the first.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from registry.entities import ModelVersion, PagedList
from registry.errors import (
    AlreadyExistsError,
    InvalidStageTransitionError,
    model_not_found,
    version_not_found,
)
from registry.store.duckdb.bulk import _new_versions
from registry.store.duckdb.changes import CHANGE_FIELDS, NewChange, change_row, now_ms, record
from registry.store.duckdb.gates import guard_production
from registry.store.duckdb.paging import search_page
from registry.store.duckdb.versions import (
    VERSION_COLUMNS,
    _transition_changes,
    fetch_version,
    to_version,
)


def allocate(cur, name: str, count: int, ts: int) -> int:
    """The first of ``count`` new version numbers of ``name``, its row locked till commit."""
    row = cur.execute(
        "UPDATE registered_models SET next_version = next_version + ?, "
        "last_updated_timestamp = ? WHERE name = ? RETURNING next_version",
        [count, ts, name],
    ).fetchone()
    if row is None:
        raise model_not_found(name)
    return row[0] - count


def insert_versions(cur, created: list[ModelVersion], ts: int, actor: str) -> None:
    """The versions' rows and their ``model_version.created`` history rows (one statement
    each for one version; COPY for many, several times faster than INSERTs)."""
    rows = [
        (v.name, v.version, ts, ts, v.description, actor, v.source, v.run_id, v.run_link,
         json.dumps(v.tags))
        for v in created
    ]  # fmt: skip
    changes = [
        NewChange("model_version.created", v.name, v.version,
                  payload={"source": v.source, "run_id": v.run_id})
        for v in created
    ]  # fmt: skip
    if len(created) == 1:
        cur.execute(_INSERT_VERSION, rows[0])
        record(cur, actor, ts, changes)
        return
    _copy(cur, f"model_versions ({_VERSION_FIELDS})", rows)
    _copy(cur, f"changes ({CHANGE_FIELDS})", [change_row(c, actor, ts) for c in changes])


_VERSION_FIELDS = (
    "name, version, creation_timestamp, last_updated_timestamp, description, user_id, source, "
    "run_id, run_link, tags"
)
_INSERT_VERSION = (
    f"INSERT INTO model_versions ({_VERSION_FIELDS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)"
)


def _copy(cur, target: str, rows: list[tuple]) -> None:
    with cur.raw.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def lock_model(cur, name: str) -> None:
    if cur.execute("SELECT 1 FROM registered_models WHERE name = ? FOR UPDATE", [name]).fetchone():
        return
    raise model_not_found(name)


def apply_transition(
    cur, name: str, version: int, stage: str, archive_existing_versions: bool,
    comment: str | None, actor: str, *, gated: bool = True, override: str | None = None,
) -> ModelVersion:  # fmt: skip
    """Move a version to ``stage`` inside the caller's transaction (the model's row locked
    first), with its history rows; see VersionStore.transition_model_version_stage."""
    if archive_existing_versions and stage not in ("Staging", "Production"):
        raise InvalidStageTransitionError(
            f"Cannot move version {version} of {name!r} to {stage!r} with "
            "archive_existing_versions=True: only Staging and Production archive others"
        )
    ts = now_ms()
    lock_model(cur, name)
    old = fetch_version(cur, name, version)
    moved = cur.execute(
        "UPDATE model_versions SET current_stage = CASE WHEN version = ? THEN ?::varchar "
        "ELSE 'Archived' END, last_updated_timestamp = ? WHERE name = ? AND NOT deleted "
        "AND (version = ? OR (?::boolean AND current_stage = ?::varchar)) RETURNING version",
        [version, stage, ts, name, version, archive_existing_versions, stage],
    ).fetchall()
    archived = sorted(row[0] for row in moved if row[0] != version)
    cur.execute(
        "UPDATE registered_models SET last_updated_timestamp = ? WHERE name = ?", [ts, name]
    )
    record(cur, actor, ts, _transition_changes(old, stage, archived, comment))
    if gated and stage == "Production":
        record(cur, actor, ts, guard_production(cur, name, version, override, ts))
    return replace(old, current_stage=stage, last_updated_timestamp=ts)


def _tag_value(cur, name: str, version: int, key: str) -> str | None:
    """The tag's value (None if unset), the version's row locked; NotFoundError if none."""
    row = cur.execute(
        "SELECT tags ->> ?::text FROM model_versions WHERE name = ? AND version = ? "
        "AND NOT deleted FOR UPDATE",
        [key, name, version],
    ).fetchone()
    if row is None:
        raise version_not_found(name, version)
    return row[0]


class VersionQueries:
    """Model versions: create, read, update, transition, search, bulk creation."""

    _lease: Any

    def create_model_version(
        self,
        name: str,
        *,
        source: str | None,
        run_id: str | None,
        tags: dict[str, str],
        run_link: str | None,
        description: str | None,
        actor: str,
    ) -> ModelVersion:
        spec = {"source": source, "run_id": run_id, "tags": tags, "run_link": run_link,
                "description": description}  # fmt: skip
        return self.create_model_versions(name, [spec], actor)[0]

    def create_model_versions(
        self, name: str, specs: list[dict[str, Any]], actor: str
    ) -> list[ModelVersion]:
        ts = now_ms()
        with self._lease.transaction() as cur:
            first = allocate(cur, name, len(specs), ts)
            created = _new_versions(name, first, specs, ts, actor)
            insert_versions(cur, created, ts, actor)
        return created

    def import_models(self, models: list[dict[str, Any]], actor: str) -> int:
        ts = now_ms()
        names = [m["name"] for m in models]
        created = [v for m in models for v in _new_versions(m["name"], 1, m["versions"], ts, actor)]
        with self._lease.transaction() as cur:
            taken = cur.execute(
                "SELECT name FROM registered_models WHERE name = ANY(?) ORDER BY name", [names]
            ).fetchall()
            if taken:
                shown = ", ".join(repr(row[0]) for row in taken[:5])
                raise AlreadyExistsError(f"Registered model(s) already exist: {shown}")
            _copy(
                cur,
                "registered_models (name, description, creation_timestamp, "
                "last_updated_timestamp, next_version, tags)",
                [(m["name"], m.get("description"), ts, ts, len(m["versions"]) + 1,
                  json.dumps(m["tags"])) for m in models],
            )  # fmt: skip
            made = [NewChange("registered_model.created", name) for name in names]
            _copy(cur, f"changes ({CHANGE_FIELDS})", [change_row(c, actor, ts) for c in made])
            if created:
                insert_versions(cur, created, ts, actor)
        return len(created)

    def get_model_version(self, name: str, version: int) -> ModelVersion:
        with self._lease.cursor() as cur:
            return fetch_version(cur, name, version)

    def update_model_version(
        self, name: str, version: int, description: str | None, actor: str
    ) -> ModelVersion:
        ts = now_ms()
        with self._lease.transaction() as cur:
            _tag_value(cur, name, version, "")  # locks the row
            old = fetch_version(cur, name, version)
            if old.description == description:  # the same value: nothing changes, no history row
                return old
            cur.execute(
                "UPDATE model_versions SET description = ?, last_updated_timestamp = ? "
                "WHERE name = ? AND version = ?",
                [description, ts, name, version],
            )
            change = NewChange(
                "model_version.description_changed", name, version,
                old=old.description, new=description,
            )  # fmt: skip
            record(cur, actor, ts, [change])
        return replace(old, description=description, last_updated_timestamp=ts)

    def delete_model_version(self, name: str, version: int, actor: str) -> None:
        ts = now_ms()
        with self._lease.transaction() as cur:
            lock_model(cur, name)
            old = fetch_version(cur, name, version)
            cur.execute(
                "UPDATE model_versions SET deleted = true, aliases = '{}', "
                "last_updated_timestamp = ? WHERE name = ? AND version = ?",
                [ts, name, version],
            )
            cur.execute(
                "UPDATE registered_models SET last_updated_timestamp = ?, aliases = (SELECT "
                "coalesce(jsonb_object_agg(key, value), '{}') FROM jsonb_each(aliases) "
                "WHERE value <> to_jsonb(?::integer)) WHERE name = ?",
                [ts, version, name],
            )
            change = NewChange("model_version.deleted", name, version, old=old.current_stage)
            record(cur, actor, ts, [change])

    def transition_model_version_stage(
        self,
        name: str,
        version: int,
        stage: str,
        archive_existing_versions: bool,
        comment: str | None,
        actor: str,
        *,
        gated: bool = True,
        override: str | None = None,
    ) -> ModelVersion:
        with self._lease.transaction() as cur:
            return apply_transition(
                cur, name, version, stage, archive_existing_versions, comment, actor,
                gated=gated, override=override,
            )  # fmt: skip

    def get_latest_versions(self, name: str, stages: list[str] | None) -> list[ModelVersion]:
        stage_filter, params = "", [name]
        if stages:
            stage_filter, params = "AND v.current_stage = ANY(?)", [name, list(stages)]
        sql = (
            f"SELECT DISTINCT ON (v.current_stage) {VERSION_COLUMNS} FROM model_versions v "
            f"WHERE v.name = ? AND NOT v.deleted {stage_filter} "
            "ORDER BY v.current_stage, v.version DESC"
        )
        with self._lease.cursor() as cur:
            rows = cur.execute(sql, params).fetchall()
            if (
                not rows
                and not cur.execute(
                    "SELECT 1 FROM registered_models WHERE name = ?", [name]
                ).fetchone()
            ):
                raise model_not_found(name)
        return [to_version(row) for row in sorted(rows, key=lambda r: r[1])]

    def set_model_version_tag(self, name: str, version: int, key: str, value: str, actor: str):
        ts = now_ms()
        with self._lease.transaction() as cur:
            old = _tag_value(cur, name, version, key)
            if old == value:  # the same value: nothing changes, no history row
                return
            cur.execute(
                "UPDATE model_versions SET tags = tags || jsonb_build_object(?::text, ?::text) "
                "WHERE name = ? AND version = ?",
                [key, value, name, version],
            )
            change = NewChange("model_version.tag_set", name, version, key=key, old=old, new=value)
            record(cur, actor, ts, [change])

    def delete_model_version_tag(self, name: str, version: int, key: str, actor: str) -> None:
        ts = now_ms()
        with self._lease.transaction() as cur:
            old = _tag_value(cur, name, version, key)
            if old is None:
                return
            cur.execute(
                "UPDATE model_versions SET tags = tags - ?::text WHERE name = ? AND version = ?",
                [key, name, version],
            )
            change = NewChange("model_version.tag_deleted", name, version, key=key, old=old)
            record(cur, actor, ts, [change])

    def search_model_versions(
        self,
        filter_string: str | None,
        max_results: int,
        order_by: list[str] | None,
        page_token: str | None,
    ) -> PagedList[ModelVersion]:
        select = f"SELECT {VERSION_COLUMNS} FROM model_versions v"
        with self._lease.cursor() as cur:
            rows, token = search_page(
                cur, select, "version", filter_string, order_by, max_results, page_token,
                always="NOT v.deleted", dialect="postgres",
            )  # fmt: skip
        return PagedList([to_version(row) for row in rows], token)
