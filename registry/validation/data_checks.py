"""Checks of test data before a model is validated on it: one Problem per thing wrong.

Errors stop a validation, warnings are shown with its result. Rows are numbered from 1, the
first data row after the header, as a spreadsheet user counts them.

- The table: duplicate column names, no rows, a single row (error).
- The target: missing, empty in some or all rows, one value in every row (error).
- Model inputs: missing (error), extra columns (warning: ignored), a dtype the model's
  signature cannot take, e.g. text in a numeric column (error, naming the rows), empty
  values (error, or a warning when the model predicts with them), all empty (error),
  infinite values such as inf, -inf or 1e999 (error, naming the rows), one value in every
  row (warning).
- Classes in the target that the model never saw (error).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype, pandas_dtype

from registry.artifacts.model_files import ColumnSpec
from registry.artifacts.pyfunc_model import _fit, _kind  # the casting rules predict applies
from registry.errors import ValidationInputError
from registry.validation.records import Problem

MAX_SHOWN = 5
_NUMERIC = ("bool", "int", "float")
_TEXT = ("string", "object", "category")


def error(column: str | None, message: str) -> Problem:
    return Problem("error", column, message)


def warning(column: str | None, message: str) -> Problem:
    return Problem("warning", column, message)


def raise_for_errors(problems: Iterable[Problem], what: str) -> None:
    """Raise ValidationInputError carrying ``problems`` if any of them is an error."""
    problems = list(problems)
    errors = [p.message for p in problems if p.severity == "error"]
    if errors:
        raise ValidationInputError(f"{what}: " + "; ".join(errors), problems=problems)


def rows_text(mask: np.ndarray) -> str:
    """'row 4' or 'rows 4, 18 and 3 more' for the True positions of ``mask``."""
    where = np.flatnonzero(mask)
    shown = ", ".join(str(i + 1) for i in where[:MAX_SHOWN])
    more = f" and {len(where) - MAX_SHOWN} more" if len(where) > MAX_SHOWN else ""
    return f"row{'s' if len(where) > 1 else ''} {shown}{more}"


def _values_text(values: pd.Series, mask: np.ndarray) -> str:
    """ "'unknown' (row 4), 'seventy' (row 18)" for the first few True positions of ``mask``."""
    where = np.flatnonzero(mask)
    shown = ", ".join(f"{shown_value(values.iloc[i])} (row {i + 1})" for i in where[:MAX_SHOWN])
    return shown + (f" and {len(where) - MAX_SHOWN} more" if len(where) > MAX_SHOWN else "")


def shown_value(value: object) -> str:
    """A cell as people read it: 2.5, 'unknown' (numpy scalars as plain Python values)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _count(mask: np.ndarray) -> str:
    n = int(mask.sum())
    return f"{n} row{'s' if n != 1 else ''}"


def _names(names: Iterable[str]) -> str:
    return ", ".join(repr(n) for n in names)


def _close(name: str, names: list[str]) -> str:
    by_lower = {n.lower(): n for n in names}
    found = [by_lower[name.lower()]] if name.lower() in by_lower else []
    found = found or difflib.get_close_matches(name, names, n=1, cutoff=0.75)
    return f" (did you mean {found[0]!r}?)" if found else ""


def frame_problems(df: pd.DataFrame, target: str | None) -> list[Problem]:
    """Problems that need no model: the table's shape, its column names and the target."""
    names = [str(c) for c in df.columns]
    problems: list[Problem] = []
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        fix = "rename them so each name is unique"
        problems.append(error(None, f"columns appear more than once: {_names(repeated)}; {fix}"))
    if not names:
        problems.append(error(None, "the table has no columns"))
    if len(df) == 0:
        problems.append(error(None, "the table has no data rows, only a header"))
    elif len(df) == 1:
        fix = "metrics need at least 2 (use the whole test set)"
        problems.append(error(None, f"the table has only 1 data row; {fix}"))
    if target is None or repeated or not len(df):
        return problems
    if target not in names:
        shown = _names(names[:20]) + (" ..." if len(names) > 20 else "")
        message = f"the target column {target!r} is missing{_close(target, names)}"
        problems.append(error(target, f"{message}; the columns are {shown}"))
        return problems
    return problems + _target_values(df.iloc[:, names.index(target)], target)


