"""Connections to PostgreSQL: a pool, cursors, transactions, and PostgreSQL's errors as ours.

``Database`` offers what the DuckDB lease offers its query modules (``cursor()`` and
``transaction()``), so SQL written once for both dialects runs through either. The one
placeholder difference lives here: shared SQL uses ``?`` and ``$n`` (DuckDB's styles), which
``Cursor`` rewrites to psycopg's ``%s`` (literals in quotes are left alone). Every statement
of a transaction goes to one pooled connection; PostgreSQL's READ COMMITTED isolation holds,
so a query module that must see a row unchanged until commit locks it (``FOR UPDATE``).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator

from registry.errors import (
    AlreadyExistsError,
    InvalidArgumentError,
    RegistryBusyError,
    RegistryError,
)

_TOKENS = re.compile(r"'(?:[^']|'')*'|\?|\$\d+|%")
_REPLACE = re.compile(r"\s*INSERT OR REPLACE INTO (\w+)\s*(\(([^)]*)\))?", re.IGNORECASE)
# DuckDB's INSERT OR REPLACE, as PostgreSQL's upsert: each table's key and its columns.
UPSERT_KEYS = {
    "run_params": (("run_id", "key"), ("run_id", "key", "value")),
    "run_tags": (("run_id", "key"), ("run_id", "key", "value")),
    "run_models": (
        ("run_id", "artifact_path"),
        ("run_id", "artifact_path", "sha256", "flavor", "manifest", "created_timestamp"),
    ),
    "roles": (("user_name",), ("user_name", "role", "granted_by", "granted_at")),
    "validation_policies": (("model_name",), ()),
}


def _upsert(sql: str) -> str:
    """``INSERT OR REPLACE INTO t [(cols)] ...`` as ``INSERT ... ON CONFLICT DO UPDATE``."""
    match = _REPLACE.match(sql)
    if match is None:
        return sql
    table = match.group(1)
    key, all_columns = UPSERT_KEYS[table]
    columns = [c.strip() for c in match.group(3).split(",")] if match.group(3) else all_columns
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    head = f"INSERT INTO {table} ({', '.join(columns)}) "
    return f"{head}{sql[match.end() :]} ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> tuple[str, tuple[int, ...] | None]:
    """(psycopg SQL, the parameter order for ``$n`` placeholders or None for ``?`` ones);
    an ``INSERT OR REPLACE`` becomes an upsert."""
    sql = _upsert(sql)
    order: list[int] = []

    def swap(match: re.Match) -> str:
        text = match.group()
        if text == "?":
            return "%s"
        if text == "%":
            return "%%"
        if text.startswith("$"):
            order.append(int(text[1:]) - 1)
            return "%s"
        return text.replace("%", "%%")  # a quoted literal

    converted = _TOKENS.sub(swap, sql)
    return converted, tuple(order) if order else None


class Cursor:
    """A psycopg cursor that takes the shared SQL's placeholders."""

    __slots__ = ("_cur",)

    def __init__(self, cur):
        self._cur = cur

    def execute(self, sql: str, params=None) -> Cursor:
        converted, order = translate(sql)
        if order is not None:
            params = [params[i] for i in order]
        with plain_errors():
            self._cur.execute(converted, params)
        return self

    def executemany(self, sql: str, rows: list) -> None:
        converted, _ = translate(sql)
        with plain_errors():
            self._cur.executemany(converted, rows)

    def fetchone(self):
        return self._cur.fetchone()

    def fetchall(self):
        return self._cur.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    @property
    def raw(self):
        """The psycopg cursor, for SQL written in psycopg's own style."""
        return self._cur


@contextlib.contextmanager
def plain_errors() -> Iterator[None]:
    """PostgreSQL's exceptions as registry errors: a backend's own never escape."""
    import psycopg
    import psycopg_pool

    try:
        yield
    except psycopg_pool.PoolTimeout as error:
        raise RegistryBusyError(
            f"PostgreSQL is busy: no connection became free in time ({error}). Raise "
            "REGISTRY_BUSY_TIMEOUT or the server's pool size, or try again."
        ) from None
    except psycopg.errors.UniqueViolation as error:
        raise AlreadyExistsError(f"Already exists: {error.diag.message_detail}") from None
    except psycopg.DataError as error:
        raise InvalidArgumentError(f"PostgreSQL cannot store this value: {error}") from None
    except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure) as error:
        raise RegistryBusyError(
            f"PostgreSQL gave up the change to let another finish ({error}); nothing was saved: "
            "try again"
        ) from None
    except psycopg.OperationalError as error:
        raise RegistryBusyError(f"PostgreSQL could not be reached: {error}") from None
    except psycopg.Error as error:
        raise RegistryError(f"PostgreSQL refused a statement: {error}") from None


def redact(dsn: str) -> str:
    """The DSN without its password (for messages and logs)."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", dsn)


def _explain_unreachable(dsn: str) -> None:
    """Raise RegistryBusyError with libpq's own reason why ``dsn`` cannot be opened (the
    pool only says that it timed out); return if one connection now succeeds."""
    import psycopg

    try:
        psycopg.connect(dsn, connect_timeout=5).close()
    except psycopg.Error as error:
        reason = " ".join(line.strip() for line in str(error).splitlines()) or type(error)
        raise RegistryBusyError(
            f"PostgreSQL at {redact(dsn)} could not be reached ({reason}). Check the host, port, "
            "database, user and password (~/.pgpass or PGPASSWORD)."
        ) from None


class Database:
    """A connection pool on one PostgreSQL database."""

    def __init__(self, dsn: str, *, min_size: int = 1, max_size: int = 10, timeout: float = 15):
        from psycopg_pool import ConnectionPool

        self.dsn = dsn
        self.pool = ConnectionPool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            open=False,
            kwargs={"autocommit": True},
            name="registry",
        )
        try:
            self.pool.open(wait=True, timeout=timeout)
        except Exception:
            self.pool.close()
            _explain_unreachable(dsn)
            raise

    @contextlib.contextmanager
    def cursor(self) -> Iterator[Cursor]:
        """A cursor whose statements each commit on their own (reads)."""
        with plain_errors(), self.pool.connection() as con, con.cursor() as cur:
            yield Cursor(cur)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """A cursor inside BEGIN ... COMMIT (ROLLBACK on any exception)."""
        with (
            plain_errors(),
            self.pool.connection() as con,
            con.transaction(),
            con.cursor() as cur,
        ):
            yield Cursor(cur)

    def close(self) -> None:
        self.pool.close()
