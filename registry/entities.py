"""Plain, frozen entities returned by the client. No I/O here.

Field names and shapes follow MLflow's registry entities, so code written for MLflow reads
them unchanged: timestamps are integers (milliseconds since the Unix epoch, UTC) and each
entity offers the same value as a timezone-aware datetime too.
"""

from __future__ import annotations

import dataclasses
import pprint
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

STAGES: tuple[str, ...] = ("None", "Staging", "Production", "Archived")

T = TypeVar("T")


def to_datetime(millis: int | None) -> datetime | None:
    """Milliseconds since the epoch as an aware UTC datetime."""
    return None if millis is None else datetime.fromtimestamp(millis / 1000, tz=UTC)


class _Timestamps:
    """The MLflow-style millisecond timestamps as aware UTC datetimes."""

    creation_timestamp: int
    last_updated_timestamp: int

    @property
    def created_at(self) -> datetime | None:
        return to_datetime(self.creation_timestamp)

    @property
    def updated_at(self) -> datetime | None:
        return to_datetime(self.last_updated_timestamp)


class _Proto:
    """MLflow's ``to_proto()`` / ``from_proto(message)``: messages MLflow's
    ``model_registry_pb2`` reads (``registry.entities_proto``, loaded on first use)."""

    def to_proto(self):
        from registry import entities_proto

        return entities_proto.to_proto(self)

    @classmethod
    def from_proto(cls, proto):
        from registry import entities_proto

        return entities_proto.from_proto(cls, proto)


class _MlflowObject(_Proto):
    """MLflow's entity protocol: ``dict(entity)`` gives the fields (and MLflow's
    ``workspace``) as name-value pairs in name order, ``from_dictionary`` builds one from such
    a dict (other keys are ignored) and ``str()`` reads ``<ModelVersion: aliases=[], ...>``."""

    @property
    def workspace(self) -> str:
        """MLflow's workspace: always ``"default"``, the one a registry has."""
        return "default"

    @classmethod
    def _fields(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        for name in sorted([*self._fields(), "workspace"]):
            yield name, getattr(self, name)

    @classmethod
    def from_dictionary(cls, values: dict[str, Any]):
        names = set(cls._fields())
        return cls(**{key: value for key, value in values.items() if key in names})

    def __repr__(self) -> str:
        fields = ", ".join(f"{key}={pprint.pformat(value)}" for key, value in self)
        return f"<{type(self).__name__}: {fields}>"


# MLflow 3's version fields with no column of their own travel as reserved version tags,
# which never show in ``tags`` (a store keeps them with the tags; the entity takes them out).
RESERVED_TAG_PREFIX = "registry.mlflow."
_MODEL_ID_TAG = RESERVED_TAG_PREFIX + "model_id"


@dataclass(frozen=True)
class ModelVersionTag(_Proto):
    key: str
    value: str


@dataclass(frozen=True)
class RegisteredModelTag(_Proto):
    key: str
    value: str


@dataclass(frozen=True)
class RegisteredModelAlias(_Proto):
    alias: str
    version: int | str


@dataclass(frozen=True)
class ModelParam:
    """A parameter of the model behind a version (MLflow 3's ``model_params``)."""

    name: str
    value: str


@dataclass(frozen=True)
class ModelVersionDeploymentJobState:
    job_id: str | None = None
    run_id: str | None = None
    job_state: str | None = None
    run_state: str | None = None
    current_task_name: str | None = None


def _tag_dict(tags) -> dict[str, str]:
    """MLflow passes tag lists (objects with key and value); the project, dicts."""
    if tags is None:
        return {}
    if isinstance(tags, dict):
        return dict(tags)
    return {tag.key: tag.value for tag in tags}


@dataclass(frozen=True, repr=False)
class ModelVersion(_MlflowObject, _Timestamps):
    """A version, its fields in MLflow's order (positionally too)."""

    name: str
    version: int
    creation_timestamp: int
    last_updated_timestamp: int | None = None
    description: str | None = None
    user_id: str | None = None
    current_stage: str = "None"
    source: str | None = None
    run_id: str | None = None
    status: str = "READY"
    status_message: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    run_link: str | None = None
    aliases: list[str] = field(default_factory=list)
    model_id: str | None = None
    params: list[ModelParam] | None = None
    metrics: list[Metric] | None = None
    deployment_job_state: ModelVersionDeploymentJobState | None = None

    def __post_init__(self):
        # Cheap in the common case (a dict without reserved keys): searches build thousands.
        tags = self.tags
        if not isinstance(tags, dict) or any(k.startswith(RESERVED_TAG_PREFIX) for k in tags):
            tags = _tag_dict(tags)
            reserved = {k: tags.pop(k) for k in list(tags) if k.startswith(RESERVED_TAG_PREFIX)}
            object.__setattr__(self, "tags", tags)
            if self.model_id is None and _MODEL_ID_TAG in reserved:
                object.__setattr__(self, "model_id", reserved[_MODEL_ID_TAG])
        if not isinstance(self.aliases, list):
            object.__setattr__(self, "aliases", list(self.aliases or []))
        if self.current_stage is None:
            object.__setattr__(self, "current_stage", "None")

    @property
    def model_params(self) -> list[ModelParam] | None:
        return self.params

    @property
    def model_metrics(self) -> list[Metric] | None:
        return self.metrics


def reserved_version_tags(model_id: str | None) -> dict[str, str]:
    """The reserved tags a store keeps for MLflow 3's version fields."""
    return {} if model_id is None else {_MODEL_ID_TAG: model_id}


@dataclass(frozen=True, repr=False)
class RegisteredModel(_MlflowObject, _Timestamps):
    """A registered model, its fields in MLflow's order (positionally too); ``tags`` and
    ``aliases`` also take MLflow's lists of tag and alias objects."""

    name: str
    creation_timestamp: int | None = None
    last_updated_timestamp: int | None = None
    description: str | None = None
    latest_versions: list[ModelVersion] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)
    deployment_job_id: str | None = None
    deployment_job_state: str | None = None

    def __post_init__(self):
        if not isinstance(self.tags, dict):
            object.__setattr__(self, "tags", _tag_dict(self.tags))
        if not isinstance(self.latest_versions, list):
            object.__setattr__(self, "latest_versions", list(self.latest_versions or []))
        if not isinstance(self.aliases, dict):
            aliases = {a.alias: a.version for a in self.aliases or []}
            object.__setattr__(self, "aliases", aliases)


