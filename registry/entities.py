"""Plain, frozen entities returned by the client. No I/O here.

Field names and shapes follow MLflow's registry entities, so code written for MLflow reads
them unchanged: timestamps are integers (milliseconds since the Unix epoch, UTC) and each
entity offers the same value as a timezone-aware datetime too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

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


@dataclass(frozen=True)
class ModelVersion(_Timestamps):
    name: str
    version: int
    creation_timestamp: int
    last_updated_timestamp: int
    current_stage: str = "None"
    description: str | None = None
    user_id: str | None = None
    source: str | None = None
    run_id: str | None = None
    run_link: str | None = None
    status: str = "READY"
    status_message: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RegisteredModel(_Timestamps):
    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)
    latest_versions: list[ModelVersion] = field(default_factory=list)


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
