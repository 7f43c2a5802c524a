"""The Validate, Inbox and Roles pages under AppTest, on registries built through the client."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from dashboard_support import APP
from streamlit.testing.v1 import AppTest

from registry import RegistryClient
from registry.dashboard import keys, review
from registry.dashboard import validate as vd


@pytest.fixture(autouse=True)
def _fresh_cache():
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def _open(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page(page).run()
    assert not at.exception
    return at


def _texts(elements) -> str:
    return "\n".join(e.value for e in elements)


@pytest.fixture
def workflow(home):
    """churn with two versions; tester admin, ed editor, rev and rita reviewers, vic viewer."""
    client = RegistryClient(home=home)
    client.create_registered_model("churn")
    for run in ("r1", "r2"):
        client.create_model_version("churn", source=f"runs:/{run}/model", run_id=run)
    client.set_role("tester", "admin")
    for user, role in (
        ("ed", "editor"),
        ("rev", "reviewer"),
        ("rita", "reviewer"),
        ("vic", "viewer"),
    ):
        client.set_role(user, role)
    client.release()
    return client


def test_inbox_request_then_approve(workflow, monkeypatch):
    monkeypatch.setenv("REGISTRY_USER", "ed")
    at = _open("pages/inbox.py")
    assert "editor" in _texts(at.caption)
    at.selectbox(key=review.INBOX_REQUEST_MODEL).select("churn").run()
    at.selectbox(key=review.INBOX_REQUEST_VERSION).select(2).run()
    at.selectbox(key=review.INBOX_REQUEST_STAGE).select("Staging").run()
    at.text_input(key=review.INBOX_REQUEST_COMMENT).input("ready").run()
    at.button(key=review.INBOX_REQUEST_FORM).click().run()
    assert not at.exception and not at.error
    assert "Requested moving churn v2 to Staging" in _texts(at.success)
    (request,) = workflow.get_transition_requests()
    assert (request.requested_by, request.comment) == ("ed", "ready")

    monkeypatch.setenv("REGISTRY_USER", "rev")
    at = _open("pages/inbox.py")
    table = at.dataframe[0].value
    assert list(table["Model"]) == ["churn"] and list(table["Change"]) == ["None → Staging"]
    at.button(key=review.INBOX_APPROVE).click().run()
    assert workflow.get_model_version("churn", 2).current_stage == "None"  # the dialog first
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert not at.error and "Approved" in _texts(at.success)
    assert workflow.get_model_version("churn", 2).current_stage == "Staging"


def test_inbox_reject_needs_a_comment_and_self_approval_is_refused(workflow, monkeypatch):
    monkeypatch.setenv("REGISTRY_USER", "rev")
    with pytest.MonkeyPatch.context() as m:
        m.setenv("REGISTRY_USER", "rita")
        workflow.request_transition("churn", 1, "Production", "go")
    at = _open("pages/inbox.py")
    at.button(key=review.INBOX_REJECT).click().run()
    assert "comment is required" in _texts(at.error)
    assert workflow.get_transition_requests()[0].status == "pending"
    at.text_input(key=review.INBOX_DECISION_COMMENT).input("not yet").run()
    at.button(key=review.INBOX_REJECT).click().run()
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert not at.exception and "Rejected" in _texts(at.success)
    assert workflow.get_transition_requests(status="rejected")[0].decision_comment == "not yet"

    workflow.request_transition("churn", 1, "Production", "mine")  # requested by rev
    at.run()
    at.button(key=review.INBOX_APPROVE).click().run()
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert "another reviewer must decide" in _texts(at.error)
    assert workflow.get_model_version("churn", 1).current_stage == "None"


def test_inbox_viewer_cannot_decide_or_request(workflow, monkeypatch):
    workflow.request_transition("churn", 1, "Staging")
    monkeypatch.setenv("REGISTRY_USER", "vic")
    at = _open("pages/inbox.py")
    captions = _texts(at.caption)
    assert "needs the reviewer role; you are viewer" in captions
    assert "needs the editor role; you are viewer" in captions
    assert not [b for b in at.button if b.key in (review.INBOX_APPROVE, review.INBOX_REQUEST_FORM)]


def test_admin_grants_changes_and_removes_roles(workflow, monkeypatch):
    at = _open("pages/admin.py")
    assert set(at.dataframe[0].value["User"]) == {"tester", "ed", "rev", "rita", "vic"}
    at.text_input(key=review.ADMIN_USER).input("newbie").run()
    at.selectbox(key=review.ADMIN_ROLE).select("reviewer").run()
    at.button(key=review.ADMIN_GRANT).click().run()
    assert "**newbie**: no role → **reviewer**" in _texts(at.markdown)  # the confirmation
    assert "newbie" not in workflow.get_roles()
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert not at.error and "newbie is now reviewer" in _texts(at.success)
    assert workflow.get_roles()["newbie"] == "reviewer"
    at.selectbox(key=review.ADMIN_REMOVE_USER).select("tester").run()
    at.button(key=review.ADMIN_REMOVE).click().run()
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert "At least one admin must remain" in _texts(at.error)
    at.button(key=keys.MODEL_CONFIRM_CANCEL).click().run()
    at.selectbox(key=review.ADMIN_REMOVE_USER).select("vic").run()
    at.button(key=review.ADMIN_REMOVE).click().run()
    assert "**vic**: viewer → **no role**" in _texts(at.markdown)
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert "vic" not in workflow.get_roles()


def test_admin_page_is_read_only_for_others(workflow, monkeypatch):
    monkeypatch.setenv("REGISTRY_USER", "ed")
    at = _open("pages/admin.py")
    assert "Only admins manage roles; you are editor" in _texts(at.caption)
    assert not [b for b in at.button if b.key == review.ADMIN_GRANT]
    assert "viewer < editor < reviewer < admin" in _texts(at.markdown)


# -- Validate -------------------------------------------------------------------------------

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"


def _tiny_churn(strength: float):
    """A small logistic regression on the numeric churn columns (fast to fit and to run)."""
    from sklearn.linear_model import LogisticRegression

    frame = pd.read_csv(SAMPLES / "churn_test.csv").head(300)
    x = frame.drop(columns=["churned"]).select_dtypes("number")
    return LogisticRegression(C=strength, max_iter=2000).fit(x, frame["churned"]), x.head()


@pytest.fixture
def churn_versions(home):
    """churn-classifier v1 (Production) and v2 (Staging), with a policy v1 fails."""
    import registry
    import registry.sklearn

    for strength in (1e-4, 1.0):
        estimator, example = _tiny_churn(strength)
        with registry.start_run():
            registry.sklearn.log_model(
                estimator, "model", registered_model_name="churn-classifier", input_example=example
            )
    client = RegistryClient(home=home)
    client.transition_model_version_stage("churn-classifier", 1, "Production")
    client.transition_model_version_stage("churn-classifier", 2, "Staging")
    client.release()
    return client


def _validate_page(csv: str) -> AppTest:
    at = _open("pages/validate.py")
    data = (SAMPLES / csv).read_bytes()
    at.file_uploader(key=vd.VALIDATE_UPLOAD).set_value((csv, data, "text/csv")).run()
    at.selectbox(key=vd.VALIDATE_MODEL).select("churn-classifier").run()
    return at


def test_validate_page_smoke(home):
    at = _open("pages/validate.py")
    assert not at.exception and "empty" in _texts(at.info)


def test_validate_two_versions_side_by_side_then_promote(churn_versions):
    at = _validate_page("churn_test.csv")
    assert at.multiselect(key=f"{vd.VALIDATE_VERSIONS}_churn-classifier").value == [1, 2]
    assert at.selectbox(key=f"{vd.VALIDATE_TARGET}_churn-classifier").value == "churned"
    at.button(key=vd.VALIDATE_RUN).click().run()
    assert not at.exception and not at.error
    metrics = at.dataframe[0].value
    labels = ["v1 (Production)", "v2 (Staging)"]  # the columns name the stage too
    assert list(metrics.columns) == ["Metric", *labels] and "accuracy" in set(metrics["Metric"])
    assert metrics.apply(lambda row: "★" in row[labels[0]] + row[labels[1]], axis=1).any()
    assert len(at.get("plotly_chart")) == 2
    assert len(churn_versions.list_validation_records("churn-classifier")) == 2

    at.button(key=f"{vd.VALIDATE_PROMOTE}_2").click().run()
    lines = "\n".join(m.value for m in at.markdown if m.value.startswith("- "))
    assert "**v1**: :green-badge[Production] → :gray-badge[Archived]" in lines
    assert at.text_input(key=keys.MODEL_COMMENT).value == "validated on churn_test.csv"
    at.text_input(key=keys.MODEL_COMMENT).input("better on churn_test").run()
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert not at.exception and "now in Production" in _texts(at.success)
    assert churn_versions.get_model_version("churn-classifier", 2).current_stage == "Production"
    assert churn_versions.get_model_version("churn-classifier", 1).current_stage == "Archived"


def test_validate_failed_policy_needs_an_override_comment(churn_versions):
    churn_versions.set_validation_policy("churn-classifier", ["accuracy >= 0.99"])
    at = _validate_page("churn_test.csv")
    at.button(key=vd.VALIDATE_RUN).click().run()
    assert "✗ fail" in at.dataframe[1].value["v2 (Staging)"][0]
    at.button(key=f"{vd.VALIDATE_PROMOTE}_2").click().run()
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert "needs a comment" in _texts(at.error)
    assert churn_versions.get_model_version("churn-classifier", 2).current_stage == "Staging"
    at.text_input(key=keys.MODEL_COMMENT).input("known label noise").run()
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert churn_versions.get_model_version("churn-classifier", 2).current_stage == "Production"
    (override,) = churn_versions.get_history(
        "churn-classifier", 2, events=["model_version.validation_overridden"]
    )
    assert (override.comment, override.old_value) == ("known label noise", "failed")


def test_empty_upload_shows_its_problem(churn_versions):
    at = _open("pages/validate.py")
    at.file_uploader(key=vd.VALIDATE_UPLOAD).set_value(("empty.csv", b"", "text/csv")).run()
    assert not at.exception and at.error
    assert not [b for b in at.button if b.key == vd.VALIDATE_RUN]


def test_malformed_upload_shows_every_problem_and_records_nothing(churn_versions):
    at = _validate_page("churn_malformed.csv")
    assert at.button(key=vd.VALIDATE_RUN).disabled
    errors = _texts(at.error)
    assert not at.exception and "support_calls" in errors and len(at.error) >= 2
    assert churn_versions.list_validation_records("churn-classifier") == []


def test_editor_cannot_override_a_failed_policy(churn_versions, monkeypatch):
    churn_versions.set_validation_policy("churn-classifier", ["accuracy >= 0.99"])
    churn_versions.set_role("tester", "admin")
    churn_versions.set_role("ed", "editor")
    monkeypatch.setenv("REGISTRY_USER", "ed")
    at = _validate_page("churn_test.csv")
    at.button(key=vd.VALIDATE_RUN).click().run()
    at.button(key=f"{vd.VALIDATE_PROMOTE}_2").click().run()
    at.text_input(key=keys.MODEL_COMMENT).input("ship it").run()
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert not at.exception and "needs the reviewer role" in _texts(at.error)
    assert churn_versions.get_model_version("churn-classifier", 2).current_stage == "Staging"


def test_regression_shows_a_residual_plot(home):
    from sklearn.linear_model import Ridge

    import registry
    import registry.sklearn

    frame = pd.read_csv(SAMPLES / "demand_test.csv").head(200)
    x = frame.drop(columns=["units_sold"]).select_dtypes("number")
    for rows in (200, 20):  # v2 fits worse: larger residuals
        with registry.start_run():
            registry.sklearn.log_model(
                Ridge(alpha=1e4 if rows == 20 else 1.0).fit(x[:rows], frame["units_sold"][:rows]),
                "model", registered_model_name="demand", input_example=x.head(),
            )  # fmt: skip
    client = RegistryClient(home=home)
    client.transition_model_version_stage("demand", 1, "Production")
    client.transition_model_version_stage("demand", 2, "Staging")
    client.release()
    at = _open("pages/validate.py")
    data = (SAMPLES / "demand_test.csv").read_bytes()
    at.file_uploader(key=vd.VALIDATE_UPLOAD).set_value(("demand.csv", data, "text/csv")).run()
    at.selectbox(key=vd.VALIDATE_MODEL).select("demand").run()
    assert at.selectbox(key=f"{vd.VALIDATE_TARGET}_demand").value == "units_sold"
    at.button(key=vd.VALIDATE_RUN).click().run()
    assert not at.exception and not at.error
    assert {"rmse", "mae"} <= set(at.dataframe[0].value["Metric"])
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert [c["layout"]["title"]["text"] for c in charts] == ["v1: residuals", "v2: residuals"]
    axes = [(c["layout"]["xaxis"].get("range"), c["layout"]["yaxis"].get("range")) for c in charts]
    assert axes[0] == axes[1] and None not in axes[0]  # the same axes, side by side


def test_sample_test_set(churn_versions):
    at = _open("pages/validate.py")
    at.radio(key=vd.VALIDATE_SOURCE).set_value(vd.SAMPLE).run()
    at.selectbox(key=vd.VALIDATE_SAMPLE).select("churn_drifted.csv").run()
    at.selectbox(key=vd.VALIDATE_MODEL).select("churn-classifier").run()
    at.multiselect(key=f"{vd.VALIDATE_VERSIONS}_churn-classifier").set_value([1]).run()
    at.button(key=vd.VALIDATE_RUN).click().run()
    assert not at.exception and not at.error
    assert list(at.dataframe[0].value.columns) == ["Metric", "v1 (Production)"]
    assert at.button(key=f"{vd.VALIDATE_PROMOTE}_1").disabled  # already in Production
    (record,) = churn_versions.list_validation_records("churn-classifier", 1)
    assert record.data_name == "churn_drifted.csv"


def test_viewer_cannot_validate(churn_versions, monkeypatch):
    churn_versions.set_role("tester", "admin")
    monkeypatch.setenv("REGISTRY_USER", "vic")
    at = _validate_page("churn_test.csv")
    at.button(key=vd.VALIDATE_RUN).click().run()
    assert not at.exception and "needs the editor role" in _texts(at.error)
    assert churn_versions.list_validation_records("churn-classifier") == []


def test_validate_keeps_the_upload_choices_and_results_across_pages(churn_versions):
    at = _validate_page("churn_test.csv")
    at.multiselect(key=f"{vd.VALIDATE_VERSIONS}_churn-classifier").set_value([2]).run()
    at.button(key=vd.VALIDATE_RUN).click().run()
    at.switch_page("pages/models.py").run()
    at.switch_page("pages/validate.py").run()
    assert not at.exception
    assert "Using **churn_test.csv**, uploaded earlier in this session." in _texts(at.caption)
    assert at.selectbox(key=vd.VALIDATE_MODEL).value == "churn-classifier"
    assert at.multiselect(key=f"{vd.VALIDATE_VERSIONS}_churn-classifier").value == [2]
    assert list(at.dataframe[0].value.columns) == ["Metric", "v2 (Staging)"]  # the results
    at.button(key=vd.VALIDATE_FORGET).click().run()
    assert "Choose test data and a model" in _texts(at.info)


def test_a_trial_records_nothing_and_leaves_the_status(churn_versions):
    churn_versions.set_validation_policy("churn-classifier", ["accuracy >= 0.99"])
    at = _validate_page("churn_test.csv")
    at.button(key=vd.VALIDATE_TRY).click().run()
    assert not at.exception and "A trial: nothing was recorded" in _texts(at.info)
    assert "**v2 (Staging)**: :red[**policy failed**]" in _texts(at.markdown)
    assert churn_versions.list_validation_records("churn-classifier") == []
    assert "validation" not in churn_versions.get_model_version("churn-classifier", 2).tags
    at.button(key=vd.VALIDATE_RUN).click().run()
    assert "A trial" not in _texts(at.info)
    assert len(churn_versions.list_validation_records("churn-classifier")) == 2
    assert churn_versions.get_model_version("churn-classifier", 2).tags["validation"] == "failed"


def test_validate_shows_the_change_from_training_and_pass_fail_in_colour(churn_versions):
    run_id = churn_versions.get_model_version("churn-classifier", 2).run_id
    churn_versions.log_metric(run_id, "accuracy", 0.5)
    churn_versions.release()
    at = _validate_page("churn_test.csv")
    at.button(key=vd.VALIDATE_TRY).click().run()
    assert "Against training" in _texts(at.subheader)
    drift = at.dataframe[1].value.set_index("Metric")
    scores = {
        v: r.metrics["accuracy"] for v, r in at.session_state[vd.VALIDATE_RESULTS].results.items()
    }
    assert drift.loc["accuracy", "v2 (Staging)"] == f"{scores[2] - 0.5:+.4f} (training 0.5000)"
    assert drift.loc["accuracy", "v1 (Production)"] == "—"  # its run logged no accuracy
    middle = round((scores[1] + scores[2]) / 2, 4)  # one version passes, the other fails
    churn_versions.set_validation_policy("churn-classifier", [f"accuracy >= {middle}"])
    churn_versions.release()
    at.button(key=vd.VALIDATE_RUN).click().run()
    styles = at.dataframe[2].proto.arrow_data.styler.styles
    assert "#1a9850" in styles and "#d73027" in styles
    assert ":red[**policy failed**]" in _texts(at.markdown)


def test_the_validate_promotion_moves_the_serving_alias_like_the_model_page(churn_versions):
    churn_versions.set_registered_model_alias("churn-classifier", "champion", 1)
    churn_versions.release()
    at = _validate_page("churn_test.csv")
    at.button(key=vd.VALIDATE_RUN).click().run()
    at.button(key=f"{vd.VALIDATE_PROMOTE}_2").click().run()
    offer = at.checkbox(key=f"{keys.MODEL_MOVE_ALIAS}_champion")
    assert "now on v1" in offer.label and offer.value  # the serving alias follows Production
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert "@champion points at it." in _texts(at.success)
    assert churn_versions.get_registered_model("churn-classifier").aliases["champion"] == 2
