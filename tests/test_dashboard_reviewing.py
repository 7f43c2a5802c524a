"""Reviewing around a version (AppTest, real models and validations): the validation policy
and pending requests on the Model page, the Production requirement in the promotion dialog
and the Inbox, and the Version page's validations and comment thread."""

from __future__ import annotations

import pytest
from dashboard_support import APP, clean, fresh_cache, texts  # noqa: F401  (a fixture)
from streamlit.testing.v1 import AppTest
from validation_support import churn_boosting, churn_model, register, sample_csv

from registry import RegistryClient
from registry.dashboard import keys, review
from registry.dashboard import validate as vd

OVERRIDDEN = "model_version.validation_overridden"
POLICY_SUBMIT = f"FormSubmitter:{keys.MODEL_POLICY_FORM}-Review policy"
COMMENT_SUBMIT = f"FormSubmitter:{keys.VERSION_COMMENT_FORM}-Comment"


pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def gated(home):
    """churn v1, v2 (real models): rules churn_test.csv passes; Production requires a pass
    in the last 7 days; v2 passed, v1 was never validated. tester admin, ed editor, rev
    reviewer."""
    for _ in range(2):
        register("churn", churn_model())
    client = RegistryClient(home=home)
    client.set_validation_policy("churn", "accuracy >= 0.85; f1 >= 0.55")
    client.require_validation_for_production("churn", 7)
    client.validate_model_version("churn", 2, sample_csv("churn_test.csv"), "churned", "test.csv")
    client.set_role("tester", "admin")
    client.set_role("ed", "editor")
    client.set_role("rev", "reviewer")
    client.release()
    return client


def open_model(version: int, page: str = "model") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(page=page, model="churn", version=str(version))
    return clean(at.run())


def test_promoting_an_unvalidated_version_needs_an_override_comment(gated):
    at = open_model(1)
    assert "not met for 'churn' v1 (never validated)" in texts(at.caption)
    at.button(key=f"{keys.MODEL_TO_STAGE}_production").click().run()
    assert "Confirming overrides it" in texts(at.warning)
    assert at.button(key=keys.MODEL_CONFIRM_OK).label == "Override and confirm"
    clean(at.button(key=keys.MODEL_CONFIRM_OK).click().run())
    assert "needs a comment" in texts(at.error)
    assert gated.get_model_version("churn", 1).current_stage == "None"
    at.text_input(key=keys.MODEL_COMMENT).input("fixes the outage").run()
    clean(at.button(key=keys.MODEL_CONFIRM_OK).click().run())
    assert "churn v1 is now in Production." in texts(at.success)
    (row,) = gated.get_history("churn", 1, events=[OVERRIDDEN])
    assert (row.actor, row.comment) == ("tester", "fixes the outage")


def test_a_validated_version_promotes_plainly(gated):
    at = open_model(2)
    assert "met for 'churn' v2 (its newest validation passed" in texts(at.caption)
    at.button(key=f"{keys.MODEL_TO_STAGE}_production").click().run()
    assert at.button(key=keys.MODEL_CONFIRM_OK).label == "Confirm"
    assert not at.warning
    clean(at.button(key=keys.MODEL_CONFIRM_OK).click().run())
    assert gated.get_model_version("churn", 2).current_stage == "Production"
    assert not gated.get_history("churn", events=[OVERRIDDEN])


