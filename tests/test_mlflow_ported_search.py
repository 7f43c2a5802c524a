"""The registry behaviours MLflow 3.17.2's store tests check
(tests/store/model_registry/test_sqlalchemy_store.py), ported: searches, orders, pages,
aliases and copies (models, versions, tags and stages are in test_mlflow_ported_store.py,
whose docstring lists what was not ported and why). Each runs on registry's embedded client
and on MLflow's client against a registry server; a divergence is named where it is
asserted (DIVERGES, D-number in docs/mlflow-compatibility.md).
"""

from __future__ import annotations

import time

import mlflow_support
import pytest
from mlflow_support import MLFLOW_WARNINGS, clock_at, every_page
from test_mlflow_ported_store import bad_value, not_found

from registry import RegistryClient

pytestmark = MLFLOW_WARNINGS
client = mlflow_support.client

RUN_1, RUN_2, RUN_3 = "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "ffeeddccbbaa99887766554433221100", "r3"


def numbers(found) -> list[int]:
    return [int(v.version) for v in found]


def names(found) -> list[str]:
    return [m.name for m in found]


def token_of(client, page) -> str | None:
    """The next page's token; MLflow's REST client reads the last page's absent token as ""
    (against MLflow's own server too), MLflow's store and registry's client as None."""
    return page.token if isinstance(client, RegistryClient) else page.token or None


# -- version searches -----------------------------------------------------------------------


def test_version_search_filters(client):
    client.create_registered_model("smv")
    for source, run in (("A/B", RUN_1), ("A/C", RUN_2), ("A/D", RUN_2), ("A/D", RUN_3)):
        client.create_model_version("smv", source, run)

    def found(filter_string):
        return set(numbers(client.search_model_versions(filter_string, max_results=10)))

    assert found("name='smv'") == {1, 2, 3, 4}
    assert found("version_number=2") == {2}
    assert found("version_number<=3") == {1, 2, 3}
    assert found(f"run_id='{RUN_1}'") == {1}
    assert found(f"run_id='{RUN_2}'") == {2, 3}
    assert found(f"run_id IN ('{RUN_1}','{RUN_2}')") == {1, 2, 3}
    assert found(f"run_id IN ('{RUN_1.upper()}','{RUN_2}')") == {2, 3}
    assert found(f"version_number=2 AND run_id IN ('{RUN_1.upper()}','{RUN_2}')") == {2}
    assert found(f"run_id IN ('{RUN_1}', '{RUN_2}')") == {1, 2, 3}
    assert found(f"run_id LIKE '{RUN_2[:30]}%'") == {2, 3}
    assert found(f"run_id ILIKE '{RUN_2[:30].upper()}%'") == {2, 3}
    in_list = r"While parsing a list in the query, "
    not_strings = in_list + r"expected string value, punctuation, or whitespace, "
    not_strings += r"but got different type in list"
    non_empty = in_list + r"expected a non-empty list of string values, "
    clause = r"Invalid clause\(s\) in filter string"
    for filter_string, message in (
        ("run_id IN (1,2,3)", not_strings),
        ("run_id IN ()", non_empty + r"but got empty list"),
        ("run_id IN (", clause),
        ("run_id IN", clause),
        ("name LIKE", clause),
        ("run_id IN (,)", non_empty + r"but got ill-formed list"),
        ("run_id IN ('runid1',,'runid2')", non_empty + r"but got ill-formed list"),
    ):
        with bad_value(client, message):
            found(filter_string)
    assert found("source_path = 'A/D'") == {3, 4}
    for prefix in ("A", "A/", ""):
        assert found(f"source_path = '{prefix}'") == set()
    client.delete_model_version("smv", 4)
    assert found("") == found(None) == found("name='smv'") == {1, 2, 3}
    assert found("source_path = 'A/D'") == {3}
    client.transition_model_version_stage("smv", 1, "production", False)
    client.update_model_version("smv", 1, description="Online prediction model!")
    (got,) = client.search_model_versions(f"run_id = '{RUN_1}'", max_results=10)
    assert (got.current_stage, got.run_id, got.source, got.description) == (
        "Production",
        RUN_1,
        "A/B",
        "Online prediction model!",
    )


