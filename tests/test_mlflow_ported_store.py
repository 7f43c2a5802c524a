"""The registry behaviours MLflow 3.17.2's store tests check
(tests/store/model_registry/test_sqlalchemy_store.py), ported: models, versions, tags and
stages here; searches, pages, aliases and copies in test_mlflow_ported_search.py. Our own
test code, one test per MLflow test, run on registry's embedded client and on MLflow's
client against a registry server.

Not ported, as MLflow machinery without a counterpart here: the workspace-enabled repeat of
every test (MLflow's workspaces), the redaction of a deleted version's row (read through a
private SQLAlchemy helper), prompts (four tests), webhooks (MLflow's own webhook store; the
registry's notifications are tested in test_notifications*.py), and the version whose run id
is looked up from an MLflow 3 logged model (a mocked tracking client; there are no logged
models here).

Where MLflow's expectation cannot hold, the assertion says what holds and names the
divergence (DIVERGES, D-number in docs/mlflow-compatibility.md).
"""

from __future__ import annotations

import mlflow_support
import pytest
from mlflow_support import MLFLOW_WARNINGS, clock_at, described, refused

from registry import RegistryClient

pytestmark = MLFLOW_WARNINGS
client = mlflow_support.client

MISSING = "Missing value for required parameter '{}'"


def bad_value(client, match):
    return refused(client, "INVALID_PARAMETER_VALUE", match)


def not_found(client, match):
    return refused(client, "RESOURCE_DOES_NOT_EXIST", match)


def stages_of(client, name, numbers):
    return [client.get_model_version(name, n).current_stage for n in numbers]


# -- registered models ----------------------------------------------------------------------


def test_create_a_model(client):
    made = client.create_registered_model("alphaabCD")
    assert (made.name, described(made.description)) == ("alphaabCD", "")
    with refused(client, "RESOURCE_ALREADY_EXISTS", r"Registered Model \(name=alphaabCD\) already"):
        client.create_registered_model("alphaabCD")
    for similar in ("alphaabCDextra", "alphaabCDalphaabCD"):
        assert client.create_registered_model(similar).name == similar
    tags = {"key": "value", "anotherKey": "some other value"}
    assert client.create_registered_model("tagged", tags).tags == tags
    assert client.get_registered_model("tagged").tags == tags
    made = client.create_registered_model("described", description="the best model ever")
    assert made.description == "the best model ever"
    assert client.get_registered_model("described").description == "the best model ever"
    for name in (None, ""):
        with bad_value(client, MISSING.format("name")):
            client.create_registered_model(name)


def test_read_a_model(client):
    tags = {"key": "value", "anotherKey": "some other value"}
    with clock_at(1234000):
        assert client.create_registered_model("model_1", tags).name == "model_1"
    got = client.get_registered_model("model_1")
    assert (got.name, got.creation_timestamp, got.last_updated_timestamp) == (
        "model_1",
        1234000,
        1234000,
    )
    assert (described(got.description), got.latest_versions, got.tags) == ("", [], tags)


def test_update_a_model(client):
    client.create_registered_model("upd")
    assert described(client.get_registered_model("upd").description) == ""
    assert client.update_registered_model("upd", description="test model").name == "upd"
    assert client.get_registered_model("upd").description == "test model"


def test_rename_a_model_with_its_versions(client):
    client.create_registered_model("original name")
    for _ in range(2):
        client.create_model_version("original name", "path/to/source", "r1")
    client.rename_registered_model("original name", "new name")
    assert client.get_registered_model("new name").name == "new name"
    assert [client.get_model_version("new name", n).name for n in (1, 2)] == ["new name"] * 2
    with not_found(client, r"Registered Model with name=original name not found"):
        client.get_registered_model("original name")
    client.create_registered_model("original name")
    with refused(client, "RESOURCE_ALREADY_EXISTS", r"\(name=original name\) already exists"):
        client.rename_registered_model("new name", "original name")
    if isinstance(client, RegistryClient):
        for new_name in (None, ""):
            with bad_value(client, MISSING.format("new_name")):
                client.rename_registered_model("original name", new_name)
    else:  # MLflow's client checks these itself, before any request (against MLflow's too)
        with pytest.raises(AttributeError):
            client.rename_registered_model("original name", None)
        with pytest.raises(client.error, match="The name must not be an empty string"):
            client.rename_registered_model("original name", "")


