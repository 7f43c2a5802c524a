"""The embedded backend: one DuckDB file plus an ``artifacts/`` folder in a registry home.

``DuckDBStore`` implements the store contract (``registry.store.contract``); each query module
holds the SQL of one area. DuckDB lets one process at a time open the file, so the store
reaches it through a lease (``lease.py``) that holds it only while this process works;
``registry server`` holds it for the server's whole life instead (``keep_open``).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path

from registry.artifacts.blobs import BlobStore, open_blobs
from registry.config import ARTIFACTS_DIR, DATABASE_FILE, artifacts_location
from registry.store.duckdb.bulk import BulkQueries
from registry.store.duckdb.changes import ChangeQueries
from registry.store.duckdb.insights import InsightQueries
from registry.store.duckdb.lease import Lease
from registry.store.duckdb.migrations import apply_pending
from registry.store.duckdb.models import ModelQueries
from registry.store.duckdb.notifications import NotificationQueries
from registry.store.duckdb.runs import RunQueries
from registry.store.duckdb.tokens import TokenQueries
from registry.store.duckdb.transfer import TransferQueries
from registry.store.duckdb.validations import ValidationQueries
from registry.store.duckdb.versions import VersionQueries
from registry.store.duckdb.workflow import WorkflowQueries

__all__ = ["DuckDBStore", "Lease"]


class DuckDBStore(
    BulkQueries,
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
    """A registry home: ``registry.duckdb`` plus ``artifacts/`` in one folder, or the model
    files at ``artifacts`` (else ``REGISTRY_ARTIFACTS``): a folder or ``s3://bucket/prefix``."""

    def __init__(
        self,
        home: Path,
        *,
        busy_timeout: float,
        artifacts: str | None = None,
        idle_release: float | None = None,
    ):
        """``idle_release``: seconds of idleness before this process lets go of the file when
        nobody waits for it (someone waiting gets it within milliseconds either way)."""
        self.home = home
        self.database_path = home / DATABASE_FILE
        self.artifacts_path = home / ARTIFACTS_DIR
        self._artifacts = artifacts or artifacts_location()
        self.key = self.database_path
        options = {"busy_timeout": busy_timeout}
        if idle_release is not None:
            options["idle_release"] = idle_release
        self._lease = Lease.for_path(self.database_path, _prepare, **options)

    @property
    def lease(self) -> Lease:
        return self._lease

    @functools.cached_property
    def blobs(self) -> BlobStore:
        return open_blobs(self._artifacts or self.artifacts_path)

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        with self._lease.hold():
            yield

    def release(self) -> None:
        self._lease.release()


def _prepare(con) -> None:
    # One thread: the registry's statements touch few rows, and scheduling DuckDB's worker
    # threads costs more than they save (a write 10-25 % less CPU; reads as fast at 20,000
    # versions, a tag search of 2,000 rows included).
    con.execute("SET threads = 1")
    apply_pending(con)
