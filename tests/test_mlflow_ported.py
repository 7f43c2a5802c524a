"""The behaviours MLflow 3.17.2's own registry tests check (tests/tracking/test_model_registry.py,
the client against a tracking server), ported: our own test code, the same scenarios and
expectations. Each runs twice: on registry's client (``import registry as mlflow``,
embedded) and on MLflow's own client against a registry server.

MLflow's REST client reads version numbers and alias targets as strings ("1", D1) and an
unset description as "" (D2); registry's embedded client returns 1 and None, as MLflow's
local sqlite store does (docs/mlflow-compatibility.md). ``text`` and ``described`` compare
them as MLflow's REST client shows them.
"""

from __future__ import annotations

import time

import mlflow_support
import pytest
from mlflow_support import MLFLOW_WARNINGS, between, described, every_page, now, text

pytestmark = MLFLOW_WARNINGS
client = mlflow_support.client


# -- registered models ----------------------------------------------------------------------


def test_create_then_read_a_model(client):
    start = now()
    created = client.create_registered_model("rm", {"k": "v", "other": "x", "number": 12345})
    end = now()
    tags = {"k": "v", "other": "x", "number": "12345"}
    assert (created.name, created.tags) == ("rm", tags)
    got = client.get_registered_model("rm")
    assert (got.name, got.tags, got.latest_versions) == ("rm", tags, [])
    assert described(got.description) == ""  # D2
    between(start, end, got.creation_timestamp)
    between(start, end, got.last_updated_timestamp)
    for filter_string in (None, "", "name = 'rm'"):
        names = [m.name for m in client.search_registered_models(filter_string)]
        assert names == ["rm"]


MODEL_FILTERS = [
    (None, lambda name: True),
    ("", lambda name: True),
    ("name LIKE '%7'", lambda name: name.endswith("7")),
    ("name ILIKE '%EAR%00%'", lambda name: "00" in name),
    ("name LIKE '%EAR%00%'", lambda name: False),  # LIKE is case-sensitive
    ("name = 'badname'", lambda name: False),
    ("name = 'Search023'", lambda name: name == "Search023"),
]


@pytest.mark.parametrize("max_results", [1, 8, 100])
@pytest.mark.parametrize(("filter_string", "keep"), MODEL_FILTERS)
def test_model_search_pages(client, max_results, filter_string, keep):
    names = [f"Search{i:03}" for i in range(29)]
    for name in names:
        client.create_registered_model(name)
    found = every_page(
        lambda token: client.search_registered_models(
            filter_string=filter_string, max_results=max_results, page_token=token
        )
    )
    assert [m.name for m in found] == [n for n in names if keep(n)]


def test_rename_and_describe_a_model(client):
    start = now()
    client.create_registered_model("first")
    end = now()
    created = client.get_registered_model("first").creation_timestamp
    between(start, end, created)
    steps = [
        lambda: client.rename_registered_model(name="first", new_name="first 2"),
        lambda: client.update_registered_model(name="first 2", description="a test"),
        lambda: client.rename_registered_model("first 2", "first 3"),
    ]
    for step, (name, description) in zip(
        steps, [("first 2", ""), ("first 2", "a test"), ("first 3", "a test")], strict=True
    ):
        before = now()
        step()
        after = now()
        got = client.get_registered_model(name)
        assert (got.name, described(got.description)) == (name, description)
        assert got.creation_timestamp == created
        between(before, after, got.last_updated_timestamp)
    for old in ("first", "first 2"):
        with pytest.raises(client.error, match=rf"Registered Model with name={old} not found"):
            client.get_registered_model(old)


def test_delete_a_model_then_create_it_again(client):
    client.create_registered_model("gone")
    with pytest.raises(client.error, match=r"Registered Model .+ already exists"):
        client.create_registered_model("gone")
    client.delete_registered_model("gone")
    with pytest.raises(client.error, match=r"Registered Model .+ not found"):
        client.get_registered_model("gone")
    with pytest.raises(client.error, match=r"Registered Model .+ not found"):
        client.rename_registered_model(name="gone", new_name="elsewhere")
    assert [m.name for m in client.search_registered_models()] == []
    start = now()
    client.create_registered_model("gone")
    end = now()
    again = client.get_registered_model("gone")
    between(start, end, again.creation_timestamp)
    assert [m.name for m in client.search_registered_models()] == ["gone"]


def test_model_tags_set_and_deleted(client):
    client.create_registered_model("tagged")
    assert client.get_registered_model("tagged").tags == {}
    client.set_registered_model_tag("tagged", "k", "v")
    client.set_registered_model_tag("tagged", "number", 12345)
    assert client.get_registered_model("tagged").tags == {"k": "v", "number": "12345"}
    client.delete_registered_model_tag("tagged", "k")
    assert client.get_registered_model("tagged").tags == {"number": "12345"}


def test_a_model_tag_may_be_empty(client):
    client.create_registered_model("empty-tag")
    client.set_registered_model_tag("empty-tag", "key", "")
    assert client.get_registered_model("empty-tag").tags == {"key": ""}


# -- model versions -------------------------------------------------------------------------


