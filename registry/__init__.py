"""A model registry that speaks MLflow's language: an embedded DuckDB file for one person, a
registry server for a team (``RegistryClient("http://host:8080")`` or ``REGISTRY_URI``).

import registry as mlflow
from registry import RegistryClient as MlflowClient
"""

import importlib

from registry.client import RegistryClient
from registry.config import acting_as
from registry.entities import (
    Change,
    Dataset,
    Metric,
    ModelInfo,
    ModelVersion,
    PagedList,
    RegisteredModel,
    Run,
)
from registry.errors import (
    AliasNotFoundError,
    AlreadyExistsError,
    ArtifactError,
    AuthenticationError,
    FilterSyntaxError,
    IntegrityError,
    InvalidArgumentError,
    InvalidStageTransitionError,
    NotFoundError,
    PermissionDeniedError,
    RegistryBusyError,
    RegistryError,
    SchemaMismatchError,
    ServerUnavailableError,
    UntrustedTypeError,
    ValidationInputError,
    ValidationRequiredError,
)
from registry.fluent import (
    ActiveRun,
    active_run,
    end_run,
    get_registry_uri,
    get_run,
    get_tracking_uri,
    last_active_run_id,
    log_input,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    register_model,
    search_model_versions,
    search_registered_models,
    set_experiment,
    set_model_version_tag,
    set_registry_uri,
    set_tag,
    set_tags,
    set_tracking_uri,
    start_run,
)
from registry.notifications.events import Event

MlflowClient = RegistryClient
MlflowException = RegistryError
_LAZY_MODULES = ("sklearn", "pyfunc", "models")


def __getattr__(name: str):
    """``registry.sklearn`` and friends load on first use: scikit-learn is slow to import."""
    if name in _LAZY_MODULES:
        return importlib.import_module(f"registry.{name}")
    raise AttributeError(f"module 'registry' has no attribute {name!r}")


__all__ = [
    "ActiveRun",
    "AliasNotFoundError",
    "AlreadyExistsError",
    "ArtifactError",
    "AuthenticationError",
    "Change",
    "Dataset",
    "Event",
    "FilterSyntaxError",
    "IntegrityError",
    "InvalidArgumentError",
    "InvalidStageTransitionError",
    "Metric",
    "MlflowClient",
    "MlflowException",
    "ModelInfo",
    "ModelVersion",
    "NotFoundError",
    "PagedList",
    "PermissionDeniedError",
    "RegisteredModel",
    "RegistryBusyError",
    "RegistryClient",
    "RegistryError",
    "Run",
    "SchemaMismatchError",
    "ServerUnavailableError",
    "UntrustedTypeError",
    "ValidationInputError",
    "ValidationRequiredError",
    "acting_as",
    "active_run",
    "end_run",
    "get_registry_uri",
    "get_run",
    "get_tracking_uri",
    "last_active_run_id",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "models",
    "pyfunc",
    "register_model",
    "search_model_versions",
    "search_registered_models",
    "set_experiment",
    "set_model_version_tag",
    "set_registry_uri",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "sklearn",
    "start_run",
]