def test_an_admin_changes_the_policy_after_reviewing_it(gated):
    at = open_model(2)
    at.text_area(key=keys.MODEL_POLICY_RULES).input("accuracy >= 0.8\nroc_auc >= 0.7")
    at.number_input(key=keys.MODEL_POLICY_DAYS).set_value(3)
    at.button(key=POLICY_SUBMIT).click().run()
    dialog = "\n".join(m.value for m in at.markdown if m.value.startswith("- "))
    assert "accuracy >= 0.85; f1 >= 0.55" in dialog and "accuracy >= 0.8; roc_auc >= 0.7" in dialog
    assert "7 days → **3 days**" in dialog
    at.text_input(key=keys.MODEL_COMMENT).input("new holdout set").run()
    clean(at.button(key=keys.MODEL_CONFIRM_OK).click().run())
    policy = gated.get_validation_policy("churn")
    assert (str(policy), policy.production_within_days) == ("accuracy >= 0.8; roc_auc >= 0.7", 3)
    assert policy.comment == "new holdout set"
    at.checkbox(key=keys.MODEL_POLICY_REQUIRE).uncheck()
    at.text_area(key=keys.MODEL_POLICY_RULES).input("")
    at.button(key=POLICY_SUBMIT).click().run()
    clean(at.button(key=keys.MODEL_CONFIRM_OK).click().run())
    policy = gated.get_validation_policy("churn")
    assert (policy.rules, policy.production_within_days) == ((), None)
    assert "Production does not require a validation." in texts(at.markdown)


def test_a_bad_rule_is_explained_and_changes_nothing(gated):
    at = open_model(2)
    at.text_area(key=keys.MODEL_POLICY_RULES).input("accuracy => 0.8")
    at.button(key=POLICY_SUBMIT).click().run()
    assert at.button(key=keys.MODEL_CONFIRM_OK).disabled
    assert "accuracy => 0.8" in texts(at.warning)
    assert str(gated.get_validation_policy("churn")) == "accuracy >= 0.85; f1 >= 0.55"


def test_non_admins_read_the_policy_but_cannot_change_it(gated, monkeypatch):
    monkeypatch.setenv("REGISTRY_USER", "rev")
    at = open_model(2)
    assert "- `accuracy >= 0.85`\n- `f1 >= 0.55`" in texts(at.markdown)
    assert "needs the admin role; you are reviewer" in texts(at.caption)
    assert not [b for b in at.button if b.key == POLICY_SUBMIT]


def test_pending_requests_show_on_the_model_page_and_the_inbox_asks_for_an_override(
    gated, monkeypatch
):
    ed = RegistryClient(home=gated.home, user="ed")
    request = ed.request_transition("churn", 1, "Production", "ready for prime time")
    ed.release()
    at = open_model(2)
    assert "1 transition request waiting for a reviewer" in texts(at.markdown)
    table = at.dataframe[0].value
    assert list(table["Change"]) == ["None → Production"]
    assert list(table["Validation"]) == ["never validated · required: NOT met"]

    monkeypatch.setenv("REGISTRY_USER", "rev")
    at = AppTest.from_file(APP, default_timeout=30).run()
    clean(at.switch_page("pages/inbox.py").run())
    assert "Approving overrides it" in texts(at.warning)
    assert at.button(key=review.INBOX_APPROVE).label == "Approve (override)"
    clean(at.button(key=review.INBOX_APPROVE).click().run())
    assert "comment (it is required)" in texts(at.error)
    assert gated.get_transition_requests("churn")[0].status == "pending"
    at.text_input(key=review.INBOX_DECISION_COMMENT).input("validated offline").run()
    clean(at.button(key=review.INBOX_APPROVE).click().run())
    assert gated.get_transition_requests("churn")[0].status == "pending"  # until confirmed
    clean(at.button(key=keys.MODEL_CONFIRM_OK).click().run())
    assert f"Approved request #{request.id}." in texts(at.success)
    assert gated.get_model_version("churn", 1).current_stage == "Production"
    (row,) = gated.get_history("churn", 1, events=[OVERRIDDEN])
    assert (row.actor, row.comment) == ("rev", "validated offline")


def test_the_version_page_shows_validations_and_links_to_validate(gated):
    at = open_model(2, page="version")
    frames = [d.value for d in at.dataframe if "Status" in d.value.columns]
    assert len(frames) == 1 and list(frames[0]["Status"]) == ["passed"]
    assert "met for 'churn' v2 (its newest validation passed" in texts(at.caption)
    at = open_model(1, page="version")
    assert "This version has not been validated yet." in texts(at.caption)


