"""Small widget groups several pages share."""

from __future__ import annotations

import streamlit as st

from registry import RegistryClient
from registry.dashboard import history, links, tables
from registry.dashboard.filters import name_contains, versions_of
from registry.dashboard.paging import Pager
from registry.dashboard.style import version_label, version_number
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
    """A search box (searching as one types) and a selectbox of up to 100 matching models,
    recently updated first, saying so when more match. ``current`` is offered first even if
    the search no longer matches it."""
    find, pick = st.columns([1, 2])
    text = find.text_input(
        "Find a model", key=f"{key}_find", placeholder="part of a name",
        icon=":material/search:", live=True,
    )  # fmt: skip
    where = name_contains(text)
    models = client.search_registered_models(
        where, max_results=PICKER_OPTIONS, order_by=["last_updated_timestamp DESC"]
    )
    names = [m.name for m in models]
    if current and current not in names:
        names.insert(0, current)
    chosen = pick.selectbox(
        label,
        names,
        index=names.index(current) if current in names else None,
        key=key,
        placeholder="Choose a model" if names else "No model matches",
    )
    if models.token is not None:
        total = client.count_registered_models(where)
        matching = f"models whose name contains “{text.strip()}”" if where else "models"
        st.caption(
            f":material/info: The list holds the {len(models)} most recently updated of "
            f"{total:,} {matching}: type part of a name to find the others."
        )
    return chosen


def recent_model(client: RegistryClient) -> str | None:
    """The most recently changed model: what the Model page opens on without a model in its
    link, rather than an empty picker."""
    found = client.search_registered_models(max_results=1, order_by=["last_updated_timestamp DESC"])
    return found[0].name if found else None


def recent_version(client: RegistryClient) -> tuple[str, int] | None:
    """(model, version) of the most recently changed version: what the Version page opens
    on without one in its link."""
    found = client.search_model_versions(max_results=1, order_by=["last_updated_timestamp DESC"])
    return (found[0].name, found[0].version) if found else None


def version_picker(
    client: RegistryClient, name: str | None, key: str, *, label: str = "Version"
) -> int | None:
    """A selectbox of a model's newest 100 versions; when it has more, any version number
    can be typed into it, and a caption says so. Returns the version chosen, or None (also
    for a typed number the model does not have, with a warning)."""
    found = []
    if name:
        found = client.search_model_versions(
            versions_of(name), max_results=PICKER_OPTIONS, order_by=["version_number DESC"]
        )
    cut = bool(found) and found.token is not None
    chosen = st.selectbox(
        label,
        [v.version for v in found],
        index=None,
        key=key,
        format_func=lambda value: version_label(version_number(value) or value),
        placeholder="Choose or type a version number" if cut else "Choose a version",
        accept_new_options=cut,
    )
    if cut:
        total = client.count_model_versions(versions_of(name))
        st.caption(
            f":material/info: The list holds the newest {len(found)} of {total:,} versions: "
            "type a version number (such as 7) to pick an older one."
        )
    number = version_number(chosen)
    if chosen is not None and (number is None or not _has_version(client, name, number, found)):
        st.warning(f"{name} has no version {chosen}.", icon=":material/search_off:")
        return None
    return number


def _has_version(client: RegistryClient, name: str, number: int, listed) -> bool:
    return any(v.version == number for v in listed) or (
        client.find_model_version(name, number) is not None
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
    """The change log as a table (a validation one row, a rollback named as one); a click on
    a row's model or version opens it."""
    changes = history.readable(client, changes)
    live = history.live_models(client, {c.model_name for c in changes})
    links.table_of_links(
        tables.history_frame(changes),
        key,
        lambda row, column: history.change_target(changes[row], column, live),
        names=("Model", "Version"),
        column_config=tables.HISTORY_COLUMNS,
        **options,
    )
