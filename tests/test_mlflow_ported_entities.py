"""MLflow 3.17.2's registry entity tests, ported: ``tests/entities/model_registry/``
``test_registered_model.py`` (5 cases) and ``test_model_version.py`` (2 cases).

The same scenarios on registry's entities: construction, ``dict(entity)``,
``from_dictionary`` and ``str()``. Registry's entities have no protobuf methods (D7 in
docs/mlflow-compatibility.md): MLflow's ``to_proto`` / ``from_proto`` round trip is checked as
the wire does it, the server's REST JSON (``registry.server.mlflow_shapes``) parsed into
MLflow's protobuf message, read back by MLflow's ``from_proto``, and that entity's dict made
into registry's entity again. Also D7: no ``workspace`` key (the registry has no workspaces).
Not ported: the ``*_detailed`` entity tests (their ``ModelVersionDetailed`` entities are gone
from MLflow 3.17.2) and the prompt and webhook entities (no counterpart here).
"""

from __future__ import annotations

import uuid

import pytest
from google.protobuf.json_format import ParseDict
from mlflow_support import MLFLOW_WARNINGS

from registry.entities import (
    ModelVersion,
    ModelVersionTag,
    RegisteredModel,
    RegisteredModelAlias,
    RegisteredModelTag,
)
from registry.server import mlflow_shapes

pytestmark = MLFLOW_WARNINGS


def _through_the_wire(entity):
    """MLflow's entity as MLflow's client reads ``entity`` from registry's server."""
    from mlflow.entities.model_registry import ModelVersion as MlflowVersion
    from mlflow.entities.model_registry import RegisteredModel as MlflowModel
    from mlflow.protos import model_registry_pb2

    if isinstance(entity, ModelVersion):
        proto = ParseDict(mlflow_shapes.model_version(entity), model_registry_pb2.ModelVersion())
        return proto, MlflowVersion.from_proto(proto)
    shape = mlflow_shapes.registered_model(entity)
    proto = ParseDict(shape, model_registry_pb2.RegisteredModel())
    return proto, MlflowModel.from_proto(proto)


def _model_fields(model) -> tuple:
    return (
        model.name,
        model.creation_timestamp,
        model.last_updated_timestamp,
        model.description,
        model.latest_versions,
        model.tags,
        model.aliases,
    )


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
    }


def test_registered_model_creation_and_hydration():
    name, description = uuid.uuid4().hex, uuid.uuid4().hex
    model = RegisteredModel(name, 1, 2, description, [], [])
    assert isinstance(model, RegisteredModel)
    assert _model_fields(model) == (name, 1, 2, description, [], {}, {})
    as_dict = _model_dict(name, 2, description)
    assert dict(model) == as_dict

    proto, mlflow_model = _through_the_wire(model)
    assert (proto.name, proto.creation_timestamp) == (name, 1)
    assert (proto.last_updated_timestamp, proto.description) == (2, description)
    assert (mlflow_model.name, mlflow_model.description) == (name, description)
    back = RegisteredModel.from_dictionary(dict(mlflow_model))
    assert _model_fields(back) == (name, 1, 2, description, [], {}, {})
    # A dict with tags as a list of tag objects (here none) hydrates the same.
    as_dict["tags"] = []
    assert _model_fields(RegisteredModel.from_dictionary(as_dict)) == _model_fields(model)


def test_registered_model_with_latest_model_versions():
    name = uuid.uuid4().hex
    first = ModelVersion(
        name, "1", 1000, 2000, "version 1", "user 1", "Production", "source 1", "run ID 1",
        "PENDING_REGISTRATION", "Model version is in production!",
    )  # fmt: skip
    fourth = ModelVersion(
        name, "4", 1300, 2002, "version 4", "user 2", "Staging", "source 4", "run ID 12",
        "READY", "Model copied over!",
    )  # fmt: skip
    as_dict = _model_dict(name, 4000, uuid.uuid4().hex, [first, fourth], tags=[])
    model = RegisteredModel.from_dictionary(as_dict)
    as_dict["tags"] = {}
    assert dict(model) == as_dict

    proto, _ = _through_the_wire(model)
    assert (proto.creation_timestamp, proto.last_updated_timestamp) == (1, 4000)
    latest = proto.latest_versions
    assert {v.version for v in latest} == {"1", "4"}
    assert {v.name for v in latest} == {name}
    assert {v.current_stage for v in latest} == {"Production", "Staging"}
    assert {v.last_updated_timestamp for v in latest} == {2000, 2002}
    assert {v.creation_timestamp for v in latest} == {1000, 1300}