def _many_versions(client) -> list:
    """29 models, the first 10 with a second version, each at its own millisecond; newest
    first."""
    names = [f"Versions{i:03}" for i in range(29)]
    for name in names:
        client.create_registered_model(name)
    created = []
    for name in names + names[:10]:
        time.sleep(0.002)
        created.append(client.create_model_version(name, "runs:/run_id/model", "run_id"))
    return created[::-1]


VERSION_FILTERS = [
    (None, lambda name: True),
    ("", lambda name: True),
    ("name LIKE '%2'", lambda name: name.endswith("2")),
    ("name ILIKE '%rs%00%'", lambda name: "00" in name),
    ("name LIKE '%RS%00%'", lambda name: False),
    ("name = 'badname'", lambda name: False),
    ("name = 'Versions003'", lambda name: name == "Versions003"),
]


def _seen(found) -> list[tuple[str, str]]:
    return [(v.name, text(v.version)) for v in found]


@pytest.mark.parametrize(("filter_string", "keep"), VERSION_FILTERS)
def test_version_search_filters_in_the_default_order(client, filter_string, keep):
    newest_first = _many_versions(client)
    found = every_page(
        lambda token: client.search_model_versions(filter_string=filter_string, page_token=token)
    )
    assert _seen(found) == _seen(v for v in newest_first if keep(v.name))


@pytest.mark.parametrize("max_results", [1, 8, 100])
def test_version_search_pages(client, max_results):
    newest_first = _many_versions(client)
    found = every_page(
        lambda token: client.search_model_versions(max_results=max_results, page_token=token)
    )
    assert _seen(found) == _seen(newest_first)


@pytest.mark.parametrize(
    ("order_by", "key", "reverse"),
    [
        (None, None, False),
        (["name DESC"], lambda v: (v.name, int(v.version)), True),
        (["version_number DESC"], lambda v: (-int(v.version), v.name), False),
    ],
)
def test_version_search_orders(client, order_by, key, reverse):
    versions = _many_versions(client)
    if key is None:  # MLflow's default: newest change first, then name, then version DESC
        key = lambda v: (-v.last_updated_timestamp, v.name, -int(v.version))  # noqa: E731
    expected = sorted(versions, key=key, reverse=reverse)
    found = every_page(
        lambda token: client.search_model_versions(order_by=order_by, page_token=token)
    )
    assert _seen(found) == _seen(expected)


def test_create_then_read_versions(client):
    client.create_registered_model("mv")
    tags = {"k": "v", "other": "x", "number": 12345}
    first = client.create_model_version("mv", "runs:/run_id/model", "run_id_1", tags)
    as_text = {"k": "v", "other": "x", "number": "12345"}
    assert (first.name, text(first.version), first.tags) == ("mv", "1", as_text)
    got1 = client.get_model_version("mv", "1")
    assert got1.tags == as_text
    assert [m.latest_versions for m in client.search_registered_models()] == [[got1]]
    second = client.create_model_version("mv", "runs:/run_id/another_model", "run_id_1")
    assert text(second.version) == "2"
    got2 = client.get_model_version("mv", "2")
    assert [m.latest_versions for m in client.search_registered_models()] == [[got2]]
    by_name = client.search_model_versions("name = 'mv'")
    assert {text(v.version) for v in by_name} == {"1", "2"}
    third = client.create_model_version("mv", "runs:/run_id/another_model", "run_id_2")
    assert text(third.version) == "3"
    assert client.search_model_versions("source_path = 'runs:/run_id/model'") == [got1]
    assert client.search_model_versions("run_id = 'run_id_1'") == [got2, got1]
    assert client.get_model_version_download_uri("mv", "1") == "runs:/run_id/model"


def test_a_version_that_is_not_a_number_is_refused(client):
    client.create_registered_model("numbers")
    client.create_model_version("numbers", "runs:/run_id/model", "run_id_1")
    assert text(client.get_model_version("numbers", "1").version) == "1"
    message = "Parameter 'version' must be an integer, got 'something not correct'."
    with pytest.raises(client.error, match=message) as caught:
        client.get_model_version(name="numbers", version="something not correct")
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


def test_which_changes_move_which_timestamps(client):
    start0 = now()
    client.create_registered_model("times")
    end0 = now()
    start1 = now()
    client.create_model_version("times", "runs:/run_id/model", "run_id_1")
    end1 = now()
    v1 = client.get_model_version("times", "1")
    assert described(v1.description) == ""
    between(start1, end1, v1.creation_timestamp)
    between(start1, end1, v1.last_updated_timestamp)
    model = client.get_registered_model("times")  # a new version moves the model's
    between(start0, end0, model.creation_timestamp)
    between(start1, end1, model.last_updated_timestamp)
    client.create_model_version("times", "runs:/run_id/another_model", "run_id_1")
    start2 = now()
    client.transition_model_version_stage(name="times", version=1, stage="Staging")
    end2 = now()
    between(start2, end2, client.get_model_version("times", 1).last_updated_timestamp)
    between(start2, end2, client.get_registered_model("times").last_updated_timestamp)
    latest = client.search_registered_models()[0].latest_versions
    assert {text(v.version) for v in latest} == {"1", "2"}
    start3 = now()
    client.update_model_version(name="times", version=1, description="a test model")
    end3 = now()
    v1 = client.get_model_version("times", "1")
    assert v1.description == "a test model"
    between(start1, end1, v1.creation_timestamp)
    between(start3, end3, v1.last_updated_timestamp)
    # a version's description does not move the model's timestamp
    between(start2, end2, client.get_registered_model("times").last_updated_timestamp)


