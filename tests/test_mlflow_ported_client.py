"""The registry behaviours MLflow 3.17.2's registry-client tests check
(tests/tracking/_model_registry/test_model_registry_client.py), ported: our own test code,
one test per MLflow test (with its parametrisations), run on registry's embedded client and
on MLflow's client against a registry server.

MLflow's tests run its client against a mocked store and check both what the client returns
and which store call it made. Here the store is real: each test makes the same call with the
same arguments and checks what a user observes (what comes back, what the registry then
holds, what is refused). The "this store method was called with" half has no counterpart
and is dropped; where a mocked answer cannot exist in a real registry (stages named
"Stage1", a version awaited while "PENDING_REGISTRATION"), the nearest real call is made and
the comment says so.
"""

from __future__ import annotations

import mlflow_support
import pytest
from mlflow_support import MLFLOW_WARNINGS, refused, text

from registry import RegistryClient

pytestmark = MLFLOW_WARNINGS
client = mlflow_support.client

TAGS = {"key": "value", "another key": "some other value"}


def versions_of(client, name: str, count: int, **fields) -> list:
    client.create_registered_model(name)
    return [
        client.create_model_version(name, f"s3://bucket/{name}/{i}", **fields) for i in range(count)
    ]


def blank_code(client) -> str:
    """The code of a blank new name or stage's refusal, which MLflow's test does not check:
    MLflow's client refuses it itself, before any request, with no error code
    (INTERNAL_ERROR); registry's client, as MLflow's store and server do for a missing
    value (D6: a difference of behaviour, not of MLflow's test)."""
    return "INVALID_PARAMETER_VALUE" if isinstance(client, RegistryClient) else "INTERNAL_ERROR"


# -- registered models ----------------------------------------------------------------------


def test_create_registered_model(client):
    created = client.create_registered_model("Model 1", TAGS, "such a great model")
    assert (created.name, created.tags, created.description) == (
        "Model 1",
        TAGS,
        "such a great model",
    )
    assert client.get_registered_model("Model 1").tags == TAGS


def test_update_registered_model(client):
    client.create_registered_model("Model 1")
    for description in ("New Description", "New Description 2"):
        updated = client.update_registered_model(name="Model 1", description=description)
        assert updated.description == description
        assert client.get_registered_model("Model 1").description == description


def test_rename_registered_model(client):
    # MLflow's registry client returns the renamed model; its public MlflowClient drops the
    # answer (None), whatever the server: the rename itself is what both show.
    client.create_registered_model("Model 1")
    for name, new_name in (("Model 1", "New Name"), ("New Name", "New Name 2")):
        renamed = client.rename_registered_model(name=name, new_name=new_name)
        if isinstance(client, RegistryClient):
            assert renamed.name == new_name
        assert client.get_registered_model(new_name).name == new_name
    assert [m.name for m in client.search_registered_models()] == ["New Name 2"]


def test_update_registered_model_validation_errors_on_empty_new_name(client):
    client.create_registered_model("Model 1")
    with pytest.raises(client.error, match="The name must not be an empty string") as caught:
        client.rename_registered_model("Model 1", " ")
    assert caught.value.error_code == blank_code(client)  # beyond MLflow's test (D6)
    assert client.get_registered_model("Model 1").name == "Model 1"


def test_delete_registered_model(client):
    client.create_registered_model("Model 1")
    client.delete_registered_model("Model 1")
    with refused(client, "RESOURCE_DOES_NOT_EXIST", "Registered Model with name=Model 1 not found"):
        client.get_registered_model("Model 1")


def test_search_registered_models(client):
    for name in ("Model 1", "Model 2", "Other"):
        client.create_registered_model(name)
    found = client.search_registered_models(filter_string="name LIKE 'Model%'")
    assert [m.name for m in found] == ["Model 1", "Model 2"]
    assert not found.token
    first = client.search_registered_models(
        filter_string="name LIKE 'Model%'", max_results=1, order_by=["name DESC"]
    )
    assert [m.name for m in first] == ["Model 2"]
    rest = client.search_registered_models(
        filter_string="name LIKE 'Model%'",
        max_results=12,
        order_by=["name DESC"],
        page_token=first.token,
    )
    assert ([m.name for m in rest], bool(rest.token)) == (["Model 1"], False)
    every = client.search_registered_models(max_results=2)
    assert [m.name for m in every] == ["Model 1", "Model 2"]
    assert every.token