def test_registered_model_with_tags():
    tags = [RegisteredModelTag("key", "value")]
    tags.append(RegisteredModelTag("randomKey", "not a random value"))
    as_dict = _model_dict(uuid.uuid4().hex, 4000, uuid.uuid4().hex, tags=tags)
    model = RegisteredModel.from_dictionary(as_dict)
    as_dict["tags"] = {tag.key: tag.value for tag in tags}
    assert dict(model) == as_dict

    proto, _ = _through_the_wire(model)
    assert (proto.creation_timestamp, proto.last_updated_timestamp) == (1, 4000)
    assert {tag.key for tag in proto.tags} == {"key", "randomKey"}
    assert {tag.value for tag in proto.tags} == {"value", "not a random value"}


def test_registered_model_with_aliases():
    aliases = [RegisteredModelAlias("test_alias", "1"), RegisteredModelAlias("other_alias", "2")]
    as_dict = _model_dict(uuid.uuid4().hex, 4000, uuid.uuid4().hex, aliases=aliases)
    model = RegisteredModel.from_dictionary(as_dict)
    # D1: alias targets are ints here (MLflow keeps the "1" it was given).
    as_dict["aliases"] = {"test_alias": 1, "other_alias": 2}
    assert dict(model) == as_dict

    proto, _ = _through_the_wire(model)
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
        "last_updated_timestamp=2002, latest_versions=['1', '2', '3'], name='myname', tags={}>"
    )


def _version_fields(version) -> tuple:
    return (
        version.name, version.version, version.creation_timestamp,
        version.last_updated_timestamp, version.description, version.user_id,
        version.current_stage, version.source, version.run_id, version.status,
        version.status_message, version.tags, version.aliases,
    )  # fmt: skip


def test_model_version_creation_and_hydration():
    name, run_id = uuid.uuid4().hex, uuid.uuid4().hex
    source, link = "path/to/source", "http://localhost:5000/path/to/run"
    tags = [ModelVersionTag("key", "value"), ModelVersionTag("randomKey", "not a random value")]
    as_tags = {"key": "value", "randomKey": "not a random value"}
    message = "Model version #5 is ready to use."
    version = ModelVersion(
        name, "5", 100, 150, "version five", "user 1", "Production", source, run_id, "READY",
        message, tags, link, ["test_alias"],
    )  # fmt: skip
    expected = (
        name, "5", 100, 150, "version five", "user 1", "Production", source, run_id, "READY",
        message, as_tags, ["test_alias"],
    )  # fmt: skip
    assert isinstance(version, ModelVersion)
    assert _version_fields(version) == expected

    as_dict = {
        "name": name, "version": "5", "creation_timestamp": 100, "last_updated_timestamp": 150,
        "description": "version five", "user_id": "user 1", "current_stage": "Production",
        "source": source, "run_id": run_id, "run_link": link, "status": "READY",
        "status_message": message, "tags": as_tags, "aliases": ["test_alias"],
        "model_id": None, "metrics": None, "params": None, "deployment_job_state": None,
    }  # fmt: skip
    assert dict(version) == as_dict

    from mlflow.entities.model_registry.model_version_status import ModelVersionStatus

    proto, mlflow_version = _through_the_wire(version)
    assert (proto.name, proto.version) == (name, "5")
    assert proto.status == ModelVersionStatus.from_string("READY")
    assert proto.status_message == message
    assert {tag.key for tag in proto.tags} == {"key", "randomKey"}
    assert {tag.value for tag in proto.tags} == {"value", "not a random value"}
    assert proto.aliases == ["test_alias"]
    back = ModelVersion.from_dictionary(dict(mlflow_version))
    assert _version_fields(back) == expected and back.run_link == link

    # Keys an entity does not have (MLflow's test adds a registered_model) are ignored.
    as_dict.update(registered_model=RegisteredModel(name), tags=tags)
    assert _version_fields(ModelVersion.from_dictionary(as_dict)) == expected


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
        "tags={}, user_id='user one', version='43'>"
    )


@pytest.mark.parametrize("make", [lambda: ModelVersion("m", 1, 5), lambda: RegisteredModel("m")])
def test_entities_stay_equal_and_wire_encodable(make):
    """dict()/str() are additions: equality and the server's own wire format are unchanged."""
    from registry.client import wire

    entity = make()
    assert entity == make() and wire.decode(wire.encode(entity)) == entity
