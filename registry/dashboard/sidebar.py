"""The sidebar every page shares: which registry, who is acting."""

from __future__ import annotations

import streamlit as st

from registry import RegistryClient
from registry.config import current_user


def render(client: RegistryClient) -> None:
    with st.sidebar:
        st.caption(f":material/folder: Registry `{client.home}`")
        st.caption(f":material/person: Acting as **{current_user()}**")
