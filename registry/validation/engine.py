"""The validation engine: check test data against a model, predict in chunks, score.

``evaluate`` is what ``RegistryClient.validate_model_version`` runs between loading the
version and storing its record:

1. check the table (validation_checks): errors raise ValidationInputError with every
   problem, warnings travel with the result;
2. predict in chunks of ``chunk_rows`` rows, reporting ``on_progress(done_rows, total_rows)``
   after each one, with BLAS/OpenMP limited to ``threads`` threads;
3. compute the task's metrics (registry.validation.metrics).

The task comes from the estimator: a classifier with two classes is "binary", with more
"multiclass"; a regressor is "regression".
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import is_classifier, is_regressor
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from threadpoolctl import threadpool_limits

from registry.artifacts.pyfunc_model import PyFuncModel
from registry.errors import InvalidArgumentError, SchemaMismatchError, ValidationInputError
from registry.validation import data_checks as checks
from registry.validation.metrics import Scores, classification_scores, regression_scores
from registry.validation.records import Problem, ValidationRecord

CHUNK_ROWS = 200_000
_PROBE_ROWS = 50
_CANNOT = "The data cannot be used for validation"
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, eq=False)
class Evaluation:
    """What the engine found: task, metrics, JSON-ready details and the warnings."""

    task: str
    metrics: dict[str, float]
    details: dict[str, Any]
    warnings: tuple[Problem, ...]
    residuals: pd.DataFrame | None
    num_rows: int
    num_columns: int


@dataclass(frozen=True, eq=False)
class ValidationResult:
    """A stored validation record plus what is only kept for display: the warnings about
    the data and, for regression, a sample of residuals (row, actual, predicted, residual)."""

    record: ValidationRecord
    warnings: tuple[Problem, ...] = ()
    residuals: pd.DataFrame | None = None

    @property
    def passed(self) -> bool | None:
        return self.record.passed

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def metrics(self) -> dict[str, float]:
        return self.record.metrics


@dataclass
class _Prepared:
    task: str
    inputs: pd.DataFrame
    y: np.ndarray
    classes: np.ndarray | None
    warnings: list[Problem]


def model_task(estimator: Any) -> str:
    """ "binary", "multiclass" or "regression"; raises InvalidArgumentError for other models."""
    if is_classifier(estimator):
        classes = getattr(estimator, "classes_", None)
        return "multiclass" if classes is not None and len(classes) > 2 else "binary"
    if is_regressor(estimator):
        return "regression"
    raise InvalidArgumentError(
        f"{type(estimator).__name__} is neither a classifier nor a regressor; validation "
        "computes classification or regression metrics only"
    )


def default_threads() -> int:
    """REGISTRY_VALIDATION_THREADS, else half the cores (1 to 4): the rest stay free for the
    dashboard and other work, and OpenMP slows down badly when its threads must wait."""
    configured = os.environ.get("REGISTRY_VALIDATION_THREADS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(4, (os.cpu_count() or 2) // 2))


def check_data(model: PyFuncModel, data: pd.DataFrame, target: str) -> list[Problem]:
    """Every problem ``data`` has for validating ``model`` on ``target`` (nothing raised)."""
    try:
        return _prepare(model, data, target).warnings
    except ValidationInputError as e:
        return e.problems


def evaluate(
    model: PyFuncModel,
    data: pd.DataFrame,
    target: str,
    *,
    on_progress: ProgressCallback | None = None,
    chunk_rows: int = CHUNK_ROWS,
    threads: int | None = None,
) -> Evaluation:
    """Check ``data``, predict on it and score the predictions against column ``target``.

    Raises ValidationInputError (with ``problems``) when the data cannot be used, and
    InvalidArgumentError when the model is neither a classifier nor a regressor. An
    exception raised by ``on_progress`` stops the run.
    """
    if not isinstance(data, pd.DataFrame):
        raise InvalidArgumentError(
            f"Pass the test data as a pandas DataFrame, not {type(data).__name__}"
        )
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise InvalidArgumentError(
            f"chunk_rows must be a positive whole number, got {chunk_rows!r}"
        )
    with threadpool_limits(limits=threads or default_threads()):
        prepared = _prepare(model, data, target)
        predicted, proba = _predict(model, prepared, chunk_rows, on_progress)
        scores = _score(prepared, predicted, proba)
    warnings = tuple(prepared.warnings)
    details = {**scores.details, "warnings": [w.to_dict() for w in warnings]}
    return Evaluation(
        prepared.task, scores.metrics, details, warnings, scores.residuals, *data.shape
    )


def _prepare(model: PyFuncModel, data: pd.DataFrame, target: str) -> _Prepared:
    """The model inputs and target of ``data``; raises ValidationInputError listing every error."""
    estimator = model.get_raw_model()
    task = model_task(estimator)
    data = _with_text_labels(data)
    problems = checks.frame_problems(data, target)
    checks.raise_for_errors(problems, _CANNOT)
    signature = model.metadata.signature
    found = checks.input_problems(data, target, signature.inputs if signature else None)
    problems += found.problems
    classes = getattr(estimator, "classes_", None) if task != "regression" else None
    if task == "regression":
        y, target_problems = checks.regression_target(data[target], target)
    elif classes is not None:
        classes = np.asarray(classes)
        y, target_problems = checks.target_classes(data[target], target, classes)
    else:
        y, target_problems = data[target].to_numpy(), []
    problems += target_problems
    inputs = None if _has_errors(problems) else data[found.features].assign(**found.conversions)
    if found.empty:
        accepted = _takes_empty_values(model, inputs, found)
        problems += checks.empty_value_problems(found, accepted)
    checks.raise_for_errors(problems, _CANNOT)
    warnings = [p for p in problems if p.severity == "warning"]
    return _Prepared(task, inputs, y, classes, warnings)


def _with_text_labels(data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with every column label as text (signatures name columns by text)."""
    if all(isinstance(c, str) for c in data.columns):
        return data
    return data.set_axis([str(c) for c in data.columns], axis=1)


