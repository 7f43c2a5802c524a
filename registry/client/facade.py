"""RegistryClient: the one facade the fluent API, the CLI and the dashboard call.

It speaks the MLflow Model Registry's language (method names, arguments, return shapes), so
``from registry import RegistryClient as MlflowClient`` runs MLflow registry code unchanged.
Each method checks its arguments before touching the store and records who acted.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from registry import arguments as check
from registry import config
from registry.arguments import check_max_results
from registry.artifacts.blobs import BlobStore
from registry.client.aliases import AliasClient
from registry.client.copies import CopyClient
from registry.client.history import HistoryClient
from registry.client.notifications import NotificationClient
from registry.client.reviews import WorkflowClient
from registry.client.roles import STAGE_ROLE
from registry.client.runs import RunClient
from registry.client.tokens import TokenClient
from registry.client.validation import ValidationClient
from registry.entities import ModelVersion, PagedList, RegisteredModel, reserved_version_tags
from registry.errors import InvalidArgumentError, InvalidStageTransitionError, NotFoundError
from registry.store.contract import RegistryStore

MAX_MODEL_RESULTS = 1000
MAX_VERSION_RESULTS = 200_000


class RegistryClient(
    AliasClient,
    CopyClient,
    HistoryClient,
    RunClient,
    NotificationClient,
    WorkflowClient,
    ValidationClient,
    TokenClient,
):
    """A client for the registry in ``home`` (default: ``REGISTRY_HOME`` or ``./mlregistry``).

    ``user`` attributes this client's writes (default: the signed-in dashboard user,
    ``REGISTRY_USER``, or the OS login). ``tracking_uri`` / ``registry_uri`` are accepted as
    MLflow spells them: a local folder path (optionally ``file:``-prefixed) used as the home.
    ``store`` hands the client a backend directly (the server and the contract tests do).
    """

    def __new__(cls, home=None, **options: Any) -> RegistryClient:
        uri_given = (home, options.get("registry_uri"), options.get("tracking_uri"))
        if cls is RegistryClient and options.get("store") is None and config.server_uri(*uri_given):
            from registry.client.remote import RemoteRegistryClient

            return super().__new__(RemoteRegistryClient)
        return super().__new__(cls)

    def __init__(
        self,
        home: str | os.PathLike[str] | None = None,
        *,
        user: str | None = None,
        busy_timeout: float | None = None,
        tracking_uri: str | None = None,
        registry_uri: str | None = None,
        store: RegistryStore | None = None,
        token: str | None = None,
        timeout: float | None = None,
    ):
        self._user = check.actor(user) if user is not None else None
        if store is not None:
            self.home = getattr(store, "home", None)
            self.uri = str(self.home or store.key)
            self._store = store
            return
        from registry.store.duckdb import DuckDBStore

        chosen = home if home is not None else config.home_from_uri(registry_uri or tracking_uri)
        self.home = config.resolve_home(chosen)
        self.uri = str(self.home)
        self._store = DuckDBStore(self.home, busy_timeout=config.busy_timeout(busy_timeout))

    def __reduce__(self):
        # Spark and multiprocessing pickle clients: rebuild from the home, never copy the
        # connection (the other process opens the file itself). A store without a home
        # (PostgreSQL) pickles as what reopens it.
        if self.home is None:
            return (_client_on, (self._store,), {"_user": self._user})
        return (RegistryClient, (self.home,), {"_user": self._user})

    def get_acting_user(self) -> str:
        """Who this client's writes are recorded as (on a server: the token's owner)."""
        return self._actor()

    @property
    def blobs(self) -> BlobStore:
        """The registry's content-addressed model files."""
        return self._store.blobs

    def _actor(self) -> str:
        return self._user or config.current_user()

    # -- holding the file ------------------------------------------------------------------

    @contextlib.contextmanager
    def batch(self) -> Iterator[RegistryClient]:
        """Keep the registry file open for the whole block: use it for bulk work."""
        with self._store.hold():
            yield self

    def release(self) -> None:
        """Let other processes have the registry file now (unless a call is running)."""
        self._store.release()

    # -- registered models -----------------------------------------------------------------

    def create_registered_model(
        self,
        name: str,
        tags: dict[str, Any] | None = None,
        description: str | None = None,
        **_mlflow_only: Any,
    ) -> RegisteredModel:
        """Create a model; raises AlreadyExistsError if the name is taken."""
        return self._store.create_registered_model(
            check.model_name(name),
            check.tags(tags),
            check.description(description),
            self._require("editor", "registering a model"),
        )

    def get_registered_model(self, name: str) -> RegisteredModel:
        return self._store.get_registered_model(check.model_name(name))

    def find_registered_model(self, name: str) -> RegisteredModel | None:
        """The model, or None when no model has that name."""
        try:
            return self.get_registered_model(name)
        except NotFoundError:
            return None

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        return self._store.rename_registered_model(
            check.model_name(name),
            check.model_name(new_name, "new_name"),
            self._require("editor", "renaming a model"),
        )

    def update_registered_model(
        self, name: str, description: str | None = None, **_mlflow_only: Any
    ) -> RegisteredModel:
        return self._store.update_registered_model(
            check.model_name(name),
            check.description(description),
            self._require("editor", "editing a description"),
        )

    def delete_registered_model(self, name: str) -> None:
        self._store.delete_registered_model(
            check.model_name(name), self._require("admin", "deleting a model")
        )

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = 100,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        """A page of models matching ``filter_string`` (see registry.search for the grammar)."""
        limit = check_max_results(
            max_results, MAX_MODEL_RESULTS, "search_registered_models", limit_first=True
        )
        return self._store.search_registered_models(filter_string, limit, order_by, page_token)

    def set_registered_model_tag(self, name: str, key: str, value: Any) -> None:
        key = check.tag_key(key)
        self._store.set_registered_model_tag(
            check.model_name(name),
            key,
            check.tag_value(key, value),
            self._require("editor", "setting a tag"),
        )

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """Remove a tag; removing one that does not exist succeeds silently (as in MLflow)."""
        self._store.delete_registered_model_tag(
            check.model_name(name), check.tag_key(key), self._require("editor", "deleting a tag")
        )

    # -- model versions ----------------------------------------------------------------------

    def create_model_version(
        self,
        name: str,
        source: str | None = None,
        run_id: str | None = None,
        tags: dict[str, Any] | None = None,
        run_link: str | None = None,
        description: str | None = None,
        await_creation_for: int | None = None,
        model_id: str | None = None,
        **_mlflow_only: Any,
    ) -> ModelVersion:
        """Add the next version of ``name``; its number is never reused, even after deletion.
        ``model_id`` (MLflow 3's logged-model id) is kept and returned with the version."""
        return self._store.create_model_version(
            check.model_name(name),
            source=check.model_source(source),
            run_id=run_id,
            tags={**check.tags(tags), **reserved_version_tags(check.model_id(model_id))},
            run_link=run_link,
            description=check.description(description),
            actor=self._require("editor", "registering a version"),
        )

    def create_model_versions(
        self, name: str, versions: list[dict[str, Any]]
    ) -> list[ModelVersion]:
        """Bulk import: add many versions of ``name`` in one transaction.

        Each item takes the keyword arguments of create_model_version (source, run_id, tags,
        run_link, description). Much faster than one call per version.
        """
        name = check.model_name(name)
        specs = [_version_spec(item) for item in versions]
        return self._store.create_model_versions(
            name, specs, self._require("editor", "registering versions")
        )

    def import_models(self, models: list[dict[str, Any]]) -> int:
        """Bulk import of new models, each ``{"name", "description", "tags", "versions"}``
        (versions as in create_model_versions, numbered from 1), in one transaction.
        Returns how many versions were created; raises AlreadyExistsError naming any
        model that exists."""
        checked = []
        for item in models:
            unknown = set(item) - {"name", "description", "tags", "versions"}
            if unknown:
                raise InvalidArgumentError(f"Unknown model field(s): {', '.join(sorted(unknown))}")
            checked.append(
                {
                    "name": check.model_name(item.get("name")),
                    "description": check.description(item.get("description")),
                    "tags": check.tags(item.get("tags")),
                    "versions": [_version_spec(v) for v in item.get("versions", [])],
                }
            )
        if len({m["name"] for m in checked}) != len(checked):
            raise InvalidArgumentError("import_models was given the same model name twice")
        return self._store.import_models(checked, self._require("editor", "importing models"))

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        name = check.model_name(name)
        return self._store.get_model_version(name, check.version_number(version, name))

    def find_model_version(self, name: str, version: int | str) -> ModelVersion | None:
        """The version, or None when it does not exist."""
        try:
            return self.get_model_version(name, version)
        except NotFoundError:
            return None

    def update_model_version(
        self, name: str, version: int | str, description: str | None = None
    ) -> ModelVersion:
        name = check.model_name(name)
        return self._store.update_model_version(
            name,
            check.version_number(version, name),
            check.description(description),
            self._require("editor", "editing a description"),
        )

    def delete_model_version(self, name: str, version: int | str) -> None:
        """Delete a version; its number stays used (a tombstone remains)."""
        name = check.model_name(name)
        self._store.delete_model_version(
            name, check.version_number(version, name), self._require("admin", "deleting a version")
        )

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = 10_000,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        """A page of versions matching ``filter_string`` (see registry.search for the grammar)."""
        limit = check_max_results(max_results, MAX_VERSION_RESULTS, "search_model_versions")
        return self._store.search_model_versions(filter_string, limit, order_by, page_token)

    def get_latest_versions(self, name: str, stages: list[str] | None = None) -> list[ModelVersion]:
        """The newest version in each stage (each of ``stages`` when given)."""
        wanted = None if not stages else sorted({check.stage(s) for s in stages})
        return self._store.get_latest_versions(check.model_name(name), wanted)

    def transition_model_version_stage(
        self,
        name: str,
        version: int | str,
        stage: str,
        archive_existing_versions: bool = False,
        comment: str | None = None,
        *,
        override_validation: bool = False,
    ) -> ModelVersion:
        """Move a version to ``stage``; with ``archive_existing_versions`` the versions that
        were in that stage move to Archived, in the same transaction.

        When the model requires a recent passing validation for Production and the version
        has none, raises ValidationRequiredError, unless a reviewer sets
        ``override_validation`` and says why in ``comment`` (the override is recorded).
        """
        return self._transition(
            name, version, stage, archive_existing_versions, comment, override_validation
        )

    def _transition(
        self, name, version, stage, archive_existing, comment, override_validation
    ) -> ModelVersion:
        name, stage = check.model_name(name), check.stage(stage)
        actor = self._require(STAGE_ROLE[stage], f"moving a version to {stage}")
        comment = check.comment(comment)
        number = check.version_number(version, name)
        if archive_existing and stage not in ("Staging", "Production"):
            raise InvalidStageTransitionError(
                "Model version transition cannot archive existing model versions because "
                f"{stage!r} is not an Active stage. (Moving version {number} of {name!r} to "
                f"{stage}: only a move to Staging or Production archives the versions in it; "
                "pass archive_existing_versions=False.)"
            )
        if override_validation and stage != "Production":
            raise InvalidArgumentError(
                f"override_validation applies to Production only; {stage} needs no validation"
            )
        return self._store.transition_model_version_stage(
            name, number, stage, bool(archive_existing), comment,
            actor, override=self._override_reason(override_validation, comment),
        )  # fmt: skip

    def set_model_version_tag(
        self,
        name: str,
        version: int | str | None = None,
        key: str | None = None,
        value: Any = None,
        stage: str | None = None,
    ) -> None:
        name = check.model_name(name)
        number = self._version_or_stage(name, version, stage)
        key = check.tag_key(key)
        self._store.set_model_version_tag(
            name, number, key, check.tag_value(key, value), self._require("editor", "setting a tag")
        )

    def delete_model_version_tag(
        self,
        name: str,
        version: int | str | None = None,
        key: str | None = None,
        stage: str | None = None,
    ) -> None:
        name = check.model_name(name)
        number = self._version_or_stage(name, version, stage)
        self._store.delete_model_version_tag(
            name, number, check.tag_key(key), self._require("editor", "deleting a tag")
        )

    def _version_or_stage(self, name: str, version: Any, stage: str | None) -> int:
        """MLflow lets tag calls name a stage instead of a version: its newest version."""
        check.version_or_stage(version, stage)
        if version is not None:
            return check.version_number(version, name)
        latest = self.get_latest_versions(name, [stage])  # type: ignore[list-item]
        if not latest:
            raise NotFoundError(f"Registered model {name!r} has no version in stage {stage!r}")
        return latest[0].version


def _version_spec(item: dict[str, Any]) -> dict[str, Any]:
    """One version of a bulk import, checked like create_model_version's arguments."""
    unknown = set(item) - {"source", "run_id", "tags", "run_link", "description"}
    if unknown:
        raise InvalidArgumentError(f"Unknown version field(s): {', '.join(sorted(unknown))}")
    return {
        **item,
        "source": check.model_source(item.get("source")),
        "tags": check.tags(item.get("tags")),
        "description": check.description(item.get("description")),
    }


def _client_on(store: RegistryStore) -> RegistryClient:
    return RegistryClient(store=store)