def test_delete_a_model_with_its_versions(client):
    client.create_registered_model("del")
    client.create_model_version("del", "path/to/source", "r1")
    client.delete_registered_model("del")
    for call in (
        lambda: client.get_registered_model("del"),
        lambda: client.update_registered_model("del", description="deleted"),
        lambda: client.delete_registered_model("del"),
    ):
        with not_found(client, r"Registered Model with name=del not found"):
            call()
    with not_found(client, r"Model Version \(name=del, version=1\) not found"):
        client.get_model_version("del", 1)


def test_latest_versions_after_changes(client):
    def latest(stages="model"):
        if stages == "model":
            found = client.get_registered_model("lv").latest_versions
        else:
            found = client.get_latest_versions("lv", stages)
        return {v.current_stage: str(v.version) for v in found}

    client.create_registered_model("lv")
    assert latest() == {}
    assert str(client.create_model_version("lv", "path/to/source", "r").version) == "1"
    assert latest() == {"None": "1"}
    for number, stage in ((2, "Production"), (3, "Production"), (4, "Staging")):
        assert str(client.create_model_version("lv", "path/to/source", "r").version) == str(number)
        client.transition_model_version_stage("lv", number, stage, False)
    everything = {"None": "1", "Production": "3", "Staging": "4"}
    assert latest() == latest(None) == latest([]) == everything
    for spelt in ("Production", "production", "pROduction"):
        assert latest([spelt]) == {"Production": "3"}
    assert latest(["None", "Production"]) == {"None": "1", "Production": "3"}
    client.delete_model_version("lv", 3)
    assert latest() == latest(None) == {"None": "1", "Production": "2", "Staging": "4"}
    assert latest(["Production"]) == {"Production": "2"}


def test_set_a_model_tag(client):
    first, second = "SetTag_TestMod", "SetTag_TestMod 2"
    tags = {"key": "value", "anotherKey": "some other value"}
    client.create_registered_model(first, tags)
    client.create_registered_model(second, tags)
    client.set_registered_model_tag(first, "randomTag", "not a random value")
    expected = {**tags, "randomTag": "not a random value"}
    assert client.get_registered_model(first).tags == expected
    client.set_registered_model_tag(first, "key", "overriding")
    assert client.get_registered_model(first).tags == {**expected, "key": "overriding"}
    assert client.get_registered_model(second).tags == tags
    client.delete_registered_model(first)
    with not_found(client, rf"Registered Model with name={first} not found"):
        client.set_registered_model_tag(first, "key", "overriding")
    with bad_value(client, r"'value' exceeds the maximum length of \d+ characters"):
        client.set_registered_model_tag(second, "longTagKey", "a" * 100_001)
    client.set_registered_model_tag(second, "longTagKey", "a" * 4999)
    with bad_value(client, MISSING.format("key")):
        client.set_registered_model_tag(second, None, "")
    with bad_value(client, MISSING.format("name")):
        client.set_registered_model_tag(None, "key", "value")


def test_delete_a_model_tag(client):
    first, second = "DelTag_TestMod", "DelTag_TestMod 2"
    tags = {"key": "value", "anotherKey": "some other value"}
    client.create_registered_model(first, tags)
    client.create_registered_model(second, tags)
    client.set_registered_model_tag(first, "randomTag", "not a random value")
    client.delete_registered_model_tag(first, "randomTag")
    assert client.get_registered_model(first).tags == tags
    for _ in range(2):  # deleting a deleted tag changes nothing
        client.delete_registered_model_tag(first, "key")
        assert client.get_registered_model(first).tags == {"anotherKey": "some other value"}
    assert client.get_registered_model(second).tags == tags
    client.delete_registered_model(first)
    with not_found(client, rf"Registered Model with name={first} not found"):
        client.delete_registered_model_tag(first, "anotherKey")
    with bad_value(client, MISSING.format("key")):
        client.delete_registered_model_tag(second, None)
    with bad_value(client, MISSING.format("name")):
        client.delete_registered_model_tag(None, "key")


# -- model versions -------------------------------------------------------------------------


