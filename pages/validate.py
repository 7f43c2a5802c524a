"""Validate: run versions of a model on a test set side by side, then promote the winner."""

import streamlit as st

from registry import RegistryError
from registry.dashboard import feedback, links, session, tables, widgets
from registry.dashboard import validate as v
from registry.errors import ValidationInputError

links.through_app(__file__)
client = session.client()


def test_data():
    """The chosen test set as (Upload, name), or None (bad uploads show their problems)."""
    source = st.radio("Test data", (v.UPLOAD, v.SAMPLE), key=v.VALIDATE_SOURCE, horizontal=True)
    if source == v.UPLOAD:
        limit = v.max_upload_mb()
        file = st.file_uploader(
            f"CSV or Parquet, up to {limit} MB", type=["csv", "parquet"],
            key=v.VALIDATE_UPLOAD, max_upload_size=limit,
        )  # fmt: skip
        if file is None:
            return None
        data, filename = file.getvalue(), file.name
    else:
        filename = st.selectbox("Sample test set", v.sample_files(), key=v.VALIDATE_SAMPLE)
        if not filename:
            return None
        data, filename = v.read_sample(filename)
    try:
        upload = v.read_data(data, filename)
    except ValidationInputError as error:
        for line in v.problem_lines(error):
            st.error(line, icon=":material/error:")
        return None
    for note in upload.notes:
        st.caption(f":material/info: {note.message}")
    st.caption(f"{filename}: {len(upload.frame)} rows, {len(upload.frame.columns)} columns.")
    return upload, filename


def show_results(run) -> None:
    results = run.results
    st.subheader("Metrics")
    st.caption("★ marks the better value (lower for errors, higher otherwise).")
    metrics = v.metrics_frame(results)
    st.dataframe(
        metrics, hide_index=True, width="stretch", height=tables.height_for(len(metrics), 40)
    )
    st.subheader("Policy")
    rules = v.rules_frame(results)
    if rules.empty:
        st.info("This model has no validation policy: every result is unchecked.")
    else:
        st.dataframe(rules, hide_index=True, width="stretch")
    columns = st.columns(len(results))
    for column, (version, result) in zip(columns, results.items(), strict=True):
        with column:
            version_result(run, version, result)


def version_result(run, version: int, result) -> None:
    st.markdown(f"**v{version}**: {v.status_text(result)}")
    for warning in result.warnings:
        st.caption(f":material/warning: {warning.message}")
    figure = v.figure_for(result)
    if figure is not None:
        st.plotly_chart(figure, key=f"validate_figure_{version}")
    promotion = v.Promotion(run.name, version, result.passed, run.data_name)
    in_production = client.get_model_version(run.name, version).current_stage == "Production"
    if in_production:
        st.caption(":material/check_circle: Already in Production.")
    elif promotion.override:
        st.caption(
            ":material/gavel: The policy failed: promoting anyway needs the reviewer role and "
            "a comment, recorded as the override."
        )
    st.button(
        "Promote to Production" + (" (override)" if promotion.override else ""),
        key=f"{v.VALIDATE_PROMOTE}_{version}", on_click=v.ask_promote, args=(promotion,),
        type="secondary" if promotion.override else "primary", icon=":material/rocket_launch:",
        disabled=in_production,
    )  # fmt: skip
    with st.expander(f"Past validations of v{version}"):
        records = client.list_validation_records(run.name, version, max_results=20)
        st.dataframe(tables.validation_records_frame(records), hide_index=True, width="stretch")


@st.dialog("Promote to Production", width="medium", on_dismiss=v.close_promote)
def promote_dialog() -> None:
    promotion = st.session_state.get(v.VALIDATE_PENDING)
    if promotion is None:
        st.rerun()
    st.markdown(
        f"Move **{promotion.name} v{promotion.version}** to Production; the version there now "
        "moves to Archived."
    )
    if promotion.override:
        st.warning("The validation policy failed. Say why you promote anyway.")
        st.text_input("Override comment (required)", key=v.VALIDATE_COMMENT)
    else:
        st.text_input("Comment (optional)", key=v.VALIDATE_COMMENT)
    failure = st.session_state.get(v.VALIDATE_CONFIRM_ERROR)
    if failure:
        st.error(failure, icon=":material/error:")
    ok, cancel = st.columns(2)
    ok.button(
        "Confirm", key=v.VALIDATE_CONFIRM_OK, type="primary", on_click=v.confirm_promote,
        args=(promotion,), width="stretch",
    )  # fmt: skip
    cancel.button(
        "Cancel", key=v.VALIDATE_CONFIRM_CANCEL, on_click=v.close_promote, width="stretch"
    )


def validate() -> None:
    chosen = test_data()
    name = widgets.model_picker(client, v.VALIDATE_MODEL, current=links.requested_model())
    if chosen is None or not name:
        st.info("Choose test data and a model to validate.", icon=":material/fact_check:")
        return
    upload, data_name = chosen
    wanted = links.requested_version() if name == links.requested_model() else None
    numbers, defaults = v.version_choices(client, name, wanted)
    versions_col, target_col = st.columns([2, 1])
    versions = versions_col.multiselect(
        "Versions", numbers, default=defaults, key=f"{v.VALIDATE_VERSIONS}_{name}",
        format_func=lambda n: f"v{n}",
    )  # fmt: skip
    note = v.choices_note(client, name, numbers)
    if note:
        versions_col.caption(note)
    columns = list(upload.frame.columns)
    signature = v.signature_columns(client, name, versions[0]) if versions else []
    target = target_col.selectbox(
        "Target column", columns, index=v.default_target(columns, signature),
        key=f"{v.VALIDATE_TARGET}_{name}", placeholder="Which column is the truth?",
    )  # fmt: skip
    if target is None:
        st.info(
            f"Every column of {data_name} is an input of the model, so none of them holds the "
            "true values. Choose the target column, or add it to the file.",
            icon=":material/help:",
        )
        return
    errors, warnings = v.data_problems(client, name, versions, upload, target)
    for line in errors:
        st.error(line, icon=":material/error:")
    for line in warnings:
        st.caption(f":material/warning: {line}")
    if st.button(
        "Validate", key=v.VALIDATE_RUN, type="primary", disabled=not versions or bool(errors)
    ):
        progress = st.progress(0.0, text="Starting")
        try:
            results = v.run_validations(client, name, versions, upload, target, data_name, progress)
        except ValidationInputError as error:
            for line in v.problem_lines(error):
                st.error(line, icon=":material/error:")
            return
        except RegistryError as error:  # e.g. no permission, a missing model file
            feedback.show_error(error)
            return
        st.session_state[v.VALIDATE_RESULTS] = v.Run(
            name, upload.sha256, target, data_name, results
        )
    run = st.session_state.get(v.VALIDATE_RESULTS)
    if run is not None and (run.name, run.sha256, run.target) == (name, upload.sha256, target):
        show_results(run)


st.title("Validate")
with feedback.page_guard():
    st.caption(
        f"You act as **{client.get_role()}**. Validating needs the editor role; promoting to "
        "Production needs the reviewer role, and a comment when the policy fails."
    )
    feedback.stop_if_empty(client)
    feedback.show_flash(v.VALIDATE_FLASH)
    if st.session_state.get(v.VALIDATE_PENDING) is not None:
        promote_dialog()
    validate()
