"""A model registry that speaks MLflow's language, stored in one embedded DuckDB file.

import registry as mlflow
from registry import RegistryClient as MlflowClient
"""

from registry.client import RegistryClient
from registry.config import acting_as
from registry.entities import Change, ModelVersion, PagedList, RegisteredModel
from registry.errors import (
    AlreadyExistsError,
    ArtifactError,
    FilterSyntaxError,
    IntegrityError,
    InvalidArgumentError,
    InvalidStageTransitionError,
    NotFoundError,
    PermissionDeniedError,
    RegistryBusyError,
    RegistryError,
    SchemaMismatchError,
    UntrustedTypeError,
)

MlflowClient = RegistryClient

__all__ = [
    "AlreadyExistsError",
    "ArtifactError",
    "Change",
    "FilterSyntaxError",
    "IntegrityError",
    "InvalidArgumentError",
    "InvalidStageTransitionError",
    "MlflowClient",
    "ModelVersion",
    "NotFoundError",
    "PagedList",
    "PermissionDeniedError",
    "RegisteredModel",
    "RegistryBusyError",
    "RegistryClient",
    "RegistryError",
    "SchemaMismatchError",
    "UntrustedTypeError",
    "acting_as",
]
