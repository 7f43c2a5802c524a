"""Roles, transition requests and comments: enforced in the client, recorded in history."""

from __future__ import annotations

import pytest

from registry import (
    InvalidArgumentError,
    InvalidStageTransitionError,
    PermissionDeniedError,
    RegistryClient,
)


@pytest.fixture
def team(home, model):
    """tester (admin), ana (editor), rev and rita (reviewers), vic (viewer) on 'churn'."""
    admin = RegistryClient(home, user="tester")
    admin.set_role("tester", "admin")
    for user, role in (
        ("ana", "editor"),
        ("rev", "reviewer"),
        ("rita", "reviewer"),
        ("vic", "viewer"),
    ):
        admin.set_role(user, role)
    return {
        user: RegistryClient(home, user=user) for user in ("tester", "ana", "rev", "rita", "vic")
    }


def test_without_roles_everyone_is_admin(client, model):
    assert client.get_roles() == {}
    assert client.get_role() == "admin"
    client.transition_model_version_stage(model, 1, "Production")
    client.delete_model_version(model, 3)


def test_a_viewer_cannot_promote_even_through_the_api(team, model):
    with pytest.raises(PermissionDeniedError, match=r"'vic' has role 'viewer'.*reviewer"):
        team["vic"].transition_model_version_stage(model, 1, "Production")
    with pytest.raises(PermissionDeniedError):
        team["vic"].set_model_version_tag(model, 1, "k", "v")
    assert team["tester"].get_model_version(model, 1).current_stage == "None"


def test_editors_stage_but_only_reviewers_promote(team, model):
    team["ana"].transition_model_version_stage(model, 2, "Staging")
    with pytest.raises(PermissionDeniedError, match="reviewer"):
        team["ana"].transition_model_version_stage(model, 2, "Production")
    team["rev"].transition_model_version_stage(model, 2, "Production")
    with pytest.raises(PermissionDeniedError, match="admin"):
        team["rev"].delete_model_version(model, 1)


def test_users_without_a_role_are_viewers_once_roles_exist(team, model, home):
    stranger = RegistryClient(home, user="mallory")
    assert stranger.get_role() == "viewer"
    with pytest.raises(PermissionDeniedError):
        stranger.create_registered_model("mine")


def test_request_then_approve_performs_the_transition(team, model):
    team["rev"].transition_model_version_stage(model, 1, "Production")
    request = team["ana"].request_transition(model, 3, "production", comment="F1 +0.02")
    assert (request.status, request.stage, request.requested_by) == ("pending", "Production", "ana")
    assert [r.id for r in team["rita"].get_transition_requests(model)] == [request.id]

    approved = team["rev"].approve_transition_request(request.id, comment="checked the holdout")
    assert (approved.status, approved.decided_by) == ("approved", "rev")
    stages = {v.version: v.current_stage for v in team["rev"].search_model_versions("name='churn'")}
    assert stages == {1: "Archived", 2: "None", 3: "Production"}
    events = [c.event for c in team["tester"].get_history(model, 3)]
    assert events[:3] == [
        "model_version.stage_transitioned",
        "model_version.transition_approved",
        "model_version.transition_requested",
    ]
    assert team["rev"].get_transition_requests(model) == []


def test_reject_needs_a_reason_and_changes_no_stage(team, model):
    request = team["ana"].request_transition(model, 2, "Production")
    with pytest.raises(InvalidArgumentError, match="comment is required"):
        team["rev"].reject_transition_request(request.id, "")
    rejected = team["rev"].reject_transition_request(request.id, "AUC dropped on Q3")
    assert (rejected.status, rejected.decision_comment) == ("rejected", "AUC dropped on Q3")
    assert team["rev"].get_model_version(model, 2).current_stage == "None"
    with pytest.raises(InvalidStageTransitionError, match="already rejected"):
        team["rita"].approve_transition_request(request.id)


def test_requesters_cannot_approve_their_own_request(team, model):
    request = team["rev"].request_transition(model, 2, "Production")
    with pytest.raises(PermissionDeniedError, match="another reviewer"):
        team["rev"].approve_transition_request(request.id)
    team["rita"].approve_transition_request(request.id)


def test_editors_cannot_decide_and_viewers_cannot_request(team, model):
    request = team["ana"].request_transition(model, 2, "Staging")
    with pytest.raises(PermissionDeniedError, match="reviewer"):
        team["ana"].approve_transition_request(request.id)
    with pytest.raises(PermissionDeniedError, match="editor"):
        team["vic"].request_transition(model, 2, "Staging")


def test_comment_thread_in_order_and_in_history(team, model):
    team["ana"].add_comment(model, 2, "Is the Q3 holdout representative?")
    team["rev"].add_comment(model, "2", "Yes, checked against Q2 too.")
    thread = team["vic"].get_comments(model, 2)
    assert [(c.author, c.text) for c in thread] == [
        ("ana", "Is the Q3 holdout representative?"),
        ("rev", "Yes, checked against Q2 too."),
    ]
    assert team["tester"].get_history(model, 2)[0].event == "model_version.comment_added"
    with pytest.raises(InvalidArgumentError, match="needs some text"):
        team["ana"].add_comment(model, 2, "   ")


def test_requests_and_comments_follow_a_rename_and_go_with_a_delete(team, model):
    team["ana"].request_transition(model, 2, "Production")
    team["ana"].add_comment(model, 2, "ready")
    team["tester"].rename_registered_model(model, "churn-v2")
    assert [r.version for r in team["rev"].get_transition_requests("churn-v2")] == [2]
    assert [c.text for c in team["rev"].get_comments("churn-v2", 2)] == ["ready"]
    team["tester"].delete_registered_model("churn-v2")
    team["tester"].create_registered_model("churn-v2")
    team["tester"].create_model_version("churn-v2", source="s")
    team["tester"].create_model_version("churn-v2", source="s")
    assert team["rev"].get_transition_requests("churn-v2") == []
    assert team["rev"].get_comments("churn-v2", 2) == []


def test_role_management_keeps_an_admin(team):
    with pytest.raises(PermissionDeniedError, match="admin"):
        team["rev"].set_role("ana", "reviewer")
    with pytest.raises(InvalidArgumentError, match="At least one admin"):
        team["tester"].set_role("tester", "editor")
    team["tester"].set_role("ana", "reviewer")
    assert team["tester"].get_roles()["ana"] == "reviewer"
    assert team["tester"].get_history()[0].event == "role.changed"
