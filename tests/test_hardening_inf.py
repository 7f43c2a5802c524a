"""Infinite values in a model input (inf, -inf, 1e999) are reported like empty ones: the
column and the rows, never scikit-learn's raw ValueError."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from validation_support import churn_model, sample_csv, wrap

from registry.artifacts.blobs import BlobStore
from registry.artifacts.model_files import save_sklearn_model
from registry.artifacts.pyfunc_model import PyFuncModel
from registry.errors import SchemaMismatchError, ValidationInputError
from registry.validation import engine as validation
from registry.validation.uploads import read_upload

CHURN = sample_csv("churn_test.csv")


@pytest.fixture(scope="module")
def churn(tmp_path_factory):
    return wrap(tmp_path_factory.mktemp("churn"), churn_model())


def _with_rows(column: str, rows: list[int], values: list, dtype=None) -> pd.DataFrame:
    data = CHURN.astype({column: dtype}) if dtype else CHURN.copy()
    data.loc[rows, column] = values
    return data


@pytest.mark.parametrize(
    ("data", "column", "words"),
    [
        pytest.param(
            _with_rows("monthly_charges", [2, 4], [np.inf, -np.inf]),
            "monthly_charges",
            "infinite values in 2 rows: inf (row 3), -inf (row 5)",
            id="float column",
        ),
        pytest.param(
            _with_rows("support_calls", [7], [np.inf], float),
            "support_calls",
            "infinite values in 1 row: inf (row 8)",
            id="int input given as floats",
        ),
        pytest.param(
            _with_rows("tenure_months", [0, 1], ["1e999", "-inf"], str),
            "tenure_months",
            "infinite values in 2 rows: inf (row 1), -inf (row 2)",
            id="int input given as text",
        ),
    ],
)
def test_infinite_inputs_are_reported_with_their_column_and_rows(churn, data, column, words):
    found = [p for p in validation.check_data(churn, data, "churned") if words in p.message]
    assert [(p.severity, p.column) for p in found] == [("error", column)]
    with pytest.raises(ValidationInputError, match="cannot be used") as caught:
        validation.evaluate(churn, data, "churned")
    assert found[0] in caught.value.problems


def test_an_uploaded_csv_with_inf_and_1e999_is_reported(churn):
    text = CHURN.head(20).to_csv(index=False).splitlines()
    header = text[0].split(",")
    where = header.index("monthly_charges")
    for line, value in ((1, "inf"), (4, "1e999"), (9, "-inf")):
        cells = text[line].split(",")
        cells[where] = value
        text[line] = ",".join(cells)
    upload = read_upload("\n".join(text).encode(), "test.csv")
    with pytest.raises(ValidationInputError) as caught:
        validation.evaluate(churn, upload.frame, "churned")
    [problem] = [p for p in caught.value.problems if p.column == "monthly_charges"]
    assert "infinite values in 3 rows: inf (row 1), inf (row 4), -inf (row 9)" in problem.message


def test_predict_names_the_infinite_column(tmp_path):
    x = pd.DataFrame({"a": [0.0, 1, 2, 3], "b": [1.0, 0, 1, 0]})
    blobs = BlobStore(tmp_path / "artifacts")
    model = LogisticRegression().fit(x, [0, 1, 0, 1])
    loaded = PyFuncModel.load(blobs, save_sklearn_model(blobs, model, x))
    # inf and -inf in one call make scikit-learn warn first (inf + -inf), an error here.
    with pytest.raises(SchemaMismatchError, match=r"infinite values in column 'b' \(2 rows\)"):
        loaded.predict(x.assign(b=[1.0, np.inf, np.inf, 0]))
    with pytest.raises(SchemaMismatchError, match=r"infinite values in column 'a' \(1 row\)"):
        loaded.predict_proba(x.assign(a=[0.0, 1, -np.inf, 3]).to_numpy())
    assert loaded.predict(x).tolist() == model.predict(x).tolist()
