"""MLflow's model registry REST API, served beside the project's own.

The 21 calls of MLflow's ``ModelRegistryService`` under ``/api/2.0/mlflow/registered-models/``
and ``/api/2.0/mlflow/model-versions/`` (and the same under ``/ajax-api/2.0/mlflow/``, where
MLflow's web UI calls them), in MLflow's request and response shapes
(``registry.server.mlflow_shapes``), so MLflow's own client works against this server with
``MLFLOW_TRACKING_URI`` and ``MLFLOW_TRACKING_TOKEN`` set. Every call needs a valid token and
runs the client's method as the token's owner, so roles and the Production gate hold here as
on ``/api/v1``. The rest of MLflow's API (runs, experiments, ...) is not served: it answers
404 ``ENDPOINT_NOT_FOUND`` saying so. Model downloads are in ``mlflow_artifacts``.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from registry.client import RegistryClient
from registry.errors import InvalidArgumentError, RegistryError
from registry.server import mlflow_artifacts
from registry.server.mlflow_shapes import Fields, error_response, model_version, registered_model

PREFIXES = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow")
MODELS = "/registered-models"
VERSIONS = "/model-versions"

Handler = Callable[[RegistryClient, Fields], dict[str, Any]]


# -- registered models -------------------------------------------------------------------


def create_registered_model(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """Create a model; RESOURCE_ALREADY_EXISTS if the name is taken."""
    model = client.create_registered_model(
        f.string("name", required=True), tags=f.tags(), description=f.string("description")
    )
    return {"registered_model": registered_model(model)}


def rename_registered_model(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """Give a model a new name; its versions follow it."""
    model = client.rename_registered_model(
        f.string("name", required=True), f.string("new_name", required=True)
    )
    return {"registered_model": registered_model(model)}


def update_registered_model(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """Set a model's description."""
    model = client.update_registered_model(f.string("name", required=True), f.string("description"))
    return {"registered_model": registered_model(model)}


