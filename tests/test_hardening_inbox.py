"""The Inbox forgets a decision's comment once it is made (issue 14, item 9): the next
request's approval must not go through with the previous one's justification."""

from __future__ import annotations

from dashboard_support import APP
from streamlit.testing.v1 import AppTest

from registry import RegistryClient
from registry.dashboard import keys, review


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
        at.button(key=keys.MODEL_CONFIRM_OK).click().run()
        assert not at.exception and not at.error
        assert at.text_input(key=review.INBOX_DECISION_COMMENT).value == ""
    at.button(key=review.INBOX_APPROVE).click().run()  # no comment typed this time
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    decided = RegistryClient(home).get_transition_requests("churn", status=None)
    comments = sorted((r.decision_comment or "") for r in decided if r.status != "pending")
    assert comments == ["", "checked v1", "no"]


def test_a_decision_is_confirmed_in_the_dialog_and_cancel_changes_nothing(home, monkeypatch):
    """The dialog lists the request, its moves (what gets archived), the override and the
    comment; Cancel leaves the request pending, Confirm records the decision with it."""
    admin = RegistryClient(home, user="ann")
    admin.set_role("ann", "admin")
    admin.set_role("ed", "editor")
    admin.create_registered_model("churn")
    for run in ("r1", "r2"):
        admin.create_model_version("churn", source=f"runs:/{run}/model")
    admin.transition_model_version_stage("churn", 1, "Production")
    admin.set_validation_policy("churn", "accuracy >= 0.85")
    admin.require_validation_for_production("churn", 7)
    request = RegistryClient(home, user="ed").request_transition("churn", 2, "Production", "go")
    admin.release()
    monkeypatch.setenv("REGISTRY_USER", "ann")
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("pages/inbox.py").run()
    assert at.button(key=review.INBOX_APPROVE).label == "Approve (override)"
    at.text_input(key=review.INBOX_DECISION_COMMENT).input("hotfix for the outage").run()
    at.button(key=review.INBOX_APPROVE).click().run()
    shown = "\n".join(e.value for e in at.markdown)
    assert f"**Approve request #{request.id}" in shown and "churn v2 → Production" in shown
    assert "**v1**" in shown and "Archived" in shown  # v1 leaves Production
    assert "Override comment: “hotfix for the outage”" in shown
    assert "Confirming overrides it" in "\n".join(e.value for e in at.warning)
    assert at.button(key=keys.MODEL_CONFIRM_OK).label == "Override and confirm"
    assert not [t for t in at.text_input if t.key == keys.MODEL_COMMENT]  # asked once only

    at.button(key=keys.MODEL_CONFIRM_CANCEL).click().run()
    assert not at.exception and not at.success
    reader = RegistryClient(home)
    assert [r.id for r in reader.get_transition_requests("churn")] == [request.id]
    assert reader.get_model_version("churn", 2).current_stage == "None"
    reader.release()

    at.button(key=review.INBOX_APPROVE).click().run()
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert not at.exception and not at.error
    successes = [e.value for e in at.success]
    assert successes == [f"Approved request #{request.id}. churn v2 is in Production."]
    assert not at.toast  # one message, not a banner and a toast
    reader = RegistryClient(home)
    (decided,) = reader.get_transition_requests("churn", status="approved")
    assert decided.decision_comment == "hotfix for the outage"
    assert reader.get_model_version("churn", 1).current_stage == "Archived"
    assert "No transition request is waiting" in "\n".join(e.value for e in at.info)