def _has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def _takes_empty_values(model: PyFuncModel, inputs: pd.DataFrame | None, found: Any) -> bool:
    """Whether ``model`` predicts on rows with empty values: tried on a few of them, or, when
    other problems prevent that, as scikit-learn's ``allow_nan`` tag says."""
    if inputs is None:
        try:
            return bool(get_tags(model.get_raw_model()).input_tags.allow_nan)
        except (AttributeError, TypeError, ValueError):
            return False
    rows = np.zeros(len(inputs), dtype=bool)
    for empty in found.empty.values():
        rows |= empty
    try:
        model.predict(inputs.iloc[np.flatnonzero(rows)[:_PROBE_ROWS]])
    except (ValueError, TypeError):
        return False
    return True


def _predict(
    model: PyFuncModel, prepared: _Prepared, chunk_rows: int, on_progress: ProgressCallback | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Predictions (and class probabilities, when the model gives them) chunk by chunk."""
    run = _predictor(model.get_raw_model(), prepared.classes is not None)
    total = len(prepared.inputs)
    predicted, proba = [], []
    for start in range(0, total, chunk_rows):
        chunk = prepared.inputs.iloc[start : start + chunk_rows]
        try:
            labels, scores = run(model.prepare(chunk))
        except SchemaMismatchError as e:
            problem = checks.error(None, str(e))
            raise ValidationInputError(str(e), problems=[problem]) from e
        predicted.append(np.asarray(labels))
        if scores is not None:
            proba.append(np.asarray(scores))
        if on_progress is not None:
            on_progress(min(start + chunk_rows, total), total)
    labels = np.concatenate(predicted)
    if labels.ndim != 1:
        raise InvalidArgumentError(
            f"The model predicts {labels.shape[1]} outputs per row; validation scores "
            "models with one output"
        )
    return labels, (np.concatenate(proba) if proba else None)


def _predictor(estimator: Any, wants_proba: bool) -> Callable[[Any], tuple[Any, Any]]:
    """A function of the inputs giving (labels, probabilities or None).

    With a Pipeline, the steps before the last transform each chunk once for both calls,
    exactly as Pipeline.predict and Pipeline.predict_proba would each do.
    """
    if not (wants_proba and hasattr(estimator, "predict_proba")):
        return lambda x: (estimator.predict(x), None)
    if isinstance(estimator, Pipeline) and len(estimator) > 1:
        head, final = estimator[:-1], estimator[-1]

        def run(x: Any) -> tuple[Any, Any]:
            transformed = head.transform(x)
            return final.predict(transformed), final.predict_proba(transformed)

        return run
    return lambda x: (estimator.predict(x), estimator.predict_proba(x))


def _score(prepared: _Prepared, predicted: np.ndarray, proba: np.ndarray | None) -> Scores:
    if prepared.task == "regression":
        guesses = predicted.astype(float)
        if np.isnan(guesses).any():
            raise InvalidArgumentError(
                f"The model predicted no value (NaN) for {int(np.isnan(guesses).sum())} rows; "
                "metrics cannot be computed"
            )
        return regression_scores(prepared.y, guesses)
    classes = prepared.classes
    if classes is None:  # a classifier without classes_: take the labels from the data
        classes = np.unique(np.concatenate([prepared.y, predicted]))
        proba = None
    return classification_scores(prepared.y, predicted, proba, classes)


def frame_sha256(data: pd.DataFrame) -> str:
    """A sha256 of a DataFrame's content: its column names, dtypes and row hashes (pandas'
    ``hash_pandas_object``), for data that did not come from a file."""
    digest = hashlib.sha256()
    header = [[str(c), str(t)] for c, t in zip(data.columns, data.dtypes, strict=True)]
    digest.update(json.dumps(header).encode())
    digest.update(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
