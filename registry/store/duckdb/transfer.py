"""SQL for moving a whole registry: rows out as dicts, rows in with their ids kept."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from registry.errors import InvalidArgumentError
from registry.store.contract.transfer import TABLES

SEQUENCES = {  # the tables whose ids the backend allocates, and its sequences
    "changes": "change_id_seq",
    "subscriptions": "subscription_id_seq",
    "deliveries": "delivery_id_seq",
    "transition_requests": "transition_request_id_seq",
    "version_comments": "version_comment_id_seq",
    "validation_records": "validation_record_id_seq",
    "access_tokens": "token_id_seq",
}
_BATCH = 1000


def checked_table(table: str) -> str:
    """``table`` if it is one of the registry's; raises InvalidArgumentError otherwise."""
    if table not in TABLES:
        raise InvalidArgumentError(f"{table!r} is not a registry table; expected one of {TABLES}")
    return table


class TransferQueries:
    """``registry.store.contract.transfer.TransferStore`` on DuckDB."""

    _lease: Any

    def export_rows(self, table: str) -> Iterator[dict[str, Any]]:
        with self._lease.cursor() as cur:
            cur.execute(f"SELECT * FROM {checked_table(table)}")
            columns = [d[0] for d in cur.description]
            while batch := cur.fetchmany(_BATCH):
                yield from (dict(zip(columns, row, strict=True)) for row in batch)

    def import_rows(self, tables: Iterable[tuple[str, Iterable[dict[str, Any]]]]) -> None:
        with self._lease.transaction() as cur:
            for table, rows in tables:
                types = dict(
                    cur.execute(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_name = ?",
                        [checked_table(table)],
                    ).fetchall()
                )
                cur.execute(f"DELETE FROM {table}")
                batch: list[list[Any]] = []
                columns: list[str] = []
                for row in rows:
                    if not columns:
                        columns = list(row)
                        names = ", ".join(f'"{c}"' for c in columns)
                        casts = ", ".join(f"?::{types[c]}" for c in columns)
                        insert = f"INSERT INTO {table} ({names}) VALUES ({casts})"
                    batch.append([row[c] for c in columns])
                    if len(batch) == _BATCH:
                        cur.executemany(insert, batch)
                        batch = []
                if batch:
                    cur.executemany(insert, batch)
            for table, sequence in SEQUENCES.items():
                _continue_after(cur, table, sequence)


def _continue_after(cur, table: str, sequence: str) -> None:
    """Draw ``sequence`` up to the highest id in ``table`` (DuckDB cannot restart one)."""
    highest = cur.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0
    last = cur.execute(
        "SELECT last_value FROM duckdb_sequences() WHERE sequence_name = ?", [sequence]
    ).fetchone()[0]
    missing = highest - (last or 0)
    if missing > 0:
        cur.execute(f"SELECT count(nextval('{sequence}')) FROM range(?)", [missing])
