"""Validate asks for the target column when the test data has none the model does not take
as input, instead of silently judging the model against its last input (issue 14, item 9)."""

from __future__ import annotations

import pandas as pd
import pytest
from dashboard_support import APP
from streamlit.testing.v1 import AppTest
from validation_support import SAMPLE_DATA, churn_model, register

from registry.dashboard import validate as vd


@pytest.fixture
def churn(client):
    register("churn", churn_model())
    client.release()
    return "churn"


def _page_with(data: bytes, name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("pages/validate.py").run()
    at.file_uploader(key=vd.VALIDATE_UPLOAD).set_value((name, data, "text/csv")).run()
    at.selectbox(key=vd.VALIDATE_MODEL).select("churn").run()
    return at


def test_test_data_without_the_truth_makes_the_page_ask(churn):
    inputs_only = pd.read_csv(SAMPLE_DATA / "churn_test.csv").drop(columns="churned")
    at = _page_with(inputs_only.to_csv(index=False).encode(), "inputs.csv")
    assert not at.exception
    assert at.selectbox(key=f"{vd.VALIDATE_TARGET}_churn").value is None
    assert any("none of them holds the true values" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == vd.VALIDATE_RUN]


def test_the_column_outside_the_inputs_is_still_chosen(churn):
    at = _page_with((SAMPLE_DATA / "churn_test.csv").read_bytes(), "churn_test.csv")
    assert at.selectbox(key=f"{vd.VALIDATE_TARGET}_churn").value == "churned"


@pytest.mark.parametrize(
    ("columns", "signature", "expected"),
    [(["a", "b", "y"], ["a", "b"], 2), (["y", "a"], ["a"], 0), (["a", "b"], ["a", "b"], None)],
)
def test_default_target(columns, signature, expected):
    assert vd.default_target(columns, signature) == expected