@dataclass(frozen=True)
class Change:
    """One row of the append-only history; it is also the event that subscribers receive."""

    id: int
    timestamp: int
    actor: str
    event: str
    model_name: str | None = None
    version: int | None = None
    key: str | None = None
    old_value: str | None = None
    new_value: str | None = None
    comment: str | None = None
    payload: dict = field(default_factory=dict)

    @property
    def at(self) -> datetime | None:
        return to_datetime(self.timestamp)


class PagedList(list[T]):
    """A page of results (a list, as MLflow's PagedList is) plus the opaque ``token`` for the
    next page (None on the last one)."""

    def __init__(self, items: Iterable[T] = (), token: str | None = None):
        super().__init__(items)
        self.token = token

    def to_list(self) -> list[T]:
        """The items as a plain list."""
        return list(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PagedList):
            return list.__eq__(self, other) and self.token == other.token
        return list.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PagedList({list.__repr__(self)}, token={self.token!r})"


@dataclass(frozen=True)
class Metric:
    key: str
    value: float
    timestamp: int
    step: int = 0


@dataclass(frozen=True)
class Dataset:
    """A dataset a run used: where it came from, its shape and a hash of its content."""

    name: str
    digest: str
    source: str | None = None
    context: str | None = None
    num_rows: int | None = None
    num_columns: int | None = None
    size_bytes: int | None = None
    schema: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    experiment_name: str
    run_name: str | None
    status: str
    start_time: int
    end_time: int | None = None
    user_id: str | None = None
    source_name: str | None = None
    source_type: str | None = None
    git_commit: str | None = None
    git_dirty: bool | None = None

    @property
    def experiment_id(self) -> str:
        """MLflow's experiment_id; experiments here are identified by name."""
        return self.experiment_name

    @property
    def artifact_uri(self) -> str:
        return f"runs:/{self.run_id}"


@dataclass(frozen=True)
class RunData:
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LoggedModel:
    """A model file logged under a run: what ``runs:/<run_id>/<artifact_path>`` names."""

    run_id: str
    artifact_path: str
    sha256: str
    flavor: str
    manifest: str
    created_timestamp: int


@dataclass(frozen=True)
class Run:
    info: RunInfo
    data: RunData
    inputs: list[Dataset] = field(default_factory=list)
    models: list[LoggedModel] = field(default_factory=list)


@dataclass(frozen=True)
class ModelInfo:
    """What log_model returns (as MLflow's ModelInfo)."""

    run_id: str
    artifact_path: str
    model_uri: str
    sha256: str
    flavor: str
    signature: dict | None = None
    registered_model_version: int | None = None


@dataclass(frozen=True)
class TransitionRequest:
    """A request to move a version to a stage, and the reviewer's decision on it."""

    id: int
    model_name: str
    version: int
    stage: str
    archive_existing_versions: bool
    requested_by: str
    requested_at: int
    comment: str | None = None
    status: str = "pending"
    decided_by: str | None = None
    decided_at: int | None = None
    decision_comment: str | None = None


@dataclass(frozen=True)
class Comment:
    id: int
    model_name: str
    version: int
    author: str
    created_at: int
    text: str

    @property
    def at(self) -> datetime | None:
        return to_datetime(self.created_at)


@dataclass(frozen=True)
class AccessToken:
    """A personal access token of a registry server; the secret itself is never stored."""

    id: int
    user: str
    label: str | None
    created_by: str
    creation_timestamp: int
    revoked_timestamp: int | None = None
    delegate: bool = False
    """May act for the people signed in to a dashboard (a dashboard's own token)."""

    @property
    def active(self) -> bool:
        return self.revoked_timestamp is None
