"""The history half of RegistryClient: who changed what and when, what was in a stage at a
given time, rollback, and the batched reads the dashboard's tables need."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from registry import arguments as check
from registry.arguments import check_max_results
from registry.clock import now_ms
from registry.entities import Change, ModelVersion
from registry.errors import InvalidArgumentError, InvalidStageTransitionError


class HistoryClient:
    """Mixed into RegistryClient; relies on its ``_store``, ``_transition`` and
    ``find_model_version``."""

    _store: Any
    _transition: Callable[..., ModelVersion]
    find_model_version: Callable[..., ModelVersion | None]

    # -- history -----------------------------------------------------------------------------

    def get_history(
        self,
        name: str | None = None,
        version: int | str | None = None,
        *,
        actor: str | None = None,
        events: list[str] | None = None,
        since: int | None = None,
        until: int | None = None,
        max_results: int = 100,
        offset: int = 0,
    ) -> list[Change]:
        """Changes, newest first: of one model (and version), or of the whole registry."""
        name = None if name is None else check.model_name(name)
        number = None if version is None else check.version_number(version, name)
        limit = check_max_results(max_results, 10_000, "get_history")
        return self._store.search_changes(
            model_name=name,
            version=number,
            actor=actor,
            events=events,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )

    def get_registry_summary(self, days: int = 7) -> dict[str, Any]:
        """Headline counts: models, versions by stage, changes in the last ``days`` days."""
        since = now_ms() - days * 86_400_000
        return self._store.registry_summary(since)

    def get_versions_in_stage_at(
        self, name: str, stage: str, when: datetime | int
    ) -> list[ModelVersion]:
        """The versions of ``name`` that were in ``stage`` at ``when`` (aware datetime or ms)."""
        if isinstance(when, datetime):
            if when.tzinfo is None:
                raise InvalidArgumentError("Pass a timezone-aware datetime (e.g. in UTC)")
            when = int(when.timestamp() * 1000)
        return self._store.versions_in_stage_at(check.model_name(name), check.stage(stage), when)

    def rollback_production(
        self, name: str, comment: str | None = None, *, override_validation: bool = False
    ) -> ModelVersion:
        """Put back the last version that left Production because another was promoted
        (not one an earlier rollback displaced), archiving the current one. It passes the
        Production gate like any promotion: a reviewer may ``override_validation`` with a
        ``comment`` (recorded). Raises InvalidStageTransitionError when there is none."""
        target = self.find_rollback_target(name)
        if target is None:
            raise InvalidStageTransitionError(
                f"Registered model {name!r} has no earlier Production version to roll back to"
            )
        return self._transition(
            target.name, target.version, "Production", True, comment or "rollback",
            override_validation,
        )  # fmt: skip

    def find_rollback_target(self, name: str) -> ModelVersion | None:
        """The version rollback_production would restore, or None when there is none."""
        name = check.model_name(name)
        version = self._store.rollback_target(name)
        return None if version is None else self.find_model_version(name, version)

    # -- batched reads for the dashboard ---------------------------------------------------

    def count_registered_models(self, filter_string: str | None = None) -> int:
        """How many models match ``filter_string`` (the grammar of search_registered_models)."""
        return self._store.count_registered_models(filter_string)

    def count_model_versions(self, filter_string: str | None = None) -> int:
        """How many live versions match ``filter_string`` (as search_model_versions)."""
        return self._store.count_model_versions(filter_string)

    def get_latest_metrics(self, run_ids: list[str]) -> dict[str, dict[str, float]]:
        """Each run's newest metric values, in one query: {run_id: {key: value}}."""
        return self._store.latest_metrics([str(r) for r in dict.fromkeys(run_ids) if r])

    def get_model_metric_keys(self, name: str) -> list[str]:
        """The metric keys logged by the runs of ``name``'s versions."""
        return self._store.model_metric_keys(check.model_name(name))

    def get_model_metric_values(
        self, name: str, key: str, max_results: int = 500
    ) -> list[tuple[int, str, float]]:
        """(version, stage, value of ``key``) for the newest versions whose run logged it."""
        limit = check_max_results(max_results, 10_000, "get_model_metric_values")
        return self._store.model_metric_values(check.model_name(name), check.tag_key(key), limit)

    def get_model_tag_values(self, keys: list[str], max_results: int = 200) -> dict[str, list[str]]:
        """Distinct values of the given registered-model tags (for filter choices)."""
        limit = check_max_results(max_results, 10_000, "get_model_tag_values")
        return self._store.model_tag_values([check.tag_key(k) for k in keys], limit)

    def get_history_events(self) -> list[str]:
        """The event names that occur in the history, sorted."""
        return self._store.change_events()
