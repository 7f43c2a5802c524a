"""``registry.sklearn``: log and load scikit-learn models, as ``mlflow.sklearn`` does.

Models are saved with skops (never pickled), stored by sha256 under the registry home and
described by a manifest (signature, environment, hash, size) kept with the run.
"""

from __future__ import annotations

from typing import Any

from registry import fluent
from registry.artifacts.blobs import validate_artifact_path
from registry.artifacts.model_files import (
    Manifest,
    Signature,
    load_sklearn_model,
    save_sklearn_model,
)
from registry.client.model_uris import resolve_model
from registry.entities import ModelInfo

__all__ = ["load_model", "log_model"]


def log_model(
    sk_model: Any,
    artifact_path: str | None = None,
    registered_model_name: str | None = None,
    input_example: Any = None,
    signature: Signature | None = None,
    *,
    name: str | None = None,
    **_mlflow_only: Any,
) -> ModelInfo:
    """Store ``sk_model`` under the active run (one is started and ended if none is active)
    and, with ``registered_model_name``, register it as that model's next version."""
    path = validate_artifact_path(name or artifact_path or "model")
    return fluent.log_model_file(
        lambda client: save_sklearn_model(client.blobs, sk_model, input_example, signature),
        path,
        registered_model_name,
    )


def load_model(model_uri: str, trusted: list[str] | None = None) -> Any:
    """The estimator a model URI names; its file's hash and types are checked first.

    ``trusted`` names extra types to allow beyond the vetted scikit-learn/numpy/scipy list.
    """
    client = fluent.client()
    logged = resolve_model(client, model_uri)
    return load_sklearn_model(client.blobs, Manifest.from_json(logged.manifest), trusted)
