"""Read-only questions the dashboard asks: headline counts, and the past from history."""

from __future__ import annotations

import json
from typing import Any

from registry.entities import ModelVersion
from registry.search import compile_filter
from registry.store.duckdb.versions import VERSION_COLUMNS, to_version

# The names a model had, newest first, each with the id of the change that renamed it away:
# history rows keep the name of their time, and a rename moves only the live rows.
_PAST_NAMES = """
RECURSIVE past_names(name, until_id) AS (
    SELECT $1::VARCHAR, 9223372036854775807::BIGINT
    UNION ALL
    SELECT r.old_value, r.id FROM past_names p, LATERAL (
        SELECT id, old_value FROM changes
        WHERE event = 'registered_model.renamed' AND new_value = p.name AND id < p.until_id
        ORDER BY id DESC LIMIT 1
    ) r
)"""
_OF_THIS_MODEL = "JOIN past_names p ON c.model_name = p.name AND c.id < p.until_id"

_STAGE_AT = f"""
WITH {_PAST_NAMES},
moves AS (
    SELECT c.version, c.new_value AS stage,
        row_number() OVER (PARTITION BY c.version ORDER BY c.id DESC) AS newest
    FROM changes c {_OF_THIS_MODEL}
    WHERE c.event = 'model_version.stage_transitioned' AND c.ts <= $2
)
SELECT {VERSION_COLUMNS}, NULL, NULL FROM model_versions v
JOIN moves ON moves.version = v.version AND moves.newest = 1
WHERE v.name = $1 AND moves.stage = $3 AND v.creation_timestamp <= $2
ORDER BY v.version DESC
"""


_LATEST_METRICS = """
SELECT run_id, key, arg_max(value, (step, timestamp)) FROM run_metrics
WHERE run_id IN (SELECT unnest($1::VARCHAR[]))
GROUP BY run_id, key
"""

_MODEL_RUNS = "SELECT run_id FROM model_versions WHERE name = $1 AND NOT deleted"

_METRIC_BY_VERSION = f"""
WITH latest AS (
    SELECT run_id, arg_max(value, (step, timestamp)) AS value FROM run_metrics
    WHERE key = $2 AND run_id IN ({_MODEL_RUNS}) GROUP BY run_id
)
SELECT v.version, v.current_stage, latest.value FROM model_versions v
JOIN latest ON latest.run_id = v.run_id
WHERE v.name = $1 AND NOT v.deleted
ORDER BY v.version DESC LIMIT $3
"""

_PROMOTIONS = f"""
WITH {_PAST_NAMES}
SELECT c.version, c.payload FROM changes c {_OF_THIS_MODEL}
JOIN registered_models m ON m.name = $1
WHERE c.event = 'model_version.stage_transitioned' AND c.new_value = 'Production'
    -- this model's promotions, not those of a deleted namesake
    AND c.ts >= m.creation_timestamp
ORDER BY c.id
"""
_LIVE_STAGES = "SELECT version, current_stage FROM model_versions WHERE name = ? AND NOT deleted"


def rollback_choice(promotions: list[tuple[int, list[int]]], stages: dict[int, str]) -> int | None:
    """The version a rollback restores, from the model's promotions to Production in order
    (each with the versions it archived) and its live versions' stages.

    A promotion that displaced versions puts them on a stack; promoting the version on top
    of it again (a rollback, or the same by hand) takes it off, so rolling back twice does
    not bring the first version back. The answer is the topmost live version not in
    Production now; None when there is none."""
    stack: list[int] = []
    for version, archived in promotions:
        displaced = [v for v in archived if v != version]
        if stack and stack[-1] == version:
            stack.pop()
        elif displaced:
            stack = [v for v in stack if v != version] + displaced
    for version in reversed(stack):
        if version in stages and stages[version] != "Production":
            return version
    return None


