"""The sidebar every page shares: which registry, who is acting."""

from __future__ import annotations

import streamlit as st

from registry import RegistryClient
from registry.dashboard import keys, session


def render(client: RegistryClient) -> None:
    with st.sidebar:
        if client.home is None:
            st.caption(f":material/dns: Registry server `{client.uri}`")
        else:
            st.caption(f":material/folder: Registry `{client.home}`")
        st.caption(f":material/person: Acting as **{session.acting_user(client)}**")
        if st.session_state.get(keys.SESSION_CLIENT) is client:
            st.button("Sign out", key=keys.SESSION_SIGN_OUT, on_click=session.sign_out)