def _target_values(y: pd.Series, target: str) -> list[Problem]:
    empty = y.isna().to_numpy()
    if empty.all():
        return [error(target, f"the target column {target!r} is empty in every row")]
    if empty.any():
        where = f"{_count(empty)} ({rows_text(empty)})"
        fix = "drop those rows or fill in the target"
        return [error(target, f"the target {target!r} is empty in {where}; {fix}")]
    if len(y) > 1 and is_constant(y):
        why = "metrics such as recall, ROC AUC and R² need a test set with varied targets"
        value = shown_value(y.iloc[0])
        return [error(target, f"the target {target!r} is {value} in every row: {why}")]
    return []


def is_constant(values: pd.Series) -> bool:
    """Whether the non-empty values are all equal (there must be one at least)."""
    present = values.dropna() if values.hasnans else values
    return bool((present == present.iloc[0]).all())


@dataclass
class InputCheck:
    """The model inputs found in a table: their names, replacement columns (text read as
    numbers, whole-number floats as integers), the problems seen and the empty cells."""

    features: list[str]
    conversions: dict[str, pd.Series] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    empty: dict[str, np.ndarray] = field(default_factory=dict)


def input_problems(
    df: pd.DataFrame, target: str, specs: tuple[ColumnSpec, ...] | None
) -> InputCheck:
    """Model inputs of ``df`` checked against the signature ``specs`` (None: no signature,
    every column but the target is an input)."""
    names = [str(c) for c in df.columns]
    if specs is None:
        check = InputCheck([n for n in names if n != target])
        why = "every column but the target is passed to it, in the table's order"
        check.problems.append(warning(None, f"the model has no input signature: {why}"))
        for name in check.features:
            _column_values(check, name, df[name])
        return check
    check = InputCheck([spec.name for spec in specs])
    extra = [n for n in names if n not in check.features and n != target]
    if extra:
        message = f"{len(extra)} column(s) are not model inputs and are ignored: {_names(extra)}"
        check.problems.append(warning(None, message))
    for spec in specs:
        if spec.name in names:
            _column_values(check, spec.name, _column_dtype(check, spec, df[spec.name]))
        else:
            message = f"the model input {spec.name!r} ({spec.dtype}) is missing"
            check.problems.append(error(spec.name, message + _close(spec.name, extra)))
    return check


def _column_dtype(check: InputCheck, spec: ColumnSpec, column: pd.Series) -> pd.Series:
    """The column as the model will get it; records a problem or a conversion if needed."""
    expected = pandas_dtype(spec.dtype)
    if _fit(column.dtype, expected) is not None:
        return column
    want, have = _kind(expected), _kind(column.dtype)
    should = f"the model input {spec.name!r} should hold"
    if want in _NUMERIC and have in _TEXT:
        numbers = pd.to_numeric(column.astype(object), errors="coerce")
        text = (numbers.isna() & column.notna()).to_numpy()
        if text.any():
            found = f"text in {_count(text)}: {_values_text(column, text)}"
            check.problems.append(
                error(spec.name, f"{should} numbers ({spec.dtype}) but has {found}")
            )
            return column
        column = numbers
        if _fit(column.dtype, expected) is not None:
            check.conversions[spec.name] = column
            return column
        have = _kind(column.dtype)
    if want == "int" and have == "float":
        values = column.to_numpy(dtype=float)
        fractional = ~np.isnan(values) & (values != np.round(values))
        if fractional.any():
            found = f"decimals: {_values_text(column, fractional)}"
            check.problems.append(
                error(spec.name, f"{should} whole numbers ({spec.dtype}) but has {found}")
            )
        elif np.isfinite(values).all():  # else empty or infinite values are the problem
            check.conversions[spec.name] = column.astype(expected)
        return column
    check.problems.append(error(spec.name, f"{should} {spec.dtype} values but is {column.dtype}"))
    return column


