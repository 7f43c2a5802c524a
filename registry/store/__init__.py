"""Storage: the only package with SQL in it.

``DuckDBStore`` is the embedded store every client uses by default. Its public methods are
the store contract; a server-backed store implements the same methods.
"""

from __future__ import annotations

from pathlib import Path

from registry.config import ARTIFACTS_DIR, DATABASE_FILE
from registry.store.bulk import BulkQueries
from registry.store.changes import ChangeQueries
from registry.store.insights import InsightQueries
from registry.store.lease import Lease
from registry.store.migrations import apply_pending
from registry.store.models import ModelQueries
from registry.store.notifications import NotificationQueries
from registry.store.runs import RunQueries
from registry.store.validations import ValidationQueries
from registry.store.versions import VersionQueries
from registry.store.workflow import WorkflowQueries

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
