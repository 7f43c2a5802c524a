"""The run half of RegistryClient: MLflow's tracking calls that lineage needs."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from registry import arguments as check
from registry.arguments import check_max_results
from registry.artifacts.blobs import validate_artifact_path
from registry.clock import now_ms as _now
from registry.entities import Dataset, LoggedModel, Metric, PagedList, Run, RunInfo
from registry.errors import InvalidArgumentError, NotFoundError

RUN_STATUSES = ("RUNNING", "FINISHED", "FAILED", "KILLED")
DEFAULT_EXPERIMENT = "Default"
_RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_PARAM_VALUE = 6000


def check_run_id(value: object) -> str:
    """A run id: 1-64 letters, digits, '_' or '-' (ids made here are 32 hex digits)."""
    if not isinstance(value, str) or not _RUN_ID.fullmatch(value):
        raise InvalidArgumentError(
            f"Invalid run id {value!r}: expected 1-64 letters, digits, '_' or '-'"
        )
    return value


def _metric_value(key: str, value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"Metric {key!r} must be a number, got {value!r}") from None


class RunClient:
    """Mixed into RegistryClient; relies on its ``_store`` and ``_actor()``."""

    _store: Any
    blobs: Any
    _actor: Callable[[], str]
    _require: Callable[[str, str], str]

    def create_run(
        self,
        experiment_id: str | None = None,
        start_time: int | None = None,
        tags: dict[str, Any] | None = None,
        run_name: str | None = None,
        *,
        source: dict[str, Any] | None = None,
    ) -> Run:
        """Start a run in experiment ``experiment_id`` (an experiment name here)."""
        experiment = experiment_id or DEFAULT_EXPERIMENT
        check.tag_key(experiment)
        info = RunInfo(
            run_id=uuid.uuid4().hex,
            experiment_name=experiment,
            run_name=run_name,
            status="RUNNING",
            start_time=start_time or _now(),
            user_id=self._require("editor", "starting a run"),
            **(source or {}),
        )
        self._store.create_run(info, check.tags(tags))
        return self._store.get_run(info.run_id)

    def get_run(self, run_id: str) -> Run:
        return self._store.get_run(check_run_id(run_id))

    def set_terminated(
        self, run_id: str, status: str | None = None, end_time: int | None = None
    ) -> None:
        status = (status or "FINISHED").upper()
        if status not in RUN_STATUSES:
            raise InvalidArgumentError(f"Invalid run status {status!r}; expected {RUN_STATUSES}")
        self._require("editor", "ending a run")
        self._store.end_run(check_run_id(run_id), status, end_time or _now())

    def log_param(self, run_id: str, key: str, value: Any) -> Any:
        self.log_batch(run_id, params={key: value})
        return value

    def log_metric(
        self,
        run_id: str,
        key: str,
        value: float,
        timestamp: int | None = None,
        step: int | None = None,
    ) -> None:
        self.log_batch(run_id, metrics=[Metric(key, value, timestamp or _now(), step or 0)])

    def set_tag(self, run_id: str, key: str, value: Any) -> None:
        self.log_batch(run_id, tags={key: value})

    def log_batch(
        self,
        run_id: str,
        metrics: Iterable[Metric] = (),
        params: dict[str, Any] | Iterable[Any] = (),
        tags: dict[str, Any] | Iterable[Any] = (),
    ) -> None:
        """Metrics, params and tags of one run in one transaction."""
        self._require("editor", "logging to a run")
        checked_metrics = [
            Metric(check.tag_key(m.key), _metric_value(m.key, m.value), int(m.timestamp or _now()),
                   int(m.step or 0))
            for m in metrics
        ]  # fmt: skip
        checked_params = {
            key: value[:MAX_PARAM_VALUE] for key, value in check.tags(_as_dict(params)).items()
        }
        self._store.log_batch(
            check_run_id(run_id), checked_metrics, checked_params, check.tags(_as_dict(tags))
        )

    def update_run(self, run_id: str, status: str | None = None) -> None:
        """Set a run's status; ``RUNNING`` reopens an ended run (its end time is cleared)."""
        status = (status or "RUNNING").upper()
        if status not in RUN_STATUSES:
            raise InvalidArgumentError(f"Invalid run status {status!r}; expected {RUN_STATUSES}")
        self._require("editor", "updating a run")
        end_time = None if status == "RUNNING" else _now()
        self._store.end_run(check_run_id(run_id), status, end_time)

    def log_model_file(self, logged: LoggedModel) -> None:
        """Record a model file logged under a run; its bytes must already be in ``blobs``
        (``registry.sklearn.log_model`` does both). Raises NotFoundError for a missing file."""
        self._require("editor", "logging a model")
        check_run_id(logged.run_id)
        validate_artifact_path(logged.artifact_path)
        if not self.blobs.exists(logged.sha256):
            raise NotFoundError(f"Model file {logged.sha256} is not in the artifact store")
        self._store.save_logged_model(logged)

    def get_logged_model(self, run_id: str, artifact_path: str) -> LoggedModel:
        """The model file logged under ``run_id`` at ``artifact_path``; raises NotFoundError."""
        return self._store.get_logged_model(
            check_run_id(run_id), validate_artifact_path(artifact_path)
        )

    def log_input(self, run_id: str, dataset: Dataset) -> None:
        self._require("editor", "logging a dataset")
        self._store.log_input(check_run_id(run_id), dataset)

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        return self._store.get_metric_history(check_run_id(run_id), check.tag_key(key))

    def search_runs(
        self,
        experiment_ids: list[str] | str | None = None,
        max_results: int = 1000,
        page_token: str | None = None,
    ) -> PagedList[Run]:
        """Runs of the given experiments (all when None), newest first."""
        names = [experiment_ids] if isinstance(experiment_ids, str) else experiment_ids
        limit = check_max_results(max_results, 50_000, "search_runs")
        return self._store.search_runs(names, limit, page_token)


def _as_dict(values: dict[str, Any] | Iterable[Any]) -> dict[str, Any]:
    if isinstance(values, dict):
        return values
    return {item.key: item.value for item in values}
