"""``registry.pyfunc``: load any registered model behind one ``predict`` interface."""

from __future__ import annotations

from registry import fluent
from registry.artifacts.model_files import Manifest
from registry.artifacts.pyfunc_model import PyFuncModel
from registry.client.model_uris import resolve_model

__all__ = ["PyFuncModel", "load_model"]


def load_model(model_uri: str, trusted: list[str] | None = None) -> PyFuncModel:
    """The model a URI names, wrapped so ``predict`` checks input against its signature.

    Accepts runs:/<run_id>/<path>, models:/<name>/<version|stage|latest> and
    models:/<name>@<alias>. ``trusted`` names extra types to allow when loading.
    """
    client = fluent.client()
    logged = resolve_model(client, model_uri)
    return PyFuncModel.load(client.blobs, Manifest.from_json(logged.manifest), trusted)
