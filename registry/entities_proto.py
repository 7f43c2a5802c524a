"""The entities as protobuf messages that MLflow's ``model_registry_pb2`` reads, and back.

The messages (``mlflow.ModelVersion``, ``mlflow.RegisteredModel``, their tags, aliases, params,
metrics and deployment-job state) are built on first use from the descriptor written below:
the same message and field names, numbers and types as MLflow's registry protocol, so bytes
from either side parse on the other. They live in a descriptor pool of their own, so they
coexist with MLflow's classes in one process. ``registry.entities`` imports this module
lazily: ``import registry`` does not load protobuf.
"""

from __future__ import annotations

import functools
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from registry import entities
from registry.errors import InvalidArgumentError

_F = descriptor_pb2.FieldDescriptorProto
S, I64, F64 = _F.TYPE_STRING, _F.TYPE_INT64, _F.TYPE_DOUBLE
_JOB_STATE = ".mlflow.DeploymentJobConnection.State"
_RUN_STATE = ".mlflow.ModelVersionDeploymentJobState.DeploymentJobRunState"
_ENUM_TYPES = {".mlflow.ModelVersionStatus", _JOB_STATE, _RUN_STATE}

# message -> fields as (number, name, scalar type or ".mlflow.<type>", repeated)
_MESSAGES: dict[str, list[tuple[int, str, Any, bool]]] = {
    "ModelVersionTag": [(1, "key", S, False), (2, "value", S, False)],
    "RegisteredModelTag": [(1, "key", S, False), (2, "value", S, False)],
    "RegisteredModelAlias": [(1, "alias", S, False), (2, "version", S, False)],
    "ModelParam": [(1, "name", S, False), (2, "value", S, False)],
    "ModelMetric": [
        (1, "key", S, False), (2, "value", F64, False), (3, "timestamp", I64, False),
        (4, "step", I64, False), (5, "dataset_name", S, False), (6, "dataset_digest", S, False),
        (7, "model_id", S, False), (8, "run_id", S, False),
    ],
    "DeploymentJobConnection": [],
    "ModelVersionDeploymentJobState": [
        (1, "job_id", S, False), (2, "run_id", S, False), (3, "job_state", _JOB_STATE, False),
        (4, "run_state", _RUN_STATE, False), (5, "current_task_name", S, False),
    ],
    "ModelVersion": [
        (1, "name", S, False), (2, "version", S, False), (3, "creation_timestamp", I64, False),
        (4, "last_updated_timestamp", I64, False), (5, "user_id", S, False),
        (6, "current_stage", S, False), (7, "description", S, False), (8, "source", S, False),
        (9, "run_id", S, False), (10, "status", ".mlflow.ModelVersionStatus", False),
        (11, "status_message", S, False), (12, "tags", ".mlflow.ModelVersionTag", True),
        (13, "run_link", S, False), (14, "aliases", S, True), (15, "model_id", S, False),
        (16, "model_params", ".mlflow.ModelParam", True),
        (17, "model_metrics", ".mlflow.ModelMetric", True),
        (19, "deployment_job_state", ".mlflow.ModelVersionDeploymentJobState", False),
    ],
    "RegisteredModel": [
        (1, "name", S, False), (2, "creation_timestamp", I64, False),
        (3, "last_updated_timestamp", I64, False), (4, "user_id", S, False),
        (5, "description", S, False), (6, "latest_versions", ".mlflow.ModelVersion", True),
        (7, "tags", ".mlflow.RegisteredModelTag", True),
        (8, "aliases", ".mlflow.RegisteredModelAlias", True),
        (9, "deployment_job_id", S, False), (10, "deployment_job_state", _JOB_STATE, False),
    ],
}  # fmt: skip
STATUSES = ("PENDING_REGISTRATION", "FAILED_REGISTRATION", "READY")  # numbered from 1
JOB_STATES = (
    "DEPLOYMENT_JOB_CONNECTION_STATE_UNSPECIFIED", "NOT_SET_UP", "CONNECTED", "NOT_FOUND",
    "REQUIRED_PARAMETERS_CHANGED",
)  # fmt: skip
RUN_STATES = (
    "DEPLOYMENT_JOB_RUN_STATE_UNSPECIFIED", "NO_VALID_DEPLOYMENT_JOB_FOUND", "RUNNING",
    "SUCCEEDED", "FAILED", "PENDING", "APPROVAL",
)  # fmt: skip
# enum -> (where it is declared: None for the file, else a message; its values from ``first``)
_ENUMS = {
    "ModelVersionStatus": (None, STATUSES, 1),
    "State": ("DeploymentJobConnection", JOB_STATES, 0),
    "DeploymentJobRunState": ("ModelVersionDeploymentJobState", RUN_STATES, 0),
}


