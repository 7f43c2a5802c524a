"""The PostgreSQL backend: the store contract on one PostgreSQL database, for registry
servers that share it (several processes, several machines).

``PostgresStore(dsn, blobs=...)`` implements ``registry.store.contract`` with psycopg 3 and
a psycopg_pool connection pool. It shares the DuckDB backend's SQL where the two dialects
agree and replaces the rest (``queries.py`` says which); ``database.py`` holds the
placeholder and upsert translation, ``migrations.py`` the schema, ``models.py``,
``versions.py`` and ``notifications.py`` the SQL that locks rows for concurrent writers.
Model files live in the blob store given (a folder or, through
``registry.artifacts.blobs.open_blobs``, a bucket).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from registry.artifacts.blobs import BlobStore
from registry.errors import InvalidArgumentError
from registry.store.duckdb.changes import ChangeQueries
from registry.store.duckdb.tokens import TokenQueries
from registry.store.postgres.database import Database, plain_errors, redact
from registry.store.postgres.migrations import apply_pending
from registry.store.postgres.models import ModelQueries
from registry.store.postgres.notifications import NotificationQueries
from registry.store.postgres.queries import (
    InsightQueries,
    RunQueries,
    ValidationQueries,
    WorkflowQueries,
)
from registry.store.postgres.transfer import TransferQueries
from registry.store.postgres.versions import VersionQueries

__all__ = ["PostgresStore", "is_postgres_uri"]

_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_uri(value: object) -> bool:
    return isinstance(value, str) and value.startswith(_SCHEMES)


class PostgresStore(
    ModelQueries,
    VersionQueries,
    RunQueries,
    ChangeQueries,
    InsightQueries,
    NotificationQueries,
    WorkflowQueries,
    ValidationQueries,
    TokenQueries,
    TransferQueries,
):
    """A registry in the PostgreSQL database at ``dsn`` (``postgresql://user@host:port/db``),
    its model files in ``blobs``. Opening it migrates the schema (once, whoever comes first).

    ``pool_size`` connections at most; a call that finds none free for ``busy_timeout``
    seconds raises RegistryBusyError."""

    def __init__(
        self, dsn: str, *, blobs: BlobStore, pool_size: int = 10, busy_timeout: float = 15.0
    ):
        if not is_postgres_uri(dsn):
            raise InvalidArgumentError(
                f"Not a PostgreSQL URI: {redact(str(dsn))!r}; expected "
                "postgresql://user@host:port/database"
            )
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise InvalidArgumentError(
                "A PostgreSQL store needs psycopg: pip install 'registry[postgres]'"
            ) from None
        self.dsn = dsn
        self.key = redact(dsn)
        self._options = (pool_size, busy_timeout)
        self._blobs = blobs
        self._lease = Database(dsn, max_size=pool_size, timeout=busy_timeout)
        try:
            with plain_errors(), self._lease.pool.connection() as con:
                apply_pending(con)
        except BaseException:
            self._lease.close()
            raise

    @property
    def blobs(self) -> BlobStore:
        return self._blobs

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Connections stay pooled whatever happens: nothing to hold."""
        yield

    def release(self) -> None:
        """Nothing to let go of: PostgreSQL serves many processes at once."""

    def close(self) -> None:
        """Close every pooled connection; the store is unusable afterwards."""
        self._lease.close()

    def __reduce__(self):
        # Pickled (with a client, for another process): the copy opens its own pool.
        return (_reopen, (self.dsn, self._blobs, *self._options))

    def __repr__(self) -> str:
        return f"PostgresStore({self.key!r})"


def _reopen(dsn: str, blobs: BlobStore, pool_size: int, busy_timeout: float) -> PostgresStore:
    return PostgresStore(dsn, blobs=blobs, pool_size=pool_size, busy_timeout=busy_timeout)
