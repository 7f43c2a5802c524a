"""Moving a whole registry between backends: raw rows out, raw rows in (``registry copy``).

Not part of ``RegistryStore``: only ``registry.store.copy`` calls it. A row is a dict of the
logical schema's columns, the same in every backend, with portable values: map and JSON
columns as dicts, arrays as lists, timestamps as integer milliseconds. Columns a backend
keeps for itself (such as a transaction id for its outbox) are neither exported nor
expected; it fills them on import.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

KEYS: dict[str, tuple[str, ...]] = {
    "registered_models": ("name",),
    "model_versions": ("name", "version"),
    "runs": ("run_id",),
    "run_params": ("run_id", "key"),
    "run_metrics": (),
    "run_tags": ("run_id", "key"),
    "run_inputs": (),
    "run_models": ("run_id", "artifact_path"),
    "changes": ("id",),
    "roles": ("user_name",),
    "transition_requests": ("id",),
    "version_comments": ("id",),
    "validation_records": ("id",),
    "validation_policies": ("model_name",),
    "subscriptions": ("id",),
    "deliveries": ("id",),
    "delivery_attempts": ("delivery_id", "attempt"),
    "outbox_cursors": ("name",),
    "access_tokens": ("id",),
}
"""Every table of a registry (the schema's bookkeeping aside), with the columns that key
its rows (none: a table whose rows may repeat, such as metric histories)."""

TABLES = tuple(KEYS)


class TransferStore(Protocol):
    def export_rows(self, table: str) -> Iterator[dict[str, Any]]:
        """Every row of ``table`` (one of ``TABLES``), in no particular order."""
        ...

    def import_rows(self, tables: Iterable[tuple[str, Iterable[dict[str, Any]]]]) -> None:
        """In one transaction, for each ``(table, rows)``: remove the table's rows and
        insert ``rows`` as given, ids and timestamps kept. Then every id the backend
        allocates (history rows, requests, comments, records, subscriptions, deliveries,
        tokens) continues after the highest one imported. All or nothing."""
        ...
