"""The Validate, Inbox and Roles pages under AppTest, on registries built through the client."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from registry import RegistryClient
from registry.dashboard import review
from tests.dashboard_support import APP


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
    assert not at.exception and "Rejected" in _texts(at.success)
    assert workflow.get_transition_requests(status="rejected")[0].decision_comment == "not yet"

    workflow.request_transition("churn", 1, "Production", "mine")  # requested by rev
    at.run()
    at.button(key=review.INBOX_APPROVE).click().run()
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
    assert not at.error and "newbie is now reviewer" in _texts(at.success)
    assert workflow.get_roles()["newbie"] == "reviewer"
    at.selectbox(key=review.ADMIN_REMOVE_USER).select("tester").run()
    at.button(key=review.ADMIN_REMOVE).click().run()
    assert "At least one admin must remain" in _texts(at.error)
    at.selectbox(key=review.ADMIN_REMOVE_USER).select("vic").run()
    at.button(key=review.ADMIN_REMOVE).click().run()
    assert "vic" not in workflow.get_roles()


def test_admin_page_is_read_only_for_others(workflow, monkeypatch):
    monkeypatch.setenv("REGISTRY_USER", "ed")
    at = _open("pages/admin.py")
    assert "Only admins manage roles; you are editor" in _texts(at.caption)
    assert not [b for b in at.button if b.key == review.ADMIN_GRANT]
    assert "viewer < editor < reviewer < admin" in _texts(at.markdown)
