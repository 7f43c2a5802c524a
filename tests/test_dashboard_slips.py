"""Small slips on the dashboard (AppTest): limits checked before Confirm, an override
sentence that agrees with the requirement, long bad searches shown in part, email
subscriptions without a mail server. (The history's date filters, cut off before, are
checked in Chromium: test_browser.py.)"""

from __future__ import annotations

import json

import pytest
from dashboard_support import (  # noqa: F401  (fixtures, registered by importing)
    clean,
    fresh_cache,
    open_app,
    populated,
    populated_template,
    texts,
)

from registry import RegistryClient
from registry.arguments import MAX_DESCRIPTION, MAX_TAG_VALUE
from registry.dashboard import keys, review
from registry.dashboard import notifications as notify

pytestmark = pytest.mark.usefixtures("fresh_cache")


def test_a_description_over_the_limit_is_refused_before_confirm(client, model):
    at = open_app(page="model", model="churn")
    at.text_area(key=keys.MODEL_DESCRIPTION).input("x" * 70_000)
    at.button(key=f"FormSubmitter:{keys.MODEL_DESCRIPTION_FORM}-Review description").click()
    clean(at.run())
    assert f"70000 characters long; the limit is {MAX_DESCRIPTION}" in texts(at.warning)
    assert at.button(key=keys.MODEL_CONFIRM_OK).disabled
    assert client.get_registered_model("churn").description == "Churn model"


def test_a_tag_value_over_the_limit_is_refused_before_confirm(client, model):
    at = open_app(page="model", model="churn", version="2")
    at.text_input(key=keys.MODEL_VERSION_TAG_KEY).input("notes")
    at.text_input(key=keys.MODEL_VERSION_TAG_VALUE).input("y" * (MAX_TAG_VALUE + 1))
    at.button(key=f"FormSubmitter:{keys.MODEL_VERSION_TAG_KEY}_form-Review tag").click().run()
    clean(at)
    assert f"the limit is {MAX_TAG_VALUE}" in texts(at.warning)
    assert at.button(key=keys.MODEL_CONFIRM_OK).disabled


def test_a_long_bad_search_is_shown_in_part(client, model):
    typed = "x" * 300 + " = 1"
    at = open_app()
    clean(at.text_input(key=keys.MODELS_QUERY).input(typed).run())
    message = at.error[0].value
    assert "unknown key" in message and "x" * 41 not in message and "…" in message
    shown, caret = at.code[0].value.split("\n")
    assert len(shown) <= 82 and shown.startswith("x")
    assert caret == "^"  # position 0: the key itself
    many = " ".join(f"w{i}" for i in range(25))
    clean(at.text_input(key=keys.MODELS_QUERY).input(many).run())
    assert "at most 20 words; this one has 25" in at.error[0].value


def test_an_email_subscription_without_a_mail_server_is_warned_about(client, monkeypatch):
    monkeypatch.delenv("REGISTRY_SMTP_HOST", raising=False)
    at = open_app(page="notifications")
    assert notify.SMTP_MISSING not in texts(at.warning)  # webhooks are the default
    clean(at.radio(key=notify.NOTIFY_KIND).set_value("email").run())
    assert notify.SMTP_MISSING in texts(at.warning)
    at.text_input(key=notify.NOTIFY_TARGET).input("ml-ops@example.com")
    clean(at.button(key=notify.NOTIFY_CREATE).click().run())
    assert notify.SMTP_MISSING in texts(at.caption)  # in the confirmation too
    clean(at.button(key=keys.MODEL_CONFIRM_OK).click().run())
    assert "Subscription #1 created: email" in texts(at.success)
    assert notify.SMTP_MISSING in texts(at.warning)
    monkeypatch.setenv("REGISTRY_SMTP_HOST", "smtp.example.com")
    at = open_app(page="notifications")
    clean(at.radio(key=notify.NOTIFY_KIND).set_value("email").run())
    assert notify.SMTP_MISSING not in texts(at.warning)


@pytest.fixture
def failed_without_requirement(home):
    """churn v1 (a real model) whose newest validation failed; no Production requirement;
    a pending request to move it to Production."""
    from validation_support import churn_model, register, sample_csv

    register("churn", churn_model())
    client = RegistryClient(home=home)
    client.set_validation_policy("churn", "accuracy >= 0.999")
    result = client.validate_model_version(
        "churn", 1, sample_csv("churn_test.csv"), "churned", "test.csv"
    )
    assert result.status == "failed"
    client.request_transition("churn", 1, "Production", comment="ship it")
    client.release()
    return client


def test_the_inbox_override_sentence_agrees_with_no_requirement(failed_without_requirement):
    at = open_app(page="inbox")
    warning = texts(at.warning)
    assert "does not require a validation for Production, but the newest validation" in warning
    assert "of churn v1 failed" in warning and "Approving overrides it" in warning
    assert at.button(key=review.INBOX_APPROVE).label == "Approve (override)"


def test_the_feed_shows_a_validation_as_one_row_and_names_a_rollback(home):
    from validation_support import churn_model, register, sample_csv

    for _ in range(2):
        register("churn", churn_model())
    client = RegistryClient(home=home)
    client.set_validation_policy("churn", "accuracy >= 0.5")
    client.validate_model_version("churn", 1, sample_csv("churn_test.csv"), "churned", "test.csv")
    client.transition_model_version_stage("churn", 1, "Production")
    client.transition_model_version_stage("churn", 2, "Production", archive_existing_versions=True)
    client.rollback_production("churn", comment="v2 misbehaves")
    client.release()
    feed = open_app(page="history").dataframe[0].value
    v1 = feed[feed["Version"] == "v1"]
    assert v1["Action"].tolist() == [
        "Rolled back", "Stage changed", "Stage changed", "Validated", "Version registered"
    ]  # fmt: skip
    assert v1["Change"].tolist()[0] == "Archived → Production, where it was before"
    assert v1["Change"].tolist()[3] == "passed on test.csv"
    assert "Version tag set" not in feed["Action"].tolist()  # the status tag is the same row
    history = open_app(page="version", model="churn", version="1").dataframe[-1].value
    assert history["Action"].tolist() == v1["Action"].tolist()


@pytest.mark.parametrize(
    ("versions", "upright"), [("churn:2,churn:3", False), ("churn:1,churn:2,churn:3,churn:4", True)]
)
def test_compare_bar_labels_stand_upright_from_three_versions(populated, versions, upright):  # noqa: F811
    at = open_app(page="compare", versions=versions)
    at.toggle(key=keys.COMPARE_ALL_METRICS).set_value(True).run()
    (chart,) = at.get("plotly_chart")
    figure = json.loads(chart.proto.spec)
    angles = {bar.get("textangle", 0) for bar in figure["data"]}
    assert angles == ({-90} if upright else {0})
    if upright:  # room above the tallest bar (auc 0.88) for its label
        assert figure["layout"]["yaxis"]["range"][1] > 0.88 * 1.2