def test_version_search_orders(client):
    order = ["RM1", "RM2", "RM3", "RM4", "RM1", "RM4"]
    for name in sorted(set(order)):
        client.create_registered_model(name)
    for name, source in zip(order, "AAABBB", strict=True):
        time.sleep(0.002)  # each version its own millisecond
        client.create_model_version(name, source, "r")

    def seen(order_by):
        found = client.search_model_versions(None, order_by=order_by)
        return names(found), numbers(found)

    newest_first = (order[::-1], [2, 2, 1, 1, 1, 1])
    assert seen(None) == newest_first
    assert seen(["name DESC"]) == (sorted(order)[::-1], [2, 1, 1, 1, 2, 1])
    by_number = (["RM1", "RM4", "RM1", "RM2", "RM3", "RM4"], [2, 2, 1, 1, 1, 1])
    assert seen(["version_number DESC"]) == by_number
    assert seen(["creation_timestamp DESC"]) == newest_first
    client.update_model_version("RM1", 1, "latest updated")
    assert [item[-1] for item in seen(["last_updated_timestamp ASC"])] == ["RM1", 1]


def test_version_search_order_refusals(client):
    client.create_registered_model("RM1")
    for _ in range(6):
        client.create_model_version("RM1", "path/to/source", "r")
    for order_by, message in (
        (["name ASC", "run_id DESC"], r"Invalid attribute key '.+' specified"),
        (["name ASC", "last_updated_timestamp DESC blah"], r"Invalid order_by clause '.+'"),
    ):
        with bad_value(client, message):
            client.search_model_versions("name LIKE 'RM%'", max_results=5, order_by=order_by)


def _pages_in_order(client, search, key, expected):
    """MLflow's paging checks: every page of 5, then pages of 5, 10, 20 and the rest; a
    token that is not one and a page size out of range are refused."""
    assert [key(x) for x in every_page(lambda token: search(token, 5))] == expected
    token, start = None, 0
    for size in (5, 10, 20, 100):
        page = search(token, size)
        assert [key(x) for x in page] == expected[start : start + size]
        start, token = start + size, token_of(client, page)
        assert (token is None) == (start >= len(expected))
    with bad_value(client, "Invalid page token, could not base64-decode"):
        search("evilhax", 20)


def too_many(client, search, message):
    if isinstance(client, RegistryClient):
        with bad_value(client, message):
            search()
    else:  # MLflow's client cannot send a float max_results (against MLflow's server either)
        with pytest.raises(TypeError):
            search()


def test_version_search_pages(client):
    client.create_registered_model("pages")
    for _ in range(50):
        client.create_model_version("pages", "path/to/source", "r")

    def search(token, size):
        return client.search_model_versions("name LIKE 'pages%'", size, page_token=token)

    _pages_in_order(client, search, lambda v: int(v.version), list(range(50, 0, -1)))
    too_many(client, lambda: search("evilhax", 1e15), r"Invalid value for max_results\.")


def test_version_search_by_tag(client):
    client.create_registered_model("vtag")
    client.create_model_version("vtag", "A/B", RUN_1, tags={"t1": "abc", "t2": "xyz"})
    client.create_model_version("vtag", "A/C", RUN_2, tags={"t1": "abc", "t2": "x123"})

    def found(filter_string):
        return numbers(client.search_model_versions(filter_string))

    for filter_string, expected in (
        ("name = 'vtag' and tag.t2 = 'xyz'", [1]),
        ("name = 'wrong_name' and tag.t2 = 'xyz'", []),
        ("tag.`t2` = 'xyz'", [1]),
        ("tag.t3 = 'xyz'", []),
        ("tag.t2 != 'xy'", [2, 1]),
        ("tag.t2 LIKE 'xy%'", [1]),
        ("tag.t2 LIKE 'xY%'", []),
        ("tag.t2 ILIKE 'xY%'", [1]),
        ("tag.t2 LIKE 'x%'", [2, 1]),
        ("tag.T2 = 'xyz'", []),
        ("tag.t1 = 'abc' and tag.t2 = 'xyz'", [1]),
        ("tag.t1 = 'abc' and tag.t2 LIKE 'x%'", [2, 1]),
        ("tag.t1 = 'abc' and tag.t2 LIKE 'y%'", []),
        ("tag.t2 like 'x%' and tag.t2 != 'xyz'", [2]),
    ):
        assert found(filter_string) == expected, filter_string


# -- model searches -------------------------------------------------------------------------


def _model_names(client, filter_string, max_results=10, order_by=None, page_token=None):
    found = client.search_registered_models(filter_string, max_results, order_by, page_token)
    return names(found), token_of(client, found)


