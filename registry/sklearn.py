"""``registry.sklearn``: log and load scikit-learn models, as ``mlflow.sklearn`` does.

Models are saved with skops (never pickled), stored by sha256 under the registry home and
described by a manifest (signature, environment, hash, size) kept with the run.
"""

from __future__ import annotations

from typing import Any

from registry import fluent
from registry.artifacts.blobs import validate_artifact_path
from registry.artifacts.model_files import (
    FLAVOR,
    Manifest,
    Signature,
    load_sklearn_model,
    save_sklearn_model,
)
from registry.client.model_uris import resolve_model
from registry.clock import now_ms
from registry.entities import LoggedModel, ModelInfo

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
    started_here = fluent.active_run() is None
    run_id = fluent._active_run_id()
    try:
        client = fluent.client()
        manifest = save_sklearn_model(client.blobs, sk_model, input_example, signature)
        client.log_model_file(
            LoggedModel(run_id, path, manifest.sha256, FLAVOR, manifest.to_json(),
                        now_ms())
        )  # fmt: skip
        version = None
        if registered_model_name is not None:
            version = fluent.register_model(f"runs:/{run_id}/{path}", registered_model_name)
    except BaseException:
        if started_here:
            fluent.end_run("FAILED")
        raise
    if started_here:
        fluent.end_run()
    return ModelInfo(
        run_id=run_id,
        artifact_path=path,
        model_uri=f"runs:/{run_id}/{path}",
        sha256=manifest.sha256,
        flavor=FLAVOR,
        signature=manifest.signature.to_dict() if manifest.signature else None,
        registered_model_version=version.version if version else None,
    )


def load_model(model_uri: str, trusted: list[str] | None = None) -> Any:
    """The estimator a model URI names; its file's hash and types are checked first.

    ``trusted`` names extra types to allow beyond the vetted scikit-learn/numpy/scipy list.
    """
    client = fluent.client()
    logged = resolve_model(client, model_uri)
    return load_sklearn_model(client.blobs, Manifest.from_json(logged.manifest), trusted)
