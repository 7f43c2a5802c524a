"""Model: one model's versions, how a metric moved across them, and reviewed actions."""

import streamlit as st

from registry.dashboard import (
    aliases,
    bulk,
    confirm,
    decisions,
    feedback,
    figures,
    filters,
    keys,
    links,
    paging,
    review,
    selection,
    session,
    tables,
    version_table,
    widgets,
)
from registry.dashboard.actions import PendingAction, fill_policy_form, request, request_policy
from registry.dashboard.markup import description, plain
from registry.dashboard.style import (
    alias_badge,
    format_time,
    stage_badge,
    tag_badge,
    version_label,
)
from registry.validation.records import MAX_WINDOW_DAYS, days_text

PAGE_SIZE = 25

links.through_app(__file__)
client = session.client()


def header(model) -> None:
    st.title(plain(model.name))
    by_stage = {}
    for v in sorted(model.latest_versions, key=lambda v: v.version, reverse=True):
        by_stage.setdefault(v.current_stage, v.version)
    badges = [stage_badge(s, f"v{by_stage[s]}") for s in ("Production", "Staging") if s in by_stage]
    badges += [alias_badge(a, n) for a, n in model.aliases.items()]
    badges += [tag_badge(k, v) for k, v in sorted(model.tags.items())]
    st.markdown(" ".join(badges) or "No version in Staging or Production yet.")
    aliases.warn(model, aliases.archived_targets(client, [model]))
    st.markdown(description(model.description) if model.description else "*No description yet.*")


def rollback_box(model) -> None:
    target = client.find_rollback_target(model.name)
    help_text = (
        f"Put v{target.version} back in Production and archive the current Production version."
        if target
        else "No earlier Production version to go back to."
    )
    st.button(
        "Roll back Production",
        key=keys.MODEL_ROLLBACK,
        icon=":material/undo:",
        help=help_text,
        disabled=target is None,
        on_click=request,
        args=(PendingAction("rollback", model.name),),
    )


def model_details(model) -> None:
    with st.expander("Edit the model's description and tags", icon=":material/edit:"):
        with st.form(keys.MODEL_DESCRIPTION_FORM, border=False):
            st.text_area("Description", value=model.description or "", key=keys.MODEL_DESCRIPTION)
            st.form_submit_button(
                "Review description",
                on_click=request,
                args=(PendingAction("description", model.name),),
                kwargs={"value": keys.MODEL_DESCRIPTION},
            )
        tag_editor(
            model.name,
            None,
            model.tags,
            keys.MODEL_TAG_KEY,
            keys.MODEL_TAG_VALUE,
            keys.MODEL_TAG_REMOVE,
        )


def tag_editor(name, version, tags, key_key, value_key, remove_key) -> None:
    """Add or change a tag, or remove one; ``version`` None edits the model's tags."""
    base = PendingAction("tag", name, version)
    with st.form(f"{key_key}_form", border=False):
        key_col, value_col = st.columns(2)
        key_col.text_input("Tag key", key=key_key)
        value_col.text_input("Tag value", key=value_key)
        st.form_submit_button(
            "Review tag",
            on_click=request,
            args=(base,),
            kwargs={"key": key_key, "value": value_key},
        )
    if tags:
        remove_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
        remove_col.selectbox("Remove a tag", sorted(tags), key=remove_key)
        button_col.button(
            "Review removal",
            key=f"{remove_key}_button",
            on_click=request,
            args=(PendingAction("tag_delete", name, version),),
            kwargs={"key": remove_key},
        )


def pending_requests(model, role: str) -> None:
    requests = client.get_transition_requests(model.name, status="pending", max_results=50)
    if not requests:
        return
    with st.container(border=True):
        count = len(requests)
        st.markdown(
            f":material/pending_actions: **{count} transition request"
            f"{'s' if count != 1 else ''} waiting for a reviewer**"
        )
        links.table_of_links(
            review.requests_frame(client, requests).drop(columns=["Model"]),
            keys.MODEL_REQUESTS_TABLE,
            lambda row, _: links.version_target(model.name, requests[row].version),
            names=("Version",),
        )
        if review.is_at_least(role, "reviewer"):
            with st.expander("Decide here", icon=":material/gavel:"):
                decisions.decide(client, requests, role, None)
        inbox = links.page_file("inbox")
        st.page_link(inbox, label="All requests in the Inbox", icon=":material/inbox:")


