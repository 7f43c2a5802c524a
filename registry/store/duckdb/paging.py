"""Opaque page tokens and result-size limits shared by every search."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import replace

from registry.errors import InvalidArgumentError
from registry.search import compile_filter, compile_order_by
from registry.store.duckdb.parsed import run


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_token(token: str | None) -> int:
    """The offset a token stands for (0 for no token)."""
    if not token:
        return 0
    # MLflow's wording first (its tests match it), then what to do.
    hint = f"(Invalid page_token {token[:40]!r}: pass the token of a previous result page.)"
    try:
        decoded = base64.urlsafe_b64decode(token.encode())
    except (binascii.Error, ValueError, UnicodeError):
        raise InvalidArgumentError(f"Invalid page token, could not base64-decode. {hint}") from None
    try:
        offset = json.loads(decoded)["offset"]
    except (ValueError, TypeError, KeyError, UnicodeError):
        offset = None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidArgumentError(f"Invalid page token, decoded value={decoded[:40]!r}. {hint}")
    return offset


def search_page(
    cur,
    select_from: str,
    target: str,
    filter_string: str | None,
    order_by: list[str] | None,
    max_results: int,
    page_token: str | None,
    always: str = "TRUE",
    dialect: str = "duckdb",
    by_name: tuple[str, str] | None = None,
) -> tuple[list[tuple], str | None]:
    """One page of ``SELECT ... FROM table alias`` rows matching a filter string (and the
    fixed SQL condition ``always``), plus the next page's token (None on the last one).
    ``cur`` takes ``?`` placeholders (a PostgreSQL cursor translates them). ``by_name``:
    (the filter's SQL for one name, the SELECT to use then), for a source faster by name."""
    where = compile_filter(filter_string, target, dialect)
    order = compile_order_by(order_by, target)
    offset = decode_token(page_token)
    if by_name is not None and where.sql == by_name[0]:
        select_from, where = by_name[1], replace(where, sql="TRUE")
    sql = f"{select_from} WHERE {always} AND ({where.sql}) ORDER BY {order} LIMIT ? OFFSET ?"
    rows = run(cur, sql, [*where.params, max_results + 1, offset]).fetchall()
    token = encode_token(offset + max_results) if len(rows) > max_results else None
    return rows[:max_results], token
