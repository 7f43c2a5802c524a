"""Bulk imports: thousands of models and versions in one transaction and a few statements.

Rows go to DuckDB as DataFrames (one INSERT ... SELECT per table), because each statement
costs about a millisecond to plan here whatever its size.
"""

from __future__ import annotations

from typing import Any

from registry.entities import ModelVersion
from registry.errors import AlreadyExistsError, model_not_found
from registry.store.duckdb.changes import now_ms

_INSERT_VERSIONS = (
    "INSERT INTO model_versions (name, version, creation_timestamp, last_updated_timestamp, "
    "description, user_id, source, run_id, run_link, tags) SELECT name, version, ts, ts, "
    "description, actor, source, run_id, run_link, "
    "map(tag_keys::VARCHAR[], tag_values::VARCHAR[]) FROM new_versions"
)
_INSERT_MODELS = (
    "INSERT INTO registered_models (name, description, creation_timestamp, "
    "last_updated_timestamp, next_version, tags) SELECT name, description, ts, ts, "
    "next_version, map(tag_keys::VARCHAR[], tag_values::VARCHAR[]) FROM new_models"
)
_RECORD = (
    "INSERT INTO changes (ts, actor, event, model_name, version) "
    "SELECT ts, actor, '{event}', name, {version} FROM {frame}"
)


def _versions_frame(created: list[ModelVersion], ts: int, actor: str):
    import pandas as pd

    return pd.DataFrame(
        {
            "name": [v.name for v in created],
            "version": [v.version for v in created],
            "ts": ts,
            "actor": actor,
            "description": [v.description for v in created],
            "source": [v.source for v in created],
            "run_id": [v.run_id for v in created],
            "run_link": [v.run_link for v in created],
            "tag_keys": [list(v.tags) for v in created],
            "tag_values": [list(v.tags.values()) for v in created],
        }
    )


def _new_versions(name: str, first: int, specs, ts: int, actor: str) -> list[ModelVersion]:
    return [
        ModelVersion(
            name, first + i, ts, ts, spec.get("description"), actor, source=spec.get("source"),
            run_id=spec.get("run_id"), run_link=spec.get("run_link"), tags=spec["tags"],
        )
        for i, spec in enumerate(specs)
    ]  # fmt: skip


def _insert_versions(cur, created: list[ModelVersion], ts: int, actor: str) -> None:
    if not created:
        return
    cur.register("new_versions", _versions_frame(created, ts, actor))
    try:
        cur.execute(_INSERT_VERSIONS)
        record = _RECORD.format(
            event="model_version.created", version="version", frame="new_versions"
        )
        cur.execute(record)
    finally:
        cur.unregister("new_versions")


class BulkQueries:
    """Many models or versions at once."""

    _lease: Any

    def create_model_versions(
        self, name: str, specs: list[dict[str, Any]], actor: str
    ) -> list[ModelVersion]:
        """Allocate len(specs) numbers of ``name`` and insert them in one transaction."""
        ts = now_ms()
        with self._lease.transaction() as cur:
            row = cur.execute(
                "UPDATE registered_models SET next_version = next_version + ?, "
                "last_updated_timestamp = ? WHERE name = ? RETURNING next_version",
                [len(specs), ts, name],
            ).fetchone()
            if row is None:
                raise model_not_found(name)
            created = _new_versions(name, row[0] - len(specs), specs, ts, actor)
            _insert_versions(cur, created, ts, actor)
        return created

    def import_models(self, models: list[dict[str, Any]], actor: str) -> int:
        """Create new models with their versions (numbered from 1); return the version count."""
        import pandas as pd

        ts = now_ms()
        names = [m["name"] for m in models]
        frame = pd.DataFrame(
            {
                "name": names,
                "description": [m.get("description") for m in models],
                "ts": ts,
                "actor": actor,
                "next_version": [len(m["versions"]) + 1 for m in models],
                "tag_keys": [list(m["tags"]) for m in models],
                "tag_values": [list(m["tags"].values()) for m in models],
            }
        )
        created = [v for m in models for v in _new_versions(m["name"], 1, m["versions"], ts, actor)]
        with self._lease.transaction() as cur:
            taken = cur.execute(
                "SELECT name FROM registered_models WHERE name IN (SELECT unnest(?::VARCHAR[]))",
                [names],
            ).fetchall()
            if taken:
                shown = ", ".join(repr(row[0]) for row in taken[:5])
                raise AlreadyExistsError(f"Registered model(s) already exist: {shown}")
            cur.register("new_models", frame)
            try:
                cur.execute(_INSERT_MODELS)
                record = _RECORD.format(
                    event="registered_model.created", version="NULL", frame="new_models"
                )
                cur.execute(record)
            finally:
                cur.unregister("new_models")
            _insert_versions(cur, created, ts, actor)
        return len(created)