def _enum(name: str, values: tuple[str, ...], first: int) -> descriptor_pb2.EnumDescriptorProto:
    enum = descriptor_pb2.EnumDescriptorProto(name=name)
    for number, value in enumerate(values, first):
        enum.value.add(name=value, number=number)
    return enum


def _file() -> descriptor_pb2.FileDescriptorProto:
    # A file name of its own: MLflow's "model_registry.proto" may be in the default pool too.
    fdp = descriptor_pb2.FileDescriptorProto(
        name="registry/mlflow_model_registry.proto", package="mlflow", syntax="proto2"
    )
    messages = {}
    for name, fields in _MESSAGES.items():
        message = messages[name] = fdp.message_type.add(name=name)
        for number, field, kind, repeated in fields:
            label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
            spec = message.field.add(name=field, number=number, label=label)
            if isinstance(kind, int):
                spec.type = kind
            else:
                spec.type_name = kind
                spec.type = _F.TYPE_ENUM if kind in _ENUM_TYPES else _F.TYPE_MESSAGE
    for name, (parent, values, first) in _ENUMS.items():
        enums = fdp.enum_type if parent is None else messages[parent].enum_type
        enums.append(_enum(name, values, first))
    return fdp


@functools.cache
def message_class(name: str) -> type:
    """The protobuf message class ``mlflow.<name>`` (e.g. ``"ModelVersion"``)."""
    return message_factory.GetMessageClass(_pool().FindMessageTypeByName(f"mlflow.{name}"))


@functools.cache
def _pool() -> descriptor_pool.DescriptorPool:
    pool = descriptor_pool.DescriptorPool()
    pool.Add(_file())
    return pool


class ModelVersionStatus:
    """MLflow's version statuses as the message's numbers (``from_string("READY") == 3``)."""

    PENDING_REGISTRATION, FAILED_REGISTRATION, READY = 1, 2, 3

    @staticmethod
    def from_string(status: str) -> int:
        return _number(STATUSES, status, "status", first=1)

    @staticmethod
    def to_string(number: int) -> str:
        return STATUSES[number - 1]


def _number(names: tuple[str, ...], name: str, what: str, first: int = 0) -> int:
    if name not in names:
        raise InvalidArgumentError(f"Invalid {what} {name!r}; valid: {', '.join(names)}")
    return names.index(name) + first


def _set(message, **values) -> Any:
    """``message`` with the values that are not None set."""
    for key, value in values.items():
        if value is not None:
            setattr(message, key, value)
    return message


def _opt(proto, name: str) -> Any:
    return getattr(proto, name) if proto.HasField(name) else None


def _job_state_proto(state: entities.ModelVersionDeploymentJobState):
    return _set(
        message_class("ModelVersionDeploymentJobState")(),
        job_id=state.job_id,
        run_id=state.run_id,
        job_state=None if state.job_state is None else _number(JOB_STATES, state.job_state, "job"),
        run_state=None if state.run_state is None else _number(RUN_STATES, state.run_state, "run"),
        current_task_name=state.current_task_name,
    )


def _version_proto(v: entities.ModelVersion):
    proto = _set(
        message_class("ModelVersion")(),
        name=v.name, version=str(v.version), creation_timestamp=v.creation_timestamp,
        last_updated_timestamp=v.last_updated_timestamp, user_id=v.user_id,
        current_stage=v.current_stage, description=v.description, source=v.source,
        run_id=v.run_id, status=ModelVersionStatus.from_string(v.status),
        status_message=v.status_message, run_link=v.run_link, model_id=v.model_id,
    )  # fmt: skip
    tag = message_class("ModelVersionTag")
    proto.tags.extend(tag(key=key, value=value) for key, value in v.tags.items())
    proto.aliases.extend(v.aliases)
    param, metric = message_class("ModelParam"), message_class("ModelMetric")
    proto.model_params.extend(param(name=p.name, value=p.value) for p in v.params or [])
    proto.model_metrics.extend(
        metric(key=m.key, value=m.value, timestamp=m.timestamp, step=m.step)
        for m in v.metrics or []
    )
    if v.deployment_job_state is not None:
        proto.deployment_job_state.CopyFrom(_job_state_proto(v.deployment_job_state))
    return proto


