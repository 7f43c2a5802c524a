"""ReviewStore: roles, transition requests (decided exactly once) and comment threads."""

from __future__ import annotations

import re

import pytest

from registry import InvalidStageTransitionError, NotFoundError

from .support import stages


def test_roles_are_granted_changed_and_removed(client):
    assert client.get_roles() == {}
    client.set_role("tester", "admin")
    client.set_role("ana", "editor")
    client.set_role("ana", "reviewer")
    assert client.get_roles() == {"ana": "reviewer", "tester": "admin"}
    client.set_role("ana", None)
    assert client.get_roles() == {"tester": "admin"}
    rows = [(c.event, c.key, c.old_value, c.new_value) for c in client.get_history()[:2]]
    assert rows == [("role.changed", "ana", "reviewer", None),
                    ("role.changed", "ana", "editor", "reviewer")]  # fmt: skip


def test_approving_a_request_performs_it_exactly_once(backend, model):
    ana, rev, rita = (backend.client(u) for u in ("ana", "rev", "rita"))
    rev.transition_model_version_stage(model, 1, "Production")
    request = ana.request_transition(model, 3, "Production", comment="F1 +0.02")
    assert (request.status, request.stage, request.version, request.requested_by) == (
        "pending", "Production", 3, "ana",
    )  # fmt: skip
    approved = rev.approve_transition_request(request.id, comment="checked the holdout")
    assert (approved.status, approved.decided_by, approved.decision_comment) == (
        "approved", "rev", "checked the holdout",
    )  # fmt: skip
    assert stages(rev, model) == {1: "Archived", 2: "None", 3: "Production"}
    with pytest.raises(InvalidStageTransitionError, match=f"request {request.id} is already appr"):
        rita.approve_transition_request(request.id)
    with pytest.raises(InvalidStageTransitionError, match="already approved"):
        rita.reject_transition_request(request.id, "too late")
    assert [c.event for c in rev.get_history(model, 3)][:3] == [
        "model_version.stage_transitioned", "model_version.transition_approved",
        "model_version.transition_requested",
    ]  # fmt: skip


def test_a_rejected_request_changes_no_stage(backend, model):
    request = backend.client("ana").request_transition(model, 2, "Staging")
    rejected = backend.client("rev").reject_transition_request(request.id, "not yet")
    assert (rejected.status, rejected.decision_comment) == ("rejected", "not yet")
    with pytest.raises(InvalidStageTransitionError, match="already rejected"):
        backend.client("rita").approve_transition_request(request.id)
    assert stages(backend.client(), model) == {1: "None", 2: "None", 3: "None"}


def test_requests_newest_first_by_model_and_status(backend, client, model):
    ana = backend.client("ana")
    client.create_registered_model("other")
    client.create_model_version("other", source="s")
    first = ana.request_transition(model, 1, "Staging")
    other = ana.request_transition("other", 1, "Staging")
    third = ana.request_transition(model, 2, "Production")
    backend.client("rev").reject_transition_request(first.id, "no")
    assert [r.id for r in client.get_transition_requests(model)] == [third.id]
    assert [r.id for r in client.get_transition_requests(model, None)] == [third.id, first.id]
    assert [r.id for r in client.get_transition_requests(None, "rejected")] == [first.id]
    assert [r.id for r in client.get_transition_requests(None, None)] == [
        third.id, other.id, first.id,
    ]  # fmt: skip
    assert [r.id for r in client.get_transition_requests(None, None, max_results=1)] == [third.id]


def test_comments_come_oldest_first(backend, client, model):
    client.add_comment(model, 2, "first")
    backend.client("ana").add_comment(model, 2, "second")
    client.add_comment(model, 1, "elsewhere")
    thread = client.get_comments(model, 2)
    assert [(c.author, c.text) for c in thread] == [("tester", "first"), ("ana", "second")]
    assert thread[0].created_at <= thread[1].created_at


MISSING = {
    "request-version": (
        lambda c: c.request_transition("churn", 9, "Staging"),
        "Model Version (name=churn, version=9) not found",
    ),
    "request-model": (
        lambda c: c.request_transition("ghost", 1, "Staging"),
        "Model Version (name=ghost, version=1) not found",
    ),
    "approve": (lambda c: c.approve_transition_request(99), "Transition request 99 not found"),
    "reject": (lambda c: c.reject_transition_request(99, "no"), "Transition request 99 not found"),
    "comment": (
        lambda c: c.add_comment("churn", 9, "hi"),
        "Model Version (name=churn, version=9) not found",
    ),
}


@pytest.mark.parametrize(("call", "fragment"), list(MISSING.values()), ids=list(MISSING))
def test_missing_versions_and_requests_are_named(client, model, call, fragment):
    with pytest.raises(NotFoundError, match=re.escape(fragment)):
        call(client)
