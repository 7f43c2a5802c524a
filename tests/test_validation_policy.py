"""Validation policies: rule parsing, per-model rules with history, refusal of wrong metrics."""

from __future__ import annotations

import pytest
from validation_support import churn_model, contract_model, demand_model, register

from registry.errors import InvalidArgumentError, NotFoundError, PermissionDeniedError
from registry.validation.records import Rule
from registry.validation.rules import parse_rule, parse_rules


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("accuracy >= 0.9", Rule("accuracy", ">=", 0.9)),
        ("f1>0.88", Rule("f1", ">", 0.88)),
        ("  rmse <= 7.5 ", Rule("rmse", "<=", 7.5)),
        ("r2 < 1", Rule("r2", "<", 1.0)),
        ("roc_auc >= .75", Rule("roc_auc", ">=", 0.75)),
        ("mae <= 1e3", Rule("mae", "<=", 1000.0)),
    ],
)
def test_rules_parse(text, expected):
    assert parse_rule(text) == expected
    assert parse_rule(str(expected)) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "A rule is empty"),
        ("accuracy", "no comparator after 'accuracy'"),
        ("accuracy >=", "no number after '>='"),
        (">= 0.9", "it names no metric"),
        ("accuracy => 0.9", "'=>' is not a comparator; did you mean '>='?"),
        ("accuracy == 0.9", "'==' is not a comparator; use >=, >, <= or <"),
        ("acuracy >= 0.9", "unknown metric 'acuracy'; did you mean 'accuracy'?"),
        ("accuracy >= high", "threshold 'high' is not a number"),
        ("accuracy >= 90%", "threshold '90%' is a percentage; write it as a fraction"),
        ("accuracy >= 90", "accuracy is between 0 and 1, so threshold 90 cannot be meant"),
        ("rmse <= -1", "rmse is at least 0"),
        ("r2 >= 2", "r2 is at most 1"),
        ("f1 >= nan", "finite number"),
        (3, "A rule must be a string, got int"),
    ],
)
def test_bad_rules_are_refused_naming_the_bad_part(text, words):
    with pytest.raises(InvalidArgumentError) as caught:
        parse_rule(text)
    assert words in str(caught.value)


def test_rules_come_as_text_lists_tuples_or_dicts():
    expected = (Rule("accuracy", ">=", 0.9), Rule("f1", ">=", 0.88))
    assert parse_rules("accuracy >= 0.9; f1 >= 0.88") == expected
    assert parse_rules("accuracy >= 0.9\n\nf1 >= 0.88\n") == expected
    assert parse_rules([("accuracy", ">=", 0.9), {"metric": "f1", "op": ">=", "threshold": 0.88}])
    assert parse_rules(None) == parse_rules([]) == ()


@pytest.mark.parametrize(
    ("rules", "words"),
    [
        ("accuracy >= 0.9; accuracy >= 0.8", "Two rules on 'accuracy >='"),
        ([("accuracy", ">=")], "(metric, op, threshold)"),
        ([{"metric": "f1", "op": ">="}], "exactly the keys metric, op, threshold"),
        (Rule("f1", ">=", 0.5), "as a list or a string"),
        (["f1 >= 0.5", "f1 >= x"], "'f1 >= x': threshold 'x' is not a number"),
    ],
)
def test_bad_rule_lists_are_refused(rules, words):
    with pytest.raises(InvalidArgumentError) as caught:
        parse_rules(rules)
    assert words in str(caught.value)


def test_a_policy_is_replaced_as_a_whole_with_history(client):
    register("churn", churn_model())
    assert client.get_validation_policy("churn").rules == ()
    client.set_validation_policy("churn", ["accuracy >= 0.9", "f1 >= 0.88"], comment="launch bar")
    policy = client.set_validation_policy("churn", "accuracy >= 0.85", comment="relaxed")
    assert client.get_validation_policy("churn") == policy
    assert (policy.rules, policy.comment, policy.updated_by) == (
        (Rule("accuracy", ">=", 0.85),),
        "relaxed",
        "tester",
    )
    events = ["registered_model.validation_policy_changed"]
    latest, first = client.get_history("churn", events=events)
    assert (first.old_value, first.new_value, first.comment) == (
        None,
        "accuracy >= 0.9; f1 >= 0.88",
        "launch bar",
    )
    assert (latest.old_value, latest.new_value) == (
        "accuracy >= 0.9; f1 >= 0.88",
        "accuracy >= 0.85",
    )
    assert latest.payload["new"] == [{"metric": "accuracy", "op": ">=", "threshold": 0.85}]
    client.set_validation_policy("churn", [])
    assert client.get_validation_policy("churn").rules == ()


@pytest.mark.parametrize(
    ("fitted", "rules", "words"),
    [
        (churn_model, ["rmse <= 3"], "rmse is not computed for a binary model; use one of"),
        (contract_model, ["f1 >= 0.5"], "f1 is not computed for a multiclass model; did you mean"),
        (demand_model, ["accuracy >= 0.5"], "accuracy is not computed for a regression model"),
    ],
)
def test_metrics_the_models_task_does_not_compute_are_refused(client, fitted, rules, words):
    register("m", fitted())
    with pytest.raises(InvalidArgumentError, match=words):
        client.set_validation_policy("m", rules)


def test_without_versions_the_rules_must_share_a_task_family(client):
    client.create_registered_model("new")
    client.set_validation_policy("new", ["rmse <= 7.5", "r2 >= 0.5"])
    with pytest.raises(InvalidArgumentError, match="mix classification and regression"):
        client.set_validation_policy("new", ["rmse <= 7.5", "accuracy >= 0.9"])


def test_unknown_model_and_roles(client):
    with pytest.raises(NotFoundError, match="name=ghost not found"):
        client.set_validation_policy("ghost", ["f1 >= 0.5"])
    with pytest.raises(NotFoundError):
        client.get_validation_policy("ghost")
    client.create_registered_model("churn")
    client.set_role("tester", "admin")
    client.set_role("eve", "reviewer")
    from registry import RegistryClient

    with pytest.raises(PermissionDeniedError, match="admin"):
        RegistryClient(client.home, user="eve").set_validation_policy("churn", ["f1 >= 0.5"])


def test_a_model_created_again_starts_without_the_old_policy(client):
    client.create_registered_model("churn")
    client.set_validation_policy("churn", ["f1 >= 0.5"])
    client.delete_registered_model("churn")
    client.create_registered_model("churn")
    assert client.get_validation_policy("churn").rules == ()
