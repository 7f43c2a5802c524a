"""Where the registry lives and who is acting: read lazily, never at import time.

A registry is a folder (``REGISTRY_HOME``, default ``./mlregistry``) or a registry server
(``REGISTRY_URI``, ``http(s)://host:port``); explicit arguments come first. After the
project's variables come MLflow's (``MLFLOW_REGISTRY_URI``, then ``MLFLOW_TRACKING_URI``),
for a registry server's address only: anything else there is MLflow's own store.
"""

from __future__ import annotations

import contextlib
import contextvars
import getpass
import os
from collections.abc import Iterator
from pathlib import Path

from registry.errors import InvalidArgumentError

DEFAULT_HOME = "mlregistry"
DATABASE_FILE = "registry.duckdb"
ARTIFACTS_DIR = "artifacts"
DEFAULT_BUSY_TIMEOUT = 15.0

_acting_user: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "acting_user", default=None
)
_roles_required: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "roles_required", default=False
)


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """The registry home: the argument, else ``REGISTRY_HOME``, else ``./mlregistry``."""
    chosen = home if home is not None else os.environ.get("REGISTRY_HOME") or DEFAULT_HOME
    return Path(chosen).expanduser().resolve()


def artifacts_location() -> str | None:
    """Where model files live when not in the home's ``artifacts/`` folder: a folder or
    ``s3://bucket/prefix`` (``REGISTRY_ARTIFACTS``)."""
    return os.environ.get("REGISTRY_ARTIFACTS") or None


def busy_timeout(explicit: float | None = None) -> float:
    """Seconds to wait for another process to release the file (``REGISTRY_BUSY_TIMEOUT``)."""
    if explicit is not None:
        return float(explicit)
    return float(os.environ.get("REGISTRY_BUSY_TIMEOUT", DEFAULT_BUSY_TIMEOUT))


def current_user() -> str:
    """The acting user: set by ``acting_as`` (the dashboard's signed-in user), else
    ``REGISTRY_USER``, else the OS login."""
    user = _acting_user.get() or os.environ.get("REGISTRY_USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def roles_required() -> bool:
    """Whether users without a role are viewers even while no role is granted (a dashboard
    with sign-in sets this: signed-in people must not all be admins by default)."""
    return _roles_required.get()


@contextlib.contextmanager
def acting_as(user: str | None, *, require_roles: bool = False) -> Iterator[None]:
    """Attribute the writes inside the block to ``user`` (None keeps the default). With
    ``require_roles``, a user without a role is a viewer even if no role was ever granted."""
    token = _acting_user.set(user)
    required = _roles_required.set(require_roles)
    try:
        yield
    finally:
        _roles_required.reset(required)
        _acting_user.reset(token)


_MLFLOW_ONLY = ("databricks", "sqlite:", "postgresql:", "mysql:", "mssql:", "uc:")


_MLFLOW_VARIABLES = ("MLFLOW_REGISTRY_URI", "MLFLOW_TRACKING_URI")


def server_uri(home: object, registry_uri: str | None, tracking_uri: str | None) -> str | None:
    """The registry server's URL when the arguments (else ``REGISTRY_URI``, else, without
    ``REGISTRY_HOME``, MLflow's variables) name one."""
    for value in (home, registry_uri, tracking_uri):
        if value is not None:
            return _http_uri(value)
    if os.environ.get("REGISTRY_URI"):
        return _http_uri(os.environ["REGISTRY_URI"])
    if os.environ.get("REGISTRY_HOME"):
        return None
    return _mlflow_server_uri()


def _mlflow_server_uri() -> str | None:
    """A registry server's address in MLflow's variables (it serves MLflow's REST API there
    too). Any other value names MLflow's own store, which is refused rather than replaced
    unseen by the default folder."""
    for name in _MLFLOW_VARIABLES:
        value = os.environ.get(name)
        if not value:
            continue
        if value.lower().startswith(("http://", "https://")):
            return value
        raise InvalidArgumentError(
            f"{_unavailable(value)} ({name}={value}, MLflow's own store, which this registry "
            "cannot open). Set REGISTRY_URI to a registry server's address or REGISTRY_HOME to "
            f"a folder (either comes before {name}), or point {name} at a registry server"
        )
    return None


def _unavailable(uri: str) -> str:
    # MLflow's words, which MLflow code matches.
    return (
        f"Model registry functionality is unavailable; got unsupported URI {uri!r} for model "
        "registry data storage"
    )


def _http_uri(value: object) -> str | None:
    text = os.fspath(value) if isinstance(value, os.PathLike) else value
    if not isinstance(text, str):
        raise InvalidArgumentError(f"A registry URI or folder is text, not {value!r}")
    lowered = text.lower()
    if lowered.startswith(("http://", "https://")):
        return text
    home_from_uri(text)  # refuses what is neither a server nor a folder
    return None


def home_from_uri(uri: str | None) -> str | None:
    """The folder a ``file:`` URI or a plain path names; raises InvalidArgumentError for
    any other scheme (a registry is never a folder named after a URI). An empty URI names
    none (as in MLflow), not the working directory."""
    if not uri:
        return None
    if uri.startswith("file://"):
        return uri[len("file://") :]
    if uri.startswith("file:"):
        return uri[len("file:") :]
    if uri.lower().startswith(("postgresql:", "postgres:")):
        raise InvalidArgumentError(
            f"A PostgreSQL registry ({uri.split('@')[-1]!r}) is served by a registry server: "
            "start `registry server --store <that URI>` and pass the registry server's address "
            "(http://host:port)"
        )
    if "://" in uri or uri.lower().startswith(_MLFLOW_ONLY):
        raise InvalidArgumentError(
            f"{_unavailable(uri)}. Pass a registry server's address (http://host:port or "
            "https://...) or a local folder for an embedded registry"
        )
    return uri
