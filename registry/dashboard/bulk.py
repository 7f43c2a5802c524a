"""Several versions at once: the Model page's ticked rows compared in one click, archived or
tagged together behind the same confirmation that lists every change."""

from __future__ import annotations

import streamlit as st

from registry import RegistryClient
from registry import arguments as check
from registry.dashboard import keys
from registry.dashboard.actions import PendingAction, Plan, move_line, refused, request
from registry.dashboard.compare import MAX_PICKS, format_picks
from registry.dashboard.links import Target, follow
from registry.dashboard.markup import plain
from registry.entities import ModelVersion

KINDS = ("bulk_archive", "bulk_tag")


def selection_bar(name: str, ticked: list[ModelVersion]) -> None:
    """What can be done with the ticked versions: compare, archive, tag."""
    if not ticked:
        st.caption(
            ":material/check_box: Tick versions in the table to compare, archive or tag "
            "several at once."
        )
        return
    numbers = sorted(v.version for v in ticked)
    count = len(numbers)
    st.markdown(f"**{count} ticked:** " + ", ".join(f"v{n}" for n in numbers))
    compare_col, archive_col, tag_col = st.columns(3, vertical_alignment="top")
    too_few, too_many = count < 2, count > MAX_PICKS
    if compare_col.button(
        f"Compare {count} versions" if count > 1 else "Compare",
        key=keys.MODEL_COMPARE, icon=":material/compare_arrows:", type="primary",
        disabled=too_few or too_many, width="stretch",
        help="Tick two versions or more" if too_few else
        (f"Compare takes at most {MAX_PICKS} versions" if too_many else None),
    ):  # fmt: skip
        versions = format_picks([(name, n) for n in numbers])
        follow(Target("compare", {"page": "compare", "versions": versions}))
    archive_col.button(
        f"Archive {count}…", key=keys.MODEL_BULK_ARCHIVE, icon=":material/inventory:",
        width="stretch", on_click=request,
        args=(PendingAction("bulk_archive", name, versions=tuple(numbers)),),
    )  # fmt: skip
    with tag_col.popover(f"Tag {count}…", icon=":material/sell:", width="stretch"):
        st.text_input("Tag key", key=keys.MODEL_BULK_TAG_KEY)
        st.text_input("Tag value", key=keys.MODEL_BULK_TAG_VALUE)
        st.button(
            "Review tags", key=keys.MODEL_BULK_TAG, on_click=request,
            args=(PendingAction("bulk_tag", name, versions=tuple(numbers)),),
            kwargs={"key": keys.MODEL_BULK_TAG_KEY, "value": keys.MODEL_BULK_TAG_VALUE},
        )  # fmt: skip


def _versions(client: RegistryClient, a: PendingAction) -> list[ModelVersion]:
    return [client.get_model_version(a.model, n) for n in a.versions]


def plan_archive(client: RegistryClient, a: PendingAction) -> Plan:
    found = _versions(client, a)
    moving = [v for v in found if v.current_stage != "Archived"]
    changes = [move_line(v.version, v.current_stage, "Archived") for v in moving]
    aliases = client.get_registered_model(a.model).aliases
    numbers = {v.version for v in moving}
    notes = [
        f"@{alias} stays on v{number}, which will be archived."
        for alias, number in sorted(aliases.items())
        if number in numbers
    ]
    notes += [f"v{v.version} is already archived." for v in found if v not in moving]
    notes += [
        f"v{v.version} is in Production now: archiving it leaves no version there."
        for v in moving
        if v.current_stage == "Production"
    ]
    blocked = None if moving else "Every ticked version is archived already."
    return Plan(f"Archive {len(moving)} versions of {a.model}", changes, blocked, tuple(notes))


def plan_tag(client: RegistryClient, a: PendingAction) -> Plan:
    title = f"Tag {len(a.versions)} versions of {a.model}"
    if not a.key:
        return Plan(title, [], "Enter a tag key.")
    blocked = refused(check.tag_key, a.key) or refused(check.tag_value, a.key, a.value or "")
    changes, notes = [], []
    for v in _versions(client, a):
        old = v.tags.get(a.key)
        if old == (a.value or ""):
            notes.append(f"v{v.version} already has {a.key} = {a.value or ''}.")
            continue
        was = f"“{plain(old)}”" if old is not None else "*unset*"
        changes.append(f"**v{v.version}** tag {plain(a.key)}: {was} → “{plain(a.value or '')}”")
    if blocked is None and not changes:
        blocked = "Every ticked version has this tag value already."
    return Plan(f"{title}: {a.key}", changes, blocked, tuple(notes))


def plan(client: RegistryClient, a: PendingAction) -> Plan:
    return (plan_archive if a.kind == "bulk_archive" else plan_tag)(client, a)


def apply(client: RegistryClient, a: PendingAction, comment: str | None) -> str:
    """Archive or tag each ticked version; the sentence says how many changed."""
    done = 0
    with client.batch():
        for v in _versions(client, a):
            if a.kind == "bulk_archive" and v.current_stage != "Archived":
                client.transition_model_version_stage(
                    a.model, v.version, "Archived", comment=comment
                )
                done += 1
            elif a.kind == "bulk_tag" and v.tags.get(a.key) != (a.value or ""):
                client.set_model_version_tag(a.model, v.version, a.key, a.value or "")
                done += 1
    what = "Archived" if a.kind == "bulk_archive" else f"Set tag {a.key} on"
    return f"{what} {done} version{'s' if done != 1 else ''} of {a.model}."
