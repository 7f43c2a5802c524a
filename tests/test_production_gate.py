"""'Production requires a passing validation in the last N days': set per model, checked on
direct transitions and approved requests, overridable by a reviewer with a comment."""

from __future__ import annotations

import duckdb
import pytest
from validation_support import churn_model, register, sample_csv

from registry import (
    AlreadyExistsError,
    InvalidArgumentError,
    InvalidStageTransitionError,
    PermissionDeniedError,
    RegistryClient,
    ValidationRequiredError,
)
from registry.clock import frozen_at, now_ms
from registry.store.duckdb.migrations import MIGRATIONS, apply_pending
from registry.validation.records import DAY_MS

CLEAN, DRIFTED = sample_csv("churn_test.csv"), sample_csv("churn_drifted.csv")
OVERRIDDEN = "model_version.validation_overridden"


@pytest.fixture
def churn(client):
    """'churn' v1 and v2 (real models), rules that churn_test.csv passes and
    churn_drifted.csv fails, and Production requiring a pass in the last 7 days."""
    for _ in range(2):
        register("churn", churn_model())
    client.set_validation_policy("churn", "accuracy >= 0.85; f1 >= 0.55")
    client.require_validation_for_production("churn", 7, comment="audit asked for it")
    return "churn"


@pytest.fixture
def team(home, churn):
    admin = RegistryClient(home, user="tester")
    admin.set_role("tester", "admin")
    for user, role in (("ana", "editor"), ("rev", "reviewer")):
        admin.set_role(user, role)
    return {user: RegistryClient(home, user=user) for user in ("tester", "ana", "rev")}


def validate(client, version, frame, name):
    return client.validate_model_version("churn", version, frame, "churned", name)


def stage(client, version) -> str:
    return client.get_model_version("churn", version).current_stage


def test_an_unvalidated_version_cannot_enter_production(client, churn):
    before = client.get_history("churn")
    with pytest.raises(
        ValidationRequiredError, match=r"last 7 days: not met for 'churn' v1 \(never validated\)"
    ):
        client.transition_model_version_stage("churn", 1, "Production")
    assert stage(client, 1) == "None"
    assert client.get_history("churn") == before


def test_a_passing_validation_opens_the_gate_without_an_override_row(client, churn):
    validate(client, 1, CLEAN, "churn_test.csv")
    gate = client.get_production_gate("churn", 1)
    assert gate.satisfied
    assert "met for 'churn' v1 (its newest validation passed less than an hour ago on" in (
        gate.explain()
    )
    client.transition_model_version_stage("churn", 1, "Production", comment="ok")
    assert stage(client, 1) == "Production"
    assert not client.get_history("churn", events=[OVERRIDDEN])


def test_the_newest_validation_counts_not_an_earlier_pass(client, churn):
    validate(client, 1, CLEAN, "churn_test.csv")
    validate(client, 1, DRIFTED, "churn_drifted.csv")
    with pytest.raises(ValidationRequiredError, match="newest validation failed"):
        client.transition_model_version_stage("churn", 1, "Production")
    assert stage(client, 1) == "None"


def test_a_pass_older_than_the_window_does_not_count(client, churn):
    with frozen_at(now_ms() - 8 * DAY_MS):
        validate(client, 2, CLEAN, "churn_test.csv")
    gate = client.get_production_gate("churn", 2)
    assert not gate.satisfied
    assert "passed 8 days ago" in gate.explain()
    with pytest.raises(ValidationRequiredError):
        client.transition_model_version_stage("churn", 2, "Production")
    client.require_validation_for_production("churn", 10)
    client.transition_model_version_stage("churn", 2, "Production")
    assert stage(client, 2) == "Production"


def test_a_reviewer_overrides_with_a_comment_and_it_is_recorded(team, churn):
    rev = team["rev"]
    with pytest.raises(InvalidArgumentError, match="needs a comment"):
        rev.transition_model_version_stage("churn", 1, "Production", override_validation=True)
    assert stage(rev, 1) == "None"
    rev.transition_model_version_stage(
        "churn", 1, "Production", comment="hotfix for the outage", override_validation=True
    )
    assert stage(rev, 1) == "Production"
    (row,) = rev.get_history("churn", 1, events=[OVERRIDDEN])
    assert (row.actor, row.comment, row.new_value) == ("rev", "hotfix for the outage", "Production")
    assert row.payload == {
        "within_days": 7,
        "requirement_met": False,
        "record_id": None,
        "validation": None,
    }


