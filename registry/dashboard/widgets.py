"""Small widget groups several pages share."""

from __future__ import annotations

import streamlit as st

from registry import RegistryClient
from registry.dashboard import history, links, tables
from registry.dashboard.filters import name_contains
from registry.dashboard.paging import Pager
from registry.entities import Change

PICKER_OPTIONS = 100


def _previous_next(key: str, caption: str, back: tuple | None, forward: tuple | None) -> None:
    """A caption with Previous / Next buttons; ``back`` and ``forward`` are (callback, args)
    or None when there is no page that way."""
    left, prev_col, next_col = st.columns([6, 1, 1], vertical_alignment="center")
    left.caption(caption)
    for column, label, icon, move, suffix in (
        (prev_col, "Previous", ":material/chevron_left:", back, "prev"),
        (next_col, "Next", ":material/chevron_right:", forward, "next"),
    ):
        callback, args = move or (None, ())
        column.button(
            label,
            key=f"{key}_{suffix}",
            icon=icon,
            disabled=move is None,
            on_click=callback,
            args=args,
            width="stretch",
        )


def pager_controls(key: str, pager: Pager, next_token: str | None, shown: int, total: int) -> None:
    """'Showing 26–50 of 1,234' with Previous / Next buttons (store-side page tokens)."""
    first = pager.first_row + 1 if shown else 0
    _previous_next(
        key,
        f"Showing {first:,}–{pager.first_row + shown:,} of {total:,}",
        (pager.back, ()) if pager.index > 0 else None,
        (pager.forward, (next_token,)) if next_token is not None else None,
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
    more = " (more on the next page)" if has_more else ""
    _previous_next(
        key,
        f"Showing {offset + 1:,}–{offset + shown:,}{more}",
        (_set, (key, max(0, offset - size))) if offset > 0 else None,
        (_set, (key, offset + size)) if has_more else None,
    )


def _set(key: str, value: object) -> None:
    st.session_state[key] = value


def production_requirement(gate) -> None:
    """A caption saying whether the version meets its model's Production requirement (none
    when the model has no requirement)."""
    if gate.required:
        icon = ":material/check_circle:" if gate.satisfied else ":material/gavel:"
        st.caption(f"{icon} {gate.explain()}")


def history_table(client: RegistryClient, changes: list[Change], key: str, **options) -> None:
    """The change log as a table; a click on a row's model or version opens it."""
    live = history.live_models(client, {c.model_name for c in changes})
    links.table_of_links(
        tables.history_frame(changes),
        key,
        lambda row, column: history.change_target(changes[row], column, live),
        names=("Model", "Version"),
        column_config=tables.HISTORY_COLUMNS,
        **options,
    )
