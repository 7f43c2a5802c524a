"""The query areas whose SQL both backends share, with PostgreSQL's few replacements.

Runs, the review workflow, validation and the dashboard's insights run the DuckDB modules'
SQL as written (through ``database.Cursor``, which takes their placeholders and upserts);
what only DuckDB speaks (``arg_max``, MAP functions) is replaced here, method by method or
by the one statement a class names for it.
"""

from __future__ import annotations

from registry.store.duckdb.insights import InsightQueries as SharedInsights
from registry.store.duckdb.runs import RunQueries as SharedRuns
from registry.store.duckdb.validations import ValidationQueries as SharedValidation
from registry.store.duckdb.workflow import WorkflowQueries as SharedWorkflow
from registry.store.postgres.versions import apply_transition

_NEWEST = "DISTINCT ON (run_id, key) run_id, key, value FROM run_metrics"
_NEWEST_ORDER = "ORDER BY run_id, key, step DESC, timestamp DESC"


class RunQueries(SharedRuns):
    newest_metrics = (
        "SELECT DISTINCT ON (key) key, value FROM run_metrics WHERE run_id = ? "
        "ORDER BY key, step DESC, timestamp DESC"
    )


class ValidationQueries(SharedValidation):
    set_version_tag = (
        "UPDATE model_versions SET tags = tags || jsonb_build_object(?::text, ?::text) "
        "WHERE name = ? AND version = ?"
    )


class WorkflowQueries(SharedWorkflow):
    # Of two reviewers deciding a request at once, the second waits, then finds it decided.
    decided_lock = " FOR UPDATE"
    transition = staticmethod(apply_transition)


class InsightQueries(SharedInsights):
    dialect = "postgres"

    def latest_metrics(self, run_ids: list[str]) -> dict[str, dict[str, float]]:
        metrics: dict[str, dict[str, float]] = {run_id: {} for run_id in run_ids}
        if not run_ids:
            return metrics
        with self._lease.cursor() as cur:
            rows = cur.execute(
                f"SELECT {_NEWEST} WHERE run_id = ANY(?) {_NEWEST_ORDER}", [run_ids]
            ).fetchall()
        for run_id, key, value in rows:
            metrics[run_id][key] = value
        return metrics

    def model_metric_values(self, name: str, key: str, limit: int) -> list[tuple[int, str, float]]:
        with self._lease.cursor() as cur:
            rows = cur.execute(
                f"WITH latest AS (SELECT {_NEWEST} WHERE key = ? AND run_id IN (SELECT run_id "
                f"FROM model_versions WHERE name = ? AND NOT deleted) {_NEWEST_ORDER}) "
                "SELECT v.version, v.current_stage, latest.value FROM model_versions v "
                "JOIN latest ON latest.run_id = v.run_id WHERE v.name = ? AND NOT v.deleted "
                "ORDER BY v.version DESC LIMIT ?",
                [key, name, name, limit],
            ).fetchall()
        return [tuple(row) for row in rows]

    def model_tag_values(self, keys: list[str], limit: int) -> dict[str, list[str]]:
        values: dict[str, list[str]] = {key: [] for key in keys}
        if keys:
            with self._lease.cursor() as cur:
                rows = cur.execute(
                    'SELECT key, (array_agg(value ORDER BY value COLLATE "C"))[1:?] FROM '
                    "(SELECT DISTINCT t.key, t.value FROM registered_models, "
                    "jsonb_each_text(tags) t WHERE t.key = ANY(?)) d GROUP BY key",
                    [limit, keys],
                ).fetchall()
            for key, found in rows:
                values[key] = list(found)
        return values
