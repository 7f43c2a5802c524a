"""A version's comment thread on the Version page: how it reads, and the write its form makes."""

from __future__ import annotations

import streamlit as st

from registry import RegistryError
from registry.dashboard.feedback import flash
from registry.dashboard.keys import VERSION_COMMENT, VERSION_COMMENT_ERROR, VERSION_FLASH
from registry.dashboard.markup import description, plain
from registry.dashboard.session import acting
from registry.dashboard.style import format_time


def show_thread(comments: list) -> None:
    """Oldest first, like a conversation; each comment is Markdown without images, by the
    rule for descriptions."""
    if not comments:
        st.caption("No comments yet.")
        return
    for comment in sorted(comments, key=lambda c: c.id):
        with st.container(border=True):
            st.caption(f"**{plain(comment.author)}** · {format_time(comment.created_at)}")
            st.markdown(description(comment.text))  # Markdown, as descriptions are


def post(name: str, version: int) -> None:
    """The form's callback: add the comment as the signed-in user; keep the text on error."""
    text = (st.session_state.get(VERSION_COMMENT) or "").strip()
    st.session_state.pop(VERSION_COMMENT_ERROR, None)
    if not text:
        st.session_state[VERSION_COMMENT_ERROR] = "Write something first: the comment is empty."
        return
    with acting() as client:
        try:
            client.add_comment(name, version, text)
        except RegistryError as error:
            st.session_state[VERSION_COMMENT_ERROR] = str(error)
            return
    st.session_state[VERSION_COMMENT] = ""
    flash(VERSION_FLASH, f"Comment added to {name} v{version}.")
