"""The page list, deep links and tables whose names open what they name.

A link carries the page and what it shows in ``st.query_params``: ``?page=model&model=churn
&version=7`` opens version 7 of churn on the Model page, from the root URL or any page's URL.

Streamlit's LinkColumn opens every link in a new browser tab (``window.open(url, "_blank")``
in 1.67), so a table names its targets instead: clicking a cell selects it, and the rerun
switches to the page the cell names, in the same tab (Back returns in one press).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from registry.dashboard.keys import LINKS_FOLLOWED, MODELS_PAGE
from registry.dashboard.style import version_label

# slug -> (file relative to app.py, title, icon); the first one is the home page.
PAGES = {
    "models": ("pages/models.py", "Models", ":material/inventory_2:"),
    "model": ("pages/model.py", "Model", ":material/model_training:"),
    "version": ("pages/version.py", "Version", ":material/account_tree:"),
    "compare": ("pages/compare.py", "Compare", ":material/compare_arrows:"),
    "history": ("pages/history.py", "History", ":material/history:"),
    "notifications": ("pages/notifications.py", "Notifications", ":material/notifications:"),
    "validate": ("pages/validate.py", "Validate", ":material/fact_check:"),
    "inbox": ("pages/inbox.py", "Inbox", ":material/inbox:"),
    "admin": ("pages/admin.py", "Roles", ":material/admin_panel_settings:"),
}
# The sidebar's groups: what everyone reads, what reviewers do, what admins set up.
SECTIONS = {
    "Registry": ("models", "model", "version", "compare", "history"),
    "Review": ("inbox", "validate"),
    "Admin": ("admin", "notifications"),
}
LINK_PARAMS = ("model", "version", "versions", MODELS_PAGE)
HOME = "models"
VIEW_MEMORY = "links_view"


# Process-wide, like Streamlit's own switch: until some session has run app.py (and so
# st.navigation), Streamlit serves a file of pages/ on its own when a browser's first request
# names it (its pages-folder mode): no sidebar, no page config, no deep-link handling.
_navigation_ready = False


def navigation_ready() -> None:
    """Called by app.py once st.navigation has run."""
    global _navigation_ready
    _navigation_ready = True


def through_app(page_file: str) -> None:
    """At the top of every page: if Streamlit ran this page without app.py, start over
    through app.py, keeping the page and its parameters in the link (stops this run)."""
    if _navigation_ready:
        return
    name = Path(page_file).name
    slug = next(slug for slug, (path, _, _) in PAGES.items() if Path(path).name == name)
    st.switch_page("app.py", query_params={**st.query_params.to_dict(), "page": slug})


def build_pages(root: Path) -> dict[str, st.Page]:
    """One st.Page per entry of PAGES, with ``url_path`` equal to its slug."""
    return {
        slug: st.Page(root / path, title=title, icon=icon, url_path=slug, default=(i == 0))
        for i, (slug, (path, title, icon)) in enumerate(PAGES.items())
    }


def sections(pages: dict[str, st.Page]) -> dict[str, list[st.Page]]:
    """The pages grouped for ``st.navigation``, in SECTIONS' order."""
    return {title: [pages[slug] for slug in slugs] for title, slugs in SECTIONS.items()}


def follow_deep_link(pages: dict[str, st.Page], current: st.Page) -> None:
    """On a session's first run, switch to the page a ``page`` query parameter names,
    keeping the other parameters. Later runs follow the navigation the user clicks."""
    if st.session_state.get(LINKS_FOLLOWED):
        return
    st.session_state[LINKS_FOLLOWED] = True
    target = pages.get(st.query_params.get("page", ""))
    if target is not None and target.url_path != current.url_path:
        st.switch_page(target, query_params=st.query_params.to_dict())


def mark_page(slug: str, **params: object) -> None:
    """Make the URL name this page and what it shows (None drops a parameter)."""
    wanted = {"page": slug, **{k: str(v) for k, v in params.items() if v is not None}}
    if slug == HOME and "page" not in st.query_params:
        del wanted["page"]  # the root URL is the home page: no second history entry for it
    for key in LINK_PARAMS:
        if key not in wanted and key in st.query_params:
            del st.query_params[key]
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def adopt_param(param: str, key: str) -> str | None:
    """Move the link's ``param`` (``?page=history&model=churn``) to the widget ``key``, bound
    to the URL under that name, before the widget is drawn: its value, and its parameter
    (a widget does not write a value set in code into the URL in the run that first draws
    it). Returns the value (None when the link has no such parameter)."""
    value = st.query_params.get(param)
    if value is None:
        return None
    value = value.strip()
    del st.query_params[param]
    st.session_state[key] = value
    with contextlib.suppress(StreamlitAPIException):  # bound already: the widget writes it
        st.query_params[key] = value
    return value


