"""Searches at scale on a real PostgreSQL: a first page reads an index, not the whole table.

PostgreSQL's planner chooses by statistics, so each test fills a registry large enough that a
table scan and an index differ (5,000 versions), runs ANALYZE, and reads the plan of the
exact statement the store sends (its SQL and parameters, from ``search_page``).
"""

from __future__ import annotations

import json

import pytest

from registry import RegistryClient
from registry.artifacts.blobs import BlobStore
from registry.store.duckdb.paging import search_page
from registry.store.duckdb.versions import VERSION_COLUMNS
from registry.store.postgres import PostgresStore


@pytest.fixture(scope="module")
def filled(postgres_server, tmp_path_factory):
    dsn = postgres_server.create_database("plans")
    store = PostgresStore(
        dsn, blobs=BlobStore(tmp_path_factory.mktemp("plans") / "artifacts"), pool_size=2
    )
    client = RegistryClient(store=store)
    teams = ("growth", "risk", "ops", "search", "ads")
    client.import_models(
        [
            {
                "name": f"model-{m:03d}",
                "tags": {},
                "versions": [
                    {"source": f"s3://b/{m}/{i}", "tags": {"team": teams[m % 5]}} for i in range(50)
                ],
            }
            for m in range(100)
        ]
    )
    client.create_registered_model("rare")
    client.create_model_version("rare", source="s3://b/rare", tags={"team": "audit"})
    with store._lease.cursor() as cur:
        cur.execute("ANALYZE")
    yield store
    store.close()
    postgres_server.drop_database(dsn)


def _plan(store, filter_string: str) -> str:
    """The plan of a first page of 100 versions, as PostgreSQL runs it."""
    captured = {}

    class Explaining:
        def __init__(self, cur):
            self.cur = cur

        def execute(self, sql, params):
            rows = self.cur.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params).fetchall()
            captured["plan"] = json.dumps(rows[0][0])
            return self

        def fetchall(self):
            return []

    select = f"SELECT {VERSION_COLUMNS} FROM model_versions v"
    with store._lease.cursor() as cur:
        search_page(
            Explaining(cur), select, "version", filter_string, None, 100, None,
            always="NOT v.deleted", dialect="postgres",
        )  # fmt: skip
    return captured["plan"]


def test_a_rare_tag_is_found_through_the_tag_index(filled):
    plan = _plan(filled, "tags.team = 'audit'")
    assert "model_versions_tags_idx" in plan
    assert '"Seq Scan"' not in plan


def test_a_common_tag_walks_the_default_order_and_stops_after_a_page(filled):
    plan = _plan(filled, "tags.team = 'risk'")
    assert "model_versions_updated_idx" in plan
    assert '"Seq Scan"' not in plan and '"Sort"' not in plan


def test_a_models_versions_come_in_order_from_an_index(filled):
    plan = _plan(filled, "name = 'model-042'")
    assert '"Seq Scan"' not in plan and '"Sort"' not in plan


def test_tag_equality_keeps_its_meaning_under_not_and_or(filled):
    client = RegistryClient(store=filled)
    found = client.search_model_versions("tags.team = 'audit'", max_results=10)
    assert [(v.name, v.version) for v in found] == [("rare", 1)]
    others = client.search_model_versions(
        "name LIKE 'r%' AND NOT tags.team = 'audit'", max_results=10
    )
    assert list(others) == []
    either = client.search_model_versions(
        "tags.team = 'audit' OR name = 'model-001'", max_results=100
    )
    assert len(either) == 51
