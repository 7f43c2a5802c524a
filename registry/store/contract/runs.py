"""Runs: the tracking records lineage needs (params, metrics, inputs, logged model files)."""

from __future__ import annotations

from typing import Protocol

from registry.entities import Dataset, LoggedModel, Metric, PagedList, Run, RunInfo


class RunStore(Protocol):
    def create_run(self, info: RunInfo, tags: dict[str, str]) -> None:
        """Store a new run as ``info`` describes it (its id chosen by the caller)."""
        ...

    def end_run(self, run_id: str, status: str, end_time: int | None) -> None:
        """Set the run's status and end time (None: still running). Raises NotFoundError."""
        ...

    def log_batch(
        self, run_id: str, metrics: list[Metric], params: dict[str, str], tags: dict[str, str]
    ) -> None:
        """Record metrics (appended), params and tags (overwritten) in one transaction.
        Raises NotFoundError."""
        ...

    def log_input(self, run_id: str, dataset: Dataset) -> None:
        """Record a dataset the run used, once per name, digest and context."""
        ...

    def save_logged_model(self, model: LoggedModel) -> None:
        """Record a model file logged under the run at ``artifact_path`` (replacing one
        logged there before); its bytes are already in ``blobs`` under ``model.sha256``."""
        ...

    def get_logged_model(self, run_id: str, artifact_path: str) -> LoggedModel:
        """The model file logged under the run at ``artifact_path``. Raises NotFoundError."""
        ...

    def get_run(self, run_id: str) -> Run:
        """The run with its newest metric values, params, tags, inputs and logged models.
        Raises NotFoundError."""
        ...

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        """Every value logged for ``key``, by step then timestamp."""
        ...

    def search_runs(
        self, experiment_names: list[str] | None, max_results: int, page_token: str | None
    ) -> PagedList[Run]:
        """A page of runs of the given experiments (all when None), newest first."""
        ...
