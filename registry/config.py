"""Where the registry lives and who is acting: read lazily, never at import time."""

from __future__ import annotations

import contextlib
import contextvars
import getpass
import os
from collections.abc import Iterator
from pathlib import Path

DEFAULT_HOME = "mlregistry"
DATABASE_FILE = "registry.duckdb"
ARTIFACTS_DIR = "artifacts"
DEFAULT_BUSY_TIMEOUT = 15.0

_acting_user: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "acting_user", default=None
)


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """The registry home: the argument, else ``REGISTRY_HOME``, else ``./mlregistry``."""
    chosen = home if home is not None else os.environ.get("REGISTRY_HOME") or DEFAULT_HOME
    return Path(chosen).expanduser().resolve()


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


@contextlib.contextmanager
def acting_as(user: str | None) -> Iterator[None]:
    """Attribute the writes inside the block to ``user`` (None keeps the default)."""
    token = _acting_user.set(user)
    try:
        yield
    finally:
        _acting_user.reset(token)
