"""PyFuncModel: predictions through the signature checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.datasets import make_classification
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from registry.artifacts.blobs import BlobStore
from registry.artifacts.model_files import save_sklearn_model
from registry.artifacts.pyfunc_model import _CAST, _OK, PyFuncModel, _fit
from registry.errors import SchemaMismatchError

X, Y = make_classification(n_samples=200, n_features=3, n_informative=3, n_redundant=0)
COLUMNS = ["a", "b", "c"]
DF = pd.DataFrame(X, columns=COLUMNS)


@pytest.fixture
def blobs(tmp_path):
    return BlobStore(tmp_path / "artifacts")


def wrap(blobs, model, example=None, signature=None) -> PyFuncModel:
    return PyFuncModel.load(blobs, save_sklearn_model(blobs, model, example, signature))


@pytest.fixture
def frame_model(blobs):
    """Fitted on a DataFrame with columns a, b, c (float64)."""
    return wrap(blobs, LogisticRegression().fit(DF, Y), DF.head())


@pytest.fixture
def array_model(blobs):
    """Fitted on a plain array; its signature names the columns "0", "1", "2"."""
    return wrap(blobs, LogisticRegression().fit(X, Y), X[:5])


def test_predict_dataframe(frame_model):
    expected = frame_model.get_raw_model().predict(DF)
    np.testing.assert_array_equal(frame_model.predict(DF), expected)
    np.testing.assert_array_equal(frame_model.predict(DF[["c", "a", "b"]]), expected)
    np.testing.assert_array_equal(
        frame_model.predict_proba(DF[["b", "c", "a"]]),
        frame_model.get_raw_model().predict_proba(DF),
    )


def test_predict_array_and_records_on_a_frame_model(frame_model):
    expected = frame_model.get_raw_model().predict(DF)
    np.testing.assert_array_equal(frame_model.predict(X), expected)
    np.testing.assert_array_equal(frame_model.predict(DF.to_dict("records")), expected)
    np.testing.assert_array_equal(frame_model.predict(X[0]), expected[:1])


def test_predict_on_an_array_model(array_model):
    expected = array_model.get_raw_model().predict(X)
    np.testing.assert_array_equal(array_model.predict(X), expected)
    np.testing.assert_array_equal(array_model.predict(pd.DataFrame(X)), expected)
    np.testing.assert_array_equal(array_model.predict(X.astype(np.float32)), expected)


def test_ints_are_cast_into_float_columns(frame_model, array_model):
    ints = DF.round().astype("int64")
    expected = frame_model.get_raw_model().predict(ints.astype("float64"))
    np.testing.assert_array_equal(frame_model.predict(ints), expected)
    np.testing.assert_array_equal(array_model.predict(ints.to_numpy()), expected)


def test_matching_input_is_passed_without_a_copy(frame_model, array_model):
    assert frame_model.prepare(DF) is DF
    assert array_model.prepare(X) is X


def test_all_problems_are_listed_together(frame_model):
    bad = DF.drop(columns="b").assign(z=1.0, c=DF["c"].astype(str))
    with pytest.raises(SchemaMismatchError) as err:
        frame_model.predict(bad)
    message = str(err.value)
    sha = frame_model.metadata.sha256
    assert message.startswith(f"input does not match the signature of model {sha} ")
    assert "missing columns: 'b'" in message
    assert "unexpected columns: 'z'" in message
    assert "column 'c': expected float64, got str" in message


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (np.zeros((4, 2)), "expected 3 columns ('a', 'b', 'c'), got shape (4, 2)"),
        (np.zeros((2, 3, 1)), "got shape (2, 3, 1)"),
        (np.array([["x", "y", "z"]]), "column 'a': expected float64, got str"),
        (DF.set_axis(["a", "a", "c"], axis=1), "duplicate column names"),
    ],
)
def test_bad_input_is_refused(frame_model, data, problem):
    with pytest.raises(SchemaMismatchError, match="does not match") as err:
        frame_model.predict(data)
    assert problem in str(err.value)


def test_strings_into_an_array_model_are_refused(array_model):
    with pytest.raises(SchemaMismatchError, match="columns '0', '1', '2': expected float64"):
        array_model.predict(X.astype(str))


@pytest.mark.parametrize("data", ["a,b,c", {"a": 1.0}, [1.0, 2.0, 3.0]])
def test_unsupported_input_types_are_refused(frame_model, data):
    with pytest.raises(SchemaMismatchError, match="pass a pandas DataFrame"):
        frame_model.predict(data)


def test_string_and_category_columns(blobs):
    df = DF.assign(colour=np.array(["red", "blue"] * 100))
    onehot = make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough")
    model = wrap(blobs, make_pipeline(onehot, LogisticRegression()).fit(df, Y), df)
    assert model.metadata.signature.inputs[-1].dtype == "str"
    expected = model.get_raw_model().predict(df)
    for colour in (df["colour"].astype(object), df["colour"].astype("category")):
        np.testing.assert_array_equal(model.predict(df.assign(colour=colour)), expected)


def test_casts_in_a_frame_of_mixed_dtypes(blobs):
    df = DF.round().assign(colour=pd.Categorical(["red", "blue"] * 100))
    onehot = make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough")
    model = wrap(blobs, make_pipeline(onehot, LogisticRegression()).fit(df, Y), df)
    assert [c.dtype for c in model.metadata.signature.inputs] == ["float64"] * 3 + ["category"]
    loose = df.astype({"a": "int64", "b": "int32", "colour": "str"})[["colour", "c", "b", "a"]]
    prepared = model.prepare(loose)
    assert prepared.columns.tolist() == ["a", "b", "c", "colour"]
    assert prepared.dtypes.astype(str).tolist() == ["float64"] * 3 + ["category"]
    np.testing.assert_array_equal(model.predict(loose), model.get_raw_model().predict(df))


def test_without_signature_input_passes_through(blobs):
    model = wrap(blobs, LogisticRegression().fit(X, Y))
    assert model.metadata.signature is None
    assert model.prepare(X[:, :2]) is not None
    np.testing.assert_array_equal(model.predict(X), model.get_raw_model().predict(X))


def test_raw_model_metadata_and_predict_proba_availability(blobs, frame_model):
    assert frame_model.unwrap_python_model() is frame_model.get_raw_model()
    assert isinstance(frame_model.get_raw_model(), LogisticRegression)
    assert frame_model.metadata.signature.names == COLUMNS
    regression = wrap(blobs, LinearRegression().fit(X, X[:, 0]), X)
    assert hasattr(frame_model, "predict_proba") and not hasattr(regression, "predict_proba")


@pytest.mark.parametrize(
    ("actual", "expected", "verdict"),
    [
        ("float64", "float64", _OK),
        ("int64", "float64", _CAST),
        ("bool", "float64", _CAST),
        ("float32", "float64", _OK),
        ("Int64", "float64", _CAST),
        ("int32", "int64", _CAST),
        ("int64", "int32", None),
        ("float64", "int64", None),
        ("str", "float64", None),
        ("object", "float64", None),
        ("str", "object", _OK),
        ("float64", "object", _OK),
        ("object", "str", _OK),
        ("category", "str", _OK),
        ("str", "category", _CAST),
        ("datetime64[s]", "datetime64[ns]", _CAST),
        ("str", "datetime64[ns]", None),
        ("int64", "bool", None),
        ("int64", "str", None),
    ],
)
def test_cast_rules(actual, expected, verdict):
    assert _fit(pd.api.types.pandas_dtype(actual), pd.api.types.pandas_dtype(expected)) == verdict