def test_a_comment_thread_on_the_version_page(gated, monkeypatch):
    monkeypatch.setenv("REGISTRY_USER", "ed")
    at = open_model(2, page="version")
    assert "No comments yet." in texts(at.caption)
    at.button(key=COMMENT_SUBMIT).click().run()
    assert "the comment is empty" in texts(at.error)
    typed = "Is the **Q3** holdout representative? ![plot](https://example.com/q3.png)"
    at.text_area(key=keys.VERSION_COMMENT).input(typed)
    clean(at.button(key=COMMENT_SUBMIT).click().run())
    assert "Comment added to churn v2." in texts(at.success)
    assert at.text_area(key=keys.VERSION_COMMENT).value == ""
    # Markdown like a description (one rule), its image a link: nothing loads from elsewhere
    shown = "Is the **Q3** holdout representative? [plot](https://example.com/q3.png)"
    assert shown in texts(at.markdown) and not at.text
    (comment,) = gated.get_comments("churn", 2)
    assert (comment.author, comment.text) == ("ed", typed)

    monkeypatch.setenv("REGISTRY_USER", "vic")  # no role: a viewer
    at = open_model(2, page="version")
    assert shown in texts(at.markdown)
    assert "Commenting needs the editor role; you are viewer." in texts(at.caption)
    assert not [b for b in at.button if b.key == COMMENT_SUBMIT]


def test_validate_link_from_a_version_picks_it_against_production(gated):
    gated.transition_model_version_stage("churn", 2, "Production")
    at = open_model(1, page="validate")
    at.radio(key=vd.VALIDATE_SOURCE).set_value(vd.SAMPLE).run()
    at.selectbox(key=vd.VALIDATE_SAMPLE).select("churn_test.csv").run()
    clean(at)
    assert at.selectbox(key=vd.VALIDATE_MODEL).value == "churn"
    assert at.multiselect(key=f"{vd.VALIDATE_VERSIONS}_churn").value == [2, 1]


def test_a_data_warning_names_the_versions_it_is_about(home):
    register("mixed", churn_boosting())  # numeric columns only
    register("mixed", churn_model())  # every column
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("pages/validate.py").run()
    at.radio(key=vd.VALIDATE_SOURCE).set_value(vd.SAMPLE).run()
    at.selectbox(key=vd.VALIDATE_SAMPLE).select("churn_test.csv").run()
    at.selectbox(key=vd.VALIDATE_MODEL).select("mixed").run()
    at.multiselect(key=f"{vd.VALIDATE_VERSIONS}_mixed").set_value([2, 1]).run()
    clean(at)
    ignored = [c for c in texts(at.caption).splitlines() if "not model inputs" in c]
    assert len(ignored) == 1 and ":material/warning: v1: 3 column(s)" in ignored[0]


def test_the_policy_form_follows_a_change_made_elsewhere(gated):
    at = open_model(2)
    assert at.text_area(key=keys.MODEL_POLICY_RULES).value == "accuracy >= 0.85\nf1 >= 0.55"
    gated.set_validation_policy("churn", "accuracy >= 0.9")  # another admin, another process
    gated.require_validation_for_production("churn", 3)
    gated.release()
    clean(at.run())
    assert at.text_area(key=keys.MODEL_POLICY_RULES).value == "accuracy >= 0.9"
    assert at.number_input(key=keys.MODEL_POLICY_DAYS).value == 3
    at.number_input(key=keys.MODEL_POLICY_DAYS).set_value(5)
    at.button(key=POLICY_SUBMIT).click().run()
    dialog = "\n".join(m.value for m in at.markdown if m.value.startswith("- "))
    assert dialog.endswith("Production requires a pass within: 3 days → **5 days**")


def test_a_policy_save_the_client_refuses_changes_nothing(gated):
    at = open_model(2)
    at.text_area(key=keys.MODEL_POLICY_RULES).input("rmse <= 5")  # not a churn metric
    at.checkbox(key=keys.MODEL_POLICY_REQUIRE).uncheck()
    at.button(key=POLICY_SUBMIT).click().run()
    clean(at.button(key=keys.MODEL_CONFIRM_OK).click().run())
    assert "rmse" in texts(at.error)
    policy = gated.get_validation_policy("churn")
    assert (str(policy), policy.production_within_days) == ("accuracy >= 0.85; f1 >= 0.55", 7)
