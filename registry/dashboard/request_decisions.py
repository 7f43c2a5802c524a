"""Approving and rejecting a transition request through the confirmation every write goes
through: the dialog lists the request, the moves approving makes (what gets archived), the
override and the comment before anything is written."""

from __future__ import annotations

import streamlit as st

from registry import RegistryClient
from registry.dashboard.actions import PendingAction, Plan, plan_stage
from registry.dashboard.keys import MODEL_PENDING
from registry.dashboard.markup import plain
from registry.dashboard.review import INBOX_DECISION_COMMENT, INBOX_ERROR, request_label
from registry.dashboard.style import shorten, stage_badge

KINDS = ("approve", "reject")


def _comment() -> str | None:
    return (st.session_state.get(INBOX_DECISION_COMMENT) or "").strip() or None


def request_decision(kind: str, request, override: bool = False) -> None:
    """Approve's or Reject's callback: ask to confirm deciding on ``request`` with the
    comment typed; a missing comment (rejecting, overriding) is said at once instead."""
    comment = _comment()
    st.session_state.pop(INBOX_ERROR, None)
    if not comment and (kind == "reject" or override):
        st.session_state[INBOX_ERROR] = (
            "Say why the request is rejected: a comment is required."
            if kind == "reject"
            else "Approving overrides a validation: say why in the comment (it is required)."
        )
        return
    st.session_state[MODEL_PENDING] = PendingAction(
        kind,
        request.model_name,
        request.version,
        request.stage,
        request.archive_existing_versions,
        key=str(request.id),
        value=comment,
    )


def _pending_request(client: RegistryClient, a: PendingAction):
    """The request as stored now; None once someone has decided on it."""
    waiting = client.get_transition_requests(a.model, status="pending", max_results=1000)
    return next((r for r in waiting if str(r.id) == a.key), None)


def plan(client: RegistryClient, a: PendingAction) -> Plan:
    request = _pending_request(client, a)
    verb = "Approve" if a.kind == "approve" else "Reject"
    if request is None:
        return Plan(f"{verb} request #{a.key}", [], f"Request #{a.key} is no longer pending.")
    title = f"{verb} request {request_label(request)}"
    asked = f"Requested by {plain(request.requested_by)}"
    if request.comment:
        asked += f": “{plain(shorten(request.comment, 120))}”"
    said = f"“{plain(shorten(a.value, 200))}”" if a.value else "*none*"
    if a.kind == "reject":
        version = client.get_model_version(a.model, a.version)
        stays = f"**v{a.version}** stays in {stage_badge(version.current_stage)}; nothing moves"
        return Plan(title, [stays, asked, f"Reason: {said}"], comment_given=True)
    moves = plan_stage(
        client, PendingAction("stage", a.model, a.version, a.stage, a.archive_existing)
    )
    what = "Override comment" if moves.override else "Comment"
    changes = [*moves.changes, asked, f"{what}: {said}"]
    notes = moves.notes + ((moves.blocked,) if moves.blocked else ())  # the request still closes
    return Plan(title, changes, None, notes, moves.override, comment_given=True)


def apply(client: RegistryClient, a: PendingAction, comment: str | None) -> str:
    """Decide with the comment typed before the dialog, overriding when the plan does (the
    dialog said so); the comment box is emptied so it cannot justify the next decision."""
    request_id = int(a.key)
    if a.kind == "reject":
        client.reject_transition_request(request_id, a.value or "")
        message = f"Rejected request #{request_id}."
    else:
        override = plan(client, a).override is not None
        client.approve_transition_request(request_id, a.value, override_validation=override)
        message = f"Approved request #{request_id}. {a.model} v{a.version} is in {a.stage}."
    st.session_state[INBOX_DECISION_COMMENT] = ""
    return message
