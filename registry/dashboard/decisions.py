"""Deciding on a transition request, the same on the Inbox and the Model page: the evidence
(the version's metrics against Production, its validation, its comment thread), a comment,
Approve and Reject, each confirmed in the dialog every write goes through."""

from __future__ import annotations

import streamlit as st

from registry import RegistryClient
from registry.dashboard import comments, request_decisions, review, selection
from registry.dashboard.compare import styled_metrics
from registry.dashboard.evidence import Evidence
from registry.dashboard.feedback import show_flash
from registry.dashboard.keys import MODEL_FLASH
from registry.dashboard.links import link_to_version


def show_feedback() -> None:
    """The outcome of the last decision or request, on the page where it was made (one
    message: a confirmed decision's comes from the dialog)."""
    show_flash(MODEL_FLASH)
    show_flash(review.INBOX_FLASH)
    error = st.session_state.pop(review.INBOX_ERROR, None)
    if error:
        st.error(error, icon=":material/error:")


def decide(client: RegistryClient, requests: list, role: str, clicked: int | None) -> None:
    """Pick one of ``requests`` (``clicked``: the id of a request clicked in a table), see
    its evidence and approve or reject it; reviewers only."""
    if not review.is_at_least(role, "reviewer"):
        st.caption(
            ":material/lock: Approving or rejecting needs the reviewer role; "
            f"you are {role}. Ask an admin."
        )
        return
    by_id = {r.id: r for r in requests}
    selection.adopt(review.INBOX_PICK, f"{review.INBOX_PICK}_row", clicked)
    if st.session_state.get(review.INBOX_PICK) not in by_id:
        st.session_state.pop(review.INBOX_PICK, None)  # decided, or another model's request
    picked = st.selectbox(
        "Decide on",
        list(by_id),
        key=review.INBOX_PICK,
        format_func=lambda i: review.request_label(by_id[i]),
    )
    request = by_id[picked]
    show_evidence(client, request)
    gate = review.production_gate(client, request)
    override = gate is not None and gate.needs_override
    if override:
        st.warning(
            f"{review.override_reason(gate)} Approving overrides it: a comment is required, "
            "and the override is recorded in the history.",
            icon=":material/gavel:",
        )
    elif gate is not None and gate.required:
        st.caption(f":material/check_circle: {gate.explain()}")
    st.text_input(
        "Comment (required to reject or override)",
        key=review.INBOX_DECISION_COMMENT,
        placeholder="Why? It is kept in the history.",
    )
    approve_col, reject_col = st.columns(2)
    approve_col.button(
        "Approve (override)" if override else "Approve",
        key=review.INBOX_APPROVE,
        type="secondary" if override else "primary",
        icon=":material/gavel:" if override else ":material/check:",
        on_click=request_decisions.request_decision,
        args=("approve", request, override),
        width="stretch",
    )
    reject_col.button(
        "Reject",
        key=review.INBOX_REJECT,
        icon=":material/close:",
        on_click=request_decisions.request_decision,
        args=("reject", request),
        width="stretch",
    )


def show_evidence(client: RegistryClient, request) -> None:
    """A link to the version, its metrics against Production and its comments."""
    evidence = Evidence(client, [request])
    version = evidence.version(request)
    link_to_version(request.model_name, request.version, label="Open the version")
    if version is not None:
        st.caption(f"Validation: {review.validation_status(client, request, version)}")
    metrics = evidence.frame(request)
    if not metrics.empty:
        baseline = metrics.columns[0]
        st.dataframe(styled_metrics(metrics, baseline), width="stretch")
        st.caption(f"Against {baseline}: green is better, red worse.")
    else:
        st.caption(f"Metrics against Production: {evidence.deltas_text(request)}.")
    thread = client.get_comments(request.model_name, request.version)
    with st.expander(f"Comments on v{request.version} ({len(thread)})", expanded=bool(thread)):
        comments.show_thread(thread)
