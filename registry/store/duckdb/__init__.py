"""Storage: the only package with SQL in it.

``DuckDBStore`` is the embedded store every client uses by default. Its public methods are
the store contract; a server-backed store implements the same methods.
"""

from __future__ import annotations

from pathlib import Path

from registry.config import ARTIFACTS_DIR, DATABASE_FILE
from registry.store.duckdb.bulk import BulkQueries
from registry.store.duckdb.changes import ChangeQueries
from registry.store.duckdb.insights import InsightQueries
from registry.store.duckdb.lease import Lease
from registry.store.duckdb.migrations import apply_pending
from registry.store.duckdb.models import ModelQueries
from registry.store.duckdb.notifications import NotificationQueries
from registry.store.duckdb.runs import RunQueries
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
):
    """A registry home: ``registry.duckdb`` plus ``artifacts/`` in one folder."""

    def __init__(self, home: Path, *, busy_timeout: float):
        self.home = home
        self.database_path = home / DATABASE_FILE
        self.artifacts_path = home / ARTIFACTS_DIR
        self._lease = Lease.for_path(self.database_path, _prepare, busy_timeout=busy_timeout)

    @property
    def lease(self) -> Lease:
        return self._lease


def _prepare(con) -> None:
    apply_pending(con)
