"""Small widget groups several pages share."""

from __future__ import annotations

import streamlit as st

from registry import RegistryClient
from registry.dashboard.filters import name_contains
from registry.dashboard.paging import Pager

PICKER_OPTIONS = 100


def pager_controls(key: str, pager: Pager, next_token: str | None, shown: int, total: int) -> None:
    """'Showing 26–50 of 1,234' with Previous / Next buttons."""
    left, prev_col, next_col = st.columns([6, 1, 1], vertical_alignment="center")
    first = pager.first_row + 1 if shown else 0
    left.caption(f"Showing {first:,}–{pager.first_row + shown:,} of {total:,}")
    prev_col.button(
        "Previous",
        key=f"{key}_prev",
        icon=":material/chevron_left:",
        disabled=pager.index == 0,
        on_click=pager.back,
        width="stretch",
    )
    next_col.button(
        "Next",
        key=f"{key}_next",
        icon=":material/chevron_right:",
        disabled=next_token is None,
        on_click=pager.forward,
        args=(next_token,),
        width="stretch",
    )


def model_picker(
    client: RegistryClient, key: str, *, current: str | None = None, label: str = "Model"
) -> str | None:
    """A search box and a selectbox of up to 100 matching models (recently updated first).

    ``current`` is offered first even if the search no longer matches it.
    """
    find, pick = st.columns([1, 2])
    text = find.text_input(
        "Find a model", key=f"{key}_find", placeholder="part of a name", icon=":material/search:"
    )
    models = client.search_registered_models(
        name_contains(text), max_results=PICKER_OPTIONS, order_by=["last_updated_timestamp DESC"]
    )
    names = [m.name for m in models]
    if current and current not in names:
        names.insert(0, current)
    return pick.selectbox(
        label,
        names,
        index=names.index(current) if current in names else None,
        key=key,
        placeholder="Choose a model" if names else "No model matches",
    )


def offset_controls(key: str, offset: int, size: int, shown: int, has_more: bool) -> None:
    """Previous / Next for offset paging (the history feed); ``key`` holds the offset."""
    left, prev_col, next_col = st.columns([6, 1, 1], vertical_alignment="center")
    more = " (more on the next page)" if has_more else ""
    left.caption(f"Showing {offset + 1:,}–{offset + shown:,}{more}")
    prev_col.button(
        "Previous",
        key=f"{key}_prev",
        icon=":material/chevron_left:",
        disabled=offset == 0,
        on_click=_set,
        args=(key, max(0, offset - size)),
        width="stretch",
    )
    next_col.button(
        "Next",
        key=f"{key}_next",
        icon=":material/chevron_right:",
        disabled=not has_more,
        on_click=_set,
        args=(key, offset + size),
        width="stretch",
    )


def _set(key: str, value: object) -> None:
    st.session_state[key] = value
