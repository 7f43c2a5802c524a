"""SQL for runs: params, metrics with history, tags, datasets and logged model files."""

from __future__ import annotations

import json
from typing import Any

from registry.entities import (
    Dataset,
    LoggedModel,
    Metric,
    PagedList,
    Run,
    RunData,
    RunInfo,
)
from registry.errors import NotFoundError
from registry.store.duckdb.paging import decode_token, encode_token

_RUN_COLUMNS = (
    "run_id, experiment_name, run_name, status, start_time, end_time, user_id, source_name, "
    "source_type, git_commit, git_dirty"
)


# Each metric's newest value (highest step, then timestamp); the one dialect-bound query here.
NEWEST_METRICS = (
    "SELECT key, arg_max(value, (step, timestamp)) FROM run_metrics WHERE run_id = ? GROUP BY key"
)


def _values(rows: int, width: int) -> str:
    return ", ".join(["(" + ", ".join("?" * width) + ")"] * rows)


class RunQueries:
    """Runs: the source of every version's lineage. Its SQL runs on PostgreSQL too, but
    for ``newest_metrics``, which a backend may replace."""

    _lease: Any
    newest_metrics = NEWEST_METRICS

    def create_run(self, info: RunInfo, tags: dict[str, str]) -> None:
        with self._lease.transaction() as cur:
            cur.execute(
                f"INSERT INTO runs ({_RUN_COLUMNS}) VALUES ({', '.join('?' * 11)})",
                [getattr(info, column.strip()) for column in _RUN_COLUMNS.split(",")],
            )
            if tags:
                _upsert(cur, "run_tags", info.run_id, tags)

    def end_run(self, run_id: str, status: str, end_time: int) -> None:
        with self._lease.transaction() as cur:
            row = cur.execute(
                "UPDATE runs SET status = ?, end_time = ? WHERE run_id = ? RETURNING run_id",
                [status, end_time, run_id],
            ).fetchone()
            if row is None:
                raise NotFoundError(f"Run {run_id!r} not found")

    def log_batch(
        self,
        run_id: str,
        metrics: list[Metric],
        params: dict[str, str],
        tags: dict[str, str],
    ) -> None:
        """Record metrics, params and tags of a run in one transaction."""
        with self._lease.transaction() as cur:
            _require_run(cur, run_id)
            if params:
                _upsert(cur, "run_params", run_id, params)
            if tags:
                _upsert(cur, "run_tags", run_id, tags)
            if metrics:
                cur.execute(
                    f"INSERT INTO run_metrics VALUES {_values(len(metrics), 5)}",
                    [x for m in metrics for x in (run_id, m.key, m.value, m.step, m.timestamp)],
                )

    def log_input(self, run_id: str, dataset: Dataset) -> None:
        """Record the dataset once per run, name, digest and context (as MLflow does)."""
        with self._lease.transaction() as cur:
            _require_run(cur, run_id)
            cur.execute(
                "INSERT INTO run_inputs SELECT ?, ?, ?, ?, ?, ?::BIGINT, ?::INTEGER, ?::BIGINT, ? "
                "WHERE NOT EXISTS ("
                "SELECT 1 FROM run_inputs WHERE run_id = ? AND name = ? "
                "AND digest IS NOT DISTINCT FROM ? AND context IS NOT DISTINCT FROM ?)",
                [run_id, dataset.name, dataset.context, dataset.source, dataset.digest,
                 dataset.num_rows, dataset.num_columns, dataset.size_bytes,
                 json.dumps(dataset.schema), run_id, dataset.name, dataset.digest,
                 dataset.context],
            )  # fmt: skip

    def save_logged_model(self, model: LoggedModel) -> None:
        with self._lease.transaction() as cur:
            _require_run(cur, model.run_id)
            cur.execute(
                "INSERT OR REPLACE INTO run_models VALUES (?, ?, ?, ?, ?, ?)",
                [model.run_id, model.artifact_path, model.sha256, model.flavor, model.manifest,
                 model.created_timestamp],
            )  # fmt: skip

    def get_logged_model(self, run_id: str, artifact_path: str) -> LoggedModel:
        with self._lease.cursor() as cur:
            row = cur.execute(
                "SELECT * FROM run_models WHERE run_id = ? AND artifact_path = ?",
                [run_id, artifact_path],
            ).fetchone()
            if row is None:
                _require_run(cur, run_id)
                raise NotFoundError(
                    f"Run {run_id!r} has no model at artifact path {artifact_path!r}"
                )
        return LoggedModel(*row)

    def get_run(self, run_id: str) -> Run:
        with self._lease.cursor() as cur:
            row = cur.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs WHERE run_id = ?", [run_id]
            ).fetchone()
            if row is None:
                raise NotFoundError(f"Run {run_id!r} not found")
            return _load_run(cur, RunInfo(*row), self.newest_metrics)

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        with self._lease.cursor() as cur:
            _require_run(cur, run_id)
            rows = cur.execute(
                "SELECT key, value, timestamp, step FROM run_metrics WHERE run_id = ? AND key = ? "
                "ORDER BY step, timestamp",
                [run_id, key],
            ).fetchall()
        return [Metric(*row) for row in rows]

    def search_runs(
        self, experiment_names: list[str] | None, max_results: int, page_token: str | None
    ) -> PagedList[Run]:
        offset = decode_token(page_token)
        where, params = "TRUE", []
        if experiment_names:
            where = f"experiment_name IN ({', '.join('?' * len(experiment_names))})"
            params = list(experiment_names)
        with self._lease.cursor() as cur:
            rows = cur.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs WHERE {where} "
                "ORDER BY start_time DESC, run_id LIMIT ? OFFSET ?",
                [*params, max_results + 1, offset],
            ).fetchall()
            runs = [
                _load_run(cur, RunInfo(*row), self.newest_metrics) for row in rows[:max_results]
            ]
        token = encode_token(offset + max_results) if len(rows) > max_results else None
        return PagedList(runs, token)


def _require_run(cur, run_id: str) -> None:
    if cur.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone() is None:
        raise NotFoundError(f"Run {run_id!r} not found")


def _upsert(cur, table: str, run_id: str, values: dict[str, str]) -> None:
    cur.execute(
        f"INSERT OR REPLACE INTO {table} (run_id, key, value) VALUES {_values(len(values), 3)}",
        [x for key, value in values.items() for x in (run_id, key, value)],
    )


def _load_run(cur, info: RunInfo, newest_metrics: str = NEWEST_METRICS) -> Run:
    run_id = [info.run_id]
    params = dict(
        cur.execute("SELECT key, value FROM run_params WHERE run_id = ?", run_id).fetchall()
    )
    tags = dict(cur.execute("SELECT key, value FROM run_tags WHERE run_id = ?", run_id).fetchall())
    metrics = dict(cur.execute(newest_metrics, run_id).fetchall())
    inputs = [
        Dataset(row[0], row[3], row[2], row[1], row[4], row[5], row[6], json.loads(row[7] or "{}"))
        for row in cur.execute(
            "SELECT name, context, source, digest, num_rows, num_columns, size_bytes, schema "
            "FROM run_inputs WHERE run_id = ?",
            run_id,
        ).fetchall()
    ]
    models = [
        LoggedModel(*row)
        for row in cur.execute(
            "SELECT * FROM run_models WHERE run_id = ? ORDER BY artifact_path", run_id
        ).fetchall()
    ]
    return Run(info, RunData(metrics, params, tags), inputs, models)