def test_create_versions(client):
    client.create_registered_model("cmv")
    with clock_at(456778000):
        made = client.create_model_version("cmv", "a/b/CD", "run-1")
    assert (made.name, int(made.version)) == ("cmv", 1)
    got = client.get_model_version("cmv", made.version)
    assert (got.name, int(got.version), got.current_stage) == ("cmv", 1, "None")
    assert (got.creation_timestamp, got.last_updated_timestamp) == (456778000, 456778000)
    assert (described(got.description), got.source, got.run_id) == ("", "a/b/CD", "run-1")
    assert (got.status, got.status_message or None, got.tags) == ("READY", None, {})
    assert int(client.create_model_version("cmv", "path/to/source", "r").version) == 2
    tags = {"key": "value", "anotherKey": "some other value"}
    made = client.create_model_version("cmv", "path/to/source", "r", tags=tags)
    assert (int(made.version), made.tags, client.get_model_version("cmv", 3).tags) == (
        3,
        tags,
        tags,
    )
    link = "http://localhost:3000/path/to/run/"
    made = client.create_model_version("cmv", "path/to/source", "r", run_link=link)
    assert (int(made.version), made.run_link, client.get_model_version("cmv", 4).run_link) == (
        4,
        link,
        link,
    )
    made = client.create_model_version("cmv", "path/to/source", "r", description="the best")
    assert (made.description, client.get_model_version("cmv", 5).description) == ("the best",) * 2
    made = client.create_model_version("cmv", "path/to/source", None)
    assert (int(made.version), made.run_id or None) == (6, None)
    assert client.get_model_version("cmv", 6).run_id or None is None


def test_update_a_version_and_its_stage(client):
    client.create_registered_model("umv")
    client.create_model_version("umv", "path/to/source", "r")
    assert client.get_model_version("umv", 1).current_stage == "None"
    client.transition_model_version_stage("umv", 1, "Production", False)
    got = client.get_model_version("umv", 1)
    assert (got.current_stage, described(got.description)) == ("Production", "")
    client.update_model_version("umv", 1, description="test model version")
    got = client.get_model_version("umv", 1)
    assert (got.current_stage, got.description) == ("Production", "test model version")
    message = (
        "Invalid Model Version stage: unknown. "
        "Value must be one of None, Staging, Production, Archived."
    )
    with bad_value(client, message):
        client.transition_model_version_stage("umv", 1, "unknown", False)
    for spelt in ("STAGING", "staging", "StAgInG"):
        client.transition_model_version_stage("umv", 1, spelt, False)
        assert client.get_model_version("umv", 1).current_stage == "Staging"


def _three_versions(client, name="model"):
    client.create_registered_model(name)
    for _ in range(3):
        client.create_model_version(name, "path/to/source", "r")


def test_transitions_that_archive_nothing(client):
    _three_versions(client)
    for stage in ("Archived", "None"):
        client.transition_model_version_stage("model", 1, stage, False)
    for number, stage in ((1, "Staging"), (2, "Production"), (3, "Staging")):
        client.transition_model_version_stage("model", number, stage, False)
    assert stages_of(client, "model", (1, 2, 3)) == ["Staging", "Production", "Staging"]
    client.transition_model_version_stage("model", 3, "Production", False)
    assert stages_of(client, "model", (1, 2, 3)) == ["Staging", "Production", "Production"]


def test_transitions_that_archive_the_stage(client):
    _three_versions(client)
    message = (
        r"Model version transition cannot archive existing model versions "
        r"because .+ is not an Active stage"
    )
    for stage in ("Archived", "None"):
        with pytest.raises(client.error, match=message):
            client.transition_model_version_stage("model", 1, stage, True)
    client.transition_model_version_stage("model", 1, "Staging", False)
    client.transition_model_version_stage("model", 2, "Production", False)
    client.transition_model_version_stage("model", 3, "Staging", True)
    assert stages_of(client, "model", (1, 2, 3)) == ["Archived", "Production", "Staging"]
    stamps = [client.get_model_version("model", n).last_updated_timestamp for n in (1, 3)]
    assert stamps[0] == stamps[1]
    client.transition_model_version_stage("model", 3, "Production", True)
    assert stages_of(client, "model", (1, 2, 3)) == ["Archived", "Archived", "Production"]
    stamps = [client.get_model_version("model", n).last_updated_timestamp for n in (2, 3)]
    assert stamps[0] == stamps[1]
    for spelt in ("STAGING", "staging", "StAgInG"):
        client.transition_model_version_stage("model", 1, "Staging", False)
        client.transition_model_version_stage("model", 2, "None", False)
        client.transition_model_version_stage("model", 2, spelt, True)
        assert stages_of(client, "model", (1, 2)) == ["Archived", "Staging"]


