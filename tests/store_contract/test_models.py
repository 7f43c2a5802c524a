"""ModelStore: registered models, their tags and aliases, and model search."""

from __future__ import annotations

import re

import pytest

from registry import AlreadyExistsError, FilterSyntaxError, NotFoundError

from .support import stages


def test_create_and_get_round_trip(client):
    created = client.create_registered_model(
        "fraud-detector", tags={"team": "payments", "priority": 1}, description="Real-time fraud"
    )
    got = client.get_registered_model("fraud-detector")
    assert got.name == created.name == "fraud-detector"
    assert got.description == "Real-time fraud"
    assert got.tags == {"team": "payments", "priority": "1"}
    assert got.creation_timestamp == created.creation_timestamp
    assert got.created_at is not None and got.created_at.tzinfo is not None
    assert [c.event for c in client.get_history("fraud-detector")] == ["registered_model.created"]


def test_a_taken_name_is_refused_naming_it(client):
    client.create_registered_model("m")
    client.create_registered_model("other")
    with pytest.raises(
        AlreadyExistsError, match=re.escape("Registered Model (name=m) already exists.")
    ):
        client.create_registered_model("m")
    with pytest.raises(
        AlreadyExistsError, match=re.escape("Registered Model (name=m) already exists.")
    ):
        client.rename_registered_model("other", "m")
    assert client.get_registered_model("other").name == "other"


MISSING = {
    "get": (
        lambda c: c.get_registered_model("ghost"),
        "Registered Model with name=ghost not found",
    ),
    "rename": (
        lambda c: c.rename_registered_model("ghost", "new"),
        "Registered Model with name=ghost not found",
    ),
    "update": (
        lambda c: c.update_registered_model("ghost", "d"),
        "Registered Model with name=ghost not found",
    ),
    "delete": (
        lambda c: c.delete_registered_model("ghost"),
        "Registered Model with name=ghost not found",
    ),
    "set-tag": (
        lambda c: c.set_registered_model_tag("ghost", "k", "v"),
        "Registered Model with name=ghost not found",
    ),
    "delete-tag": (
        lambda c: c.delete_registered_model_tag("ghost", "k"),
        "Registered Model with name=ghost not found",
    ),
    "set-alias": (
        lambda c: c.set_registered_model_alias("ghost", "a", 1),
        "Registered Model with name=ghost not found",
    ),
    "delete-alias": (
        lambda c: c.delete_registered_model_alias("ghost", "a"),
        "Registered Model with name=ghost not found",
    ),
    "by-alias-model": (
        lambda c: c.get_model_version_by_alias("ghost", "a"),
        "Registered Model with name=ghost not found",
    ),
    "by-alias": (
        lambda c: c.get_model_version_by_alias("churn", "champion"),
        "Registered model alias champion not found. (Registered model 'churn' has no alias",
    ),
    "alias-to-missing-version": (
        lambda c: c.set_registered_model_alias("churn", "a", 9),
        "Model Version (name=churn, version=9) not found",
    ),
}


@pytest.mark.parametrize(("call", "fragment"), list(MISSING.values()), ids=list(MISSING))
def test_missing_models_and_aliases_are_named(client, model, call, fragment):
    with pytest.raises(NotFoundError, match=re.escape(fragment)):
        call(client)


def test_update_description_records_old_and_new(client):
    created = client.create_registered_model("m", description="old")
    updated = client.update_registered_model("m", description="new")
    assert client.get_registered_model("m").description == updated.description == "new"
    assert updated.last_updated_timestamp >= created.last_updated_timestamp
    change = client.get_history("m")[0]
    assert (change.event, change.old_value, change.new_value, change.actor) == (
        "registered_model.description_changed", "old", "new", "tester",
    )  # fmt: skip
    assert client.update_registered_model("m", description=None).description is None


def test_rename_moves_versions_tags_aliases_and_threads(backend, client, model):
    client.set_registered_model_alias(model, "champion", 2)
    client.set_model_version_tag(model, 2, "validated", "yes")
    client.add_comment(model, 2, "looks good")
    request = backend.client("ana").request_transition(model, 2, "Staging")
    renamed = client.rename_registered_model(model, "churn-v2")
    assert renamed.name == "churn-v2" and renamed.aliases == {"champion": 2}
    assert client.get_model_version("churn-v2", 2).tags == {"validated": "yes"}
    assert stages(client, "churn-v2") == {1: "None", 2: "None", 3: "None"}
    assert [c.text for c in client.get_comments("churn-v2", 2)] == ["looks good"]
    assert [r.id for r in client.get_transition_requests("churn-v2")] == [request.id]
    assert client.find_registered_model(model) is None
    renaming = client.get_history("churn-v2")[0]
    assert (renaming.event, renaming.old_value, renaming.new_value) == (
        "registered_model.renamed", "churn", "churn-v2",
    )  # fmt: skip
    kept = {c.event for c in client.get_history(model)}  # the old rows keep the old name
    assert {"model_version.comment_added", "model_version.transition_requested"} <= kept


