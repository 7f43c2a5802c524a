"""Schema migrations: ordered, recorded, atomic."""

from __future__ import annotations

import duckdb
import pytest

from registry import RegistryClient, RegistryError
from registry.store.duckdb.migrations import MIGRATIONS, Migration, apply_pending, current_version


def _schema(con) -> list[tuple]:
    return con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "ORDER BY table_name, column_name"
    ).fetchall()


def test_fresh_database_gets_every_migration_once(tmp_path):
    con = duckdb.connect(str(tmp_path / "r.duckdb"))
    assert apply_pending(con) == len(MIGRATIONS)
    assert apply_pending(con) == 0
    assert current_version(con) == MIGRATIONS[-1].version
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_upgraded_database_matches_a_fresh_one(tmp_path):
    old = duckdb.connect(str(tmp_path / "old.duckdb"))
    apply_pending(old, MIGRATIONS[:1])
    apply_pending(old)
    fresh = duckdb.connect(str(tmp_path / "fresh.duckdb"))
    apply_pending(fresh)
    assert _schema(old) == _schema(fresh)


def test_failing_migration_rolls_back_with_its_record(tmp_path):
    con = duckdb.connect(str(tmp_path / "r.duckdb"))
    apply_pending(con)

    def broken(c):
        c.execute("CREATE TABLE half_done (x INTEGER)")
        c.execute("SELECT * FROM no_such_table")

    bad = Migration(len(MIGRATIONS) + 1, "broken", broken)
    with pytest.raises(duckdb.CatalogException):
        apply_pending(con, [*MIGRATIONS, bad])
    assert current_version(con) == len(MIGRATIONS)
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert "half_done" not in tables


def test_an_older_release_refuses_a_registry_from_a_newer_one(tmp_path):
    path = tmp_path / "home"
    RegistryClient(path).create_registered_model("m")
    RegistryClient(path).release()
    con = duckdb.connect(str(path / "registry.duckdb"))
    with pytest.raises(
        RegistryError, match=rf"schema {len(MIGRATIONS)}; this release knows up to 5"
    ):
        apply_pending(con, MIGRATIONS[:5])
    con.close()
