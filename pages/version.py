"""Version: where a version came from (data, run, code, environment) and all that happened to it."""

import streamlit as st

from registry.dashboard import (
    comments,
    feedback,
    figures,
    history,
    keys,
    links,
    review,
    session,
    tables,
    widgets,
)
from registry.dashboard.lineage import lineage_figure
from registry.dashboard.manifests import version_manifest
from registry.dashboard.markup import code, description, plain
from registry.dashboard.runs import find_run, metric_histories
from registry.dashboard.style import (
    alias_badge,
    format_bytes,
    format_time,
    short_hash,
    stage_badge,
    version_label,
)

links.through_app(__file__)
client = session.client()


def another_version() -> None:
    """Pickers for any other version; a new pick opens it (a pick kept from before, when a
    link has opened something else since, does not)."""
    with st.expander("Open another version", icon=":material/swap_horiz:"):
        name = widgets.model_picker(client, keys.VERSION_MODEL)
        number = widgets.version_picker(client, name, keys.VERSION_NUMBER) if name else None
    pick, seen = (name, number), f"{keys.VERSION_NUMBER}_seen"
    if number and st.session_state.get(seen) != pick:
        st.session_state[seen] = pick
        links.mark_page("version", model=name, version=number)
        st.rerun()
    st.session_state[seen] = pick


def header(version) -> None:
    st.title(plain(version_label(version.version, version.name)))
    badges = [stage_badge(version.current_stage)] + [alias_badge(a) for a in version.aliases]
    st.markdown(" ".join(badges))
    st.caption(
        f"Registered {format_time(version.creation_timestamp)} by "
        f"{plain(version.user_id or 'unknown')} · source {code(version.source or '–')}"
    )
    if version.description:
        st.markdown(description(version.description))
    back, compare = st.columns(2)
    with back:
        links.link_to_model(version.name, label=f"All versions of {plain(version.name)}")
    production = client.get_latest_versions(version.name, ["Production"])
    if production and production[0].version != version.version:
        picks = f"{version.name}:{production[0].version},{version.name}:{version.version}"
        compare.page_link(
            links.page_file("compare"),
            label="Compare with Production",
            icon=":material/compare_arrows:",
            query_params={"page": "compare", "versions": picks},
        )


def run_facts(run) -> None:
    info = run.info
    commit = short_hash(info.git_commit, 12)
    if info.git_commit and info.git_dirty:
        commit += " (uncommitted changes)"
    facts = {
        "Run": f"{info.run_name or ''} ({info.run_id})",
        "Experiment": info.experiment_name,
        "Status": info.status,
        "Started": format_time(info.start_time),
        "Ended": format_time(info.end_time),
        "Author": info.user_id,
        "Source": f"{info.source_name or '–'} ({info.source_type or '?'})",
        "Git commit": commit,
    }
    frame = tables.key_values(facts, "Run", "", ordered=True)
    st.dataframe(frame, hide_index=True, width="stretch")


def run_section(run) -> None:
    facts_col, params_col = st.columns(2)
    with facts_col:
        st.subheader("Run")
        run_facts(run)
    with params_col:
        st.subheader("Parameters")
        if run.data.params:
            frame = tables.key_values(run.data.params, "Parameter")
            st.dataframe(frame, hide_index=True, width="stretch")
        else:
            st.caption("The run logged no parameters.")
    st.subheader("Metrics")
    if not run.data.metrics:
        st.caption("The run logged no metrics.")
        return
    latest = {k: f"{v:.4g}" for k, v in run.data.metrics.items()}
    values_col, chart_col = st.columns([1, 2])
    values_col.dataframe(tables.key_values(latest, "Metric", "Latest"), hide_index=True)
    chosen = chart_col.multiselect(
        "Metric histories", sorted(latest), default=sorted(latest)[:3], key=keys.VERSION_METRICS
    )
    if chosen:
        histories = metric_histories(client, run, chosen)
        chart_col.plotly_chart(
            figures.metric_histories(histories), key=keys.VERSION_HISTORIES_CHART
        )
    st.subheader("Datasets")
    if run.inputs:
        frame = tables.datasets_frame(run.inputs)
        st.dataframe(frame, column_config=tables.DATASET_COLUMNS, hide_index=True)
    else:
        st.caption("The run recorded no datasets.")


