"""Validating versions: immutable records, the validation tag, history and event rows."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest
from sklearn.svm import LinearSVC
from validation_support import SAMPLE_DATA, churn_model, register, sample_csv

from registry import RegistryClient
from registry.errors import (
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    ValidationInputError,
)
from registry.store.duckdb import DuckDBStore

CHURN = sample_csv("churn_test.csv")
FINISHED = "model_version.validation_finished"


@pytest.fixture
def churn(client):
    """Model 'churn' with one version and the policy accuracy >= 0.85, f1 >= 0.55."""
    register("churn", churn_model())
    client.set_validation_policy("churn", "accuracy >= 0.85; f1 >= 0.55")
    return "churn"


def test_the_clean_test_set_passes_and_the_drifted_one_fails(client, churn):
    for name, status in (("churn_test.csv", "passed"), ("churn_drifted.csv", "failed")):
        result = client.validate_model_version(churn, 1, SAMPLE_DATA / name, "churned")
        assert result.status == status
        assert client.get_model_version(churn, 1).tags["validation"] == status
    drifted = client.list_validation_records(churn)[0]
    assert [(str(r.rule), r.passed) for r in drifted.rule_results] == [
        ("accuracy >= 0.85", False),
        ("f1 >= 0.55", False),
    ]
    assert drifted.rule_results[0].value == pytest.approx(drifted.metrics["accuracy"])


def test_a_record_holds_what_was_validated(client, churn):
    data = (SAMPLE_DATA / "churn_test.csv").read_bytes()
    record = client.validate_model_version(
        churn, "1", data, "churned", data_name="churn_test.csv"
    ).record
    assert record == client.get_validation_record(record.id)
    assert (record.model_name, record.version, record.data_name) == (churn, 1, "churn_test.csv")
    assert record.data_sha256 == hashlib.sha256(data).hexdigest()
    assert (record.num_rows, record.num_columns, record.target) == (1200, 11, "churned")
    assert (record.task, record.passed, record.status, record.created_by) == (
        "binary",
        True,
        "passed",
        "tester",
    )
    assert record.metrics["accuracy"] > 0.85 and record.duration_ms >= 0
    assert (
        record.model_sha256
        == client._store.get_logged_model(client.get_model_version(churn, 1).run_id, "model").sha256
    )
    assert record.details["confusion_matrix"]["labels"] == [0, 1]


def test_history_gets_the_tag_and_validation_rows_in_one_transaction(client, churn):
    record = client.validate_model_version(churn, 1, CHURN, "churned").record
    finished, tagged = client.get_history(churn, 1, max_results=2)
    assert (finished.event, finished.new_value, finished.timestamp) == (
        FINISHED,
        "passed",
        record.creation_timestamp,
    )
    assert finished.payload["record_id"] == record.id and finished.payload["passed"] is True
    assert finished.payload["data_sha256"] == record.data_sha256
    assert finished.payload["metrics"]["f1"] == pytest.approx(record.metrics["f1"], abs=1e-6)
    assert finished.payload["failed_rules"] == []
    assert (tagged.event, tagged.key, tagged.old_value, tagged.new_value) == (
        "model_version.tag_set",
        "validation",
        None,
        "passed",
    )
    assert tagged.timestamp == finished.timestamp


def test_without_rules_a_validation_is_unchecked(client):
    register("churn", churn_model())
    result = client.validate_model_version("churn", 1, CHURN, "churned")
    assert (result.passed, result.status, result.record.rule_results) == (None, "unchecked", ())
    assert client.get_model_version("churn", 1).tags["validation"] == "unchecked"


def test_a_rule_on_a_metric_the_model_cannot_give_fails_with_a_note(client):
    x, y = (
        CHURN.drop(columns=["churned", "contract_type", "payment_method", "internet_service"]),
        CHURN["churned"],
    )
    register("svm", (LinearSVC().fit(x, y), x.head()))  # no predict_proba: no ROC AUC
    client.set_validation_policy("svm", ["roc_auc >= 0.5"])
    result = client.validate_model_version("svm", 1, x.assign(churned=y), "churned")
    (rule,) = result.record.rule_results
    assert (result.status, rule.value, rule.passed) == ("failed", None, False)
    assert rule.note == "roc_auc could not be computed on this data"


def test_bad_data_stores_nothing(client, churn):
    with pytest.raises(ValidationInputError) as caught:
        client.validate_model_version(churn, 1, CHURN.drop(columns="support_calls"), "churned")
    assert caught.value.problems[0].column == "support_calls"
    assert client.list_validation_records(churn) == []
    assert "validation" not in client.get_model_version(churn, 1).tags


def test_a_version_deleted_while_predicting_gets_no_record(client, churn):
    def delete_midway(done, total):
        if done < total:
            client.delete_model_version(churn, 1)

    with pytest.raises(NotFoundError, match=r"Model Version \(name=churn, version=1\) not found"):
        client.validate_model_version(
            churn, 1, CHURN, "churned", on_progress=delete_midway, chunk_rows=500
        )
    assert client.list_validation_records(churn) == []
    assert not client.get_history(churn, events=[FINISHED])


def test_records_are_listed_newest_first_by_version(client, churn):
    register("churn", churn_model())
    first = client.validate_model_version(churn, 1, CHURN, "churned").record
    second = client.validate_model_version(churn, 2, CHURN, "churned").record
    third = client.validate_model_version(churn, 2, CHURN, "churned").record
    assert client.list_validation_records(churn) == [third, second, first]
    assert client.list_validation_records(churn, version=2, max_results=1) == [third]
    assert client.list_validation_records(churn, version=1) == [first]
    with pytest.raises(NotFoundError, match="Validation record 999 not found"):
        client.get_validation_record(999)
    with pytest.raises(NotFoundError, match="name=ghost not found"):
        client.list_validation_records("ghost")
    with pytest.raises(InvalidArgumentError):
        client.get_validation_record("1")


def test_records_cannot_be_changed(client, churn):
    record = client.validate_model_version(churn, 1, CHURN, "churned").record
    mutators = [
        name
        for cls in (RegistryClient, DuckDBStore)
        for name in dir(cls)
        if "validation_record" in name and not name.startswith(("get_", "list_", "search_", "add_"))
    ]
    assert mutators == []
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.passed = False  # type: ignore[misc]
    client.set_validation_policy(churn, ["accuracy >= 0.99"])
    client.delete_model_version(churn, 1)
    assert client.get_validation_record(record.id) == record


def test_validating_needs_the_editor_role(client, churn):
    client.set_role("tester", "admin")
    client.set_role("vic", "viewer")
    with pytest.raises(PermissionDeniedError, match="editor"):
        RegistryClient(client.home, user="vic").validate_model_version(churn, 1, CHURN, "churned")


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"target": ""}, "target column name must be a non-empty string"),
        ({"data_name": 5}, "data name must be a non-empty string"),
        ({"data_sha256": "abc"}, "64 lowercase hex digits"),
        ({"version": 9}, r"version=9\) not found"),
    ],
)
def test_bad_arguments_are_refused(client, churn, arguments, words):
    call = {"name": churn, "version": 1, "data": CHURN, "target": "churned", **arguments}
    with pytest.raises((InvalidArgumentError, NotFoundError), match=words):
        client.validate_model_version(**call)


def test_check_validation_data_lists_problems_without_recording(client, churn):
    problems = client.check_validation_data(churn, 1, CHURN.assign(extra=1), "churned")
    assert [p.severity for p in problems] == ["warning"]
    assert client.list_validation_records(churn) == []