def validation_policy(model, role: str) -> None:
    policy = client.get_validation_policy(model.name)
    with st.expander("Validation policy", icon=":material/fact_check:"):
        if policy.rules:
            st.markdown("\n".join(f"- `{rule}`" for rule in policy.rules))
        else:
            st.markdown("No rules yet: validations of this model are *unchecked*.")
        st.markdown(policy_requirement(policy.production_within_days, policy.test_set))
        if policy.updated_by:
            said = f": “{policy.comment}”" if policy.comment else ""
            st.caption(
                f"Changed by {policy.updated_by}, "
                f"{format_time(policy.last_updated_timestamp)}{said}"
            )
        if not review.is_at_least(role, "admin"):
            st.caption(f":material/lock: Changing the policy needs the admin role; you are {role}.")
            return
        fill_policy_form(policy)
        with st.form(keys.MODEL_POLICY_FORM, border=False):
            st.text_area(
                "Rules, one per line", key=keys.MODEL_POLICY_RULES,
                placeholder="accuracy >= 0.9\nf1 >= 0.88",
            )  # fmt: skip
            require_col, days_col = st.columns([2, 1], vertical_alignment="bottom")
            require_col.checkbox(
                "Production requires a passing validation", key=keys.MODEL_POLICY_REQUIRE
            )
            days_col.number_input(
                "within days", min_value=1, max_value=MAX_WINDOW_DAYS, step=1,
                key=keys.MODEL_POLICY_DAYS,
            )  # fmt: skip
            st.text_input(
                "on the test set with sha256 (empty: any data)", key=keys.MODEL_POLICY_TEST_SET,
                placeholder="the sha256sum of the official test file",
            )  # fmt: skip
            st.form_submit_button("Review policy", on_click=request_policy, args=(model.name,))


def policy_requirement(days: int | None, test_set: str | None = None) -> str:
    if days is None:
        return "Production does not require a validation."
    on = f" on the test set `{test_set[:12]}…`" if test_set else ""
    return (
        f":material/verified_user: Production requires a passing validation{on} in the last "
        f"**{days_text(days)}**."
    )


def table_key(pager) -> str:
    """Each page of versions is a table of its own: ticks name rows, and a row of another
    page is another version."""
    return (
        keys.MODEL_VERSIONS_TABLE
        if pager.index == 0
        else f"{keys.MODEL_VERSIONS_TABLE}_{pager.index}"
    )


def versions_table(model):
    """The page of versions showing, the row the user clicked (or the one row ticked), and
    the versions ticked."""
    scope = filters.versions_of(model.name)
    pager = paging.pager(keys.MODEL_VERSIONS_PAGER, scope, PAGE_SIZE)
    page = client.search_model_versions(
        scope, max_results=PAGE_SIZE, order_by=["version_number DESC"], page_token=pager.token
    )
    run_metrics = client.get_latest_metrics([v.run_id for v in page if v.run_id])
    named = version_table.named_metrics(model, client.get_validation_policy(model.name))
    metrics = version_table.metric_order(named, (k for m in run_metrics.values() for k in m))
    chosen = st.multiselect(
        "Columns", metrics + version_table.OPTIONAL,
        default=version_table.default_columns(named, metrics),
        key=f"{keys.MODEL_COLUMNS}_{model.name}", placeholder="Choose the columns to show",
        help=f"Key metrics come first: name them in the model tag {version_table.KEY_METRICS_TAG}"
        " (such as “auc, f1”), else the validation policy's metrics are used.",
    )  # fmt: skip
    frame = version_table.frame(page, run_metrics, metrics)
    event = st.dataframe(
        version_table.styled(frame, metrics, links.LINK_COLOR),
        column_config=version_table.column_config(metrics),
        column_order=[*version_table.FIXED, *chosen],
        hide_index=True,
        on_select="rerun",
        selection_mode=["multi-row", "single-cell"],
        key=table_key(pager),
        width="stretch",
        height=tables.height_for(len(frame), PAGE_SIZE),  # the whole page: it pages, never scrolls
    )
    total = client.count_model_versions(scope)
    widgets.pager_controls(keys.MODEL_VERSIONS_PAGER, pager, page.token, len(page), total)
    ticked = [page[row] for row in event.selection.rows if row < len(page)]
    clicked = [row for row, _ in event.selection.cells]
    return page, clicked or (event.selection.rows if len(ticked) == 1 else []), ticked


def metric_chart(name: str, metric_keys: list[str], selected: int | None) -> None:
    if not metric_keys:
        st.info("No run of this model logged metrics, so there is nothing to chart yet.")
        return
    key = st.selectbox("Metric", metric_keys, key=keys.MODEL_METRIC)
    points = client.get_model_metric_values(name, key)
    st.plotly_chart(figures.metric_across_versions(points, key, selected), key=keys.MODEL_CHART)


STAGE_BUTTONS = {
    "Production": ("Promote to Production", ":material/rocket_launch:"),
    "Staging": ("Promote to Staging", ":material/science:"),
    "Archived": ("Archive", ":material/inventory:"),
}


