"""The store's own life: where its model files live, and holding its connection."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from registry.artifacts.blobs import BlobStore


class SessionStore(Protocol):
    key: object
    """Identifies the registry this store opens (caches of derived data key on it)."""

    @property
    def blobs(self) -> BlobStore:
        """The content-addressed model files of this registry."""
        ...

    def hold(self) -> contextlib.AbstractContextManager[None]:
        """Keep the connection for the whole block (bulk work); calls inside reuse it."""
        ...

    def release(self) -> None:
        """Let go of the connection now unless a call is using it (another process may want
        the file); the next call opens it again."""
        ...
