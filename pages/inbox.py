"""Inbox: pending transition requests for reviewers, and a request form for editors."""

import streamlit as st

from registry.dashboard import feedback, links, review, selection, session, widgets

links.through_app(__file__)
client = session.client()


def pending_requests(role: str) -> None:
    st.subheader("Pending transition requests")
    requests = client.get_transition_requests(status="pending", max_results=200)
    if not requests:
        st.info("No transition request is waiting for a decision.", icon=":material/inbox:")
        return
    event = links.table_of_links(
        review.requests_frame(client, requests),
        review.INBOX_TABLE,
        lambda row, column: review.request_target(requests[row], column),
        names=("Model", "Version"),
    )
    if not review.is_at_least(role, "reviewer"):
        st.caption(
            ":material/lock: Approving or rejecting needs the reviewer role; "
            f"you are {role}. Ask an admin."
        )
        return
    by_id = {r.id: r for r in requests}
    clicked = [requests[row].id for row, _ in event.selection.cells]
    selection.adopt(review.INBOX_PICK, f"{review.INBOX_PICK}_row", next(iter(clicked), None))
    picked = st.selectbox(
        "Decide on",
        list(by_id),
        key=review.INBOX_PICK,
        format_func=lambda i: review.request_label(by_id[i]),
    )
    gate = review.production_gate(client, by_id[picked])
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
        on_click=review.approve,
        args=(picked, override),
        width="stretch",
    )
    reject_col.button(
        "Reject",
        key=review.INBOX_REJECT,
        icon=":material/close:",
        on_click=review.reject,
        args=(picked,),
        width="stretch",
    )


def request_form(role: str) -> None:
    st.subheader("Request a transition")
    if not review.is_at_least(role, "editor"):
        st.caption(
            f":material/lock: Requesting a transition needs the editor role; you are {role}."
        )
        return
    name = widgets.model_picker(client, review.INBOX_REQUEST_MODEL)
    version_col, stage_col = st.columns(2)
    with version_col:
        widgets.version_picker(client, name, review.INBOX_REQUEST_VERSION)
    stage_col.selectbox("To stage", review.REQUEST_STAGES, key=review.INBOX_REQUEST_STAGE)
    st.text_input("Comment", key=review.INBOX_REQUEST_COMMENT, placeholder="Why this change?")
    st.button(
        "Request transition",
        key=review.INBOX_REQUEST_FORM,
        icon=":material/send:",
        on_click=review.request_transition,
    )


st.title("Inbox")
with feedback.page_guard():
    links.mark_page("inbox")
    role = client.get_role(session.signed_in_user())
    st.caption(f"You act as **{role}**.")
    feedback.show_flash(review.INBOX_FLASH)
    error = st.session_state.pop(review.INBOX_ERROR, None)
    if error:
        st.error(error, icon=":material/error:")
    pending_requests(role)
    request_form(role)
