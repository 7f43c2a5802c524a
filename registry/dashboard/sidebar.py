"""The sidebar every page shares: which registry, who is acting, with which role."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from registry import RegistryClient, RegistryError
from registry.dashboard import keys, links, session
from registry.dashboard.markup import plain

ROLE_MEANS = {
    "viewer": "reads everything, changes nothing",
    "editor": "registers and edits models, moves versions to Staging, requests transitions",
    "reviewer": "what editors do, plus promoting to Production, archiving and deciding on requests",
    "admin": "everything, including deleting, roles and validation policies",
}


@contextlib.contextmanager
def after_page(client: RegistryClient) -> Iterator[None]:
    """Draw the sidebar once the page in the block has run, or stopped with ``st.stop``: a
    new tab then shows the page's heading before the sidebar reads the registry. A page
    that reruns or switches (``st.rerun``, ``st.switch_page``) gets its sidebar in that run."""
    try:
        yield
    except StopException:
        render(client)
        raise
    render(client)


def render(client: RegistryClient) -> None:
    with st.sidebar:
        if client.home is None:
            st.caption(f":material/dns: Registry server `{client.uri}`")
        else:
            st.caption(f":material/folder: Registry `{client.home}`")
        who(client)
        waiting(client)
        if st.session_state.get(keys.SESSION_CLIENT) is client:
            st.button("Sign out", key=keys.SESSION_SIGN_OUT, on_click=session.sign_out)


def who(client: RegistryClient) -> None:
    """The acting user and their role (nothing while the registry cannot answer: the page
    says why)."""
    try:
        user = session.acting_user(client)
        role = client.get_role(session.signed_in_user())
    except RegistryError:
        return
    st.caption(f":material/person: Acting as **{plain(user)}**")
    st.caption(
        f":material/badge: Role **{role}**: {ROLE_MEANS.get(role, '')}",
        help="Roles: viewer < editor < reviewer < admin. Admins grant them on Roles.",
    )


PENDING_SHOWN = 200  # the most requests counted; more reads "200+"


def waiting(client: RegistryClient) -> None:
    """How many transition requests wait for a decision, linking to the Inbox."""
    try:
        pending = len(client.get_transition_requests(status="pending", max_results=PENDING_SHOWN))
    except RegistryError:
        return
    if not pending:
        return
    count = f"{pending}+" if pending >= PENDING_SHOWN else str(pending)
    st.page_link(
        links.page_file("inbox"),
        label=f"{count} request{'s' if pending != 1 else ''} waiting for a decision",
        icon=":material/pending_actions:",
    )