def test_model_search_filters(client):
    prefix = "test_for_search_"
    made = [prefix + n for n in ("RM1", "RM2", "RM3", "RM4", "RM4A", "RM4ab")]
    for name in made:
        client.create_registered_model(name)

    def found(filter_string):
        return _model_names(client, filter_string)[0]

    for filter_string, expected in (
        (None, made),
        (f"name='{made[0]}'", made[:1]),
        (f"name='{made[0]}cats'", []),
        (f"name LIKE '{prefix}%'", made),
        ("name LIKE '%RM%'", made),
        ("name LIKE '_e%'", made),
        (f"name LIKE '{prefix}RM4A%'", [made[4]]),
        (f"name LIKE '{prefix}cats%'", []),
        ("name lIkE '%blah%'", []),
        (f"name like '{prefix}RM4A%'", [made[4]]),
        (f"name ILIKE '{prefix}RM4A%'", made[4:]),
        ("name ILIKE '%RM4a%'", made[4:]),
        (f"name ILIKE '{prefix}cats%'", []),
        ("name iLike '%blah%'", []),
        ("name iLike '%%'", made),
        ("name ilike '%RM4a%'", made[4:]),
    ):
        assert found(filter_string) == expected, filter_string
    unquoted = "Parameter value is either not quoted or unidentified quote types used for "
    for filter_string, message in (
        ("name!=something", unquoted + "string value something"),
        ("run_id='somerunID'", r"Invalid attribute key 'run_id' specified."),
        ("source_path = 'A/D'", r"Invalid attribute key 'source_path' specified."),
        ("evilhax = true", r"Invalid clause\(s\) in filter string"),
    ):
        with bad_value(client, message):
            found(filter_string)
    client.delete_registered_model(made[-1])
    assert _model_names(client, None, max_results=1000) == (made[:-1], None)
    assert _model_names(client, f"name='{made[-1]}'") == ([], None)
    assert _model_names(client, f"name LIKE '{prefix}%'") == (made[:5], None)
    assert _model_names(client, f"name ILIKE '{prefix}RM4A%'") == ([made[4]], None)


def test_model_search_by_tag(client):
    first, second = "by_tag1", "by_tag2"
    client.create_registered_model(first, {"t1": "abc", "t2": "xyz"})
    client.create_registered_model(second, {"t1": "abcd", "t2": "xyz123", "t3": "XYZ"})
    for filter_string, expected in (
        ("tag.t3 = 'XYZ'", [second]),
        (f"name = '{first}' and tag.t1 = 'abc'", [first]),
        ("tag.t1 LIKE 'ab%'", [first, second]),
        ("tag.t1 ILIKE 'aB%'", [first, second]),
        ("tag.t1 LIKE 'ab%' AND tag.t2 LIKE 'xy%'", [first, second]),
        ("tag.t3 = 'XYz'", []),
        ("tag.T3 = 'XYZ'", []),
        ("tag.t1 != 'abc'", [second]),
        ("tag.t1 != 'abcd' and tag.t1 LIKE 'ab%'", [first]),
    ):
        assert _model_names(client, filter_string)[0] == expected, filter_string


def test_model_search_refuses_an_order_field_twice(client):
    client.create_registered_model("m")
    assert _model_names(client, None, order_by=[]) == (["m"], None)
    assert _model_names(client, None, order_by=["name DESC"]) == (["m"], None)
    for order_by in (
        ["last_updated_timestamp", "last_updated_timestamp"],
        ["timestamp", "timestamp"],
        ["timestamp", "last_updated_timestamp"],
        ["last_updated_timestamp ASC", "last_updated_timestamp DESC"],
        ["last_updated_timestamp", "last_updated_timestamp DESC"],
    ):
        with bad_value(client, "`order_by` contains duplicate fields:"):
            _model_names(client, None, order_by=order_by)


def test_model_search_pages(client):
    made = [client.create_registered_model(f"RM{i:03}").name for i in range(50)]

    def search(token, size):
        return client.search_registered_models("name LIKE 'RM%'", size, page_token=token)

    _pages_in_order(client, search, lambda m: m.name, made)
    too_many(client, lambda: search("evilhax", 1e15), "for request parameter max_results")


