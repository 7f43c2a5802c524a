"""Which version the Model page acts on: a table click, a deep link or the selectbox."""

from __future__ import annotations

import streamlit as st

from registry.entities import RegisteredModel


def newest_version(model: RegisteredModel) -> int | None:
    """The model's newest version: the one a link without ``version`` shows."""
    return max((v.version for v in model.latest_versions), default=None)


def adopt(pick_key: str, seen_key: str, value: object) -> None:
    """Make ``value`` the pick when it is new since the last run (edge-triggered), so that a
    table click or a link sets the selectbox once and the user can then change it."""
    if value is not None and st.session_state.get(seen_key) != value:
        st.session_state[pick_key] = value
    st.session_state[seen_key] = value


def version_pick(
    key: str, table_rows: list[int], page_versions: list[int], linked: int | None
) -> int | None:
    """The version to act on: a new table selection wins, then a new deep link, then the
    previous pick; the newest version on the page by default.

    The page writes the pick into the link, so the pick is remembered as the link last seen:
    only a link the user changed counts as new.
    """
    adopt(key, f"{key}_linked", linked)
    row = table_rows[0] if table_rows else None
    adopt(key, f"{key}_row", page_versions[row] if row is not None else None)
    if st.session_state.get(key) is None and page_versions:
        st.session_state[key] = page_versions[0]
    st.session_state[f"{key}_linked"] = st.session_state.get(key)
    return st.session_state.get(key)
