"""MLflow 3.17.2's registry entity tests, ported: ``tests/entities/model_registry/``
``test_registered_model.py`` (5 cases) and ``test_model_version.py`` (2 cases).

MLflow's scenarios as MLflow writes them, on registry's entities (only the imports and
``random_str`` changed): construction, ``dict(entity)`` (with MLflow's ``workspace``,
``'default'`` here), ``from_dictionary``, ``str()`` and the protobuf round trip
(``to_proto`` / ``from_proto``). All hold exactly. Below them, what MLflow's tests assume
and do not check: the messages are MLflow's own on the wire (bytes parsed by MLflow's
``model_registry_pb2`` and back), the server's REST JSON is the same message, and equality
and the project's own wire format are unchanged. Not ported: the ``*_detailed`` entity
tests (their ``ModelVersionDetailed`` entities are gone from MLflow 3.17.2) and the prompt
and webhook entities (no counterpart here).
"""

from __future__ import annotations

import uuid

import pytest
from mlflow_support import MLFLOW_WARNINGS

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
from registry.entities_proto import ModelVersionStatus

pytestmark = MLFLOW_WARNINGS
DEFAULT_WORKSPACE_NAME = "default"


def random_str() -> str:
    return uuid.uuid4().hex


# -- test_registered_model.py ----------------------------------------------------------------


def _check_model(model, name, creation, updated, description, latest, tags, aliases):
    assert isinstance(model, RegisteredModel)
    assert (model.name, model.creation_timestamp) == (name, creation)
    assert (model.last_updated_timestamp, model.description) == (updated, description)
    assert (model.latest_versions, model.tags, model.aliases) == (latest, tags, aliases)


def _model_dict(name, updated, description, latest=(), tags=None, aliases=None) -> dict:
    return {
        "name": name,
        "creation_timestamp": 1,
        "last_updated_timestamp": updated,
        "description": description,
        "latest_versions": list(latest),
        "tags": {} if tags is None else tags,
        "aliases": {} if aliases is None else aliases,
        "deployment_job_id": None,
        "deployment_job_state": None,
        "workspace": DEFAULT_WORKSPACE_NAME,
    }


def test_registered_model_creation_and_hydration():
    name, description = random_str(), random_str()
    model = RegisteredModel(name, 1, 2, description, [], [])
    _check_model(model, name, 1, 2, description, [], {}, {})
    as_dict = _model_dict(name, 2, description)
    assert dict(model) == as_dict

    proto = model.to_proto()
    assert (proto.name, proto.creation_timestamp) == (name, 1)
    assert (proto.last_updated_timestamp, proto.description) == (2, description)
    _check_model(RegisteredModel.from_proto(proto), name, 1, 2, description, [], {}, {})
    as_dict["tags"] = []
    _check_model(RegisteredModel.from_dictionary(as_dict), name, 1, 2, description, [], {}, {})


def test_registered_model_with_latest_model_versions():
    name = random_str()
    first = ModelVersion(
        name, "1", 1000, 2000, "version 1", "user 1", "Production", "source 1", "run ID 1",
        "PENDING_REGISTRATION", "Model version is in production!",
    )  # fmt: skip
    fourth = ModelVersion(
        name, "4", 1300, 2002, "version 4", "user 2", "Staging", "source 4", "run ID 12",
        "READY", "Model copied over!",
    )  # fmt: skip
    as_dict = _model_dict(name, 4000, random_str(), [first, fourth], tags=[])
    model = RegisteredModel.from_dictionary(as_dict)
    as_dict["tags"] = {}
    assert dict(model) == as_dict

    proto = model.to_proto()
    assert (proto.creation_timestamp, proto.last_updated_timestamp) == (1, 4000)
    latest = proto.latest_versions
    assert {v.version for v in latest} == {"1", "4"}
    assert {v.name for v in latest} == {name}
    assert {v.current_stage for v in latest} == {"Production", "Staging"}
    assert {v.last_updated_timestamp for v in latest} == {2000, 2002}
    assert {v.creation_timestamp for v in latest} == {1300, 1000}


def test_registered_model_with_tags():
    tags = [
        RegisteredModelTag("key", "value"),
        RegisteredModelTag("randomKey", "not a random value"),
    ]
    as_dict = _model_dict(random_str(), 4000, random_str(), tags=tags)
    model = RegisteredModel.from_dictionary(as_dict)
    as_dict["tags"] = {tag.key: tag.value for tag in (tags or [])}
    assert dict(model) == as_dict

    proto = model.to_proto()
    assert (proto.creation_timestamp, proto.last_updated_timestamp) == (1, 4000)
    assert {tag.key for tag in proto.tags} == {"key", "randomKey"}
    assert {tag.value for tag in proto.tags} == {"value", "not a random value"}


