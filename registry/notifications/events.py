"""The public event model: what subscribers receive when something changes in the registry.

Events come from the ``changes`` table, the registry's append-only history and its outbox
(see registry/store/changes.py): every write appends its rows in the same transaction as the
change. An event's ``name`` is the change's (``model_version.stage_transitioned``,
``registered_model.alias_moved``, ...); names this module does not know are delivered too,
with the generic payload. The JSON shape (``Event.to_dict``) is stable: fields are only added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from registry.entities import Change

TEST_EVENT = "registry.test"
MAX_TEXT = 2000
MAX_ITEMS = 100
_TEMPLATES = {
    "model_version.stage_transitioned": "{actor} moved {model} {v} from {from_stage} to {to_stage}",
    "model_version.created": "{actor} registered {model} {v}",
    "model_version.deleted": "{actor} deleted {model} {v}",
    "model_version.description_changed": "{actor} edited the description of {model} {v}",
    "model_version.tag_set": "{actor} set tag {key}={new_value} on {model} {v}",
    "model_version.tag_deleted": "{actor} removed tag {key} from {model} {v}",
    "registered_model.created": "{actor} created model {model}",
    "registered_model.deleted": "{actor} deleted model {model}",
    "registered_model.renamed": "{actor} renamed model {old_value} to {model}",
    "registered_model.description_changed": "{actor} edited the description of {model}",
    "registered_model.tag_set": "{actor} set tag {key}={new_value} on {model}",
    "registered_model.tag_deleted": "{actor} removed tag {key} from {model}",
    "registered_model.alias_set": "{actor} pointed alias @{key} of {model} at {v}",
    "registered_model.alias_moved": (
        "{actor} moved alias @{key} of {model} from v{old_value} to {v}"
    ),
    "registered_model.alias_deleted": "{actor} removed alias @{key} of {model} (was {v})",
    "model_version.transition_requested": (
        "{actor} requested moving {model} {v} from {from_stage} to {to_stage}"
    ),
    "model_version.transition_approved": "{actor} approved moving {model} {v} to {to_stage}",
    "model_version.transition_rejected": "{actor} rejected moving {model} {v} to {to_stage}",
    "model_version.comment_added": "{actor} commented on {model} {v}",
    "model_version.validation_finished": "{actor} validated {model} {v}: {new_value}",
    "model_version.validation_overridden": (
        "{actor} put {model} {v} in Production overriding its validation: {comment}"
    ),
    "registered_model.validation_policy_changed": (
        "{actor} changed the validation policy of {model}"
    ),
    "role.changed": "{actor} gave {key} the role {new_value}",
    TEST_EVENT: "Test event from the model registry, sent by {actor}: this subscription works",
}


@dataclass(frozen=True)
class Event:
    """One registry event. ``id`` is the change id (0 for a test event); ``timestamp`` is an
    aware UTC datetime; ``payload`` holds what a receiver can act on (see ``build_payload``)."""

    id: int
    name: str
    timestamp: datetime
    actor: str
    model: str | None
    version: int | None
    payload: dict[str, Any]

    @classmethod
    def from_change(cls, change: Change, dashboard_url: str) -> Event:
        """The event of one history row, with links into the dashboard at ``dashboard_url``."""
        return cls(
            id=change.id,
            name=change.event,
            timestamp=datetime.fromtimestamp(change.timestamp / 1000, tz=UTC),
            actor=change.actor,
            model=change.model_name,
            version=change.version,
            payload=build_payload(change, dashboard_url),
        )

    @classmethod
    def test(cls, actor: str, dashboard_url: str, now: datetime | None = None) -> Event:
        """The event ``send_test_event`` delivers: name ``registry.test``, id 0."""
        payload = {"test": True, "url": dashboard_url}
        return cls(0, TEST_EVENT, now or datetime.now(UTC), actor, None, None, payload)

    @property
    def url(self) -> str:
        return str(self.payload.get("url", ""))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object a webhook receives."""
        return {
            "id": self.id,
            "name": self.name,
            "timestamp": self.timestamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "actor": self.actor,
            "model": self.model,
            "version": self.version,
            "payload": self.payload,
        }

    def summary(self) -> str:
        """One sentence for people: 'ann moved churn v3 from Staging to Production'."""
        generic = "{actor}: {name} on {model} {v}" if self.model else "{actor}: {name}"
        template = _TEMPLATES.get(self.name, generic)
        values = {"name": self.name, "actor": self.actor, "model": self.model or ""}
        values["v"] = f"v{self.version}" if self.version is not None else ""
        values.update({k: v for k, v in self.payload.items() if isinstance(v, str | int)})
        values.setdefault("from_stage", "?")
        values.setdefault("to_stage", "?")
        return " ".join(template.format_map(_Blank(values)).split())


def build_payload(change: Change, dashboard_url: str) -> dict[str, Any]:
    """model, version, the change's key/old/new/comment, its own payload fields, plus named
    fields for known event kinds (from/to stage, run id, alias, tag key/value) and ``url``."""
    payload: dict[str, Any] = {"model": change.model_name, "version": change.version}
    for name, value in (change.payload or {}).items():
        payload.setdefault(str(name), cap(value))
    for name, value in (
        ("key", change.key),
        ("old_value", change.old_value),
        ("new_value", change.new_value),
        ("comment", change.comment),
    ):
        if value is not None:
            payload[name] = cap(value)
    payload.update(_named_fields(change))
    payload["url"] = dashboard_link(dashboard_url, change.model_name, change.version)
    return payload


def _named_fields(change: Change) -> dict[str, Any]:
    """Fields with obvious names for the event kinds known today."""
    kind = change.event.rsplit(".", 1)[-1]
    if kind == "stage_transitioned" or kind.startswith("transition_"):
        stages = {"to_stage": change.payload.get("to_stage", change.new_value)}
        if kind in ("stage_transitioned", "transition_requested"):
            stages["from_stage"] = change.payload.get("from_stage", change.old_value)
        return stages
    if kind.startswith("alias_"):
        previous = change.old_value
        return {"alias": change.key, "previous_version": int(previous) if previous else None}
    if kind.startswith("tag_"):
        value = cap(change.new_value) if change.new_value is not None else None
        return {"tag_key": change.key, "tag_value": value}
    return {}


def dashboard_link(base: str, model: str | None, version: int | None) -> str:
    """``base?page=model&model=...&version=...`` (the dashboard's deep-link parameters)."""
    if model is None:
        return base
    params = {"page": "model", "model": model}
    if version is not None:
        params["version"] = str(version)
    return f"{base}/?{urlencode(params)}"


def cap(value: Any, depth: int = 0) -> Any:
    """``value`` with long strings cut to MAX_TEXT characters and collections to MAX_ITEMS."""
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 1] + "…"
    if depth > 4:
        return None
    if isinstance(value, dict):
        items = list(value.items())[:MAX_ITEMS]
        return {str(k): cap(v, depth + 1) for k, v in items}
    if isinstance(value, list | tuple):
        return [cap(v, depth + 1) for v in list(value)[:MAX_ITEMS]]
    if value is None or isinstance(value, bool | int | float):
        return value
    return cap(str(value), depth)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""
