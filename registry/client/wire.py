"""The JSON form of the client's arguments, results and errors, shared by the registry server
and the remote client.

Entities travel as their fields plus ``"$entity": <class name>`` (only the classes listed
here decode, so a request cannot make the other side build anything else); ``PagedList`` as
its items and token; tuples as ``{"$tuple": [...]}``; ``datetime`` as ISO 8601. Errors
travel as MLflow's error body (``error_code``, ``message``) plus the class name, and are
raised again as that class with that message. NaN and infinities pass as JSON's common
extensions (``NaN``, ``Infinity``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from registry import entities, errors
from registry.notifications import events, subscriptions
from registry.validation import records

_ENTITY_MODULES = (entities, records, subscriptions, events)
ENTITIES: dict[str, type] = {
    name: cls
    for module in _ENTITY_MODULES
    for name, cls in vars(module).items()
    if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__
}
ERRORS: dict[str, type[errors.RegistryError]] = {
    name: cls
    for name, cls in vars(errors).items()
    if isinstance(cls, type) and issubclass(cls, errors.RegistryError)
}
_ERROR_DETAILS = ("position", "token", "holder", "types", "problems")


def encode(value: Any) -> Any:
    """``value`` as JSON-ready data."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, entities.PagedList):
        return {"$page": [encode(item) for item in value], "token": value.token}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if ENTITIES.get(name) is not type(value):
            raise TypeError(f"{name} cannot be sent to or from a registry server")
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$entity": name, **fields}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return {"$tuple": [encode(item) for item in value]}
    if isinstance(value, Iterable) and not isinstance(value, bytes):
        return [encode(item) for item in value]
    raise TypeError(f"{type(value).__name__} cannot be sent to or from a registry server")


def decode(data: Any) -> Any:
    """The value ``encode`` made ``data`` from; raises InvalidArgumentError for anything else."""
    if isinstance(data, list):
        return [decode(item) for item in data]
    if not isinstance(data, dict):
        return data
    if "$tuple" in data:
        return tuple(decode(item) for item in data["$tuple"])
    if "$page" in data:
        return entities.PagedList([decode(item) for item in data["$page"]], data.get("token"))
    if "$datetime" in data:
        return datetime.fromisoformat(data["$datetime"])
    if "$entity" in data:
        return _decode_entity(data)
    return {key: decode(item) for key, item in data.items()}


def _decode_entity(data: dict[str, Any]) -> Any:
    cls = ENTITIES.get(data["$entity"])
    if cls is None:
        raise errors.InvalidArgumentError(f"Unknown entity type {data['$entity']!r}")
    known = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for key, item in data.items():
        if key == "$entity":
            continue
        if key not in known:
            raise errors.InvalidArgumentError(f"{cls.__name__} has no field {key!r}")
        value = decode(item)
        if isinstance(value, list) and str(known[key].type).startswith("tuple"):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        values[key] = value
    try:
        return cls(**values)
    except TypeError as error:
        raise errors.InvalidArgumentError(f"Malformed {cls.__name__}: {error}") from None


def dumps(value: Any) -> bytes:
    return json.dumps(encode(value), separators=(",", ":")).encode()


def encode_error(error: errors.RegistryError) -> dict[str, Any]:
    """MLflow's error body, plus what raises the same error on the other side."""
    body: dict[str, Any] = {
        "error_code": error.error_code,
        "message": str(error),
        "error_class": type(error).__name__,
    }
    details = {key: getattr(error, key) for key in _ERROR_DETAILS if hasattr(error, key)}
    if details:
        body["details"] = encode(details)
    return body


def decode_error(body: dict[str, Any], status: int) -> errors.RegistryError:
    """The error a server's body describes (its class when known, else by status)."""
    cls = ERRORS.get(str(body.get("error_class")))
    if cls is None:
        cls = next(
            (c for c in ERRORS.values() if c.error_code == body.get("error_code")),
            errors.ServerUnavailableError if status >= 500 else errors.RegistryError,
        )
    message = str(body.get("message") or f"registry server answered {status}")
    details = decode(body.get("details") or {})
    try:
        return cls(message, **{k: v for k, v in details.items() if k in _ERROR_DETAILS})
    except TypeError:
        return cls(message)


# -- the API: which client methods a server serves ----------------------------------------

LOCAL_METHODS = frozenset(
    {
        # composed in the caller's process from served methods
        "batch",
        "release",
        "blobs",
        "find_model_version",
        "find_registered_model",
        "log_param",
        "log_metric",
        "set_tag",
        # need the caller's data and model in the caller's process
        "check_validation_data",
        "validate_model_version",
    }
)
_READ_PREFIXES = ("get_", "search_", "list_", "count_", "find_")


def api_methods() -> dict[str, Any]:
    """Every public client method a registry server serves, by name."""
    from registry.client.facade import RegistryClient

    return {
        name: member
        for name, member in vars_of(RegistryClient).items()
        if not name.startswith("_") and name not in LOCAL_METHODS and callable(member)
    }


def vars_of(cls: type) -> dict[str, Any]:
    """The attributes of ``cls`` and its bases, the nearest definition winning."""
    found: dict[str, Any] = {}
    for klass in reversed(cls.__mro__[:-1]):
        found.update(vars(klass))
    return found


def is_read(method_name: str) -> bool:
    """Whether calling it twice is harmless (so a client may retry it)."""
    return method_name.startswith(_READ_PREFIXES)


# -- validation results (they hold a DataFrame) ---------------------------------------


def validation_result_to_wire(result) -> dict[str, Any]:
    """A ValidationResult as data (its residuals as a "split" table)."""
    residuals = result.residuals
    return {
        "record": result.record,
        "warnings": list(result.warnings),
        "residuals": None if residuals is None else residuals.to_dict(orient="split"),
    }


def validation_result_from_wire(data: dict[str, Any]):
    import pandas as pd

    from registry.validation.engine import ValidationResult

    split = data.get("residuals")
    residuals = None
    if split is not None:
        residuals = pd.DataFrame(split["data"], index=split["index"], columns=split["columns"])
    return ValidationResult(data["record"], tuple(data["warnings"]), residuals)