def delete_registered_model(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """Delete a model and its versions (admins)."""
    client.delete_registered_model(f.string("name", required=True))
    return {}


def get_registered_model(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """One model; RESOURCE_DOES_NOT_EXIST if there is none of that name."""
    model = client.get_registered_model(f.string("name", required=True))
    return {"registered_model": registered_model(model)}


def search_registered_models(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """A page of models: ``filter``, ``max_results`` (100), ``order_by``, ``page_token``."""
    arguments = _search_arguments(f, default_max=100)
    arguments["filter_string"] = without_prompts(arguments["filter_string"])
    page = client.search_registered_models(**arguments)
    return _page("registered_models", [registered_model(m) for m in page], page.token)


def get_latest_versions(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """The newest version in each stage, or in each of ``stages``."""
    versions = client.get_latest_versions(f.string("name", required=True), f.strings("stages"))
    return _versions(versions)


def set_registered_model_tag(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """Set a model's tag (MLflow sends an absent value as the empty string)."""
    client.set_registered_model_tag(
        f.string("name", required=True), f.string("key", required=True), f.string("value") or ""
    )
    return {}


def delete_registered_model_tag(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """Remove a model's tag; removing a missing one succeeds."""
    client.delete_registered_model_tag(
        f.string("name", required=True), f.string("key", required=True)
    )
    return {}


def set_registered_model_alias(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """Point an alias at a version, moving it if it pointed elsewhere."""
    client.set_registered_model_alias(
        f.string("name", required=True), f.string("alias", required=True), f.version()
    )
    return {}


def delete_registered_model_alias(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """Remove an alias; removing a missing one succeeds."""
    client.delete_registered_model_alias(
        f.string("name", required=True), f.string("alias", required=True)
    )
    return {}


def get_model_version_by_alias(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """The version an alias points at; RESOURCE_DOES_NOT_EXIST if it points nowhere."""
    version = client.get_model_version_by_alias(
        f.string("name", required=True), f.string("alias", required=True)
    )
    return {"model_version": model_version(version)}


# -- model versions ----------------------------------------------------------------------


def create_model_version(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """Add the next version of a model (ready at once: no background registration here)."""
    extra = {"model_id": f.string("model_id")} if f.string("model_id") else {}
    version = client.create_model_version(
        f.string("name", required=True),
        source=f.string("source", required=True),
        run_id=f.string("run_id") or None,
        tags=f.tags(),
        run_link=f.string("run_link") or None,
        description=f.string("description"),
        **extra,
    )
    return {"model_version": model_version(version)}


def update_model_version(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """Set a version's description."""
    version = client.update_model_version(
        f.string("name", required=True), f.version(), f.string("description")
    )
    return {"model_version": model_version(version)}


def transition_model_version_stage(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """Move a version to a stage; ``archive_existing_versions`` archives the versions that
    were in it, in the same transaction (any backend)."""
    version = client.transition_model_version_stage(
        f.string("name", required=True),
        f.version(),
        f.string("stage", required=True),
        archive_existing_versions=f.boolean("archive_existing_versions"),
    )
    return {"model_version": model_version(version)}


def delete_model_version(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """Delete a version (admins); its number is never reused."""
    client.delete_model_version(f.string("name", required=True), f.version())
    return {}


def get_model_version(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """One version; RESOURCE_DOES_NOT_EXIST if the model or the version is missing."""
    version = client.get_model_version(f.string("name", required=True), f.version())
    return {"model_version": model_version(version)}


def search_model_versions(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """A page of versions: ``filter``, ``max_results`` (10,000), ``order_by``, ``page_token``."""
    page = client.search_model_versions(**_search_arguments(f, default_max=10_000))
    return _page("model_versions", [model_version(v) for v in page], page.token)


def get_model_version_download_uri(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """Where MLflow's client downloads the version's files from (see mlflow_artifacts)."""
    uri = mlflow_artifacts.download_uri(client, f.string("name", required=True), f.version())
    return {"artifact_uri": uri}


def set_model_version_tag(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """Set a version's tag."""
    client.set_model_version_tag(
        f.string("name", required=True),
        f.version(),
        f.string("key", required=True),
        f.string("value") or "",
    )
    return {}


def delete_model_version_tag(client: RegistryClient, f: Fields) -> dict[str, Any]:
    """Remove a version's tag; removing a missing one succeeds."""
    client.delete_model_version_tag(
        f.string("name", required=True), f.version(), f.string("key", required=True)
    )
    return {}


def _search_arguments(f: Fields, default_max: int) -> dict[str, Any]:
    max_results = f.integer("max_results")
    return {
        "filter_string": f.string("filter") or None,
        "max_results": default_max if max_results is None else max_results,
        "order_by": f.strings("order_by") or None,
        "page_token": f.string("page_token") or None,
    }


PROMPT_TAG = "mlflow.prompt.is_prompt"
_CLIENT_PROMPT_CLAUSE = f"tag.`{PROMPT_TAG}` != 'true'"
_NOT_A_PROMPT = f"NOT tags.`{PROMPT_TAG}` = 'true'"


def without_prompts(filter_string: str | None) -> str | None:
    """The filter with the clause MLflow's client appends to every model search made to mean
    what MLflow's server makes of it: "not a prompt", models without the tag included (a
    plain ``!=`` matches only models that have the tag)."""
    text = (filter_string or "").strip()
    if text == _CLIENT_PROMPT_CLAUSE:
        return _NOT_A_PROMPT
    suffix = f" AND {_CLIENT_PROMPT_CLAUSE}"
    if text.endswith(suffix):
        return f"({text[: -len(suffix)]}) AND {_NOT_A_PROMPT}"
    return filter_string


def _page(field: str, items: list[dict[str, Any]], token: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {field: items} if items else {}
    if token:
        body["next_page_token"] = token
    return body


def _versions(versions: list) -> dict[str, Any]:
    return {"model_versions": [model_version(v) for v in versions]} if versions else {}


ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("POST", f"{MODELS}/create", create_registered_model),
    ("POST", f"{MODELS}/rename", rename_registered_model),
    ("PATCH", f"{MODELS}/update", update_registered_model),
    ("DELETE", f"{MODELS}/delete", delete_registered_model),
    ("GET", f"{MODELS}/get", get_registered_model),
    ("GET", f"{MODELS}/search", search_registered_models),
    ("POST", f"{MODELS}/get-latest-versions", get_latest_versions),
    ("GET", f"{MODELS}/get-latest-versions", get_latest_versions),
    ("POST", f"{MODELS}/set-tag", set_registered_model_tag),
    ("DELETE", f"{MODELS}/delete-tag", delete_registered_model_tag),
    ("POST", f"{MODELS}/alias", set_registered_model_alias),
    ("DELETE", f"{MODELS}/alias", delete_registered_model_alias),
    ("GET", f"{MODELS}/alias", get_model_version_by_alias),
    ("POST", f"{VERSIONS}/create", create_model_version),
    ("PATCH", f"{VERSIONS}/update", update_model_version),
    ("POST", f"{VERSIONS}/transition-stage", transition_model_version_stage),
    ("DELETE", f"{VERSIONS}/delete", delete_model_version),
    ("GET", f"{VERSIONS}/get", get_model_version),
    ("GET", f"{VERSIONS}/search", search_model_versions),
    ("GET", f"{VERSIONS}/get-download-uri", get_model_version_download_uri),
    ("POST", f"{VERSIONS}/set-tag", set_model_version_tag),
    ("DELETE", f"{VERSIONS}/delete-tag", delete_model_version_tag),
)


def build_router(store, tokens) -> APIRouter:
    """Every route of ROUTES under each of PREFIXES, then the not-served answer."""
    router = APIRouter(tags=["MLflow registry REST API"])
    for prefix in PREFIXES:
        for method, path, handler in ROUTES:
            router.add_api_route(
                prefix + path,
                _endpoint(handler, store, tokens),
                methods=[method],
                name=f"mlflow {handler.__name__}",
                summary=f"MLflow {handler.__name__.replace('_', ' ')}",
                description=inspect.getdoc(handler) or "",
                response_class=JSONResponse,
                include_in_schema=prefix == PREFIXES[0],
            )
    for prefix in PREFIXES:
        router.add_api_route(
            prefix + "/{rest:path}",
            _not_served,
            methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            include_in_schema=False,
        )
    return router


def _endpoint(handler: Handler, store, tokens):
    def run(request: Request, body: bytes) -> dict[str, Any]:
        user = tokens.user_of(request)  # before the body is judged: no token, no answer
        return handler(RegistryClient(store=store, user=user), read_fields(request, body))

    async def call(request: Request) -> Response:
        body = await request.body()
        try:
            return JSONResponse(await run_in_threadpool(run, request, body))
        except RegistryError as error:
            return error_response(error)

    call.__name__ = handler.__name__
    return call


def read_fields(request: Request, body: bytes) -> Fields:
    """The request's fields: its query parameters for a GET that has some, else its JSON body.
    Raises InvalidArgumentError when the body is not a JSON object."""
    endpoint = request.url.path
    if request.method == "GET" and request.query_params:
        values = {key: request.query_params.getlist(key) for key in request.query_params}
        return Fields(endpoint, values, from_query=True)
    try:
        values = json.loads(body) if body.strip() else {}
    except ValueError:
        raise InvalidArgumentError(f"{endpoint}: the request body is not JSON") from None
    if not isinstance(values, dict):
        raise InvalidArgumentError(f"{endpoint}: the request body must be a JSON object")
    return Fields(endpoint, values)


def _not_served(request: Request) -> JSONResponse:
    body = {
        "error_code": "ENDPOINT_NOT_FOUND",
        "message": (
            f"{request.method} {request.url.path} is not served here: this registry server "
            "speaks MLflow's model registry API (registered-models/..., model-versions/...) "
            "and model downloads, not MLflow's tracking API (runs, experiments, metrics); "
            "log runs with registry's own client (import registry as mlflow)"
        ),
    }
    return JSONResponse(body, status_code=404)