def requested_page_number(name: str) -> int:
    """A page number parameter (1 when absent or not a positive number)."""
    text = st.query_params.get(name, "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else 1


def requested_model() -> str | None:
    name = st.query_params.get("model", "").strip()
    return name or None


def requested_version() -> int | None:
    """The ``version`` parameter as a number; None when absent or not a positive number."""
    text = st.query_params.get("version", "").strip().lstrip("vV")
    return int(text) if text.isdigit() and int(text) > 0 else None


def page_file(slug: str) -> str:
    return PAGES[slug][0]


def link_params(slug: str, name: str, version: int | None = None) -> dict[str, str]:
    """The query parameters of a link to ``slug`` showing model ``name`` (and ``version``)."""
    params = {"page": slug, "model": name}
    if version is not None:
        params["version"] = str(version)
    return params


def link_to_model(name: str, label: str | None = None, version: int | None = None) -> None:
    params = link_params("model", name, version)
    st.page_link(
        page_file("model"), label=label or name, icon=":material/open_in_new:", query_params=params
    )


def link_to_version(name: str, version: int, label: str | None = None) -> None:
    params = link_params("version", name, version)
    st.page_link(
        page_file("version"),
        label=label or version_label(version, name),
        icon=":material/account_tree:",
        query_params=params,
    )


def back_to_models() -> None:
    st.page_link(page_file("models"), label="Back to all models", icon=":material/arrow_back:")


def open_model(name: str, version: int | None = None) -> None:
    """Go to the Model page (stops this run)."""
    st.switch_page(page_file("model"), query_params=link_params("model", name, version))


def model_not_found(name: str) -> None:
    st.error(
        f"Registered model {name!r} does not exist (it may have been renamed or deleted).",
        icon=":material/search_off:",
    )
    back_to_models()


@dataclass(frozen=True)
class Target:
    """A page and the query parameters that make it show one thing."""

    slug: str
    params: dict[str, str]


def model_target(name: str, version: int | None = None) -> Target:
    return Target("model", link_params("model", name, version))


def version_target(name: str, version: int) -> Target:
    return Target("version", link_params("version", name, version))


def follow(target: Target) -> None:
    """Go to ``target`` (stops this run)."""
    st.switch_page(page_file(target.slug), query_params=target.params)


def remember_view(slug: str, widget_keys: tuple[str, ...], **params: object) -> None:
    """Remember what this page shows (its URL-bound widgets and other link parameters), for
    restore_view."""
    widgets = {key: st.session_state.get(key) for key in widget_keys}
    st.session_state[f"{VIEW_MEMORY}_{slug}"] = (widgets, params)


def linked_here(slug: str) -> bool:
    """The link's parameters are this page's: its ``page`` names this page, or none."""
    return st.query_params.get("page") in (None, slug)


def restore_view(slug: str) -> None:
    """Show this page as it was when the user left it by a click in one of its tables.

    Streamlit records two history entries for a switch: this page's address with the new
    page's parameters (``?page=model&model=churn``), then the new page's. Back lands on the
    first, where this page runs without its own parameters (a ``page`` naming another page
    is the sign) and, in that run, URL-bound widgets take their values from the URL only.
    So the remembered values are put back and the page reruns at once. Call it before the
    page's widgets."""
    saved = st.session_state.get(f"{VIEW_MEMORY}_{slug}")
    if saved is None or linked_here(slug):
        return
    widgets, params = saved
    for key, value in widgets.items():
        st.session_state[key] = value
    mark_page(slug, **params)
    st.rerun()


def table_of_links(
    frame: pd.DataFrame,
    key: str,
    target_of: Callable[[int, str], Target | None],
    *,
    names: tuple[str, ...] = (),
    rows: bool = False,
    **options,
):
    """``st.dataframe`` where clicking a cell opens ``target_of(row, column)`` (when it is not
    None); the ``names`` columns are marked as links in their headers, and ``rows`` keeps the
    row checkboxes as well. Returns the selection event."""
    modes = ["single-cell", "single-row"] if rows else "single-cell"
    options = {"hide_index": True, "width": "stretch", **options}
    options["column_config"] = _marked(options.get("column_config") or {}, names)
    event = st.dataframe(frame, key=key, on_select="rerun", selection_mode=modes, **options)
    for row, column in event.selection.cells:
        target = target_of(row, column) if row < len(frame) else None
        if target is not None:
            follow(target)
    return event


def _marked(config: dict, names: tuple[str, ...]) -> dict:
    """``config`` with each of the ``names`` columns' headers saying that a click opens it.

    A header, not the cells' colour: a pandas Styler colouring the cells cost about 36 ms of
    server CPU per table (Streamlit formats every cell through it), 15 times the table
    itself, and a new tab of the Models list draws two such tables (docs/performance.md)."""
    marked = dict(config)
    for name in names:
        column = marked.get(name)
        column = {"label": column} if isinstance(column, str) else dict(column or {})
        column["label"] = f"{column.get('label') or name} {LINK_MARK}"
        column["help"] = column.get("help") or f"Click a {name.lower()} to open it"
        marked[name] = column
    return marked


LINK_MARK = "→"  # after a column's name: its cells open what they name
LINK_COLOR = "#2563eb"  # the theme's primary colour (.streamlit/config.toml)
