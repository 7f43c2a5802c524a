"""MLflow's registry JSON, as ``mlflow/protos/model_registry.proto`` defines it.

Entities go out as MLflow's server sends them: version numbers as strings, timestamps as
numbers, tags as lists of ``{"key", "value"}``, aliases as lists, and fields without a value
left out (as protobuf's JSON leaves them out). Requests come in as MLflow's client sends
them: query parameters for GET (a repeated field repeats the parameter), a JSON body
otherwise. Errors go out as MLflow's body, ``{"error_code", "message"}``, with the status
MLflow gives the code.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from registry.entities import ModelVersion, RegisteredModel
from registry.errors import InvalidArgumentError, RegistryError

# The status MLflow answers each error code with (mlflow.exceptions), where it differs from
# the project's own. INVALID_STATE keeps the project's 4xx: MLflow sends it as 500, and its
# client retries every 500 for minutes, though a refused stage change never heals by waiting.
MLFLOW_STATUS = {"RESOURCE_ALREADY_EXISTS": 400}


def model_version(version: ModelVersion) -> dict[str, Any]:
    """A ModelVersion message."""
    shape: dict[str, Any] = {
        "name": version.name,
        "version": str(version.version),
        "creation_timestamp": version.creation_timestamp,
        "last_updated_timestamp": version.last_updated_timestamp,
        "user_id": version.user_id,
        "current_stage": version.current_stage,
        "description": version.description,
        "source": version.source,
        "run_id": version.run_id,
        "status": version.status,
        "status_message": version.status_message or None,
        "tags": _tags(version.tags),
        "run_link": version.run_link,
        "aliases": sorted(version.aliases),
        "model_id": version.model_id,
        "model_params": [{"name": p.name, "value": p.value} for p in version.params or []],
        "model_metrics": [_metric(m) for m in version.metrics or []],
        "deployment_job_state": _job_state(version.deployment_job_state),
    }
    return _present(shape)


def registered_model(model: RegisteredModel) -> dict[str, Any]:
    """A RegisteredModel message."""
    aliases = [
        {"alias": alias, "version": str(number)} for alias, number in sorted(model.aliases.items())
    ]
    shape: dict[str, Any] = {
        "name": model.name,
        "creation_timestamp": model.creation_timestamp,
        "last_updated_timestamp": model.last_updated_timestamp,
        "description": model.description,
        "latest_versions": [model_version(v) for v in model.latest_versions],
        "tags": _tags(model.tags),
        "aliases": aliases,
    }
    return _present(shape)


def _metric(metric) -> dict[str, Any]:
    return {
        "key": metric.key,
        "value": metric.value,
        "timestamp": metric.timestamp,
        "step": metric.step,
    }


def _job_state(state) -> dict[str, Any] | None:
    return None if state is None else _present(dict(vars(state)))


def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in sorted(tags.items())]


def _present(shape: dict[str, Any]) -> dict[str, Any]:
    """The fields that have a value (protobuf's JSON omits unset and empty repeated ones)."""
    return {key: value for key, value in shape.items() if value is not None and value != []}


def error_response(error: RegistryError) -> JSONResponse:
    """MLflow's error body for ``error``, with the status MLflow gives its code."""
    status = MLFLOW_STATUS.get(error.error_code, error.http_status)
    body = {"error_code": error.error_code, "message": str(error)}
    return JSONResponse(body, status_code=status)


class Fields:
    """The fields of one request, read as protobuf reads MLflow's JSON.

    ``values`` maps a field to its value: from a JSON body as sent, from a query string as
    the list of the parameter's values. Unknown fields are ignored, as MLflow ignores them.
    Each reader raises InvalidArgumentError naming the field when its value has the wrong type.
    """

    def __init__(self, endpoint: str, values: dict[str, Any], *, from_query: bool = False):
        self.endpoint = endpoint
        self._values = values
        self._from_query = from_query

    def _raw(self, field: str, required: bool) -> Any:
        value = self._values.get(field)
        if self._from_query and isinstance(value, list):
            value = value[0] if value else None
        if value is None and required:
            raise InvalidArgumentError(
                f"Missing value for required parameter '{field}'. "
                f"({self.endpoint} needs it; the request has none.)"
            )
        return value

    def _wrong(self, field: str, expected: str, value: Any) -> InvalidArgumentError:
        return InvalidArgumentError(
            f"{self.endpoint}: parameter {field!r} must be {expected}, got {value!r}"
        )

    def string(self, field: str, *, required: bool = False) -> str | None:
        """A string field (None when absent)."""
        value = self._raw(field, required)
        if value is not None and not isinstance(value, str):
            raise self._wrong(field, "a string", value)
        return value

    def version(self, field: str = "version") -> str | int:
        """A required version number; MLflow sends it as a string, a number is taken too."""
        value = self._raw(field, required=True)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self._wrong(field, 'a version number such as "3"', value)
        return value

    def integer(self, field: str) -> int | None:
        """An int64 field, as a JSON number or a string of digits (None when absent)."""
        value = self._raw(field, required=False)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise self._wrong(field, "a whole number", value)

    def boolean(self, field: str) -> bool:
        """A bool field: JSON true/false, or 'true'/'false' in a query (False when absent)."""
        value = self._raw(field, required=False)
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self._wrong(field, "true or false", value)

    def strings(self, field: str) -> list[str]:
        """A repeated string field (empty when absent)."""
        value = self._values.get(field)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._wrong(field, "a list of strings", value)
        return value

    def tags(self, field: str = "tags") -> dict[str, str] | None:
        """A repeated tag field, ``[{"key": ..., "value": ...}]``, as a dict (None when absent)."""
        value = self._values.get(field)
        if value is None:
            return None
        expected = 'a list of {"key": ..., "value": ...}'
        if not isinstance(value, list):
            raise self._wrong(field, expected, value)
        tags: dict[str, str] = {}
        for item in value:
            if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                raise self._wrong(field, expected, item)
            tags[item["key"]] = item.get("value", "")
        return tags