def model_file_section(version, run) -> None:
    st.subheader("Model file")
    manifest = version_manifest(version, run)
    if manifest is None:
        st.info(
            "No model file was logged for this version: it was registered from "
            f"{code(version.source or 'an unknown source')}, so there is no signature or "
            "environment to show.",
            icon=":material/description:",
        )
        return
    if manifest.problem:
        st.warning(f"Part of the model manifest could not be read: {manifest.problem}.")
    st.markdown(
        f"`{manifest.model_class or 'unknown class'}` · {manifest.flavor or '?'} flavor · "
        f"{format_bytes(manifest.size)} · sha256 `{manifest.sha256 or '–'}`"
    )
    env_col, signature_col = st.columns(2)
    env_col.markdown("**Environment**")
    env_col.dataframe(
        tables.key_values(manifest.environment, "Package", "Version"),
        hide_index=True,
        width="stretch",
    )
    signature_col.markdown("**Input signature**")
    signature_col.dataframe(
        tables.key_values(manifest.signature, "Column", "Type", ordered=True),
        hide_index=True,
        width="stretch",
    )


def validation_section(version) -> None:
    st.subheader("Validation")
    widgets.production_requirement(client.get_production_gate(version.name, version.version))
    records = client.list_validation_records(version.name, version.version, max_results=50)
    if records:
        st.dataframe(tables.validation_records_frame(records), hide_index=True, width="stretch")
    else:
        st.caption("This version has not been validated yet.")
    st.page_link(
        links.page_file("validate"), label="Validate on test data", icon=":material/fact_check:",
        query_params=links.link_params("validate", version.name, version.version),
    )  # fmt: skip


def comments_section(version) -> None:
    st.subheader("Comments")
    comments.show_thread(client.get_comments(version.name, version.version))
    role = client.get_role(session.signed_in_user())
    if not review.is_at_least(role, "editor"):
        st.caption(f":material/lock: Commenting needs the editor role; you are {role}.")
        return
    with st.form(keys.VERSION_COMMENT_FORM, border=False):
        st.text_area(
            "Add a comment", key=keys.VERSION_COMMENT, height=80,
            placeholder="Questions, findings, links: the thread stays with the version.",
        )  # fmt: skip
        st.form_submit_button(
            "Comment", icon=":material/send:", on_click=comments.post,
            args=(version.name, version.version),
        )  # fmt: skip
    failure = st.session_state.get(keys.VERSION_COMMENT_ERROR)
    if failure:
        st.error(failure, icon=":material/error:")


def show_version(version) -> None:
    header(version)
    another_version()
    feedback.show_flash(keys.VERSION_FLASH)
    run = find_run(client, version.run_id)
    st.subheader("Lineage")
    st.plotly_chart(lineage_figure(version, run), key=keys.VERSION_LINEAGE_CHART)
    if run is not None:
        run_section(run)
    elif version.run_id:
        st.warning(f"Run {version.run_id!r} is not recorded in this registry.")
    model_file_section(version, run)
    validation_section(version)
    comments_section(version)
    if version.tags:
        st.subheader("Tags")
        st.dataframe(tables.key_values(version.tags, "Tag"), hide_index=True)
    st.subheader("History")
    changes = client.get_history(version.name, version.version, max_results=500)
    st.dataframe(
        tables.history_frame(history.readable(client, changes)),
        column_config=tables.HISTORY_COLUMNS,
        hide_index=True,
        width="stretch",
    )


name, number = links.requested_model(), links.requested_version()
with feedback.page_guard():
    feedback.stop_if_empty(client)
    if name is None or number is None:  # the most recently changed, not empty pickers
        recent = widgets.recent_version(client)
        if recent is None:
            st.title("Version")
            st.info("No version is registered yet.", icon=":material/inventory_2:")
            st.stop()
        name, number = recent
    version = client.find_model_version(name, number)
    if version is None:
        st.title("Version")
        if client.find_registered_model(name) is None:
            links.model_not_found(name)
        else:
            st.error(f"Model {name!r} has no version {number}.", icon=":material/search_off:")
            links.link_to_model(name, label=f"All versions of {name}")
        st.stop()
    links.mark_page("version", model=name, version=number)
    show_version(version)