def test_delete_a_version(client):
    client.create_registered_model("dmv")
    client.create_model_version("dmv", "path/to/source", "r", tags={"key": "value"})
    client.delete_model_version("dmv", 1)
    for call in (
        lambda: client.get_model_version("dmv", 1),
        lambda: client.update_model_version("dmv", 1, description="deleted!"),
        lambda: client.delete_model_version("dmv", 1),
    ):
        with not_found(client, r"Model Version \(name=dmv, version=1\) not found"):
            call()


def test_download_uri_is_the_source(client):
    client.create_registered_model("dl")
    client.create_model_version("dl", "path/to/source", "r")
    assert client.get_model_version("dl", 1).source == "path/to/source"
    assert client.get_model_version_download_uri("dl", 1) == "path/to/source"
    client.transition_model_version_stage("dl", 1, "Production", False)
    client.update_model_version("dl", 1, description="Test for Path")
    assert client.get_model_version("dl", 1).source == "path/to/source"
    assert client.get_model_version_download_uri("dl", 1) == "path/to/source"
    client.delete_model_version("dl", 1)
    with not_found(client, r"Model Version \(name=dl, version=1\) not found"):
        client.get_model_version_download_uri("dl", 1)


def _tagged_versions(client, first, second, tags):
    client.create_registered_model(first)
    client.create_registered_model(second)
    for name, source in ((first, "A/B"), (first, "A/C"), (second, "A/D")):
        client.create_model_version(name, source, "r", tags=tags)


def test_set_a_version_tag(client):
    first, second = "SetVTag_TestMod", "SetVTag_TestMod 2"
    tags = {"key": "value", "anotherKey": "some other value"}
    _tagged_versions(client, first, second, tags)
    client.set_model_version_tag(first, 1, "randomTag", "not a random value")
    expected = {**tags, "randomTag": "not a random value"}
    assert client.get_model_version(first, 1).tags == expected
    client.set_model_version_tag(first, 1, "key", "overriding")
    assert client.get_model_version(first, 1).tags == {**expected, "key": "overriding"}
    assert client.get_model_version(first, 2).tags == client.get_model_version(second, 1).tags
    assert client.get_model_version(second, 1).tags == tags
    client.delete_model_version(first, 2)
    with not_found(client, rf"Model Version \(name={first}, version=2\) not found"):
        client.set_model_version_tag(first, 2, "key", "overriding")
    with bad_value(client, r"'value' exceeds the maximum length of \d+ characters"):
        client.set_model_version_tag(first, 1, "longTagKey", "a" * 100_001)
    client.set_model_version_tag(first, 1, "longTagKey", "a" * 4999)
    with bad_value(client, MISSING.format("key")):
        client.set_model_version_tag(second, 1, None, "")
    with bad_value(client, MISSING.format("name")):
        client.set_model_version_tag(None, 1, "key", "value")
    with bad_value(client, "Parameter 'version' must be an integer, got 'I am not a version'"):
        client.set_model_version_tag(second, "I am not a version", "key", "value")


def test_delete_a_version_tag(client):
    first, second = "DelVTag_TestMod", "DelVTag_TestMod 2"
    tags = {"key": "value", "anotherKey": "some other value"}
    _tagged_versions(client, first, second, tags)
    client.set_model_version_tag(first, 1, "randomTag", "not a random value")
    client.delete_model_version_tag(first, 1, "randomTag")
    assert client.get_model_version(first, 1).tags == tags
    for _ in range(2):  # deleting a deleted tag changes nothing
        client.delete_model_version_tag(first, 1, "key")
        assert client.get_model_version(first, 1).tags == {"anotherKey": "some other value"}
    assert client.get_model_version(first, 2).tags == client.get_model_version(second, 1).tags
    assert client.get_model_version(second, 1).tags == tags
    client.delete_model_version(second, 1)
    with not_found(client, rf"Model Version \(name={second}, version=1\) not found"):
        client.delete_model_version_tag(second, 1, "key")
    with bad_value(client, MISSING.format("key")):
        client.delete_model_version_tag(first, 2, None)
    with bad_value(client, MISSING.format("name")):
        client.delete_model_version_tag(None, 2, "key")
    with bad_value(client, "Parameter 'version' must be an integer, got 'I am not a version'"):
        client.delete_model_version_tag(first, "I am not a version", "key")