def test_model_search_orders(client):
    made = []
    for i in range(50):
        with clock_at(i):
            made.append(client.create_registered_model(f"RM{i:03}").name)

    def found(order_by, query="name LIKE 'RM%'", size=100):
        return _model_names(client, query, size, order_by)[0]

    by_name_desc = every_page(
        lambda token: client.search_registered_models(
            "name LIKE 'RM%'", 5, ["name DESC"], page_token=token
        )
    )
    assert names(by_name_desc) == made[::-1]
    for order_by in (["last_updated_timestamp DESC"], ["timestamp DESC"]):
        assert found(order_by) == made[::-1]
    for order_by in (["last_updated_timestamp ASC"], ["timestamp ASC"], ["timestamp"]):
        assert found(order_by) == made
    assert found(["name ASC"]) == found(["last_updated_timestamp"]) == made
    for stamp, name in ((1, "MR1"), (1, "MR2"), (2, "MR3"), (2, "MR4")):
        with clock_at(stamp):
            client.create_registered_model(name)
    mr = ["MR1", "MR2", "MR3", "MR4"]
    for order_by, expected in (
        (["last_updated_timestamp ASC", "name DESC"], ["MR2", "MR1", "MR4", "MR3"]),
        (["timestamp ASC", "name   DESC"], ["MR2", "MR1", "MR4", "MR3"]),
        ([], mr),
        (["last_updated_timestamp DESC"], ["MR3", "MR4", "MR1", "MR2"]),
        (["timestamp\tASC"], mr),
        (["timestamp\r\rASC"], mr),
        (["timestamp\nASC"], mr),
        (["timestamp  ASC"], mr),
        (["timestamp  asc"], mr),
        (["timestamp  aSC"], mr),
        (["timestamp  desc", "name desc"], mr[::-1]),
        (["timestamp  deSc", "name deSc"], mr[::-1]),
    ):
        assert found(order_by, "name LIKE 'MR%'") == expected, order_by


def test_model_search_order_refusals(client):
    # DIVERGES (D4): models may be ordered by creation_timestamp here (MLflow refuses it)
    assert _model_names(client, "name LIKE 'RM%'", 5, ["name ASC", "creation_timestamp DESC"])
    order_by = ["name ASC", "last_updated_timestamp DESC blah"]
    with bad_value(client, r"Invalid order_by clause '.+'"):
        _model_names(client, "name LIKE 'RM%'", 5, order_by)


# -- aliases --------------------------------------------------------------------------------


def _alias_on_version_2(client, name):
    client.create_registered_model(name)
    client.create_model_version(name, "v1", RUN_1)
    client.create_model_version(name, "v2", RUN_2)
    client.set_registered_model_alias(name, "test_alias", "2")
    assert {a: int(v) for a, v in client.get_registered_model(name).aliases.items()} == {
        "test_alias": 2
    }
    assert client.get_model_version(name, 1).aliases == []
    assert client.get_model_version(name, 2).aliases == ["test_alias"]


def test_set_an_alias(client):
    _alias_on_version_2(client, "SetAlias")


def test_delete_an_alias(client):
    _alias_on_version_2(client, "DelAlias")
    client.delete_registered_model_alias("DelAlias", "test_alias")
    assert client.get_registered_model("DelAlias").aliases == {}
    assert client.get_model_version("DelAlias", 2).aliases == []


def test_version_by_alias(client):
    _alias_on_version_2(client, "ByAlias")
    assert client.get_model_version_by_alias("ByAlias", "test_alias").aliases == ["test_alias"]


def test_deleting_the_version_deletes_its_alias(client):
    _alias_on_version_2(client, "VGone")
    client.delete_model_version("VGone", 2)
    assert client.get_registered_model("VGone").aliases == {}
    with pytest.raises(client.error, match=r"Registered model alias test_alias not found\."):
        client.get_model_version_by_alias("VGone", "test_alias")


def test_deleting_the_model_deletes_its_aliases(client):
    _alias_on_version_2(client, "MGone")
    client.delete_registered_model("MGone")
    with not_found(client, r"Registered Model with name=MGone not found"):
        client.get_model_version_by_alias("MGone", "test_alias")


# -- copies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("to_the_same_model", [False, True])
def test_copy_a_version(client, to_the_same_model):
    tags = {"key": "value", "anotherKey": "some other value"}
    client.create_registered_model("copy_src")
    source = client.create_model_version(
        "copy_src", "path/to/source", RUN_1, tags, run_link="dummylink", description="test desc"
    )
    client.transition_model_version_stage("copy_src", 1, "Production", False)  # not copied
    destination, number = ("copy_src", 2) if to_the_same_model else ("copy_dst", 1)
    start = int(time.time() * 1000)
    made = client.copy_model_version("models:/copy_src/1", destination)
    assert (made.name, int(made.version)) == (destination, number)
    got = client.get_model_version(destination, number)
    assert (got.name, int(got.version), got.current_stage) == (destination, number, "None")
    assert min(got.creation_timestamp, got.last_updated_timestamp) >= start
    assert (got.description, got.source) == ("test desc", "models:/copy_src/1")
    assert client.get_model_version_download_uri(destination, number) == source.source
    assert (got.run_link, got.run_id, got.status, got.status_message or None, got.tags) == (
        "dummylink",
        RUN_1,
        "READY",
        None,
        tags,
    )
    again = client.copy_model_version(f"models:/{destination}/{number}", "copy_third")
    assert again.source == f"models:/{destination}/{number}"
    assert client.get_model_version_download_uri(destination, number) == source.source
