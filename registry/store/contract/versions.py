"""Model versions: numbering, reads, descriptions, stages, tags and search."""

from __future__ import annotations

from typing import Any, Protocol

from registry.entities import ModelVersion, PagedList


class VersionStore(Protocol):
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
        """Add the model's next version, stage "None", status READY. The number is
        allocated in the inserting transaction: consecutive under concurrency, never reused
        after a deletion. Raises NotFoundError when the model does not exist."""
        ...

    def create_model_versions(
        self, name: str, specs: list[dict[str, Any]], actor: str
    ) -> list[ModelVersion]:
        """Add ``len(specs)`` consecutive versions (each spec: create_model_version's
        keyword arguments but actor) in one transaction, returned in number order."""
        ...

    def import_models(self, models: list[dict[str, Any]], actor: str) -> int:
        """Create new models (``name``, ``description``, ``tags``, ``versions``) with their
        versions numbered from 1, all in one transaction; returns how many versions were
        created. Raises AlreadyExistsError naming a model that exists (nothing is created)."""
        ...

    def get_model_version(self, name: str, version: int) -> ModelVersion:
        """The live version with its tags and aliases. Raises NotFoundError (also for a
        deleted version)."""
        ...

    def update_model_version(
        self, name: str, version: int, description: str | None, actor: str
    ) -> ModelVersion:
        """Set the version's description and bump its ``last_updated_timestamp``."""
        ...

    def delete_model_version(self, name: str, version: int, actor: str) -> None:
        """Delete the version: it leaves a tombstone (its number is never reused), its
        aliases are removed and the model's ``last_updated_timestamp`` moves (as in MLflow).
        Raises NotFoundError."""
        ...

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
        """Move the version to ``stage`` (canonical spelling). With
        ``archive_existing_versions`` the other versions in that stage move to Archived in
        the same transaction (refused for Archived: InvalidStageTransitionError). Entering
        Production passes the model's validation requirement unless ``override`` gives the
        reason (recorded as ``model_version.validation_overridden``); the client never
        passes ``gated=False`` (rollback is gated too). Raises NotFoundError,
        ValidationRequiredError."""
        ...

    def get_latest_versions(self, name: str, stages: list[str] | None) -> list[ModelVersion]:
        """The newest live version in each stage (each of ``stages`` when given), by
        version number. Raises NotFoundError when the model does not exist."""
        ...

    def set_model_version_tag(
        self, name: str, version: int, key: str, value: str, actor: str
    ) -> None:
        """Set (or overwrite) one tag of a live version. Raises NotFoundError."""
        ...

    def delete_model_version_tag(self, name: str, version: int, key: str, actor: str) -> None:
        """Remove one tag; a missing tag is no error. Raises NotFoundError for the version."""
        ...

    def search_model_versions(
        self,
        filter_string: str | None,
        max_results: int,
        order_by: list[str] | None,
        page_token: str | None,
    ) -> PagedList[ModelVersion]:
        """A page of live versions matching the filter, by ``order_by`` (default: name
        ascending, then version descending). Raises FilterSyntaxError."""
        ...
