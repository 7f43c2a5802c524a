"""The schema on a real PostgreSQL: the one list of migrations, recorded, atomic, run once."""

from __future__ import annotations

import threading

import pytest

from registry import RegistryClient, RegistryError
from registry.artifacts.blobs import BlobStore
from registry.store.duckdb.migrations import MIGRATIONS, Migration
from registry.store.postgres.migrations import POSTGRES_MIGRATIONS, apply_pending, current_version


@pytest.fixture
def database(postgres_server):
    dsn = postgres_server.create_database("migrations")
    yield dsn
    postgres_server.drop_database(dsn)


def _connect(dsn: str):
    import psycopg  # here, so that without it the postgres fixtures say why (or fail in CI)

    return psycopg.connect(dsn, autocommit=True)


def _schema(dsn: str) -> dict[str, list[tuple]]:
    """Columns (with types, defaults, nullability), indexes, constraints and sequences."""
    with _connect(dsn) as con:
        return {
            "columns": con.execute(
                "SELECT table_name, column_name, data_type, column_default, is_nullable, "
                "collation_name FROM information_schema.columns WHERE table_schema = 'public' "
                "ORDER BY 1, 2"
            ).fetchall(),
            "indexes": con.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
            ).fetchall(),
            "constraints": con.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
            ).fetchall(),
            "sequences": con.execute(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
            ).fetchall(),
        }


def test_every_migration_has_postgres_sql_and_the_same_number_and_name():
    assert [(m.version, m.name) for m in POSTGRES_MIGRATIONS] == [
        (m.version, m.name) for m in MIGRATIONS
    ]


def test_a_fresh_database_gets_every_migration_once(database):
    with _connect(database) as con:
        assert apply_pending(con) == len(MIGRATIONS)
        assert apply_pending(con) == 0
        assert current_version(con) == MIGRATIONS[-1].version
        recorded = con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
    assert [row[0] for row in recorded] == [m.version for m in MIGRATIONS]


def test_an_upgraded_database_matches_a_fresh_one(postgres_server, database, tmp_path):
    with _connect(database) as con:
        apply_pending(con, POSTGRES_MIGRATIONS[:3])
        con.execute(
            "INSERT INTO registered_models (name, creation_timestamp, last_updated_timestamp) "
            "VALUES ('old', 1, 1)"
        )
    store = _store(database, tmp_path)  # opening it upgrades the rest of the way
    try:
        assert RegistryClient(store=store).get_registered_model("old").name == "old"
    finally:
        store.close()
    fresh = postgres_server.create_database("fresh")
    try:
        with _connect(fresh) as con:
            apply_pending(con)
        assert _schema(database) == _schema(fresh)
    finally:
        postgres_server.drop_database(fresh)


def test_a_failing_migration_leaves_nothing_behind(database):
    import psycopg

    def broken(cur):
        cur.execute("CREATE TABLE half_done (x INTEGER)")
        cur.execute("ALTER TABLE registered_models ADD COLUMN extra INTEGER")
        cur.execute("SELECT * FROM no_such_table")

    bad = Migration(len(POSTGRES_MIGRATIONS) + 1, "broken", broken)
    with _connect(database) as con:
        apply_pending(con)
        with pytest.raises(psycopg.errors.UndefinedTable):
            apply_pending(con, [*POSTGRES_MIGRATIONS, bad])
        assert current_version(con) == len(POSTGRES_MIGRATIONS)
        assert con.execute("SELECT to_regclass('half_done')").fetchone() == (None,)
        columns = con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'registered_models' AND column_name = 'extra'"
        ).fetchall()
    assert columns == []


def test_servers_starting_together_migrate_once(database, tmp_path):
    """The first to take the advisory lock migrates; the others find it done."""
    start, opened, failures = threading.Barrier(4), [], []

    def open_store():
        start.wait(30)
        try:
            opened.append(_store(database, tmp_path))
        except Exception as error:
            failures.append(error)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for store in opened:
        store.close()
    assert failures == []
    with _connect(database) as con:
        rows = con.execute("SELECT version, count(*) FROM schema_migrations GROUP BY 1").fetchall()
    assert sorted(rows) == [(m.version, 1) for m in MIGRATIONS]


def test_a_database_from_a_newer_release_is_refused(database, tmp_path):
    with _connect(database) as con:
        apply_pending(con)
        con.execute("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)")
    with pytest.raises(RegistryError, match=r"schema 999; this release knows up to"):
        _store(database, tmp_path)


def _store(dsn: str, folder):
    from registry.store.postgres import PostgresStore

    return PostgresStore(dsn, blobs=BlobStore(folder / "artifacts"), pool_size=2)