def test_get_registered_model_details(client):
    client.create_registered_model("Model 1", TAGS, "I am a model")
    for i in range(3):
        client.create_model_version("Model 1", f"s3://bucket/{i}", "run13579")
    client.transition_model_version_stage("Model 1", "1", "Production")
    client.transition_model_version_stage("Model 1", "2", "Staging")
    got = client.get_registered_model("Model 1")
    assert (got.name, got.description, got.tags) == ("Model 1", "I am a model", TAGS)
    stages = {v.current_stage: text(v.version) for v in got.latest_versions}
    assert stages == {"Production": "1", "Staging": "2", "None": "3"}


def test_get_latest_versions(client):
    # MLflow's mocked store answers for stages named "Stage1" and "Stage2"; a real registry
    # knows only MLflow's four stages, so the same call asks for three of them.
    versions_of(client, "Model 1", 3)
    client.transition_model_version_stage("Model 1", "1", "Production")
    client.transition_model_version_stage("Model 1", "2", "Staging")
    latest = client.get_latest_versions("Model 1", ["Production", "Staging", "None"])
    assert len(latest) == 3
    assert {v.current_stage: text(v.version) for v in latest} == {
        "Production": "1",
        "Staging": "2",
        "None": "3",
    }


def test_set_registered_model_tag(client):
    client.create_registered_model("Model 1")
    client.set_registered_model_tag("Model 1", "key", "value")
    assert client.get_registered_model("Model 1").tags == {"key": "value"}


def test_delete_registered_model_tag(client):
    client.create_registered_model("Model 1", {"key": "value"})
    client.delete_registered_model_tag("Model 1", "key")
    assert client.get_registered_model("Model 1").tags == {}


# -- model versions ---------------------------------------------------------------------------


@pytest.mark.parametrize("await_time", [1, 10, None, 0, -1])
def test_await_model_version_creation(client, await_time):
    # A version is READY as soon as it is created here (there is no PENDING_REGISTRATION to
    # wait through): every waiting time is accepted and the version comes back READY.
    client.create_registered_model("Model 1")
    created = client.create_model_version(
        "Model 1", "s3://bucket/source", "run123", await_creation_for=await_time
    )
    assert (created.name, text(created.version), created.status) == ("Model 1", "1", "READY")


def test_create_model_version_does_not_wait_when_await_creation_param_is_false(client):
    client.create_registered_model("Model 1")
    for wait in (None, 0):
        created = client.create_model_version(
            "Model 1", "s3://bucket/source", "run123", await_creation_for=wait
        )
    assert (created.name, text(created.version)) == ("Model 1", "2")


def test_create_model_version(client):
    client.create_registered_model("Model 1")
    created = client.create_model_version(
        "Model 1", "s3://bucket/for/source", "run123", TAGS, None, "best model ever"
    )
    assert (created.name, text(created.version), created.tags) == ("Model 1", "1", TAGS)
    assert (created.run_id, created.description) == ("run123", "best model ever")
    assert client.get_model_version("Model 1", "1").tags == TAGS


def test_create_model_version_no_run_id(client):
    client.create_registered_model("Model 1")
    created = client.create_model_version(
        "Model 1", "s3://bucket/for/source", tags=TAGS, run_link=None, description="best"
    )
    assert (created.name, text(created.version), created.tags) == ("Model 1", "1", TAGS)
    assert not created.run_id  # MLflow's REST client reads an unset run id as ""
    assert not client.get_model_version("Model 1", "1").run_id


def test_update_model_version(client):
    versions_of(client, "Model 1", 1)
    updated = client.update_model_version("Model 1", "1", "new description")
    assert (updated.name, text(updated.version), updated.description) == (
        "Model 1",
        "1",
        "new description",
    )
    assert client.get_model_version("Model 1", "1") == updated


def test_transition_model_version_stage(client):
    versions_of(client, "Model 1", 2)
    client.transition_model_version_stage("Model 1", "1", "Production")
    moved = client.transition_model_version_stage("Model 1", "2", "Production")
    assert (text(moved.version), moved.current_stage) == ("2", "Production")
    assert moved == client.get_model_version("Model 1", "2")
    # archive_existing_versions defaults to False: the other Production version stays
    assert client.get_model_version("Model 1", "1").current_stage == "Production"