def test_an_editor_cannot_override_and_only_production_is_overridden(team, churn):
    with pytest.raises(PermissionDeniedError, match="'ana' has role 'editor'"):
        team["ana"].transition_model_version_stage(
            "churn", 1, "Production", comment="trust me", override_validation=True
        )
    with pytest.raises(InvalidArgumentError, match="applies to Production only"):
        team["ana"].transition_model_version_stage(
            "churn", 1, "Staging", comment="trust me", override_validation=True
        )
    request = team["ana"].request_transition("churn", 1, "Staging")
    with pytest.raises(InvalidArgumentError, match="applies to Production only"):
        team["rev"].approve_transition_request(request.id, "ok", override_validation=True)
    assert stage(team["ana"], 1) == "None"


def test_approving_a_request_goes_through_the_gate(team, churn):
    request = team["ana"].request_transition("churn", 1, "Production", "better recall")
    with pytest.raises(ValidationRequiredError):
        team["rev"].approve_transition_request(request.id, "looks good")
    assert team["rev"].get_transition_requests("churn")[0].status == "pending"
    assert stage(team["rev"], 1) == "None"
    validate(team["ana"], 1, CLEAN, "churn_test.csv")
    assert team["rev"].approve_transition_request(request.id).status == "approved"
    assert stage(team["rev"], 1) == "Production"


def test_approving_with_an_override_records_it(team, churn):
    validate(team["ana"], 2, DRIFTED, "churn_drifted.csv")
    request = team["ana"].request_transition("churn", 2, "Production")
    with pytest.raises(InvalidArgumentError, match="needs a comment"):
        team["rev"].approve_transition_request(request.id, override_validation=True)
    decided = team["rev"].approve_transition_request(
        request.id, "drift is seasonal", override_validation=True
    )
    assert decided.status == "approved" and stage(team["rev"], 2) == "Production"
    (row,) = team["rev"].get_history("churn", 2, events=[OVERRIDDEN])
    assert (row.comment, row.old_value, row.payload["validation"]) == (
        "drift is seasonal",
        "failed",
        "failed",
    )


def test_rollback_passes_the_gate_or_records_an_override(client, churn):
    for version in (1, 2):
        validate(client, version, CLEAN, "churn_test.csv")
        client.transition_model_version_stage("churn", version, "Production", True)
    validate(client, 1, DRIFTED, "churn_drifted.csv")
    with pytest.raises(ValidationRequiredError, match="not met"):
        client.rollback_production("churn", "v2 broke scoring")
    assert stage(client, 2) == "Production"
    restored = client.rollback_production(
        "churn", "v2 broke scoring; v1's drift is known", override_validation=True
    )
    assert restored.version == 1 and stage(client, 1) == "Production"
    (row,) = client.get_history("churn", 1, events=[OVERRIDDEN])
    assert row.comment == "v2 broke scoring; v1's drift is known"


def test_overriding_a_failed_validation_is_recorded_without_a_requirement(client, churn):
    client.require_validation_for_production("churn", None)
    validate(client, 1, DRIFTED, "churn_drifted.csv")
    validate(client, 2, CLEAN, "churn_test.csv")
    client.transition_model_version_stage("churn", 1, "Production", comment="why not")
    assert not client.get_history("churn", events=[OVERRIDDEN])
    client.transition_model_version_stage(
        "churn", 2, "Production", comment="passed: nothing overridden", override_validation=True
    )
    client.transition_model_version_stage(
        "churn", 1, "Production", comment="known drift", override_validation=True
    )
    (row,) = client.get_history("churn", events=[OVERRIDDEN])
    assert (row.version, row.payload["requirement_met"], row.old_value) == (1, True, "failed")


