"""SQL for moving a whole registry on PostgreSQL: rows out as dicts, rows in with their ids.

The columns PostgreSQL keeps for its outbox (``changes.xid``, ``outbox_cursors.last_xid``)
stay out of the rows. Imported history rows all carry the importing transaction's id, and
so does an imported outbox cursor, which therefore still marks the same history rows as
delivered: a copied registry never sends old events again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from registry.store.duckdb.transfer import SEQUENCES, checked_table

_OWN_COLUMNS = {"xid", "last_xid"}
_BATCH = 1000


class TransferQueries:
    """``registry.store.contract.transfer.TransferStore`` on PostgreSQL."""

    _lease: Any

    def export_rows(self, table: str) -> Iterator[dict[str, Any]]:
        with self._lease.cursor() as cur:
            raw = cur.raw
            raw.execute(f"SELECT * FROM {checked_table(table)}")
            columns = [d.name for d in raw.description]
            keep = [i for i, name in enumerate(columns) if name not in _OWN_COLUMNS]
            while batch := raw.fetchmany(_BATCH):
                yield from ({columns[i]: row[i] for i in keep} for row in batch)

    def import_rows(self, tables: Iterable[tuple[str, Iterable[dict[str, Any]]]]) -> None:
        with self._lease.transaction() as cur:
            raw = cur.raw
            for table, rows in tables:
                raw.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = %s AND table_schema = current_schema()",
                    [checked_table(table)],
                )
                types = dict(raw.fetchall())
                raw.execute(f"DELETE FROM {table}")
                _insert(raw, table, rows, types)
            for table, sequence in SEQUENCES.items():
                raw.execute(
                    f"SELECT setval('{sequence}', coalesce(max(id), 1), max(id) IS NOT NULL) "
                    f"FROM {table}"
                )


def _insert(raw, table: str, rows: Iterable[dict[str, Any]], types: dict[str, str]) -> None:
    from psycopg.types.json import Jsonb

    batch: list[list[Any]] = []
    statement, columns = "", []
    for row in rows:
        if not columns:
            columns = list(row)
            names = ", ".join(f'"{c}"' for c in columns)
            values = ", ".join("%s" for _ in columns)
            if "last_xid" in types:  # the cursor counts in this transaction's history rows
                names, values = f"{names}, last_xid", f"{values}, pg_current_xact_id()"
            statement = f"INSERT INTO {table} ({names}) VALUES ({values})"
            wrapped = {c for c in columns if types.get(c) == "jsonb"}
        batch.append([Jsonb(row[c]) if c in wrapped else row[c] for c in columns])
        if len(batch) == _BATCH:
            raw.executemany(statement, batch)
            batch = []
    if batch:
        raw.executemany(statement, batch)
