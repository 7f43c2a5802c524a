"""A loaded model with a uniform predict, checked against the model's input signature.

Input checks cost a look at the column names and dtypes, never a pass over the rows: columns
already in order and of the signature's dtypes reach the estimator uncopied. Only when the
estimator refuses the input are its values looked at, to name the columns holding inf or -inf.

Casting rules (input dtype -> signature dtype): bool and integers are cast into a float column,
integers into a wider integer column, string-like columns (str, string, object) into a category
column, datetimes into another unit. Floats of another width, string-like or category columns
for a string column, and anything for an object column pass unchanged (scikit-learn converts
those itself). Everything else, such as strings into float64 or floats into int64, is a mismatch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionDtype
from pandas.api.types import (
    is_bool_dtype,
    is_datetime64_any_dtype,
    is_float_dtype,
    is_integer_dtype,
    is_string_dtype,
    pandas_dtype,
)
from sklearn.utils.metaestimators import available_if

from registry.artifacts.blobs import BlobStore
from registry.artifacts.code_model import CODE_FLAVOR, CodeModel, load_code_model
from registry.artifacts.model_files import Manifest, load_sklearn_model
from registry.errors import SchemaMismatchError

_OK, _CAST = "ok", "cast"


def _kind(dtype: Any) -> str:
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if dtype == np.dtype(object):
        return "object"
    for kind, test in (
        ("bool", is_bool_dtype),
        ("int", is_integer_dtype),
        ("float", is_float_dtype),
        ("datetime", is_datetime64_any_dtype),
        ("string", is_string_dtype),
    ):
        if test(dtype):
            return kind
    return "other"


def _int_widens(actual: Any, expected: Any) -> bool:
    if isinstance(expected, ExtensionDtype):  # nullable integers hold any integer
        return True
    return not isinstance(actual, ExtensionDtype) and np.can_cast(actual, expected, "safe")


def _fit(actual: Any, expected: Any) -> str | None:
    """_OK, _CAST, or None when a column of dtype ``actual`` cannot feed ``expected``."""
    if actual == expected:
        return _OK
    have, want = _kind(actual), _kind(expected)
    textual = ("string", "object", "category")
    if want == "object" or (want == "string" and have in textual) or want == have == "float":
        return _OK
    if (
        (want == "float" and have in ("bool", "int"))
        or (want == "int" and have in ("bool", "int") and _int_widens(actual, expected))
        or (want == "category" and have in textual)
        or (want == have and want in ("bool", "datetime"))
    ):
        return _CAST
    return None


class PyFuncModel:
    """A scikit-learn model, or a models-from-code one, with its manifest; ``predict`` checks
    input against the signature."""

    def __init__(self, model: Any, manifest: Manifest):
        self._model = model
        self._manifest = manifest
        signature = manifest.signature
        self._names = signature.names if signature else None
        self._dtypes = [pandas_dtype(c.dtype) for c in signature.inputs] if signature else None
        # Fitted on a DataFrame: it wants one with these column names; else a plain array.
        # Code models get a DataFrame, as MLflow's pyfunc gives them.
        self._wants_frame = hasattr(model, "feature_names_in_") or isinstance(model, CodeModel)
        self._index = set(self._names or ())
        common = set(self._dtypes or ())
        # The numpy dtype of every column, if they share one: arrays are checked as a whole.
        self._common = common.pop() if len(common) == 1 else None
        if isinstance(self._common, ExtensionDtype):
            self._common = None

    @classmethod
    def load(
        cls, blobs: BlobStore, manifest: Manifest, trusted: Iterable[str | type] | None = None
    ) -> PyFuncModel:
        """Load the model a manifest describes (see ``load_sklearn_model``) and wrap it. A
        models-from-code file is run (see ``code_model``): only load those you trust."""
        if manifest.flavor == CODE_FLAVOR:
            code = load_code_model(
                blobs, manifest.sha256, manifest.model_class, manifest.model_config
            )
            return cls(code, manifest)
        return cls(load_sklearn_model(blobs, manifest, trusted), manifest)

    @property
    def metadata(self) -> Manifest:
        return self._manifest

    def get_raw_model(self) -> Any:
        """The underlying estimator, or the PythonModel a models-from-code file set."""
        return self._model.python_model if isinstance(self._model, CodeModel) else self._model

    unwrap_python_model = get_raw_model

    def predict(self, data: Any) -> Any:
        """Predict on a DataFrame, a 2-D array, a 1-D array (one row) or a list of dicts.

        Raises SchemaMismatchError listing every way ``data`` does not fit the signature,
        or naming the columns with infinite values when the estimator cannot take them.
        """
        prepared = self.prepare(data)
        try:
            return self._model.predict(prepared)
        except ValueError as error:
            self._raise_for_infinite(prepared, error)
            raise

    @available_if(lambda self: hasattr(self._model, "predict_proba"))
    def predict_proba(self, data: Any) -> Any:
        """Class probabilities, for estimators that have ``predict_proba``."""
        prepared = self.prepare(data)
        try:
            return self._model.predict_proba(prepared)
        except ValueError as error:
            self._raise_for_infinite(prepared, error)
            raise

    def prepare(self, data: Any) -> Any:
        """``data`` checked, reordered and cast for the estimator; unchanged without signature."""
        if self._names is None:
            return data
        if isinstance(data, pd.DataFrame):
            return self._from_frame(data)
        if isinstance(data, np.ndarray):
            return self._from_array(data)
        if isinstance(data, list) and data and all(isinstance(row, dict) for row in data):
            return self._from_frame(pd.DataFrame(data))
        raise SchemaMismatchError(
            f"cannot predict on a {type(data).__name__} with model {self._manifest.sha256}: "
            "pass a pandas DataFrame, a numpy array or a list of dicts"
        )

    def _from_frame(self, df: pd.DataFrame) -> Any:
        labels = df.columns.tolist()
        names = [str(label) for label in labels]
        dtypes = df.dtypes.tolist()
        if names == self._names and dtypes == self._dtypes:  # the common case: nothing to do
            return df if self._wants_frame else df.to_numpy()
        casts = self._check_columns(names, dtypes)
        label_of = dict(zip(names, labels, strict=True))
        order = [label_of[name] for name in self._names]
        if labels != order:
            df = df[order]
        if casts and self._common is not None:  # cast and consolidate in one pass
            array = df.to_numpy(dtype=self._common)
            if not self._wants_frame:
                return array
            return pd.DataFrame(array, columns=self._names, copy=False)
        if casts:
            df = df.astype({label_of[name]: dtype for name, dtype in casts.items()})
        if not self._wants_frame:
            return df.to_numpy()
        return df if order == self._names else df.set_axis(self._names, axis=1)

    def _check_columns(self, names: list[str], dtypes: list[Any]) -> dict[str, Any]:
        """The casts the columns need; raises SchemaMismatchError listing every problem."""
        actual = dict(zip(names, dtypes, strict=True))
        problems = ["duplicate column names"] if len(actual) != len(names) else []
        missing = [name for name in self._names if name not in actual]
        unexpected = [name for name in actual if name not in self._index]
        if missing:
            problems.append(f"missing columns: {_quoted(missing)}")
        if unexpected:
            problems.append(f"unexpected columns: {_quoted(unexpected)}")
        casts = {}
        for name, expected in zip(self._names, self._dtypes, strict=True):
            verdict = _fit(actual[name], expected) if name in actual else _OK
            if verdict is None:
                problems.append(f"column '{name}': expected {expected}, got {actual[name]}")
            elif verdict == _CAST:
                casts[name] = expected
        self._raise(problems)
        return casts

    def _from_array(self, array: np.ndarray) -> Any:
        if array.ndim == 1:
            array = array.reshape(1, -1)
        width = len(self._names)
        if array.ndim != 2 or array.shape[1] != width:
            self._raise(
                [
                    f"expected {width} columns ({_quoted(self._names)}), got shape "
                    f"{array.shape}; a 1-D array is one row, use reshape(-1, 1) for a column"
                ]
            )
        if self._wants_frame or self._common is None:
            return self._from_frame(pd.DataFrame(array, columns=self._names, copy=False))
        verdict = _fit(array.dtype, self._common)
        if verdict is None:
            problem = f"columns {_quoted(self._names)}: expected {self._common}, got {array.dtype}"
            self._raise([problem])
        return array.astype(self._common) if verdict == _CAST else array

    def _raise_for_infinite(self, prepared: Any, cause: ValueError) -> None:
        """Raise SchemaMismatchError naming the columns of ``prepared`` that hold inf or -inf,
        the likely reason the estimator raised ``cause``; return when there are none."""
        if isinstance(prepared, pd.DataFrame):
            names = [str(label) for label in prepared.columns]
            columns = [prepared.iloc[:, i] for i in range(prepared.shape[1])]
        elif isinstance(prepared, np.ndarray) and prepared.ndim == 2:
            names = self._names or [str(i) for i in range(prepared.shape[1])]
            columns = [pd.Series(prepared[:, i]) for i in range(prepared.shape[1])]
        else:
            return
        found = []
        for name, column in zip(names, columns, strict=True):
            if _kind(column.dtype) == "float":
                count = int(np.isinf(column.to_numpy(dtype=float, na_value=np.nan)).sum())
                if count:
                    found.append(f"column '{name}' ({count} row{'s' if count > 1 else ''})")
        if found:
            model = self._manifest.model_class
            raise SchemaMismatchError(
                f"input to model {self._manifest.sha256} ({model}) has infinite values in "
                f"{', '.join(found)}; {model} cannot predict with them: replace them with "
                "finite numbers or drop those rows"
            ) from cause

    def _raise(self, problems: list[str]) -> None:
        if problems:
            raise SchemaMismatchError(
                f"input does not match the signature of model {self._manifest.sha256} "
                f"({self._manifest.model_class}): " + "; ".join(problems)
            )

    def __repr__(self) -> str:
        return f"PyFuncModel({self._manifest.model_class}, sha256={self._manifest.sha256[:12]})"


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)
