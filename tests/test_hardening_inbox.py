"""The Inbox forgets a decision's comment once it is made (issue 14, item 9): the next
request's approval must not go through with the previous one's justification."""

from __future__ import annotations

from dashboard_support import APP
from streamlit.testing.v1 import AppTest

from registry import RegistryClient
from registry.dashboard import review


def test_the_comment_box_is_empty_after_each_decision(home, monkeypatch):
    admin = RegistryClient(home, user="ann")
    admin.set_role("ann", "admin")
    admin.set_role("ed", "editor")
    admin.create_registered_model("churn")
    for run in ("r1", "r2", "r3"):
        admin.create_model_version("churn", source=f"runs:/{run}/model")
    editor = RegistryClient(home, user="ed")
    for version in (1, 2, 3):
        editor.request_transition("churn", version, "Staging", comment="ready")
    admin.release()
    editor.release()
    monkeypatch.setenv("REGISTRY_USER", "ann")
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("pages/inbox.py").run()
    for decide, comment in ((review.INBOX_APPROVE, "checked v1"), (review.INBOX_REJECT, "no")):
        at.text_input(key=review.INBOX_DECISION_COMMENT).input(comment).run()
        at.button(key=decide).click().run()
        assert not at.exception and not at.error
        assert at.text_input(key=review.INBOX_DECISION_COMMENT).value == ""
    at.button(key=review.INBOX_APPROVE).click().run()  # no comment typed this time
    decided = RegistryClient(home).get_transition_requests("churn", status=None)
    comments = sorted((r.decision_comment or "") for r in decided if r.status != "pending")
    assert comments == ["", "checked v1", "no"]
