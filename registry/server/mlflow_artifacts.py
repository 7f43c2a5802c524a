"""Model downloads for MLflow's client: ``models:/`` URIs through ``mlflow-artifacts:``.

MLflow's client resolves ``models:/<name>/<version|stage|@alias>`` to a version, asks
``get-download-uri`` where its files are, and, for an ``mlflow-artifacts:`` answer, lists and
fetches them from ``/api/2.0/mlflow-artifacts/artifacts`` on the tracking server. Here a
version with a model file answers ``mlflow-artifacts:/registry-models/<name>/<version>``,
a folder of two files made from what the registry holds:

- ``model.skops``: the stored model file itself (checked against its sha256 as
  ``/api/v1/blobs`` checks it);
- ``MLmodel``: MLflow's description of it (sklearn flavour, skops format, pyfunc entry),
  written as JSON (which YAML readers read).

The MLmodel lists in ``skops_trusted_types`` exactly the types the file needs beyond skops's
defaults, and only after this server has loaded that file with the registry's own checks
(its hash, ``TRUSTED_TYPES``, the tree and SVM arrays); a file those checks refuse is not
described, and its download fails with the registry's error. A version without a model file
here answers its ``source``, as MLflow's server does. Nothing is written through these
routes: uploads, deletes and run artifacts are not served.
"""

from __future__ import annotations

import functools
import json
from urllib.parse import quote, unquote

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from registry.artifacts.blobs import BlobStore
from registry.artifacts.model_files import Manifest, load_sklearn_model
from registry.client import RegistryClient
from registry.client.model_uris import resolve_model
from registry.errors import NotFoundError, RegistryError
from registry.server.files import stream_blob
from registry.server.mlflow_shapes import error_response

SERVICE = "/api/2.0/mlflow-artifacts/artifacts"
ROOT = "registry-models"
MLMODEL = "MLmodel"
MODEL_FILE = "model.skops"


def download_uri(client: RegistryClient, name: str, version: str | int) -> str:
    """Where MLflow's client finds the version's files; raises NotFoundError."""
    found = client.get_model_version(name, version)
    try:
        resolve_model(client, f"models:/{found.name}/{found.version}")
    except NotFoundError:  # no file here: where it is (a copy's, where its original is)
        return client.get_model_version_download_uri(found.name, found.version) or ""
    return f"mlflow-artifacts:/{ROOT}/{quote(found.name, safe='')}/{found.version}"


def build_router(store, tokens) -> APIRouter:
    router = APIRouter(prefix=SERVICE, tags=["MLflow model downloads"])

    def as_caller(work, request: Request, path: str) -> Response:
        try:
            return work(RegistryClient(store=store, user=tokens.user_of(request)), path)
        except RegistryError as error:
            return error_response(error)

    @router.get("")
    async def list_artifacts(request: Request, path: str = "") -> Response:
        """The files under ``path`` (a version's folder lists MLmodel and model.skops)."""
        # MLflow's client sends the path of the download URI, where the name is quoted.
        return await run_in_threadpool(as_caller, _listing, request, unquote(path))

    @router.get("/{path:path}")
    async def download_artifact(request: Request, path: str) -> Response:
        """One file of a version's folder."""
        return await run_in_threadpool(as_caller, _file, request, path)

    @router.api_route("/{path:path}", methods=["PUT", "POST", "DELETE"], include_in_schema=False)
    def refuse_write(request: Request, path: str) -> Response:
        """Uploads and deletes are not served: model files arrive through registry's client."""
        body = {
            "error_code": "ENDPOINT_NOT_FOUND",
            "message": f"{request.method} of artifacts is not served here: this server only "
            "hands out the files of registered model versions; log models with registry's "
            "own client (import registry as mlflow)",
        }
        return JSONResponse(body, status_code=404)

    return router


def _listing(client: RegistryClient, path: str) -> Response:
    """MLflow's FileInfo list for ``path``: a folder's files; nothing for a file."""
    name, version, file = _parse(path)
    manifest = _manifest(client, name, version)
    if file is not None:
        return JSONResponse({})
    mlmodel = _mlmodel(client.blobs, manifest.to_json())
    files = [
        {"path": MLMODEL, "is_dir": False, "file_size": len(mlmodel.encode())},
        {"path": MODEL_FILE, "is_dir": False, "file_size": manifest.size},
    ]
    return JSONResponse({"files": files})


def _file(client: RegistryClient, path: str) -> Response:
    name, version, file = _parse(path)
    manifest = _manifest(client, name, version)
    if file == MLMODEL:
        text = _mlmodel(client.blobs, manifest.to_json())
        return Response(text, media_type="text/plain; charset=utf-8")
    if file == MODEL_FILE:
        return stream_blob(client.blobs, manifest.sha256)
    raise NotFoundError(f"{path!r} is a folder, not a file: it holds {MLMODEL} and {MODEL_FILE}")


def _parse(path: str) -> tuple[str, str, str | None]:
    """(model name, version, file or None) of ``registry-models/<name>/<version>[/<file>]``."""
    parts = path.strip("/").split("/")
    if len(parts) in (3, 4) and parts[0] == ROOT and parts[2].isdigit():
        file = parts[3] if len(parts) == 4 else None
        if file in (None, MLMODEL, MODEL_FILE):
            return parts[1], parts[2], file
    raise NotFoundError(
        f"No artifact {path!r} here: this server serves the files of model versions, at "
        f"{ROOT}/<model name>/<version>/{MLMODEL} and .../{MODEL_FILE} "
        "(the URI get-download-uri answers)"
    )


def _manifest(client: RegistryClient, name: str, version: str) -> Manifest:
    return Manifest.from_json(resolve_model(client, f"models:/{name}/{version}").manifest)


@functools.lru_cache(maxsize=64)
def _mlmodel(blobs: BlobStore, manifest_json: str) -> str:
    """The MLmodel text for a stored model file, after the registry's checked load of it.

    Raises the loader's IntegrityError, UntrustedTypeError or ArtifactError; only successes
    are remembered, keyed by the manifest (which names the file by its sha256)."""
    import skops.io

    manifest = Manifest.from_json(manifest_json)
    load_sklearn_model(blobs, manifest)
    needed = sorted(skops.io.get_untrusted_types(data=blobs.get(manifest.sha256)))
    environment = manifest.environment
    description = {
        "flavors": {
            "python_function": {
                "loader_module": "mlflow.sklearn",
                "model_path": MODEL_FILE,
                "predict_fn": "predict",
                "python_version": environment.get("python"),
            },
            "sklearn": {
                "pickled_model": MODEL_FILE,
                "serialization_format": "skops",
                "sklearn_version": environment.get("scikit-learn"),
                "skops_trusted_types": needed,
                "code": None,
            },
        },
        "model_size_bytes": manifest.size,
        "metadata": {
            "registry_sha256": manifest.sha256,
            "registry_model_class": manifest.model_class,
            "registry_signature": manifest.signature.to_dict() if manifest.signature else None,
        },
    }
    return json.dumps(description, indent=2, sort_keys=True) + "\n"
