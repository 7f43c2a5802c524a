"""Model URIs, as MLflow writes them, resolved to the logged model file they name.

    runs:/<run_id>/<artifact_path>
    models:/<name>/<version>        models:/<name>/<stage>  (any case)
    models:/<name>/latest           models:/<name>@<alias>

Nothing here builds a file path: a URI resolves to a database row whose sha256 names the file.
"""

from __future__ import annotations

from typing import Protocol

from registry import arguments as check
from registry.artifacts.blobs import validate_artifact_path
from registry.client.runs import check_run_id
from registry.entities import STAGES, LoggedModel, ModelVersion
from registry.errors import InvalidArgumentError, NotFoundError


class ModelLookup(Protocol):
    """What resolving a URI asks of a client (RegistryClient has it all)."""

    def get_model_version(self, name: str, version: int | str) -> ModelVersion: ...

    def get_latest_versions(
        self, name: str, stages: list[str] | None = None
    ) -> list[ModelVersion]: ...

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion: ...

    def get_logged_model(self, run_id: str, artifact_path: str) -> LoggedModel: ...


MAX_COPY_DEPTH = 10
_FORMS = (
    "runs:/<run_id>/<path>, models:/<name>/<version>, models:/<name>/<stage>, "
    "models:/<name>/latest or models:/<name>@<alias>"
)


def parse_runs_uri(uri: str) -> tuple[str, str]:
    """(run_id, artifact_path) of ``runs:/<run_id>/<path>``."""
    if not isinstance(uri, str) or not uri.startswith("runs:/"):
        raise InvalidArgumentError(f"Invalid model URI {uri!r}: expected runs:/<run_id>/<path>")
    run_id, _, path = uri[len("runs:/") :].partition("/")
    if not path:
        raise InvalidArgumentError(f"Invalid model URI {uri!r}: it names no artifact path")
    return check_run_id(run_id), validate_artifact_path(path)


def resolve_version(client: ModelLookup, uri: str) -> ModelVersion:
    """The model version a ``models:/`` URI names."""
    body = uri[len("models:/") :]
    if "/" in body:
        name, _, selector = body.partition("/")
        name = check.model_name(name)
        if selector.isdigit():
            return client.get_model_version(name, selector)
        if selector.lower() == "latest":
            versions = client.get_latest_versions(name)
            if not versions:
                raise NotFoundError(f"Registered model {name!r} has no versions")
            return max(versions, key=lambda v: v.version)
        if selector.lower() in {s.lower() for s in STAGES}:
            found = client.get_latest_versions(name, [selector])
            if not found:
                raise NotFoundError(
                    f"Registered model {name!r} has no version in stage {selector!r}"
                )
            return found[0]
        raise InvalidArgumentError(
            f"Invalid model URI {uri!r}: {selector!r} is not a version number, a stage or 'latest'"
        )
    name, at, alias = body.rpartition("@")
    if not at:
        raise InvalidArgumentError(f"Invalid model URI {uri!r}: expected one of {_FORMS}")
    return client.get_model_version_by_alias(check.model_name(name), check.alias(alias))


def resolve_model(client: ModelLookup, uri: str) -> LoggedModel:
    """The logged model file a model URI names."""
    if not isinstance(uri, str):
        raise InvalidArgumentError(f"Model URI must be a string, got {type(uri).__name__}")
    for _ in range(MAX_COPY_DEPTH):  # a copied version's source names the original
        if not uri.startswith("models:/"):
            break
        version = resolve_version(client, uri)
        if not (version.source or "").startswith(("runs:/", "models:/")):
            raise NotFoundError(
                f"Version {version.version} of {version.name!r} has no model file here "
                f"(its source is {version.source!r})"
            )
        uri = version.source  # type: ignore[assignment]
    if uri.startswith("runs:/"):
        run_id, path = parse_runs_uri(uri)
        return client.get_logged_model(run_id, path)
    raise InvalidArgumentError(f"Invalid model URI {uri!r}: expected one of {_FORMS}")
