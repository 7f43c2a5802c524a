"""Reads of one model's versions on DuckDB go through the name index, not the whole table.

Without it a point read, a name search or a transition costs in proportion to the whole
registry (issue 16's growth run: get_model_version 3 -> 9 ms from 2,000 to 200,000
versions). DuckDB picks an index only for a lone equality on the indexed column, so the
store fences the name (``versions_of``). Each test records the statements the store sends
for one call and reads their plans (EXPLAIN ANALYZE, rolled back).
"""

from __future__ import annotations

import json

import pytest

from registry import RegistryClient
from registry.store.duckdb import models, paging, versions

MODELS, VERSIONS = 300, 10


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    client = RegistryClient(tmp_path_factory.mktemp("plans"))
    client.import_models(
        [
            {
                "name": f"model-{m}",
                "tags": {},
                "versions": [{"source": f"s3://b/{m}/{i}"} for i in range(VERSIONS)],
            }
            for m in range(MODELS)
        ]
    )
    client.set_registered_model_alias("model-7", "champion", 4)
    client.set_registered_model_alias("model-8", "challenger", 3)
    client.set_model_version_tag("model-7", 3, "k", "v")
    return client


@pytest.fixture
def sent(monkeypatch):
    """The (sql, params) of every statement versions.py, models.py and paging.py send."""
    statements: list[tuple[str, list]] = []
    for module in (versions, models, paging):
        original = module.run

        def spy(cur, sql, params=None, original=original):
            statements.append((sql, list(params or [])))
            return original(cur, sql, params)

        monkeypatch.setattr(module, "run", spy)
    return statements


def _scans(client, sql: str, params: list) -> list[tuple[str, list[str]]]:
    """Each read of model_versions in ``sql``'s plan: (its type, its filters and those a join
    pushed into it at run time)."""
    with client._store.lease.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")
        try:
            plan = cur.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params).fetchall()[0][1]
        finally:
            cur.execute("ROLLBACK")
    found, stack = [], [json.loads(plan)]
    while stack:
        node = stack.pop()
        info = node.get("extra_info") or {}
        if node.get("type") == "TABLE_SCAN" and info.get("Table", "").endswith(".model_versions"):
            pushed = [info.get("Filters"), info.get("Dynamic Filters")]
            found.append((info.get("Type"), [str(f) for f in pushed if f]))
        stack += node.get("children", []) + node.get("operator", [])
    return found


def _by_name_or_row(scan: tuple[str, list[str]]) -> bool:
    """An index scan, or an UPDATE's scan filtered on rowid alone: rowids grow with the
    table, so DuckDB skips every row group but the row's."""
    kind, filters = scan
    # "optional: rowid IN PRF(...)": a join's filter over several rowids, used the same way.
    bare = [f.removeprefix("optional: ").lstrip("(") for f in filters]
    on_rowid = bool(bare) and all(f.startswith("rowid ") for f in bare)
    return kind == "Index Scan" or on_rowid


CALLS = {
    "get_model_version": lambda c: c.get_model_version("model-7", 3),
    "get_model_version_by_alias": lambda c: c.get_model_version_by_alias("model-7", "champion"),
    "search_model_versions name=": lambda c: c.search_model_versions("name = 'model-7'"),
    "get_latest_versions": lambda c: c.get_latest_versions("model-7", ["None"]),
    "get_registered_model": lambda c: c.get_registered_model("model-7"),
    "set_model_version_tag": lambda c: c.set_model_version_tag("model-7", 3, "k", "new"),
    "transition (archive existing)": lambda c: c.transition_model_version_stage(
        "model-7", 5, "Staging", archive_existing_versions=True
    ),
    "set_registered_model_alias (moved)": lambda c: c.set_registered_model_alias(
        "model-8", "challenger", 2 + c.get_model_version("model-8", 2).aliases.count("challenger")
    ),
    "delete_registered_model_alias": lambda c: c.delete_registered_model_alias(
        "model-7", "champion"
    ),
    "update_model_version": lambda c: c.update_model_version("model-7", 2, description="new"),
    "delete_model_version_tag": lambda c: c.delete_model_version_tag("model-7", 3, "k"),
    "delete_model_version": lambda c: c.delete_model_version("model-9", 10),
}
# What lets a call's statements be explained again after it ran (its row back as it was).
UNDO = {
    "delete_model_version": "UPDATE model_versions SET deleted = false "
    "WHERE name = 'model-9' AND version = 10",
}


@pytest.mark.parametrize("call", CALLS)
def test_one_models_versions_are_read_through_the_name_index(client, sent, call):
    CALLS[call](client)
    if call in UNDO:
        with client._store.lease.cursor() as cur:
            cur.execute(UNDO[call])
    reads = [
        (sql, params) for sql, params in sent if "model_versions" in sql and "INSERT" not in sql
    ]
    assert reads, f"{call} sent no statement on model_versions"
    scans = {sql: _scans(client, sql, params) for sql, params in reads}
    assert all(scans.values()), scans
    assert all(_by_name_or_row(scan) for found in scans.values() for scan in found), scans