def test_transition_model_version_stage_validation_errors(client):
    versions_of(client, "Model 1", 1)
    with pytest.raises(client.error, match="The stage must not be an empty string") as caught:
        client.transition_model_version_stage("Model 1", "1", stage=" ")
    assert caught.value.error_code == blank_code(client)  # beyond MLflow's test (D6)
    assert client.get_model_version("Model 1", "1").current_stage == "None"


def test_delete_model_version(client):
    versions_of(client, "Model 1", 1)
    client.delete_model_version("Model 1", 1)
    with refused(client, "RESOURCE_DOES_NOT_EXIST", "Model Version .* not found"):
        client.get_model_version("Model 1", "1")


def test_get_model_version_details(client):
    client.create_registered_model("Model 1")
    client.create_model_version("Model 1", "s3://bucket/source", "run13579", TAGS)
    client.transition_model_version_stage("Model 1", "1", "Production")
    got = client.get_model_version("Model 1", "1")
    assert (got.name, got.tags, got.current_stage, got.run_id) == (
        "Model 1",
        TAGS,
        "Production",
        "run13579",
    )


def test_get_model_version_download_uri(client):
    client.create_registered_model("Model 1")
    client.create_model_version("Model 1", "s3://some/uri/here")
    assert client.get_model_version_download_uri("Model 1", 1) == "s3://some/uri/here"


def test_search_model_versions(client):
    for name, count in (("Model 1", 2), ("Model 2", 1)):
        versions_of(client, name, count)
    found = client.search_model_versions("name='Model 1'")
    assert [(v.name, text(v.version)) for v in found] == [("Model 1", "2"), ("Model 1", "1")]
    assert not found.token
    paged = client.search_model_versions(
        "name LIKE 'Model%'", max_results=2, order_by=["version_number DESC", "name"]
    )
    assert [(v.name, text(v.version)) for v in paged] == [("Model 1", "2"), ("Model 1", "1")]
    rest = client.search_model_versions(
        "name LIKE 'Model%'",
        max_results=2,
        order_by=["version_number DESC", "name"],
        page_token=paged.token,
    )
    assert ([(v.name, text(v.version)) for v in rest], bool(rest.token)) == (
        [("Model 2", "1")],
        False,
    )


def test_get_model_version_stages(client):
    versions_of(client, "Model 1", 1)
    stages = client.get_model_version_stages("Model 1", 1)
    assert sorted(stages) == ["Archived", "None", "Production", "Staging"]


def test_set_model_version_tag(client):
    versions_of(client, "Model 1", 1)
    client.set_model_version_tag("Model 1", "1", "key", "value")
    assert client.get_model_version("Model 1", "1").tags == {"key": "value"}


def test_delete_model_version_tag(client):
    versions_of(client, "Model 1", 1, tags={"key": "value"})
    client.delete_model_version_tag("Model 1", "1", "key")
    assert client.get_model_version("Model 1", "1").tags == {}


def test_set_registered_model_alias(client):
    versions_of(client, "Model 1", 1)
    client.set_registered_model_alias("Model 1", "test_alias", "1")
    assert client.get_model_version("Model 1", "1").aliases == ["test_alias"]
    assert {a: text(v) for a, v in client.get_registered_model("Model 1").aliases.items()} == {
        "test_alias": "1"
    }


def test_delete_registered_model_alias(client):
    versions_of(client, "Model 1", 1)
    client.set_registered_model_alias("Model 1", "test_alias", "1")
    client.delete_registered_model_alias("Model 1", "test_alias")
    assert client.get_model_version("Model 1", "1").aliases == []
    with refused(client, "INVALID_PARAMETER_VALUE", "test_alias"):
        client.get_model_version_by_alias("Model 1", "test_alias")


def test_get_model_version_by_alias(client):
    versions_of(client, "Model 1", 2)
    client.set_registered_model_alias("Model 1", "test_alias", "1")
    got = client.get_model_version_by_alias("Model 1", "test_alias")
    assert (got.name, text(got.version), got.aliases) == ("Model 1", "1", ["test_alias"])