def test_registered_model_with_aliases():
    aliases = [RegisteredModelAlias("test_alias", "1"), RegisteredModelAlias("other_alias", "2")]
    as_dict = _model_dict(random_str(), 4000, random_str(), aliases=aliases)
    model = RegisteredModel.from_dictionary(as_dict)
    as_dict["aliases"] = {alias.alias: alias.version for alias in (aliases or [])}
    assert dict(model) == as_dict

    proto = model.to_proto()
    assert (proto.creation_timestamp, proto.last_updated_timestamp) == (1, 4000)
    assert {alias.alias for alias in proto.aliases} == {"test_alias", "other_alias"}
    assert {alias.version for alias in proto.aliases} == {"1", "2"}


def test_registered_model_string_repr():
    model = RegisteredModel(
        name="myname",
        creation_timestamp=1000,
        last_updated_timestamp=2002,
        description="something about a model",
        latest_versions=["1", "2", "3"],
        tags=[],
        aliases={},
    )
    assert str(model) == (
        "<RegisteredModel: aliases={}, creation_timestamp=1000, deployment_job_id=None, "
        "deployment_job_state=None, description='something about a model', "
        "last_updated_timestamp=2002, latest_versions=['1', '2', '3'], name='myname', tags={}, "
        "workspace='default'>"
    )


# -- test_model_version.py -------------------------------------------------------------------


def _check_version(version, *expected, workspace=DEFAULT_WORKSPACE_NAME):
    assert isinstance(version, ModelVersion)
    assert (
        version.name, version.version, version.creation_timestamp,
        version.last_updated_timestamp, version.description, version.user_id,
        version.current_stage, version.source, version.run_id, version.status,
        version.status_message, version.tags, version.aliases,
    ) == expected  # fmt: skip
    assert version.workspace == workspace


def test_model_version_creation_and_hydration():
    name, run_id = random_str(), uuid.uuid4().hex
    t1, t2, source, run_link = 100, 150, "path/to/source", "http://localhost:5000/path/to/run"
    tags = [ModelVersionTag("key", "value"), ModelVersionTag("randomKey", "not a random value")]
    message = "Model version #5 is ready to use."
    version = ModelVersion(
        name, "5", t1, t2, "version five", "user 1", "Production", source, run_id, "READY",
        message, tags, run_link, ["test_alias"],
    )  # fmt: skip
    expected = (
        name, "5", t1, t2, "version five", "user 1", "Production", source, run_id, "READY",
        message, {tag.key: tag.value for tag in (tags or [])}, ["test_alias"],
    )  # fmt: skip
    _check_version(version, *expected)

    expected_dict = {
        "name": name, "version": "5", "creation_timestamp": t1, "last_updated_timestamp": t2,
        "description": "version five", "user_id": "user 1", "current_stage": "Production",
        "source": source, "run_id": run_id, "run_link": run_link, "status": "READY",
        "status_message": message, "tags": {tag.key: tag.value for tag in (tags or [])},
        "aliases": ["test_alias"], "model_id": None, "metrics": None, "params": None,
        "deployment_job_state": None, "workspace": DEFAULT_WORKSPACE_NAME,
    }  # fmt: skip
    assert dict(version) == expected_dict

    proto = version.to_proto()
    assert (proto.name, proto.version) == (name, "5")
    assert proto.status == ModelVersionStatus.from_string("READY")
    assert proto.status_message == message
    assert {tag.key for tag in proto.tags} == {"key", "randomKey"}
    assert {tag.value for tag in proto.tags} == {"value", "not a random value"}
    assert proto.aliases == ["test_alias"]
    _check_version(ModelVersion.from_proto(proto), *expected)

    expected_dict.update({"registered_model": RegisteredModel(name)})
    expected_dict["tags"] = tags
    _check_version(ModelVersion.from_dictionary(expected_dict), *expected)


def test_model_version_string_repr():
    version = ModelVersion(
        name="myname",
        version="43",
        creation_timestamp=12,
        last_updated_timestamp=100,
        description="This is a test model.",
        user_id="user one",
        current_stage="Archived",
        source="path/to/a/notebook",
        run_id="some run",
        run_link="http://localhost:5000/path/to/run",
        status="PENDING_REGISTRATION",
        status_message="Copying!",
        tags=[],
        aliases=[],
    )
    assert str(version) == (
        "<ModelVersion: aliases=[], creation_timestamp=12, current_stage='Archived', "
        "deployment_job_state=None, description='This is a test model.', "
        "last_updated_timestamp=100, metrics=None, model_id=None, name='myname', params=None, "
        "run_id='some run', run_link='http://localhost:5000/path/to/run', "
        "source='path/to/a/notebook', status='PENDING_REGISTRATION', status_message='Copying!', "
        "tags={}, user_id='user one', version='43', workspace='default'>"
    )


