"""A real PostgreSQL for the tests: one server per session, a fresh database per module.

``postgres_server`` runs Debian's PostgreSQL 15 (``/usr/lib/postgresql/15/bin``, or
``REGISTRY_TEST_PG_BIN``) from a temporary folder on a free port of 127.0.0.1, as the
``postgres`` user when the tests run as root (PostgreSQL refuses root), and removes it all
afterwards. Without PostgreSQL or psycopg the tests that need it skip saying why; under
``CI=true`` they fail instead, so CI can never pass by not running them.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from server_support import free_port

PG_BIN = Path(os.environ.get("REGISTRY_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
_numbers = itertools.count(1)


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str = "postgres"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self, prefix: str) -> str:
        """A new empty database (from template0); returns its DSN."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(_numbers)}"
        with psycopg.connect(self.dsn(), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.dsn(name)

    def drop_database(self, dsn: str) -> None:
        import psycopg

        name = dsn.rsplit("/", 1)[1]
        with psycopg.connect(self.dsn(), autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start PostgreSQL in a temporary folder; stop it and remove the folder afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="registry-pg-"))
    data, log = folder / "data", folder / "log"
    if os.geteuid() == 0:
        os.chown(folder, pwd.getpwnam("postgres").pw_uid, -1)
    run = {"check": True, "capture_output": True, "text": True, "timeout": 120}
    try:
        subprocess.run(
            _as_owner([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                       "--no-sync", "-E", "UTF8", "--locale", "C"]),
            **run,
        )  # fmt: skip
        for attempt in range(3):  # another test's server may take the port before PostgreSQL
            port, logged = free_port(), log.stat().st_size if log.exists() else 0
            options = (
                f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            try:
                subprocess.run(
                    _as_owner([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log),
                               "-o", options, "-w", "start"]),
                    **run,
                )  # fmt: skip
                break
            except subprocess.CalledProcessError:
                taken = "already in use" in log.read_text()[logged:] if log.exists() else False
                if not taken or attempt == 2:
                    raise
    except (subprocess.SubprocessError, OSError) as error:
        detail = getattr(error, "stderr", "") or (log.read_text() if log.exists() else "")
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {error} {detail}") from None
    try:
        yield PostgresServer("127.0.0.1", port)
    finally:
        subprocess.run(
            _as_owner([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


def empty_database(dsn: str) -> None:
    """Remove every row but the schema's record, and restart every sequence, so a migrated
    database is as good as new (much faster than creating one per test)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as con:
        tables = [r[0] for r in con.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename != 'schema_migrations'"
        ).fetchall()]  # fmt: skip
        sequences = [r[0] for r in con.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall()]  # fmt: skip
        with con.transaction():
            if tables:
                con.execute(f"TRUNCATE {', '.join(tables)}")
            for sequence in sequences:
                con.execute(f"ALTER SEQUENCE {sequence} RESTART")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (skips, or fails under CI=true, without one)."""
    if not (PG_BIN / "initdb").exists():
        _unavailable(f"no PostgreSQL binaries in {PG_BIN} (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[postgres]')")
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def postgres_dsn(postgres_server, request) -> Iterator[str]:
    """A fresh database for this test module, dropped afterwards."""
    prefix = request.module.__name__.rsplit(".", 1)[-1][:30]
    dsn = postgres_server.create_database(prefix)
    yield dsn
    postgres_server.drop_database(dsn)
