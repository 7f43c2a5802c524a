"""ValidationStore: policies, records and the Production gate, on a real (tiny) model."""

from __future__ import annotations

import re

import pytest

from registry import NotFoundError, PermissionDeniedError, ValidationRequiredError

from .support import labelled, register_classifier, stages

OVERRIDDEN = "model_version.validation_overridden"


@pytest.fixture
def clf(client) -> str:
    """'clf': two versions of the tiny classifier, rule accuracy >= 0.9."""
    client.create_registered_model("clf")
    for _ in range(2):
        register_classifier(client, "clf")
    client.set_validation_policy("clf", "accuracy >= 0.9", comment="start strict")
    return "clf"


@pytest.fixture
def gated(client, clf) -> str:
    """'clf' whose Production requires a passing validation in the last 7 days."""
    client.require_validation_for_production(clf, 7, comment="audit")
    return clf


def validate(client, version: int, *, flipped: bool = False):
    data = labelled(flipped=flipped)
    return client.validate_model_version("clf", version, data, "y", "flipped" if flipped else "ok")


def test_a_policy_is_empty_until_set_and_replaced_whole(client, clf):
    client.create_registered_model("plain")
    assert client.get_validation_policy("plain").rules == ()
    policy = client.get_validation_policy(clf)
    assert ([str(r) for r in policy.rules], policy.comment, policy.updated_by) == (
        ["accuracy >= 0.9"], "start strict", "tester",
    )  # fmt: skip
    client.set_validation_policy(clf, ["f1 >= 0.5", "precision >= 0.5"])
    assert [str(r) for r in client.get_validation_policy(clf).rules] == [
        "f1 >= 0.5", "precision >= 0.5",
    ]  # fmt: skip
    change = client.get_history(clf)[0]
    assert (change.event, change.old_value) == (
        "registered_model.validation_policy_changed", "accuracy >= 0.9",
    )  # fmt: skip
    assert "f1 >= 0.5" in change.new_value and "precision >= 0.5" in change.new_value


def test_the_requirement_is_set_and_lifted(client, gated):
    assert client.get_validation_policy(gated).production_within_days == 7
    assert client.get_production_gate(gated, 1).required
    client.require_validation_for_production(gated, None)
    assert client.get_validation_policy(gated).production_within_days is None
    assert [str(r) for r in client.get_validation_policy(gated).rules] == ["accuracy >= 0.9"]
    client.transition_model_version_stage(gated, 1, "Production")


def test_a_record_is_stored_tagged_and_listed_newest_first(client, clf):
    passed = validate(client, 1).record
    failed = validate(client, 1, flipped=True).record
    assert (passed.status, failed.status) == ("passed", "failed")
    assert client.get_validation_record(passed.id) == passed
    assert passed.id != failed.id and passed.creation_timestamp <= failed.creation_timestamp
    assert client.get_model_version(clf, 1).tags["validation"] == "failed"
    assert [r.id for r in client.list_validation_records(clf)] == [failed.id, passed.id]
    assert client.list_validation_records(clf, 2) == []
    assert [c.event for c in client.get_history(clf, 1)][:2] == [
        "model_version.validation_finished", "model_version.tag_set",
    ]  # fmt: skip


def test_records_outlive_their_model_but_not_into_a_namesake(client, clf):
    record = validate(client, 1).record
    client.delete_registered_model(clf)
    assert client.get_validation_record(record.id) == record
    client.create_registered_model(clf)
    register_classifier(client, clf)
    assert client.list_validation_records(clf) == []
    assert client.get_validation_policy(clf).rules == ()


def test_the_gate_refuses_a_version_never_validated(client, gated):
    before = client.get_history(gated)
    with pytest.raises(ValidationRequiredError, match=r"not met for 'clf' v1 \(never validated"):
        client.transition_model_version_stage(gated, 1, "Production")
    assert stages(client, gated) == {1: "None", 2: "None"}
    assert client.get_history(gated) == before


def test_a_pass_opens_the_gate_and_a_newer_failure_shuts_it(client, gated):
    validate(client, 1)
    assert client.get_production_gate(gated, 1).satisfied
    assert not client.get_production_gate(gated, 2).satisfied
    validate(client, 2)
    validate(client, 2, flipped=True)
    with pytest.raises(ValidationRequiredError, match="newest validation failed"):
        client.transition_model_version_stage(gated, 2, "Production")
    client.transition_model_version_stage(gated, 1, "Production")
    assert stages(client, gated) == {1: "Production", 2: "None"}
    assert not client.get_history(gated, events=[OVERRIDDEN])