def _column_values(check: InputCheck, name: str, column: pd.Series) -> None:
    empty = column.isna().to_numpy()
    if empty.all():
        check.problems.append(error(name, f"the model input {name!r} is empty in every row"))
        return
    if empty.any():
        check.empty[name] = empty
    if _kind(column.dtype) == "float":
        infinite = np.isinf(column.to_numpy(dtype=float, na_value=np.nan))
        if infinite.any():
            found = f"infinite values in {_count(infinite)}: {_values_text(column, infinite)}"
            fix = "replace them with finite numbers or drop those rows"
            check.problems.append(error(name, f"the model input {name!r} has {found}; {fix}"))
    if len(column) > 1 and is_constant(column):
        value = column.dropna().iloc[0]
        message = f"the model input {name!r} is {shown_value(value)} in every row"
        check.problems.append(warning(name, message + "; the metrics may not reflect varied data"))


def empty_value_problems(check: InputCheck, accepted: bool) -> list[Problem]:
    """A problem per input with some empty values: an error, or a warning when the model
    was seen to predict with them (``accepted``)."""
    problems = []
    for name, empty in check.empty.items():
        message = f"the model input {name!r} is empty in {_count(empty)} ({rows_text(empty)})"
        if accepted:
            problems.append(warning(name, message + "; the model predicts with empty values"))
        else:
            problems.append(error(name, message + "; fill them in or drop those rows"))
    return problems


def target_classes(
    y: pd.Series, target: str, classes: np.ndarray
) -> tuple[np.ndarray, list[Problem]]:
    """The target as values comparable with the model's ``classes``, and an error naming the
    classes it never saw, if any."""
    values = _comparable(y, classes)
    known = set(classes.tolist())
    unseen = [v for v in pd.unique(values).tolist() if v not in known]
    if not unseen:
        return values, []
    counts = pd.Series(values).value_counts()
    shown = ", ".join(f"{v!r} ({counts[v]} rows)" for v in unseen[:MAX_SHOWN])
    more = f" and {len(unseen) - MAX_SHOWN} more" if len(unseen) > MAX_SHOWN else ""
    message = (
        f"the target {target!r} has classes the model never saw: {shown}{more}; the "
        f"model knows {_names(classes.tolist()[:20])}. Drop those rows or check that "
        f"{target!r} is the right target column"
    )
    return values, [error(target, message)]


def _comparable(y: pd.Series, classes: np.ndarray) -> np.ndarray:
    """``y`` converted to the classes' kind when that loses nothing (text '1' for 1, ...)."""
    have, want = _kind(y.dtype), _kind(classes.dtype)
    if have in _TEXT and want in _NUMERIC:
        numbers = pd.to_numeric(y.astype(object), errors="coerce")
        if not numbers.isna().any():
            return numbers.to_numpy()
    if have in _NUMERIC and want in _TEXT:
        return y.astype(str).to_numpy(dtype=object)
    return y.to_numpy(dtype=object) if have in _TEXT else y.to_numpy()


def regression_target(y: pd.Series, target: str) -> tuple[np.ndarray, list[Problem]]:
    """The target as floats, or an error naming the rows that are not numbers."""
    if is_numeric_dtype(y.dtype):
        return y.to_numpy(dtype=float), []
    numbers = pd.to_numeric(y.astype(object), errors="coerce")
    text = (numbers.isna() & y.notna()).to_numpy()
    if text.any():
        return numbers.to_numpy(dtype=float), [
            error(
                target,
                f"the target {target!r} of a regression model should hold numbers but "
                f"has text in {_count(text)}: {_values_text(y, text)}",
            )
        ]
    return numbers.to_numpy(dtype=float), []
