"""Read-only questions the dashboard asks: headline counts, and the past from history."""

from __future__ import annotations

from typing import Any

from registry.entities import ModelVersion
from registry.store.versions import VERSION_COLUMNS, to_version

_STAGE_AT = f"""
WITH moves AS (
    SELECT version, new_value AS stage,
        row_number() OVER (PARTITION BY version ORDER BY id DESC) AS newest
    FROM changes
    WHERE model_name = $1 AND event = 'model_version.stage_transitioned' AND ts <= $2
)
SELECT {VERSION_COLUMNS}, NULL, NULL FROM model_versions v
JOIN moves ON moves.version = v.version AND moves.newest = 1
WHERE v.name = $1 AND moves.stage = $3 AND v.creation_timestamp <= $2
ORDER BY v.version DESC
"""

_PRODUCTION_HISTORY = """
SELECT version FROM changes
WHERE model_name = ? AND event = 'model_version.stage_transitioned' AND new_value = 'Production'
ORDER BY id DESC
"""


class InsightQueries:
    """Summaries and time travel over the change log."""

    _lease: Any

    def registry_summary(self, since: int) -> dict[str, Any]:
        """Counts of models, live versions by stage, and changes since ``since`` (ms)."""
        with self._lease.cursor() as cur:
            models = cur.execute("SELECT count(*) FROM registered_models").fetchone()[0]
            by_stage = dict(
                cur.execute(
                    "SELECT current_stage, count(*) FROM model_versions WHERE NOT deleted "
                    "GROUP BY current_stage"
                ).fetchall()
            )
            recent = cur.execute("SELECT count(*) FROM changes WHERE ts >= ?", [since]).fetchone()[
                0
            ]
        return {
            "models": models,
            "versions": sum(by_stage.values()),
            "by_stage": by_stage,
            "recent_changes": recent,
        }

    def versions_in_stage_at(self, name: str, stage: str, timestamp: int) -> list[ModelVersion]:
        """The versions of ``name`` that were in ``stage`` at ``timestamp`` (ms), from history.

        Shows them as they are now (descriptions, tags may have changed since)."""
        with self._lease.cursor() as cur:
            rows = cur.execute(_STAGE_AT, [name, timestamp, stage]).fetchall()
        return [to_version(row) for row in rows]

    def production_history(self, name: str) -> list[int]:
        """Versions promoted to Production, newest promotion first (repeats kept)."""
        with self._lease.cursor() as cur:
            return [row[0] for row in cur.execute(_PRODUCTION_HISTORY, [name]).fetchall()]
