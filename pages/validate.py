"""Validate: run versions of a model on a test set side by side, recorded or as a trial, then
promote the winner. The upload, the choices and the results stay for the session."""

import streamlit as st

from registry import RegistryError
from registry.dashboard import confirm, feedback, keys, links, session, tables, widgets
from registry.dashboard import validate as v
from registry.errors import ValidationInputError

links.through_app(__file__)
client = session.client()


def uploaded():
    """(bytes, name) of the file uploaded now, else of the one uploaded earlier in the
    session (kept when the user went to another page), else None."""
    limit = v.max_upload_mb()
    file = st.file_uploader(
        f"CSV or Parquet, up to {limit} MB", type=["csv", "parquet"],
        key=v.VALIDATE_UPLOAD, max_upload_size=limit,
    )  # fmt: skip
    if file is not None:
        st.session_state[v.VALIDATE_KEPT_DATA] = (file.getvalue(), file.name)
        return file.getvalue(), file.name
    kept = st.session_state.get(v.VALIDATE_KEPT_DATA)
    if kept is None:
        return None
    note, forget = st.columns([4, 1], vertical_alignment="center")
    note.caption(f":material/attach_file: Using **{kept[1]}**, uploaded earlier in this session.")
    forget.button(
        "Forget it", key=v.VALIDATE_FORGET, icon=":material/close:",
        on_click=st.session_state.pop, args=(v.VALIDATE_KEPT_DATA, None),
    )  # fmt: skip
    return kept


def test_data():
    """The chosen test set as (Upload, name), or None (bad uploads show their problems)."""
    source = st.radio("Test data", (v.UPLOAD, v.SAMPLE), key=v.VALIDATE_SOURCE, horizontal=True)
    if source == v.UPLOAD:
        chosen = uploaded()
        if chosen is None:
            return None
        data, filename = chosen
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
    labels = v.version_labels(client, run.name, results)
    if not run.recorded:
        st.info(
            "A trial: nothing was recorded, and the versions' validation status is unchanged. "
            "**Validate and record** keeps the result.",
            icon=":material/science:",
        )
    st.subheader("Metrics")
    st.caption("★ marks the better value (lower for errors and losses, higher otherwise).")
    metrics = v.metrics_frame(results, labels)
    st.dataframe(
        metrics, hide_index=True, width="stretch", height=tables.height_for(len(metrics), 40)
    )
    drift = v.drift_frame(results, labels, v.training_metrics(client, run.name, results))
    if not drift.empty:
        st.subheader("Against training")
        st.caption("Test value minus the value the run logged at training: the drift signal.")
        st.dataframe(drift, hide_index=True, width="stretch")
    st.subheader("Policy")
    rules = v.rules_frame(results, labels)
    if rules.empty:
        st.info("This model has no validation policy: every result is unchecked.")
    else:
        st.dataframe(v.styled_rules(rules), hide_index=True, width="stretch")
    columns = st.columns(len(results))
    ranges = v.residual_ranges(results)  # the same axes for every version's plot
    for column, (version, result) in zip(columns, results.items(), strict=True):
        with column:
            version_result(run, version, labels[version], result, ranges)


def version_result(run, version: int, label: str, result, ranges: dict) -> None:
    st.markdown(f"**{label}**: {v.status_text(result)}")
    for warning in result.warnings:
        st.caption(f":material/warning: {warning.message}")
    figure = v.figure_for(result, ranges)
    if figure is not None:
        st.plotly_chart(figure, key=f"validate_figure_{version}")
    override = result.passed is False
    in_production = client.get_model_version(run.name, version).current_stage == "Production"
    if in_production:
        st.caption(":material/check_circle: Already in Production.")
    elif override:
        st.caption(
            ":material/gavel: The policy failed: promoting anyway needs the reviewer role and "
            "a comment, recorded as the override."
        )
    st.button(
        "Promote to Production" + (" (override)" if override else ""),
        key=f"{v.VALIDATE_PROMOTE}_{version}", on_click=v.ask_promote,
        args=(run.name, version, run.data_name, override),
        type="secondary" if override else "primary", icon=":material/rocket_launch:",
        disabled=in_production,
    )  # fmt: skip
    with st.expander(f"Past validations of v{version}"):
        records = client.list_validation_records(run.name, version, max_results=20)
        st.dataframe(tables.validation_records_frame(records), hide_index=True, width="stretch")


def run_buttons(disabled: bool) -> bool | None:
    """True for a recorded run, False for a trial, None when neither was pressed."""
    record_col, try_col, _ = st.columns([1, 1, 2])
    recorded = record_col.button(
        "Validate and record", key=v.VALIDATE_RUN, type="primary", disabled=disabled,
        icon=":material/fact_check:", width="stretch",
        help="Records the outcome and sets each version's validation status",
    )  # fmt: skip
    tried = try_col.button(
        "Try (records nothing)", key=v.VALIDATE_TRY, disabled=disabled,
        icon=":material/science:", width="stretch",
        help="The same validation, with nothing recorded and no status changed",
    )  # fmt: skip
    return True if recorded else False if tried else None


def validate() -> None:
    chosen = test_data()
    name = widgets.model_picker(client, v.VALIDATE_MODEL, current=links.requested_model())
    if chosen is None or not name:
        st.info("Choose test data and a model to validate.", icon=":material/fact_check:")
        return
    upload, data_name = chosen
    wanted = links.requested_version() if name == links.requested_model() else None
    numbers, defaults = v.version_choices(client, name, wanted)
    versions_key, target_key = f"{v.VALIDATE_VERSIONS}_{name}", f"{v.VALIDATE_TARGET}_{name}"
    kept = versions_key in st.session_state  # kept from earlier: no default then
    versions_col, target_col = st.columns([2, 1])
    versions = versions_col.multiselect(
        "Versions", numbers, default=None if kept else defaults, key=versions_key,
        format_func=lambda n: f"v{n}",
    )  # fmt: skip
    note = v.choices_note(client, name, numbers)
    if note:
        versions_col.caption(note)
    columns = list(upload.frame.columns)
    signature = v.signature_columns(client, name, versions[0]) if versions else []
    if st.session_state.get(target_key) not in columns:
        guess = v.default_target(columns, signature)
        st.session_state[target_key] = None if guess is None else columns[guess]
    target = target_col.selectbox(
        "Target column", columns, key=target_key, placeholder="Which column is the truth?"
    )
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
    record = run_buttons(disabled=not versions or bool(errors))
    if record is not None:
        progress = st.progress(0.0, text="Starting")
        try:
            results = v.run_validations(
                client, name, versions, upload, target, data_name, progress, record
            )
        except ValidationInputError as error:
            for line in v.problem_lines(error):
                st.error(line, icon=":material/error:")
            return
        except RegistryError as error:  # e.g. no permission, a missing model file
            feedback.show_error(error)
            return
        st.session_state[v.VALIDATE_RESULTS] = v.Run(
            name, upload.sha256, target, data_name, results, record
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
    feedback.show_flash(keys.MODEL_FLASH)
    v.keep_widgets()
    validate()
    v.remember_widgets()
    if confirm.pending() is not None:
        confirm.confirm_dialog()