def test_the_requirement_needs_rules_and_keeps_them(client, churn):
    with pytest.raises(InvalidArgumentError, match="lift that requirement"):
        client.set_validation_policy("churn", [])
    client.set_validation_policy("churn", "accuracy >= 0.8")
    policy = client.get_validation_policy("churn")
    assert (str(policy), policy.production_within_days) == ("accuracy >= 0.8", 7)
    client.create_registered_model("fresh")
    with pytest.raises(InvalidArgumentError, match="no validation rules"):
        client.require_validation_for_production("fresh", 3)


@pytest.mark.parametrize("days", [0, -1, 3651, 1.5, "7", True])
def test_the_window_is_a_whole_number_of_days(client, churn, days):
    with pytest.raises(InvalidArgumentError, match="whole number of days from 1 to 3650"):
        client.require_validation_for_production("churn", days)
    assert client.get_validation_policy("churn").production_within_days == 7


def test_only_admins_change_the_requirement_and_history_says_so(team, churn):
    with pytest.raises(PermissionDeniedError):
        team["rev"].require_validation_for_production("churn", None)
    team["tester"].require_validation_for_production("churn", None, "pilot is over")
    team["rev"].transition_model_version_stage("churn", 1, "Production")
    changes = team["tester"].get_history(
        "churn", events=["registered_model.validation_policy_changed"]
    )
    assert [(c.key, c.old_value, c.new_value, c.comment) for c in changes[:2]] == [
        ("production_within_days", "7 days", None, "pilot is over"),
        ("production_within_days", None, "7 days", "audit asked for it"),
    ]


def test_a_registry_from_before_the_requirement_keeps_its_policies(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    apply_pending(con, MIGRATIONS[:5])
    con.execute("INSERT INTO validation_policies VALUES ('m', 1, '[]', 'kept', 'ann', 2)")
    apply_pending(con)
    assert con.execute("SELECT * FROM validation_policies").fetchall() == [
        ("m", 1, "[]", "kept", "ann", 2, None, None)  # no requirement, default protected aliases
    ]


def test_a_model_created_again_under_the_name_starts_without_the_requirement(client, churn):
    client.delete_registered_model("churn")
    client.create_registered_model("churn")
    client.create_model_version("churn", source="runs:/r9/model")
    assert client.get_validation_policy("churn").production_within_days is None
    client.transition_model_version_stage("churn", 1, "Production")
    assert stage(client, 1) == "Production"


def test_rollback_never_restores_a_version_that_did_not_serve_production(client, churn):
    for version in (1, 2):
        validate(client, version, CLEAN, "churn_test.csv")
        client.transition_model_version_stage("churn", version, "Production", True)
    client.delete_registered_model("churn")
    client.create_registered_model("churn")
    client.create_model_version("churn", source="runs:/r9/model")
    client.set_validation_policy("churn", "accuracy >= 0.85")
    client.require_validation_for_production("churn", 7)
    assert client.find_rollback_target("churn") is None
    with pytest.raises(InvalidStageTransitionError, match="no earlier Production version"):
        client.rollback_production("churn")
    assert stage(client, 1) == "None"


def test_renaming_onto_a_deleted_models_name_takes_only_its_own_policy(client, churn):
    register("other", churn_model())
    client.set_validation_policy("other", "f1 >= 0.5")
    client.delete_registered_model("churn")
    client.rename_registered_model("other", "churn")
    policy = client.get_validation_policy("churn")
    assert (str(policy), policy.production_within_days) == ("f1 >= 0.5", None)


def test_a_rename_cannot_inherit_a_same_moment_namesakes_records(client):
    client.import_models([
        {"name": "x", "versions": [{"source": "runs:/x/model"}]},
        {"name": "y", "versions": [{"source": "runs:/y/model"}]},
    ])  # fmt: skip
    register("x", churn_model())
    client.set_validation_policy("x", "accuracy >= 0.85")
    validate_x = client.validate_model_version("x", 2, CLEAN, "churned", "churn_test.csv")
    assert validate_x.status == "passed"
    client.delete_registered_model("x")
    with pytest.raises(AlreadyExistsError, match="left validation records"):
        client.rename_registered_model("y", "x")
    assert client.get_registered_model("y").name == "y"