_TAG_VALUES = """
WITH model_tags AS (
    SELECT unnest(map_keys(tags)) AS key, unnest(map_values(tags)) AS value
    FROM registered_models
)
SELECT key, list(DISTINCT value ORDER BY value)[1:$2] FROM model_tags
WHERE key IN (SELECT unnest($1::VARCHAR[])) AND value IS NOT NULL GROUP BY key
"""


def _payload(raw: Any) -> dict:
    """A change's payload as stored: JSON text (DuckDB) or already decoded (PostgreSQL)."""
    return json.loads(raw) if isinstance(raw, str) else raw or {}


class InsightQueries:
    """Summaries and time travel over the change log."""

    _lease: Any
    dialect = "duckdb"  # of the filters compiled here

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

    # -- batched reads for the dashboard: a page renders in a few queries ------------------

    def count_registered_models(self, filter_string: str | None) -> int:
        where = compile_filter(filter_string, "model", self.dialect)
        sql = f"SELECT count(*) FROM registered_models m WHERE {where.sql}"
        with self._lease.cursor() as cur:
            return cur.execute(sql, where.params).fetchone()[0]

    def count_model_versions(self, filter_string: str | None) -> int:
        where = compile_filter(filter_string, "version", self.dialect)
        sql = f"SELECT count(*) FROM model_versions v WHERE NOT v.deleted AND ({where.sql})"
        with self._lease.cursor() as cur:
            return cur.execute(sql, where.params).fetchone()[0]

    def latest_metrics(self, run_ids: list[str]) -> dict[str, dict[str, float]]:
        """The newest value (highest step, then timestamp) of every metric of each run."""
        metrics: dict[str, dict[str, float]] = {run_id: {} for run_id in run_ids}
        if not run_ids:
            return metrics
        with self._lease.cursor() as cur:
            for run_id, key, value in cur.execute(_LATEST_METRICS, [run_ids]).fetchall():
                metrics[run_id][key] = value
        return metrics

    def model_metric_keys(self, name: str) -> list[str]:
        """Metric keys logged by the runs of the live versions of ``name``, sorted."""
        sql = f"SELECT DISTINCT key FROM run_metrics WHERE run_id IN ({_MODEL_RUNS}) ORDER BY key"
        with self._lease.cursor() as cur:
            return [row[0] for row in cur.execute(sql, [name]).fetchall()]

    def model_metric_values(self, name: str, key: str, limit: int) -> list[tuple[int, str, float]]:
        """(version, stage, newest value of ``key``) for the newest ``limit`` versions of
        ``name`` whose run logged ``key``, newest version first."""
        with self._lease.cursor() as cur:
            rows = cur.execute(_METRIC_BY_VERSION, [name, key, limit]).fetchall()
        return [tuple(row) for row in rows]

    def model_tag_values(self, keys: list[str], limit: int) -> dict[str, list[str]]:
        """Up to ``limit`` distinct values (sorted) of each registered-model tag in ``keys``."""
        values: dict[str, list[str]] = {key: [] for key in keys}
        if keys:
            with self._lease.cursor() as cur:
                for key, found in cur.execute(_TAG_VALUES, [keys, limit]).fetchall():
                    values[key] = list(found)
        return values

    def rollback_target(self, name: str) -> int | None:
        """The version rollback_production would restore (see rollback_choice), or None."""
        with self._lease.cursor() as cur:
            rows = cur.execute(_PROMOTIONS, [name]).fetchall()
            stages = dict(cur.execute(_LIVE_STAGES, [name]).fetchall())
        promotions = [(v, _payload(raw).get("archived_versions", [])) for v, raw in rows]
        return rollback_choice(promotions, stages)

    def change_events(self) -> list[str]:
        """The distinct event names in the history, sorted."""
        with self._lease.cursor() as cur:
            rows = cur.execute("SELECT DISTINCT event FROM changes ORDER BY event").fetchall()
        return [row[0] for row in rows]