def test_latest_version_in_each_stage(client):
    client.create_registered_model("latest")
    stages = ["Archived", "Production", "Archived", "Production", "Staging", "Staging", "None"]
    for number, stage in enumerate(stages, start=1):
        time.sleep(0.002)
        created = client.create_model_version("latest", "runs:/run_id/model", "run_id")
        assert text(created.version) == str(number)
        if stage != "None":
            client.transition_model_version_stage("latest", number, stage=stage)
        assert client.get_model_version("latest", number).current_stage == stage

    def latest(wanted):
        return {
            v.current_stage: text(v.version) for v in client.get_latest_versions("latest", wanted)
        }

    everything = {"Production": "4", "Staging": "6", "Archived": "3", "None": "7"}
    assert latest(["None"]) == {"None": "7"}
    assert latest(["Staging"]) == {"Staging": "6"}
    assert latest(["None", "Staging"]) == {"None": "7", "Staging": "6"}
    assert latest(None) == everything
    assert latest([]) == everything


def test_delete_versions_never_reuses_numbers(client):
    client.create_registered_model("del")
    for source in ("runs:/run_id/model", "runs:/run_id/another_model", "runs:/run_id_2/a/b/c"):
        client.create_model_version("del", source, "run_id")
    assert text(client.search_registered_models()[0].latest_versions[0].version) == "3"
    start = now()
    client.delete_model_version("del", "1")
    end = now()
    numbers = lambda: {text(v.version) for v in client.search_model_versions("name = 'del'")}  # noqa: E731
    assert numbers() == {"2", "3"}
    between(start, end, client.get_registered_model("del").last_updated_timestamp)
    for call in (
        lambda: client.delete_model_version("del", "1"),
        lambda: client.update_model_version(name="del", version=1, description="x"),
        lambda: client.transition_model_version_stage(name="del", version=1, stage="Staging"),
    ):
        with pytest.raises(client.error, match=r"Model Version .+ not found"):
            call()
    client.delete_model_version("del", 3)
    assert numbers() == {"2"}
    assert text(client.create_model_version("del", "runs:/r/m", "r").version) == "4"
    assert numbers() == {"2", "4"}


def test_version_tags_set_and_deleted(client):
    client.create_registered_model("vt")
    client.create_model_version("vt", "runs:/run_id/model", "run_id_1")
    assert client.get_model_version("vt", "1").tags == {}
    client.set_model_version_tag("vt", "1", "k", "v")
    client.set_model_version_tag("vt", "1", "number", 12345)
    assert client.get_model_version("vt", "1").tags == {"k": "v", "number": "12345"}
    client.delete_model_version_tag("vt", "1", "k")
    assert client.get_model_version("vt", "1").tags == {"number": "12345"}


def test_a_version_tag_may_be_empty(client):
    client.create_registered_model("vt-empty")
    client.create_model_version("vt-empty", "runs:/run_id/model", "run_id_1")
    client.set_model_version_tag("vt-empty", "1", "key", "")
    assert client.get_model_version("vt-empty", "1").tags == {"key": ""}


def test_aliases_set_read_and_deleted(client):
    client.create_registered_model("al")
    client.create_model_version("al", "runs:/run_id/model", "run_id_1")
    assert client.get_registered_model("al").aliases == {}
    assert client.get_model_version("al", "1").aliases == []
    client.set_registered_model_alias("al", "test_alias", "1")
    aliases = client.get_registered_model("al").aliases
    assert {alias: text(number) for alias, number in aliases.items()} == {"test_alias": "1"}  # D1
    version = client.get_model_version("al", "1")
    assert version.aliases == ["test_alias"]
    assert client.get_model_version_by_alias("al", "test_alias") == version
    client.delete_registered_model_alias("al", "test_alias")
    assert client.get_registered_model("al").aliases == {}
    assert client.get_model_version("al", "1").aliases == []


def test_copy_a_version_by_alias(client):
    client.create_registered_model("cp")
    original = client.create_model_version(
        "cp", "runs:/run_id/model", "run_id_1", description="dummy", tags={"hello": "world"}
    )
    client.set_registered_model_alias("cp", "test_alias", "1")
    copied = client.copy_model_version("models:/cp@test_alias", "cp")
    assert (copied.name, text(copied.version)) == ("cp", "2")
    copied = client.get_model_version("cp", 2)
    assert copied.source == "models:/cp/1"
    assert (copied.description, copied.run_id, copied.tags) == (
        "dummy",
        "run_id_1",
        {"hello": "world"},
    )
    assert client.get_model_version_download_uri("cp", 2) == original.source
