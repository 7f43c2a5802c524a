"""The append-only history and the reads built on it, plus the dashboard's batched reads."""

from __future__ import annotations

from typing import Any, Protocol

from registry.entities import Change, ModelVersion


class HistoryStore(Protocol):
    def search_changes(
        self,
        *,
        model_name: str | None = None,
        version: int | None = None,
        actor: str | None = None,
        events: list[str] | None = None,
        since: int | None = None,
        until: int | None = None,
        after_id: int | None = None,
        limit: int = 100,
        offset: int = 0,
        newest_first: bool = True,
    ) -> list[Change]:
        """History rows matching every given condition, newest first (by id, which grows
        with every write) unless ``newest_first`` is False."""
        ...

    def change_events(self) -> list[str]:
        """The distinct event names in the history, sorted."""
        ...

    def versions_in_stage_at(self, name: str, stage: str, timestamp: int) -> list[ModelVersion]:
        """The versions of ``name`` that were in ``stage`` at ``timestamp``, answered from
        the history and shown as they are now."""
        ...

    def rollback_target(self, name: str) -> int | None:
        """The version a rollback would restore: the last live version that left
        Production because another was promoted, not counting what earlier rollbacks
        displaced (rolling back twice never brings the first version back); None when
        there is none."""
        ...

    def registry_summary(self, since: int) -> dict[str, Any]:
        """Counts of models, live versions by stage, and changes since ``since``."""
        ...

    def count_registered_models(self, filter_string: str | None) -> int:
        """How many live models match (the grammar of search_registered_models)."""
        ...

    def count_model_versions(self, filter_string: str | None) -> int:
        """How many live versions match (the grammar of search_model_versions)."""
        ...

    def latest_metrics(self, run_ids: list[str]) -> dict[str, dict[str, float]]:
        """Each run's newest value (highest step, then timestamp) of every metric."""
        ...

    def model_metric_keys(self, name: str) -> list[str]:
        """Metric keys logged by the runs of the model's live versions, sorted."""
        ...

    def model_metric_values(self, name: str, key: str, limit: int) -> list[tuple[int, str, float]]:
        """(version, stage, newest value of ``key``) for the newest ``limit`` live versions
        whose run logged ``key``, newest version first."""
        ...

    def model_tag_values(self, keys: list[str], limit: int) -> dict[str, list[str]]:
        """Up to ``limit`` distinct values, sorted, of each registered-model tag in ``keys``."""
        ...
