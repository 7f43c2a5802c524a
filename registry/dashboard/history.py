"""Reading the change log: event names for people, one-line summaries of a change, the rows
as a reviewer reads them (a validation as one row, a rollback named as one), and the History
feed of the models whose name contains some text."""

from __future__ import annotations

from dataclasses import dataclass, replace

from registry import RegistryClient
from registry.dashboard.filters import name_contains, quote
from registry.dashboard.links import Target, model_target, version_target
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
    "model_version.validation_finished": "Validated",
    "model_version.tag_set": "Version tag set",
    "model_version.tag_deleted": "Version tag removed",
}
STAGED, VALIDATED, TAG_SET = (
    "model_version.stage_transitioned",
    "model_version.validation_finished",
    "model_version.tag_set",
)
ROLLBACK = "model_version.rolled_back"  # the dashboard's name for a return to Production
EVENT_LABELS[ROLLBACK] = "Rolled back"


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
    if kind == "rolled_back":
        return f"{stage_label(old)} → {stage_label(new)}, where it was before"
    if kind == "validation_finished":
        failed = change.payload.get("failed_rules") or []
        broke = f" ({shorten('; '.join(failed), 50)})" if failed else ""
        return f"{new} on {shorten(change.key, 40)}{broke}" if change.key else f"{new}{broke}"
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


def readable(client: RegistryClient, changes: list[Change]) -> list[Change]:
    """``changes`` as a reviewer reads them: a validation is one row (the status tag written
    with it is left out), and an archived version's return to Production, where it had been
    before (a rollback, or the same by hand), is labelled a rollback."""
    validated = {(c.model_name, c.version, c.timestamp) for c in changes if c.event == VALIDATED}
    return [
        replace(c, event=ROLLBACK) if _returns_to_production(client, c) else c
        for c in changes
        if not (
            c.event == TAG_SET
            and c.key == "validation"
            and (c.model_name, c.version, c.timestamp) in validated
        )
    ]


def _returns_to_production(client: RegistryClient, change: Change) -> bool:
    """An archived version put back into Production (what a rollback does): one read of its
    stage history, only for such rows, which are rare."""
    if change.event != STAGED or change.version is None:
        return False
    if (change.old_value, change.new_value) != ("Archived", "Production"):
        return False
    earlier = client.get_history(
        change.model_name, change.version, events=[STAGED], until=change.timestamp,
        max_results=1000,
    )  # fmt: skip
    return any(e.id < change.id and e.new_value == "Production" for e in earlier)


FEED_MODELS = 20  # models a name filter merges at most


@dataclass(frozen=True)
class FeedModels:
    """Which models a History name filter selects: ``names`` None for every model; else the
    models whose name contains the text (at most FEED_MODELS, most recently updated first)
    out of ``matching``, or the text itself when no model contains it (a deleted model)."""

    names: list[str] | None
    matching: int = 0


def feed_models(client: RegistryClient, text: str | None) -> FeedModels:
    text = (text or "").strip()
    if not text:
        return FeedModels(None)
    where = name_contains(text)
    found = client.search_registered_models(
        where, max_results=FEED_MODELS, order_by=["last_updated_timestamp DESC"]
    )
    if not found:
        return FeedModels([text], 0)
    return FeedModels([m.name for m in found], client.count_registered_models(where))


def feed_changes(
    client: RegistryClient, models: FeedModels, limit: int, offset: int, **wanted
) -> list[Change]:
    """Newest first, ``limit`` changes from ``offset`` on, of the models selected (merged
    from each model's own newest changes, which is exact: the first offset + limit changes of
    the merge are among the first offset + limit of each model)."""
    if models.names is None or len(models.names) == 1:
        name = None if models.names is None else models.names[0]
        return client.get_history(name, **wanted, max_results=limit, offset=offset)
    merged = [
        change
        for name in models.names
        for change in client.get_history(name, **wanted, max_results=offset + limit)
    ]
    merged.sort(key=lambda c: (c.timestamp, c.id), reverse=True)
    return merged[offset : offset + limit]


def feed_models_caption(text: str, models: FeedModels) -> str | None:
    """What a name filter matched, saying plainly when it had to stop."""
    if models.names is None:
        return None
    if models.matching == 0:
        return f"No model's name contains “{text}”: showing changes recorded under that name."
    if models.matching == 1:
        return None if models.names == [text] else f"Changes of {models.names[0]}."
    shown = ", ".join(models.names)
    if models.matching <= len(models.names):
        return f"Changes of the {models.matching} models whose name contains “{text}”: {shown}."
    return (
        f"{models.matching} models' names contain “{text}”; this shows the {len(models.names)} "
        f"most recently updated ({shown}). Type more of the name to reach the others."
    )


def live_models(client: RegistryClient, names: set[str]) -> set[str]:
    """Which of ``names`` are registered models now (deleted and renamed ones are not)."""
    names = {n for n in names if n}
    if not names:
        return set()
    where = "name IN (" + ", ".join(quote(n) for n in sorted(names)) + ")"
    return {m.name for m in client.search_registered_models(where, max_results=len(names))}


def change_target(change: Change, column: str, live: set[str]) -> Target | None:
    """What a click on ``column`` of a change's row opens: its model from the Model column,
    else its version when it names one, else its model; nothing for a model that is gone."""
    if change.model_name not in live:
        return None
    if change.version is not None and column != "Model":
        return version_target(change.model_name, change.version)
    return model_target(change.model_name)
