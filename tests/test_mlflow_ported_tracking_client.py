"""The registry behaviours of MLflow 3.17.2's client tests (tests/tracking/test_client.py),
ported: our own test code, one test per MLflow test, run on registry's embedded client and
on MLflow's client against a registry server.

MLflow runs these against a mocked registry store and checks the calls it receives; here the
store is real, so each test checks what a user observes: what comes back, what the registry
then holds, what is refused. Not ported: the Databricks cases (run links built from a
workspace, Unity Catalog defaults, copying artifacts into a Databricks registry, logged
models' sources), the registry URI read from a private attribute, the wait on a version
that a mocked store reports as FAILED_REGISTRATION (versions are READY when created here),
and the tracking, trace and prompt tests of the same file.
"""

from __future__ import annotations

import pickle

import mlflow_support
import pytest
from mlflow_support import MLFLOW_WARNINGS, refused, text

from registry import RegistryClient

pytestmark = [
    *MLFLOW_WARNINGS,
    pytest.mark.filterwarnings("ignore:The `stage` parameter of the:FutureWarning"),
]
client = mlflow_support.client


def one_version(client, name: str = "model_name", **fields):
    client.create_registered_model(name)
    return client.create_model_version(name, "s3://bucket/source", **fields)


def test_update_registered_model(client):
    client.create_registered_model("orig name", description="old")
    updated = client.update_registered_model(name="orig name", description="new description")
    assert (updated.name, updated.description) == ("orig name", "new description")
    assert [m.name for m in client.search_registered_models()] == ["orig name"]  # no rename


def test_create_model_version(client):
    client.create_registered_model("orig name")
    created = client.create_model_version(
        "orig name", "s3://bucket/source", "run-id", tags={"key": "value"}, description="desc"
    )
    assert (created.name, text(created.version), created.status) == ("orig name", "1", "READY")
    assert (created.run_id, created.tags, created.description) == (
        "run-id",
        {"key": "value"},
        "desc",
    )
    assert client.get_model_version("orig name", "1") == created


def test_update_model_version(client):
    one_version(client, "orig name")
    client.transition_model_version_stage("orig name", "1", "Staging")
    updated = client.update_model_version(name="orig name", version="1", description="desc")
    assert (updated.description, updated.current_stage) == ("desc", "Staging")  # stage kept


def test_transition_model_version_stage(client):
    one_version(client, "Model 1")
    moved = client.transition_model_version_stage("Model 1", "1", "Production")
    assert (moved.name, text(moved.version), moved.current_stage) == ("Model 1", "1", "Production")
    assert client.get_model_version("Model 1", "1").current_stage == "Production"


def test_create_model_version_nondatabricks_source_no_runlink(client):
    client.create_registered_model("name")
    created = client.create_model_version("name", "s3://bucket/source", "runid")
    assert (created.name, created.source, created.run_id) == ("name", "s3://bucket/source", "runid")
    assert not created.run_link  # none made up (MLflow's REST client reads it as "")


def test_create_model_version_nondatabricks_source_no_run_id(client):
    client.create_registered_model("name")
    created = client.create_model_version("name", "s3://bucket/source")
    assert (created.name, created.source) == ("name", "s3://bucket/source")
    assert not created.run_id  # None; "" through MLflow's REST client


def test_client_can_be_serialized_with_pickle(client):
    client.create_registered_model("test_model")
    copy = pickle.loads(pickle.dumps(client))
    if isinstance(client, RegistryClient):  # the copy reopens the same registry
        assert copy.get_registered_model("test_model").name == "test_model"
        copy.release()


def test_set_model_version_tag(client):
    one_version(client)
    client.transition_model_version_stage("model_name", "1", "Staging")
    client.set_model_version_tag("model_name", 1, "tag1", "foobar")
    assert client.get_model_version("model_name", "1").tags == {"tag1": "foobar"}
    client.set_model_version_tag("model_name", key="tag2", value="foobar", stage="Staging")
    assert client.get_model_version("model_name", "1").tags == {"tag1": "foobar", "tag2": "foobar"}
    code = "INVALID_PARAMETER_VALUE"
    with refused(client, code, "version and stage cannot be set together"):
        client.set_model_version_tag("model_name", 1, "tag1", "foobar", stage="Staging")
    with refused(client, code, "version or stage must be set"):
        client.set_model_version_tag("model_name", key="tag1", value="foobar")


def test_delete_model_version_tag(client):
    one_version(client, tags={"tag1": "a", "tag2": "b"})
    client.transition_model_version_stage("model_name", "1", "Staging")
    client.delete_model_version_tag("model_name", 1, "tag1")
    assert client.get_model_version("model_name", "1").tags == {"tag2": "b"}
    client.delete_model_version_tag("model_name", key="tag2", stage="Staging")
    assert client.get_model_version("model_name", "1").tags == {}
    code = "INVALID_PARAMETER_VALUE"
    with refused(client, code, "version and stage cannot be set together"):
        client.delete_model_version_tag("model_name", version=1, key="tag1", stage="staging")
    with refused(client, code, "version or stage must be set"):
        client.delete_model_version_tag("model_name", key="tag1")


def test_set_registered_model_alias(client):
    one_version(client)
    client.set_registered_model_alias("model_name", "test_alias", 1)
    got = client.get_registered_model("model_name")
    assert {alias: text(v) for alias, v in got.aliases.items()} == {"test_alias": "1"}


def test_delete_registered_model_alias(client):
    one_version(client)
    client.set_registered_model_alias("model_name", "test_alias", 1)
    client.delete_registered_model_alias("model_name", "test_alias")
    assert client.get_registered_model("model_name").aliases == {}


def test_get_model_version_by_alias(client):
    created = one_version(client)
    client.set_registered_model_alias("model_name", "test_alias", 1)
    got = client.get_model_version_by_alias("model_name", "test_alias")
    assert (got.name, text(got.version), got.source) == ("model_name", "1", created.source)
    assert got.aliases == ["test_alias"]
