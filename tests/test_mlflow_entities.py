"""MLflow's entity constructors (argument names and order) and MLflow 3's version fields
(``model_id``, ``model_params``, ``model_metrics``, ``deployment_job_state``), embedded and
through MLflow's own client against the server."""

from __future__ import annotations

import mlflow_support
import pytest
from mlflow_support import MLFLOW_WARNINGS

from registry import InvalidArgumentError, RegistryClient
from registry.entities import (
    Metric,
    ModelParam,
    ModelVersion,
    ModelVersionDeploymentJobState,
    ModelVersionTag,
    RegisteredModel,
    RegisteredModelAlias,
    RegisteredModelTag,
)

pytestmark = MLFLOW_WARNINGS
mlflow_server = mlflow_support.mlflow_server
as_mlflow_user = mlflow_support.as_mlflow_user


def test_model_version_takes_mlflows_positional_order():
    # MLflow: name, version, creation_timestamp, last_updated_timestamp, description,
    # user_id, current_stage, source, run_id, status, status_message, tags, run_link, aliases
    v = ModelVersion(
        "churn", 3, 1, 2, "desc", "ana", "Staging", "s3://b/m", "r1", "READY", None,
        [ModelVersionTag("team", "growth")], "http://run", ["champion"], "m-123",
        [ModelParam("alpha", "0.1")], [Metric("auc", 0.9, 5, 0)],
        ModelVersionDeploymentJobState("job", "run", "ACTIVE", "RUNNING", "deploy"),
    )  # fmt: skip
    assert (v.description, v.user_id, v.current_stage, v.source) == (
        "desc", "ana", "Staging", "s3://b/m",
    )  # fmt: skip
    assert (v.run_id, v.status, v.run_link, v.aliases) == (
        "r1",
        "READY",
        "http://run",
        ["champion"],
    )
    assert v.tags == {"team": "growth"}
    assert v.model_id == "m-123"
    assert v.model_params == [ModelParam("alpha", "0.1")] == v.params
    assert v.model_metrics[0].key == "auc"
    assert v.deployment_job_state.current_task_name == "deploy"


def test_registered_model_takes_mlflows_order_and_tag_and_alias_objects():
    latest = [ModelVersion("churn", 1, 1)]
    m = RegisteredModel(
        "churn", 1, 2, "desc", latest, [RegisteredModelTag("team", "growth")],
        [RegisteredModelAlias("champion", "1")],
    )  # fmt: skip
    # Alias targets stay as given ("1"), as MLflow's constructor keeps them.
    assert (m.description, m.latest_versions, m.tags, m.aliases) == (
        "desc", latest, {"team": "growth"}, {"champion": "1"},
    )  # fmt: skip
    assert RegisteredModel(name="x").tags == {} and ModelVersion("x", 1, 0).current_stage == "None"


@pytest.fixture
def embedded(tmp_path):
    client = RegistryClient(tmp_path / "home", user="ada")
    client.create_registered_model("churn")
    return client


def test_model_id_is_kept_and_returned_but_never_shows_as_a_tag(embedded):
    created = embedded.create_model_version("churn", "s3://b/m", tags={"t": "1"}, model_id="m-1")
    fetched = embedded.get_model_version("churn", created.version)
    assert (created.model_id, fetched.model_id) == ("m-1", "m-1")
    assert fetched.tags == {"t": "1"}
    assert (fetched.params, fetched.metrics, fetched.deployment_job_state) == (None, None, None)
    assert embedded.search_model_versions("name = 'churn'")[0].model_id == "m-1"
    copied = embedded.copy_model_version("models:/churn/1", "churn-prod")
    assert (copied.model_id, copied.tags) == ("m-1", {"t": "1"})
    assert embedded.create_model_version("churn", "s3://b/m").model_id is None


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.set_model_version_tag("churn", 1, "registry.mlflow.model_id", "forged"),
        lambda c: c.create_model_version("churn", "s", tags={"registry.mlflow.model_id": "x"}),
        lambda c: c.create_model_version("churn", "s", model_id="bad\nid"),
    ],
    ids=["set-tag", "create-tags", "control-characters"],
)
def test_the_reserved_tags_cannot_be_written_as_tags(embedded, call):
    embedded.create_model_version("churn", "s3://b/m", model_id="m-1")
    with pytest.raises(InvalidArgumentError, match=r"reserved|control characters"):
        call(embedded)
    assert embedded.get_model_version("churn", 1).model_id == "m-1"


def test_mlflows_client_sends_model_id_and_the_wire_returns_it(as_mlflow_user, mlflow_server):
    import httpx

    client = as_mlflow_user("ada")
    client.create_registered_model("with-id")
    created = client.create_model_version("with-id", "s3://b/m", model_id="m-42")
    # MLflow 3.17.2's client drops model_id, params and metrics when it reads a version
    # (ModelVersion.from_proto leaves them out), against its own server as against this one.
    assert (created.model_id, created.params, created.metrics) == (None, None, None)
    answer = httpx.get(
        f"{mlflow_server.url}/api/2.0/mlflow/model-versions/get",
        params={"name": "with-id", "version": created.version},
        headers={"Authorization": f"Bearer {mlflow_server.tokens['ada']}"},
    ).json()["model_version"]
    assert answer["model_id"] == "m-42" and "tags" not in answer
    stored = RegistryClient(store=mlflow_server.store).get_model_version("with-id", 1)
    assert stored.model_id == "m-42"
