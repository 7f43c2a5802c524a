"""``registry.pyfunc``: load any registered model behind one ``predict`` interface, and log
custom Python models as MLflow's "models from code" (a source file, never a pickle)."""

from __future__ import annotations

import os
from typing import Any

from registry import fluent
from registry.artifacts.blobs import validate_artifact_path
from registry.artifacts.code_model import (
    PythonModel,
    PythonModelContext,
    refuse_instance,
    save_code_model,
    set_model,
)
from registry.artifacts.model_files import Manifest, Signature
from registry.artifacts.pyfunc_model import PyFuncModel
from registry.client.model_uris import resolve_model
from registry.entities import ModelInfo
from registry.errors import InvalidArgumentError

__all__ = [
    "PyFuncModel",
    "PythonModel",
    "PythonModelContext",
    "load_model",
    "log_model",
    "set_model",
]


def log_model(
    artifact_path: str | None = None,
    python_model: str | os.PathLike[str] | None = None,
    registered_model_name: str | None = None,
    input_example: Any = None,
    signature: Signature | None = None,
    *,
    name: str | None = None,
    model_config: dict | None = None,
    artifacts: dict | None = None,
    **_mlflow_only: Any,
) -> ModelInfo:
    """Log a models-from-code file: ``python_model`` is the path of a ``.py`` file that builds
    the model and calls ``set_model(...)``. The file is stored by its sha256 under the active
    run (and registered with ``registered_model_name``); it is compiled, not run, here.
    Loading it runs it: load only models whose code you trust. A model object is refused
    (it would have to be pickled), naming this way instead."""
    if python_model is None:
        raise InvalidArgumentError(
            "log_model needs python_model: the path of a .py file that calls set_model(...)"
        )
    if not isinstance(python_model, (str, os.PathLike)):
        raise refuse_instance(python_model)
    if artifacts:
        raise InvalidArgumentError(
            "artifacts= is not supported: a models-from-code file is stored alone; read the "
            "files it needs in load_context, or pass settings in model_config"
        )
    path = validate_artifact_path(name or artifact_path or "model")
    return fluent.log_model_file(
        lambda client: save_code_model(
            client.blobs, python_model, input_example, signature, model_config
        ),
        path,
        registered_model_name,
    )


def load_model(model_uri: str, trusted: list[str] | None = None) -> PyFuncModel:
    """The model a URI names, wrapped so ``predict`` checks input against its signature.

    Accepts runs:/<run_id>/<path>, models:/<name>/<version|stage|latest> and
    models:/<name>@<alias>. ``trusted`` names extra types to allow when loading a
    scikit-learn model; a models-from-code file is run, as MLflow runs it.
    """
    client = fluent.client()
    logged = resolve_model(client, model_uri)
    return PyFuncModel.load(client.blobs, Manifest.from_json(logged.manifest), trusted)
