"""Reading the change log: event names for people, one-line summaries of a change."""

from __future__ import annotations

from registry.dashboard.style import shorten, stage_label
from registry.entities import Change

EVENT_LABELS = {
    "registered_model.created": "Model created",
    "registered_model.renamed": "Model renamed",
    "registered_model.deleted": "Model deleted",
    "registered_model.description_changed": "Model description edited",
    "registered_model.tag_set": "Model tag set",
    "registered_model.tag_deleted": "Model tag removed",
    "registered_model.alias_set": "Alias set",
    "registered_model.alias_moved": "Alias moved",
    "registered_model.alias_deleted": "Alias removed",
    "model_version.created": "Version registered",
    "model_version.deleted": "Version deleted",
    "model_version.description_changed": "Version description edited",
    "model_version.stage_transitioned": "Stage changed",
    "model_version.tag_set": "Version tag set",
    "model_version.tag_deleted": "Version tag removed",
}


def event_label(event: str) -> str:
    """'Stage changed' for 'model_version.stage_transitioned'; unknown events read sensibly."""
    if event in EVENT_LABELS:
        return EVENT_LABELS[event]
    return event.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def _version(value: str | None) -> str:
    return f"v{value}" if value else "–"


def change_summary(change: Change) -> str:
    """What changed, in one line: 'Staging → Production', '@champion: v3 → v7', ..."""
    kind = change.event.rsplit(".", 1)[-1]
    old, new = change.old_value, change.new_value
    if kind == "stage_transitioned":
        return f"{stage_label(old)} → {stage_label(new)}"
    if kind.startswith("alias_"):
        if kind == "alias_deleted":
            return f"@{change.key} removed (was {_version(old)})"
        if old is None:
            return f"@{change.key} → {_version(new)}"
        return f"@{change.key}: {_version(old)} → {_version(new)}"
    if kind == "tag_set":
        was = f" (was {shorten(old, 30)})" if old is not None else ""
        return f"{change.key} = {shorten(new, 40)}{was}"
    if kind == "tag_deleted":
        return f"{change.key} removed (was {shorten(old, 30)})"
    if kind == "description_changed":
        return f"“{shorten(new, 60)}”" if new else "description cleared"
    if kind == "renamed":
        return f"{old} → {new}"
    if kind == "validation_policy_changed":
        what = (
            "Production needs a pass within" if change.key == "production_within_days" else "rules"
        )
        return (
            f"{what}: {shorten(old, 50) if old else 'none'} → {shorten(new, 50) if new else 'none'}"
        )
    if kind == "validation_overridden":
        return f"into Production; newest validation: {old or 'none'}"
    if kind == "created" and change.payload.get("source"):
        return f"from {shorten(change.payload['source'], 60)}"
    return shorten(new or old, 60)
