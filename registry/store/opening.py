"""Opening the store a URI names: the home's DuckDB file by default, or a PostgreSQL
database (``postgresql://user@host:port/db``) for registry servers that share one.

A PostgreSQL store keeps its model files at ``artifacts`` (a folder or, where
``registry.artifacts.blobs.open_blobs`` supports it, a bucket), else ``REGISTRY_ARTIFACTS``,
else the home's ``artifacts/`` folder.
"""

from __future__ import annotations

from pathlib import Path

from registry import config
from registry.errors import InvalidArgumentError


def open_store(
    home: Path, store: str | None = None, *, artifacts: str | None = None, busy_timeout: float
):
    """The store at ``store`` (None: the DuckDB file in ``home``). Raises
    InvalidArgumentError for a URI no backend serves."""
    if store is None or store == "":
        from registry.store.duckdb import DuckDBStore

        return DuckDBStore(home, busy_timeout=busy_timeout, artifacts=artifacts)
    from registry.artifacts.blobs import open_blobs
    from registry.store.postgres import PostgresStore, is_postgres_uri, redact

    if not is_postgres_uri(store):
        raise InvalidArgumentError(
            f"Unsupported store {redact(store)!r}: give postgresql://user@host:port/database, "
            "or leave --store out for the home's embedded DuckDB file"
        )
    location = artifacts or config.artifacts_location() or home / config.ARTIFACTS_DIR
    return PostgresStore(store, blobs=open_blobs(location), busy_timeout=busy_timeout)