def test_an_override_is_recorded_with_its_reason(client, gated):
    client.transition_model_version_stage(
        gated, 1, "Production", comment="hotfix", override_validation=True
    )
    assert stages(client, gated)[1] == "Production"
    (row,) = client.get_history(gated, events=[OVERRIDDEN])
    assert (row.version, row.comment, row.actor) == (1, "hotfix", "tester")


def test_an_approved_request_passes_the_gate_too(backend, gated):
    request = backend.client("ana").request_transition(gated, 1, "Production")
    with pytest.raises(ValidationRequiredError, match="'clf' v1"):
        backend.client("rev").approve_transition_request(request.id)
    assert backend.client().get_transition_requests(gated)[0].status == "pending"
    validate(backend.client(), 1)
    assert backend.client("rev").approve_transition_request(request.id).status == "approved"
    assert stages(backend.client(), gated)[1] == "Production"


def test_rollback_passes_the_gate_like_any_promotion(client, clf):
    validate(client, 1)
    validate(client, 2)
    client.transition_model_version_stage(clf, 1, "Production")
    client.transition_model_version_stage(clf, 2, "Production", archive_existing_versions=True)
    client.require_validation_for_production(clf, 7)
    validate(client, 1, flipped=True)
    with pytest.raises(ValidationRequiredError):
        client.rollback_production(clf)
    restored = client.rollback_production(clf, "v2 is broken", override_validation=True)
    assert restored.version == 1


MISSING = {
    "record": (lambda c: c.get_validation_record(99), "Validation record 99 not found"),
    "policy": (
        lambda c: c.get_validation_policy("ghost"),
        "Registered Model with name=ghost not found",
    ),
    "records": (
        lambda c: c.list_validation_records("ghost"),
        "Registered Model with name=ghost not found",
    ),
    "gate": (
        lambda c: c.get_production_gate("clf", 9),
        "Model Version (name=clf, version=9) not found",
    ),
}


@pytest.mark.parametrize(("call", "fragment"), list(MISSING.values()), ids=list(MISSING))
def test_missing_records_models_and_versions_are_named(client, clf, call, fragment):
    with pytest.raises(NotFoundError, match=re.escape(fragment)):
        call(client)


def test_champion_is_protected_like_production(client, gated):
    with pytest.raises(ValidationRequiredError, match="@champion is protected like Production"):
        client.set_registered_model_alias(gated, "champion", 1)
    assert client.get_registered_model(gated).aliases == {}
    client.set_registered_model_alias(gated, "challenger", 1)  # not protected
    validate(client, 2)
    client.set_registered_model_alias(gated, "champion", 2, comment="passed on ok")
    assert client.get_model_version_by_alias(gated, "champion").version == 2
    moved = client.get_history(gated, events=["registered_model.alias_set"])[0]
    assert (moved.key, moved.comment) == ("champion", "passed on ok")


def test_a_protected_alias_can_be_overridden_with_a_recorded_reason(client, gated):
    client.set_registered_model_alias(
        gated, "champion", 1, comment="incident 42", override_validation=True
    )
    (row,) = client.get_history(gated, events=[OVERRIDDEN])
    assert (row.key, row.version, row.comment) == ("@champion", 1, "incident 42")


def test_the_model_names_its_protected_aliases(client, gated):
    assert client.get_validation_policy(gated).protected_aliases == ("champion",)
    client.set_protected_aliases(gated, ["prod", "prod-eu"], comment="two regions")
    assert client.get_validation_policy(gated).protected_aliases == ("prod", "prod-eu")
    client.set_registered_model_alias(gated, "champion", 1)  # no longer protected
    with pytest.raises(ValidationRequiredError, match="@prod-eu"):
        client.set_registered_model_alias(gated, "prod-eu", 1)
    change = client.get_history(gated, events=["registered_model.validation_policy_changed"])[0]
    assert (change.old_value, change.new_value) == ("champion", "prod, prod-eu")


def test_moving_a_protected_alias_needs_a_reviewer(backend, gated):
    admin = backend.client()
    admin.set_role("tester", "admin")
    admin.set_role("ed", "editor")
    validate(admin, 1)
    editor = backend.client("ed")
    editor.set_registered_model_alias(gated, "staging-candidate", 1)
    with pytest.raises(PermissionDeniedError, match="protected alias @champion needs the reviewer"):
        editor.set_registered_model_alias(gated, "champion", 1)
    with pytest.raises(PermissionDeniedError, match="reviewer"):
        editor.delete_registered_model_alias(gated, "champion")
