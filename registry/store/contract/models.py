"""Registered models: create, read, rename, describe, delete, tags, aliases and search."""

from __future__ import annotations

from typing import Protocol

from registry.entities import ModelVersion, PagedList, RegisteredModel


class ModelStore(Protocol):
    def create_registered_model(
        self, name: str, tags: dict[str, str], description: str | None, actor: str
    ) -> RegisteredModel:
        """Create the model with its tags (history: ``registered_model.created``). Raises
        AlreadyExistsError when a live model has the name."""
        ...

    def get_registered_model(self, name: str) -> RegisteredModel:
        """The model with its tags, aliases and ``latest_versions`` (the newest version in
        each stage). Raises NotFoundError."""
        ...

    def rename_registered_model(self, name: str, new_name: str, actor: str) -> RegisteredModel:
        """Rename the model and everything keyed by its name (versions, requests, comments,
        policy, records) in one transaction; history keeps the old name and adds
        ``registered_model.renamed``. Raises NotFoundError, AlreadyExistsError."""
        ...

    def update_registered_model(
        self, name: str, description: str | None, actor: str
    ) -> RegisteredModel:
        """Set the description (None clears it) and bump ``last_updated_timestamp``."""
        ...

    def delete_registered_model(self, name: str, actor: str) -> None:
        """Delete the model, its versions, requests, comments and policy; its version
        counter goes too, so a model created again under the name starts at version 1.
        Validation records and history rows stay. Raises NotFoundError."""
        ...

    def set_registered_model_tag(self, name: str, key: str, value: str, actor: str) -> None:
        """Set (or overwrite) one tag. Raises NotFoundError."""
        ...

    def delete_registered_model_tag(self, name: str, key: str, actor: str) -> None:
        """Remove one tag; a missing tag is no error. Raises NotFoundError for the model."""
        ...

    def set_registered_model_alias(
        self,
        name: str,
        alias: str,
        version: int,
        actor: str,
        *,
        comment: str | None = None,
        override: str | None = None,
    ) -> None:
        """Point ``alias`` at a live ``version``, moving it if it pointed elsewhere
        (history: ``registered_model.alias_moved`` with old -> new and ``comment``). Moving
        a protected alias (the policy's ``protected_aliases``) passes the Production gate,
        unless ``override`` gives the reason (recorded). Raises NotFoundError,
        ValidationRequiredError."""
        ...

    def delete_registered_model_alias(self, name: str, alias: str, actor: str) -> None:
        """Remove the alias; a missing alias is no error. Raises NotFoundError for the model."""
        ...

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """The version ``alias`` points at. Raises NotFoundError for the model or alias."""
        ...

    def search_registered_models(
        self,
        filter_string: str | None,
        max_results: int,
        order_by: list[str] | None,
        page_token: str | None,
    ) -> PagedList[RegisteredModel]:
        """A page of live models matching the filter, by ``order_by`` (default: name
        ascending), each with its ``latest_versions``. Raises FilterSyntaxError."""
        ...