def _model_proto(m: entities.RegisteredModel):
    job_state = m.deployment_job_state
    proto = _set(
        message_class("RegisteredModel")(),
        name=m.name,
        creation_timestamp=m.creation_timestamp,
        last_updated_timestamp=m.last_updated_timestamp,
        description=m.description,
        deployment_job_id=m.deployment_job_id,
        deployment_job_state=None if job_state is None else _number(JOB_STATES, job_state, "job"),
    )
    proto.latest_versions.extend(_version_proto(v) for v in m.latest_versions)
    tag, alias = message_class("RegisteredModelTag"), message_class("RegisteredModelAlias")
    proto.tags.extend(tag(key=key, value=value) for key, value in m.tags.items())
    proto.aliases.extend(alias(alias=a, version=str(v)) for a, v in m.aliases.items())
    return proto


def to_proto(entity) -> Any:
    """``entity`` (a version, model, tag or alias) as its MLflow protobuf message."""
    if isinstance(entity, entities.ModelVersion):
        return _version_proto(entity)
    if isinstance(entity, entities.RegisteredModel):
        return _model_proto(entity)
    if isinstance(entity, entities.RegisteredModelAlias):
        return message_class("RegisteredModelAlias")(
            alias=entity.alias, version=str(entity.version)
        )
    return message_class(type(entity).__name__)(key=entity.key, value=entity.value)


def _job_state(proto) -> entities.ModelVersionDeploymentJobState:
    return entities.ModelVersionDeploymentJobState(
        job_id=_opt(proto, "job_id"),
        run_id=_opt(proto, "run_id"),
        job_state=JOB_STATES[proto.job_state] if proto.HasField("job_state") else None,
        run_state=RUN_STATES[proto.run_state] if proto.HasField("run_state") else None,
        current_task_name=_opt(proto, "current_task_name"),
    )


def _version(proto) -> entities.ModelVersion:
    params = [entities.ModelParam(p.name, p.value) for p in proto.model_params]
    metrics = [entities.Metric(m.key, m.value, m.timestamp, m.step) for m in proto.model_metrics]
    job = proto.deployment_job_state if proto.HasField("deployment_job_state") else None
    return entities.ModelVersion(
        name=proto.name, version=proto.version, creation_timestamp=proto.creation_timestamp,
        last_updated_timestamp=_opt(proto, "last_updated_timestamp"),
        description=_opt(proto, "description"), user_id=_opt(proto, "user_id"),
        current_stage=_opt(proto, "current_stage"), source=_opt(proto, "source"),
        run_id=_opt(proto, "run_id"), status=ModelVersionStatus.to_string(proto.status),
        status_message=_opt(proto, "status_message"),
        tags={tag.key: tag.value for tag in proto.tags}, run_link=_opt(proto, "run_link"),
        aliases=list(proto.aliases), model_id=_opt(proto, "model_id"),
        params=params or None, metrics=metrics or None,
        deployment_job_state=None if job is None else _job_state(job),
    )  # fmt: skip


def _model(proto) -> entities.RegisteredModel:
    job_state = proto.deployment_job_state if proto.HasField("deployment_job_state") else None
    return entities.RegisteredModel(
        name=proto.name,
        creation_timestamp=_opt(proto, "creation_timestamp"),
        last_updated_timestamp=_opt(proto, "last_updated_timestamp"),
        description=_opt(proto, "description"),
        latest_versions=[_version(v) for v in proto.latest_versions],
        tags={tag.key: tag.value for tag in proto.tags},
        aliases={alias.alias: alias.version for alias in proto.aliases},
        deployment_job_id=_opt(proto, "deployment_job_id"),
        deployment_job_state=None if job_state is None else JOB_STATES[job_state],
    )


def from_proto(cls: type, proto) -> Any:
    """The ``cls`` entity ``proto`` holds: this module's message or MLflow's own (the same
    fields). Versions and alias targets keep the message's strings (``"5"``), as MLflow's."""
    if cls is entities.ModelVersion:
        return _version(proto)
    if cls is entities.RegisteredModel:
        return _model(proto)
    if cls is entities.RegisteredModelAlias:
        return cls(proto.alias, proto.version)
    return cls(proto.key, proto.value)