# -- beyond MLflow's tests: the messages are MLflow's own --------------------------------------


def _full_version(name="m") -> ModelVersion:
    return ModelVersion(
        name, 3, 10, 20, "d", "ada", "Production", "s3://b/m", "r1", "READY", "ok", {"k": "v"},
        "http://x/run", ["champion"], model_id="m-1", params=[ModelParam("alpha", "0.1")],
        metrics=[Metric("acc", 0.9, 7, 2)],
        deployment_job_state=ModelVersionDeploymentJobState("j", "r", "CONNECTED", "RUNNING", "t"),
    )  # fmt: skip


def test_messages_cross_the_wire_with_mlflows_own_classes_both_ways():
    from mlflow.entities.model_registry import ModelVersion as MlflowVersion
    from mlflow.entities.model_registry import RegisteredModel as MlflowModel
    from mlflow.protos import model_registry_pb2 as mlflow_pb2

    version = _full_version()
    model = RegisteredModel("m", 1, 2, "about", [version], {"t": "x"}, {"champion": 3})
    # Ours -> MLflow's: MLflow's classes parse the bytes, MLflow's from_proto reads them.
    theirs = mlflow_pb2.ModelVersion.FromString(version.to_proto().SerializeToString())
    assert theirs.model_params[0].name == "alpha" and theirs.model_metrics[0].step == 2
    assert (
        theirs.deployment_job_state.run_state == mlflow_pb2.ModelVersionDeploymentJobState.RUNNING
    )
    mlflow_version = MlflowVersion.from_proto(theirs)
    assert (mlflow_version.version, mlflow_version.status) == ("3", "READY")
    assert (mlflow_version.tags, mlflow_version.aliases) == ({"k": "v"}, ["champion"])
    mlflow_model = MlflowModel.from_proto(
        mlflow_pb2.RegisteredModel.FromString(model.to_proto().SerializeToString())
    )
    assert (mlflow_model.aliases, mlflow_model.tags) == ({"champion": "3"}, {"t": "x"})
    assert mlflow_model.latest_versions[0].run_link == "http://x/run"
    # MLflow's -> ours: bytes MLflow's entities make read back into the same entity.
    back = ModelVersion.from_proto(
        type(version.to_proto()).FromString(mlflow_version.to_proto().SerializeToString())
    )
    assert back.version == "3" and back.deployment_job_state == version.deployment_job_state
    assert dict(back) == {**dict(version), "version": "3", "model_id": None} | {
        "params": None, "metrics": None,  # MLflow 3.17.2's to_proto leaves these three out
    }  # fmt: skip
    again = type(model.to_proto()).FromString(mlflow_model.to_proto().SerializeToString())
    assert RegisteredModel.from_proto(again).aliases == {"champion": "3"}
    # from_proto takes MLflow's message objects too (the same fields).
    assert ModelVersion.from_proto(theirs) == ModelVersion.from_proto(version.to_proto())
    assert RegisteredModelTag.from_proto(mlflow_pb2.RegisteredModelTag(key="a", value="b")) == (
        RegisteredModelTag("a", "b")
    )


def test_messages_are_the_servers_rest_json():
    """The REST JSON of ``registry server`` (mlflow_shapes) is the message to_proto makes."""
    from google.protobuf.json_format import ParseDict

    from registry.server import mlflow_shapes

    version = _full_version()
    proto = version.to_proto()
    assert ParseDict(mlflow_shapes.model_version(version), type(proto)()) == proto
    model = RegisteredModel("m", 1, 2, "about", [version], {"t": "x"}, {"champion": 3})
    proto = model.to_proto()
    assert ParseDict(mlflow_shapes.registered_model(model), type(proto)()) == proto


def test_protobuf_is_not_loaded_by_import_registry():
    import subprocess
    import sys

    code = "import registry, sys; print('google.protobuf' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("make", [lambda: ModelVersion("m", 1, 5), lambda: RegisteredModel("m")])
def test_entities_stay_equal_and_wire_encodable(make):
    """dict()/str()/protobuf are additions: equality and the server's own wire format are
    unchanged (``workspace`` is no field)."""
    from registry.client import wire

    entity = make()
    assert entity == make() and wire.decode(wire.encode(entity)) == entity
    assert "workspace" not in wire.encode(entity)
