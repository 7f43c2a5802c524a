"""Inbox: pending transition requests for reviewers, and a request form for editors."""

import streamlit as st

from registry.dashboard import confirm, decisions, feedback, links, review, session, widgets

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
    clicked = [requests[row].id for row, _ in event.selection.cells]
    decisions.decide(client, requests, role, next(iter(clicked), None))


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
    decisions.show_feedback()
    pending_requests(role)
    request_form(role)
    if confirm.pending() is not None:
        confirm.confirm_dialog()
