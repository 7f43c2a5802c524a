"""The Inbox carries the evidence (AppTest): each request's validation and metric changes
from Production, the version's comment thread, decisions from the Model page as well, and
the number of requests waiting in the sidebar."""

from __future__ import annotations

import pytest
from dashboard_support import clean, open_app, populated, populated_template, texts  # noqa: F401

from registry import RegistryClient
from registry.dashboard import keys, review


@pytest.fixture
def requested(populated, home):  # noqa: F811  (the fixture imported above)
    """ed asks for churn v3 (Staging) to go to Production; ann commented on v3."""
    ed = RegistryClient(home=home, user="ed")
    request = ed.request_transition("churn", 3, "Production", "beats v2 on every metric")
    RegistryClient(home=home, user="ann").add_comment("churn", 3, "checked the Q3 drift")
    ed.release()
    populated.release()
    return request


def page_links(at) -> list[str]:
    return [e.proto.label for e in at.get("page_link")]


def test_a_request_shows_its_metric_changes_from_production(requested):
    at = open_app(page="inbox")
    row = at.dataframe[0].value.iloc[0]
    assert row["vs Production"] == "auc +0.020 ▲ · f1 +0.040 ▲ · log_loss −0.030 ▲"
    assert row["Validation"]  # the Production requirement's state, never empty
    evidence = at.dataframe[1].value
    assert list(evidence.columns) == [
        "v2 (Production)", "v3 (requested)", "Δ v3 (requested) − v2 (Production)",
    ]  # fmt: skip
    assert evidence.loc["f1"].tolist() == pytest.approx([0.79, 0.83, 0.04])
    assert "Open the version" in page_links(at)


def test_a_request_shows_the_versions_comment_thread(requested):
    at = open_app(page="inbox")
    assert "Comments on v3 (1)" in [e.label for e in at.expander]
    assert "checked the Q3 drift" in texts(at.markdown)


def test_a_request_for_another_stage_shows_the_validation_status(populated, home):  # noqa: F811
    populated.set_model_version_tag("churn", 4, "validation", "failed")
    RegistryClient(home=home, user="ed").request_transition("churn", 4, "Staging")
    populated.release()
    row = open_app(page="inbox").dataframe[0].value.iloc[0]
    assert (row["Change"], row["Validation"]) == ("None → Staging", "✗ failed")


def test_a_reviewer_decides_on_the_model_page(requested, populated):  # noqa: F811
    at = open_app(page="model", model="churn")
    assert "Decide here" in [e.label for e in at.expander]
    clean(at.button(key=review.INBOX_APPROVE).click().run())
    assert "**v3**" in texts(at.markdown) and "Production" in texts(at.markdown)  # the dialog
    clean(at.button(key=keys.MODEL_CONFIRM_OK).click().run())
    assert f"Approved request #{requested.id}." in texts(at.success)
    assert populated.get_model_version("churn", 3).current_stage == "Production"


def test_the_sidebar_counts_the_requests_waiting(requested):
    at = open_app()
    assert "1 request waiting for a decision" in page_links(at)


def test_no_count_when_nothing_waits(populated):  # noqa: F811
    at = open_app()
    assert not [label for label in page_links(at) if "waiting" in label]
