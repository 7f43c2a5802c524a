"""The append-only change log: the registry's history and its event outbox in one table.

Every write adds its rows in the same transaction as the change, so there is never a change
without its history (and event), nor an event without its change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import duckdb

from registry.clock import now_ms
from registry.entities import Change
from registry.store.duckdb.parsed import run

__all__ = [
    "CHANGE_FIELDS",
    "ChangeQueries",
    "NewChange",
    "change_row",
    "now_ms",
    "record",
    "to_change",
]

_COLUMNS = "id, ts, actor, event, model_name, version, key, old_value, new_value, comment, payload"


@dataclass(frozen=True)
class NewChange:
    """A change about to be recorded."""

    event: str
    model_name: str | None
    version: int | None = None
    key: str | None = None
    old: str | None = None
    new: str | None = None
    comment: str | None = None
    payload: dict = field(default_factory=dict)


def change_row(c: NewChange, actor: str, ts: int) -> tuple:
    """The values of one history row, in the order of ``CHANGE_FIELDS``."""
    payload = json.dumps(c.payload, sort_keys=True) if c.payload else None
    return (ts, actor, c.event, c.model_name, c.version, c.key, c.old, c.new, c.comment, payload)


CHANGE_FIELDS = "ts, actor, event, model_name, version, key, old_value, new_value, comment, payload"


def record(cur: duckdb.DuckDBPyConnection, actor: str, ts: int, changes: list[NewChange]) -> None:
    """Append ``changes`` (one statement whatever their number)."""
    if not changes:
        return
    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(changes))
    params = [value for c in changes for value in change_row(c, actor, ts)]
    run(
        cur,
        f"INSERT INTO changes ({CHANGE_FIELDS}) VALUES {values}",
        params,
    )


def to_change(row: tuple) -> Change:
    payload = json.loads(row[10]) if row[10] else {}
    return Change(*row[:10], payload=payload)


class ChangeQueries:
    """Reading the history."""

    _lease: object

    def search_changes(
        self,
        *,
        model_name: str | None = None,
        version: int | None = None,
        actor: str | None = None,
        events: list[str] | None = None,
        since: int | None = None,
        until: int | None = None,
        after_id: int | None = None,
        limit: int = 100,
        offset: int = 0,
        newest_first: bool = True,
    ) -> list[Change]:
        """Changes matching every given condition, newest first by default."""
        conditions, params = [], []
        for column, value in (
            ("model_name = ?", model_name),
            ("version = ?", version),
            ("actor = ?", actor),
            ("ts >= ?", since),
            ("ts <= ?", until),
            ("id > ?", after_id),
        ):
            if value is not None:
                conditions.append(column)
                params.append(value)
        if events:
            conditions.append(f"event IN ({', '.join('?' * len(events))})")
            params += events
        where = " AND ".join(conditions) or "TRUE"
        order = "DESC" if newest_first else "ASC"
        sql = f"SELECT {_COLUMNS} FROM changes WHERE {where} ORDER BY id {order} LIMIT ? OFFSET ?"
        with self._lease.cursor() as cur:  # type: ignore[attr-defined]
            rows = run(cur, sql, [*params, limit, offset]).fetchall()
        return [to_change(row) for row in rows]