def stage_actions(version) -> None:
    widgets.production_requirement(client.get_production_gate(version.name, version.version))
    st.checkbox(
        "Archive the versions now in the target stage",
        value=True,
        key=keys.MODEL_ARCHIVE_EXISTING,
    )
    for stage, (label, icon) in STAGE_BUTTONS.items():
        st.button(
            label,
            key=f"{keys.MODEL_TO_STAGE}_{stage.lower()}",
            icon=icon,
            on_click=request,
            args=(PendingAction("stage", version.name, version.version, stage),),
            kwargs={"archive_existing": keys.MODEL_ARCHIVE_EXISTING} if stage != "Archived" else {},
            width="stretch",
            type="primary" if stage == "Production" else "secondary",
            disabled=version.current_stage == stage,
        )


def alias_actions(version) -> None:
    with st.form(keys.MODEL_ALIAS_FORM, border=False):
        st.text_input("Alias", key=keys.MODEL_ALIAS, placeholder="champion")
        st.form_submit_button(
            "Review alias",
            on_click=request,
            args=(PendingAction("alias", version.name, version.version),),
            kwargs={"key": keys.MODEL_ALIAS},
        )
    for alias in version.aliases:
        st.button(
            f"Remove @{alias}",
            key=f"{keys.MODEL_ALIAS_REMOVE}_{alias}",
            on_click=request,
            args=(PendingAction("alias_delete", version.name, version.version, key=alias),),
        )


def description_actions(version) -> None:
    key = f"{keys.MODEL_VERSION_DESCRIPTION}_{version.version}"
    with st.form(keys.MODEL_VERSION_DESCRIPTION_FORM, border=False):
        st.text_area("Description", value=version.description or "", key=key)
        st.form_submit_button(
            "Review description",
            on_click=request,
            args=(PendingAction("description", version.name, version.version),),
            kwargs={"value": key},
        )


def version_panel(version) -> None:
    st.subheader(version_label(version.version))
    st.markdown(
        " ".join([stage_badge(version.current_stage)] + [alias_badge(a) for a in version.aliases])
    )
    links.link_to_version(version.name, version.version, label="Lineage, run and history")
    stage_tab, alias_tab, description_tab, tags_tab = st.tabs(
        ["Stage", "Alias", "Description", "Tags"]
    )
    with stage_tab:
        stage_actions(version)
    with alias_tab:
        alias_actions(version)
    with description_tab:
        description_actions(version)
    with tags_tab:
        tag_editor(
            version.name,
            version.version,
            version.tags,
            keys.MODEL_VERSION_TAG_KEY,
            keys.MODEL_VERSION_TAG_VALUE,
            keys.MODEL_VERSION_TAG_REMOVE,
        )


def show_model(model) -> None:
    header(model)
    feedback.show_flash(keys.MODEL_FLASH)
    decisions.show_feedback()
    role = client.get_role(session.signed_in_user())
    pending_requests(model, role)
    rollback_box(model)
    model_details(model)
    validation_policy(model, role)
    metric_keys = client.get_model_metric_keys(model.name)
    if st.session_state.get(keys.MODEL_METRIC) not in metric_keys:
        st.session_state.pop(keys.MODEL_METRIC, None)  # chosen on another model
    st.subheader("Versions")
    page, rows, ticked = versions_table(model)
    bulk.selection_bar(model.name, ticked)
    newest = selection.newest_version(model)
    linked = links.requested_version() or newest
    numbers = [v.version for v in page]
    picked = selection.version_pick(keys.MODEL_VERSION_PICK, rows, numbers, linked)
    version = next((v for v in page if v.version == picked), None)
    if version is None and picked is not None:
        version = client.find_model_version(model.name, picked)
    shown = version.version if version else None
    pinned = links.requested_version() is not None or shown != newest  # else: the newest
    links.mark_page("model", model=model.name, version=shown if pinned else None)
    chart_col, panel_col = st.columns([3, 2], gap="large")
    with chart_col:
        st.subheader("Across versions")
        metric_chart(model.name, metric_keys, picked)
    with panel_col:
        pick_options = sorted(
            {v.version for v in page} | ({picked} if picked else set()), reverse=True
        )
        st.selectbox(
            "Act on version",
            pick_options,
            key=keys.MODEL_VERSION_PICK,
            format_func=version_label,
            index=None,
        )
        if version is not None:
            version_panel(version)
    if confirm.pending() is not None:
        confirm.confirm_dialog()


name = links.requested_model()
with feedback.page_guard():
    feedback.stop_if_empty(client)
    if name is None:  # the most recently changed model, not an empty picker
        name = widgets.recent_model(client)
    model = client.find_registered_model(name)
    if model is None:
        st.title("Model")
        links.model_not_found(name)
        st.stop()
    show_model(model)
