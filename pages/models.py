"""Models: where every model stands, a search in the filter grammar, a way into each model."""

import streamlit as st

from registry.dashboard import (
    aliases,
    feedback,
    filters,
    keys,
    links,
    paging,
    session,
    tables,
    widgets,
)
from registry.dashboard.style import STAGE_ORDER, stage_label

SORTS = {"Recently updated": ["last_updated_timestamp DESC"], "Name": ["name ASC"]}
PAGE_SIZES = (25, 50, 100)
SEARCH_HELP = (
    "Plain words search the names: `churn` finds every model whose name contains "
    '"churn" (any case). With a key or an operator it is the filter grammar: '
    "`name LIKE 'churn%'`, `tags.team = 'growth'`, `current_stage = 'Production'`, "
    "`alias = 'champion'`, combined with AND / OR / NOT and parentheses."
)

links.through_app(__file__)
client = session.client()


def headline(summary: dict) -> None:
    by_stage = summary["by_stage"]
    figures = {
        "Models": summary["models"],
        "Versions": summary["versions"],
        "In Production": by_stage.get("Production", 0),
        "In Staging": by_stage.get("Staging", 0),
        "Changes, last 7 days": summary["recent_changes"],
    }
    for column, (label, value) in zip(st.columns(len(figures)), figures.items(), strict=True):
        column.metric(label, f"{value:,}", border=True)


def search_bar() -> tuple[filters.ModelFilter, str, int]:
    query = st.text_input(
        "Search",
        key=keys.MODELS_QUERY,
        bind="query-params",
        icon=":material/search:",
        help=SEARCH_HELP,
        placeholder="A name, or a filter: tags.team = 'growth' AND alias = 'champion'",
    )
    choices = client.get_model_tag_values(list(filters.QUICK_TAGS))
    stage_col, team_col, owner_col, sort_col, size_col = st.columns([2, 2, 2, 2, 1])
    stage = stage_col.selectbox(
        "Has a version in",
        STAGE_ORDER,
        index=None,
        key=keys.MODELS_STAGE,
        bind="query-params",
        format_func=stage_label,
        placeholder="Any stage",
    )
    team = team_col.selectbox(
        "Team",
        choices["team"],
        index=None,
        key=keys.MODELS_TEAM,
        bind="query-params",
        placeholder="Any team",
    )
    owner = owner_col.selectbox(
        "Owner",
        choices["owner"],
        index=None,
        key=keys.MODELS_OWNER,
        bind="query-params",
        placeholder="Anyone",
    )
    sort = sort_col.selectbox("Sort by", list(SORTS), key=keys.MODELS_SORT, bind="query-params")
    size = size_col.selectbox(
        "Per page", PAGE_SIZES, key=keys.MODELS_PAGE_SIZE, bind="query-params"
    )
    return filters.model_filter(query, stage, {"team": team, "owner": owner}), sort, size


def models_table(found: filters.ModelFilter, sort: str, size: int) -> None:
    def search(token: str | None):
        return client.search_registered_models(
            found.text, max_results=size, order_by=SORTS[sort], page_token=token
        )

    pager = paging.pager(keys.MODELS_PAGER, found.text, sort, size)
    wanted = links.requested_page_number(keys.MODELS_PAGE)
    paging.follow_link(pager, keys.MODELS_PAGER, wanted, lambda token: search(token).token)
    page = search(pager.token)
    number = paging.written(keys.MODELS_PAGER, pager)
    links.mark_page("models", **{keys.MODELS_PAGE: number})
    links.remember_view("models", keys.MODELS_VIEW, **{keys.MODELS_PAGE: number})
    total = client.count_registered_models(found.text)
    where = "All models" if found.text is None else f"Models where {found.description}"
    st.caption(f"{where} · {total:,} found")
    if not page:
        st.info("No model matches. Loosen the search or clear a quick filter.")
        return
    archived = aliases.archived_targets(client, list(page))
    if archived:
        named = ", ".join(f"{name} @{alias}" for name, alias in sorted(archived))
        st.warning(f"Aliases pointing at an archived version: {named}.", icon=":material/warning:")
    frame = tables.models_frame(page, archived)
    links.table_of_links(
        frame,
        keys.MODELS_TABLE,
        lambda row, column: links.model_target(
            page[row].name, tables.version_in(page[row], column)
        ),
        names=("Model",),
        column_config=tables.models_columns(frame),
        height=tables.height_for(len(page), most=size),
    )
    widgets.pager_controls(keys.MODELS_PAGER, pager, page.token, len(page), total)
    chosen = st.selectbox(
        "Open a model",
        [m.name for m in page],
        index=None,
        key=keys.MODELS_OPEN,
        placeholder="Choose a model on this page, or click it in the table",
    )
    if chosen:
        links.open_model(chosen)


def recent_activity() -> None:
    st.subheader("Recent activity")
    changes = client.get_history(max_results=8)
    widgets.history_table(client, changes, keys.MODELS_ACTIVITY)
    st.page_link(links.page_file("history"), label="All activity", icon=":material/history:")


st.title("Models")
with feedback.page_guard():
    feedback.stop_if_empty(client)
    headline(client.get_registry_summary())
    links.restore_view("models")
    found, sort, size = search_bar()
    if found.error is not None:
        links.mark_page("models")
        links.remember_view("models", keys.MODELS_VIEW)
        feedback.show_filter_error(st.session_state.get(keys.MODELS_QUERY, ""), found.error)
    else:
        models_table(found, sort, size)
    recent_activity()