def test_delete_removes_versions_and_a_new_namesake_starts_at_1(backend, client, model):
    client.add_comment(model, 1, "first!")
    backend.client("ana").request_transition(model, 1, "Staging")
    client.delete_registered_model(model)
    assert client.find_registered_model(model) is None
    with pytest.raises(
        NotFoundError, match=re.escape("Model Version (name=churn, version=1) not found")
    ):
        client.get_model_version(model, 1)
    assert client.search_model_versions("name = 'churn'") == []
    client.create_registered_model(model)
    assert client.create_model_version(model, source="s").version == 1
    assert client.get_comments(model, 1) == []
    assert client.get_transition_requests(model) == []
    events = [c.event for c in client.get_history(model)]  # the deleted model's rows stay
    assert events[:3] == [
        "model_version.created", "registered_model.created", "registered_model.deleted",
    ]  # fmt: skip
    assert "model_version.comment_added" in events


def test_tags_set_overwrite_and_delete(client):
    client.create_registered_model("m")
    client.set_registered_model_tag("m", "team", "a")
    client.set_registered_model_tag("m", "team", "b")
    assert client.get_registered_model("m").tags == {"team": "b"}
    client.delete_registered_model_tag("m", "team")
    client.delete_registered_model_tag("m", "never-set")  # silent, as in MLflow
    assert client.get_registered_model("m").tags == {}
    events = [c.event for c in client.get_history("m")]
    assert events.count("registered_model.tag_set") == 2
    assert events.count("registered_model.tag_deleted") == 1


def test_aliases_set_move_delete(client, model):
    client.set_registered_model_alias(model, "champion", 1)
    client.set_registered_model_alias(model, "champion", "2")
    assert client.get_model_version_by_alias(model, "champion").version == 2
    assert client.get_model_version(model, 2).aliases == ["champion"]
    assert client.get_model_version(model, 1).aliases == []
    assert client.get_registered_model(model).aliases == {"champion": 2}
    moved = client.get_history(model)[0]
    assert (moved.event, moved.old_value, moved.new_value) == (
        "registered_model.alias_moved", "1", "2",
    )  # fmt: skip
    client.delete_registered_model_alias(model, "champion")
    client.delete_registered_model_alias(model, "never")  # silent, as in MLflow
    assert client.get_registered_model(model).aliases == {}
    with pytest.raises(NotFoundError, match="no alias 'champion'"):
        client.get_model_version_by_alias(model, "champion")


def test_a_deleted_version_loses_its_alias_and_cannot_get_one(client, model):
    client.set_registered_model_alias(model, "champion", 3)
    client.delete_model_version(model, 3)
    assert client.get_registered_model(model).aliases == {}
    with pytest.raises(
        NotFoundError, match=re.escape("Model Version (name=churn, version=3) not found")
    ):
        client.set_registered_model_alias(model, "champion", 3)


def test_a_model_shows_its_newest_version_in_each_stage(client, model):
    client.transition_model_version_stage(model, 1, "Production")
    for found in (client.get_registered_model(model), *client.search_registered_models()):
        assert {(v.version, v.current_stage) for v in found.latest_versions} == {
            (1, "Production"),
            (3, "None"),
        }


def test_the_newest_in_each_stage_of_models_with_many_versions(client):
    """Past a few dozen versions in all the embedded store lets DuckDB pick the newest per
    stage instead of reading every version: the same answer, tombstones skipped."""
    client.import_models(
        [
            {"name": name, "versions": [{"source": "s"}] * count}
            for name, count in (("wide", 100), ("narrow", 30))
        ]
    )
    client.transition_model_version_stage("wide", 40, "Production")
    client.transition_model_version_stage("wide", 90, "Staging")
    client.transition_model_version_stage("narrow", 7, "Production")
    client.delete_model_version("wide", 100)
    expected = {
        "narrow": [(7, "Production"), (30, "None")],
        "wide": [(40, "Production"), (90, "Staging"), (99, "None")],
    }
    found = {
        m.name: [(v.version, v.current_stage) for v in m.latest_versions]
        for m in client.search_registered_models()
    }
    assert found == expected
    for name in expected:
        newest = client.get_registered_model(name).latest_versions
        assert [(v.version, v.current_stage) for v in newest] == expected[name]


def test_search_defaults_to_name_order_and_filters(client):
    for name, team in (("b", "x"), ("c", "y"), ("a", "x")):
        client.create_registered_model(name, tags={"team": team})
    assert [m.name for m in client.search_registered_models()] == ["a", "b", "c"]
    assert [m.name for m in client.search_registered_models("tags.team = 'x'")] == ["a", "b"]
    by_name_desc = client.search_registered_models(order_by=["name DESC"])
    assert [m.name for m in by_name_desc] == ["c", "b", "a"]


def test_search_pages_cover_every_model_once(client):
    with client.batch():
        for i in range(25):
            client.create_registered_model(f"model-{i:02d}")
    seen, token, pages = [], None, 0
    while True:
        page = client.search_registered_models(max_results=10, page_token=token)
        seen += [m.name for m in page]
        pages, token = pages + 1, page.token
        if token is None:
            break
    assert seen == [f"model-{i:02d}" for i in range(25)] and pages == 3


@pytest.mark.parametrize("bad", ["name = ", "bogus = 'x'", "(name = 'a'", "version_number > 1"])
def test_a_malformed_filter_raises_filter_syntax_error(client, bad):
    with pytest.raises(FilterSyntaxError, match="Invalid filter"):
        client.search_registered_models(bad)
