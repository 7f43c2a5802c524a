"""Registered models through the client: MLflow's behaviour, plus history rows."""

from __future__ import annotations

import pytest

from registry import AlreadyExistsError, InvalidArgumentError, NotFoundError


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


def test_duplicate_name_is_refused_naming_it(client):
    client.create_registered_model("m")
    with pytest.raises(AlreadyExistsError, match="'m' already exists"):
        client.create_registered_model("m")


def test_missing_model_names_it(client):
    with pytest.raises(NotFoundError, match="Registered model 'ghost' not found"):
        client.get_registered_model("ghost")
    assert client.find_registered_model("ghost") is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("a/b", "'/'"),
        ("a:b", "':'"),
        ("bad\nname", "control characters"),
        (" padded", "white space"),
        ("x" * 257, "limit is 256"),
        (42, "must be a string"),
    ],
)
def test_bad_names_are_refused_before_the_store(client, name, message):
    with pytest.raises(InvalidArgumentError, match=message):
        client.create_registered_model(name)
    assert len(client.search_registered_models()) == 0


def test_update_description_records_old_and_new(client):
    client.create_registered_model("m", description="old")
    updated = client.update_registered_model("m", description="new")
    assert updated.description == "new"
    change = client.get_history("m")[0]
    assert (change.event, change.old_value, change.new_value) == (
        "registered_model.description_changed",
        "old",
        "new",
    )
    assert change.actor == "tester"


def test_rename_moves_versions_tags_and_aliases(client, model):
    client.set_registered_model_alias(model, "champion", 2)
    client.set_model_version_tag(model, 2, "validated", "yes")
    renamed = client.rename_registered_model(model, "churn-v2")
    assert renamed.name == "churn-v2"
    assert renamed.aliases == {"champion": 2}
    assert client.get_model_version("churn-v2", 2).tags == {"validated": "yes"}
    assert client.find_registered_model(model) is None
    client.create_registered_model("other")
    with pytest.raises(AlreadyExistsError, match="'churn-v2' already exists"):
        client.rename_registered_model("other", "churn-v2")


def test_delete_and_recreate_restarts_numbering(client, model):
    client.delete_registered_model(model)
    with pytest.raises(NotFoundError):
        client.get_model_version(model, 1)
    client.create_registered_model(model)
    assert client.create_model_version(model, source="s").version == 1


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


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("", "v", "must not be empty"), ("k" * 251, "v", "limit is 250"), ("k", "v" * 5001, "5000"),
     ("k", None, "has no value"), ("a\x00b", "v", "control")],
)  # fmt: skip
def test_bad_tags_are_refused(client, key, value, message):
    client.create_registered_model("m")
    with pytest.raises(InvalidArgumentError, match=message):
        client.set_registered_model_tag("m", key, value)
    assert client.get_registered_model("m").tags == {}


def test_search_pages_with_opaque_token(client):
    with client.batch():
        for i in range(25):
            client.create_registered_model(f"model-{i:02d}")
    first = client.search_registered_models(max_results=10)
    assert [m.name for m in first] == [f"model-{i:02d}" for i in range(10)]
    second = client.search_registered_models(max_results=10, page_token=first.token)
    third = client.search_registered_models(max_results=10, page_token=second.token)
    assert [m.name for m in third] == [f"model-{i:02d}" for i in range(20, 25)]
    assert third.token is None


def test_search_limits_and_bad_tokens(client):
    with pytest.raises(InvalidArgumentError, match="at most 1000"):
        client.search_registered_models(max_results=1001)
    with pytest.raises(InvalidArgumentError, match="page_token"):
        client.search_registered_models(page_token="not-a-token")


def test_search_results_carry_latest_versions_per_stage(client, model):
    client.transition_model_version_stage(model, 1, "Production")
    (found,) = client.search_registered_models("name = 'churn'")
    assert {(v.version, v.current_stage) for v in found.latest_versions} == {
        (1, "Production"),
        (3, "None"),
    }
