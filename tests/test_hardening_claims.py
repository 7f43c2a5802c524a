"""A validation records the hash of what it validated (issue 14, item 7): a caller cannot
make a record say "passed on official_test.csv" for data it made up."""

from __future__ import annotations

import hashlib

import pytest
from validation_support import SAMPLE_DATA, churn_model, register, sample_csv

from registry import InvalidArgumentError, RegistryClient, ValidationRequiredError
from registry.validation.engine import frame_sha256

OFFICIAL = SAMPLE_DATA / "churn_test.csv"


@pytest.fixture
def churn(client):
    register("churn", churn_model())
    client.set_validation_policy("churn", "accuracy >= 0.85")
    return "churn"


def test_a_claimed_hash_of_other_data_is_refused(client, churn):
    official = hashlib.sha256(OFFICIAL.read_bytes()).hexdigest()
    made_up = sample_csv("churn_drifted.csv")
    with pytest.raises(InvalidArgumentError, match="is not the hash of the data given"):
        client.validate_model_version(
            churn, 1, made_up, "churned", "churn_test.csv", data_sha256=official
        )
    with pytest.raises(InvalidArgumentError, match="is not the hash"):
        drifted = (SAMPLE_DATA / "churn_drifted.csv").read_bytes()
        client.validate_model_version(churn, 1, drifted, "churned", data_sha256=official)
    assert client.list_validation_records(churn) == []


def test_the_record_holds_the_hash_of_the_file_or_frame_validated(client, churn):
    by_path = client.validate_model_version(churn, 1, OFFICIAL, "churned").record
    assert by_path.data_sha256 == hashlib.sha256(OFFICIAL.read_bytes()).hexdigest()
    assert by_path.data_name == "churn_test.csv"
    checked = client.validate_model_version(
        churn, 1, OFFICIAL.read_bytes(), "churned", data_sha256=by_path.data_sha256
    ).record
    assert checked.data_sha256 == by_path.data_sha256
    frame = sample_csv("churn_drifted.csv")
    assert client.validate_model_version(
        churn, 1, frame, "churned", "churn_test.csv"
    ).record.data_sha256 == frame_sha256(frame)


def test_test_data_of_the_wrong_kind_is_named(client, churn):
    with pytest.raises(InvalidArgumentError, match="DataFrame, or a CSV or Parquet file"):
        client.validate_model_version(churn, 1, [[1, 2]], "churned")
    with pytest.raises(InvalidArgumentError, match="No test file at"):
        client.validate_model_version(churn, 1, str(SAMPLE_DATA / "missing.csv"), "churned")


def test_a_server_checks_the_claim_against_the_file_it_received(home, churn):
    from server_support import serve_in_thread

    RegistryClient(home).release()
    with serve_in_thread(home, user="tester") as (url, token):
        remote = RegistryClient(url, token=token)
        official = hashlib.sha256(OFFICIAL.read_bytes()).hexdigest()
        drifted = SAMPLE_DATA / "churn_drifted.csv"
        with pytest.raises(InvalidArgumentError, match="is not the hash"):
            remote.validate_model_version(churn, 1, drifted, "churned", data_sha256=official)
        record = remote.validate_model_version(churn, 1, OFFICIAL, "churned").record
        assert (record.data_sha256, record.data_name) == (official, "churn_test.csv")


def test_a_policy_can_require_a_pass_on_the_official_test_set(client, churn):
    official = hashlib.sha256(OFFICIAL.read_bytes()).hexdigest()
    client.require_validation_for_production(churn, 7, test_set=official)
    assert client.get_validation_policy(churn).test_set == official
    own = sample_csv("churn_test.csv").head(600)  # passes too, but is not the official data
    assert client.validate_model_version(churn, 1, own, "churned").status == "passed"
    gate = client.get_production_gate(churn, 1)
    assert not gate.satisfied and "never validated on it" in gate.explain()
    with pytest.raises(ValidationRequiredError, match="on the test set"):
        client.transition_model_version_stage(churn, 1, "Production")
    client.validate_model_version(churn, 1, OFFICIAL, "churned")
    client.validate_model_version(churn, 1, own, "churned")  # a newer pass elsewhere: no matter
    assert client.transition_model_version_stage(churn, 1, "Production").current_stage == (
        "Production"
    )
    with pytest.raises(InvalidArgumentError, match="needs within_days"):
        client.require_validation_for_production(churn, None, test_set=official)
    client.require_validation_for_production(churn, None)
    assert client.get_validation_policy(churn).test_set is None


def test_an_admin_names_the_test_set_on_the_model_page(client, churn):
    import streamlit as st
    from dashboard_support import APP
    from streamlit.testing.v1 import AppTest

    from registry.dashboard import keys

    st.cache_resource.clear()
    client.require_validation_for_production(churn, 7)
    client.release()
    official = hashlib.sha256(OFFICIAL.read_bytes()).hexdigest()
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(page="model", model=churn, version="1")
    at.run()
    at.text_input(key=keys.MODEL_POLICY_TEST_SET).input("not-a-hash")
    at.button(key=f"FormSubmitter:{keys.MODEL_POLICY_FORM}-Review policy").click().run()
    assert at.button(key=keys.MODEL_CONFIRM_OK).disabled
    at.text_input(key=keys.MODEL_POLICY_TEST_SET).input(official)
    at.button(key=f"FormSubmitter:{keys.MODEL_POLICY_FORM}-Review policy").click().run()
    assert any(official in m.value for m in at.markdown)  # the plan shows the change
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert not at.exception
    assert client.get_validation_policy(churn).test_set == official
    assert any(f"on the test set `{official[:12]}…`" in m.value for m in at.markdown)
    st.cache_resource.clear()
