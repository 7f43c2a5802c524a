"""Metrics of a model's predictions against the true target, by task.

Classification: accuracy, precision, recall and F1 (binary: of the positive class, the larger
label, e.g. 1 of 0/1 or "yes" of "no"/"yes"; macro and weighted averages for every task), ROC
AUC when the model has ``predict_proba`` (binary; multiclass one-vs-rest, macro), PR AUC
(average precision, binary) and the confusion matrix. Regression: RMSE, MAE, R², residual
statistics and a bounded sample of (actual, predicted, residual) for plotting.

The counting metrics are read off one confusion matrix, built in a single pass over the
rows; they equal scikit-learn's ``precision_recall_fscore_support`` with ``zero_division=0``
(averages over the labels present in the target or the predictions, as scikit-learn does).
Ranking and regression metrics are scikit-learn's own functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

RESIDUAL_SAMPLE = 5000
MAX_MATRIX_CLASSES = 100


@dataclass(frozen=True, eq=False)
class Scores:
    """Metric values, JSON-ready details (confusion matrix, notes) and, for regression, a
    sample of residuals for plotting."""

    metrics: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)
    residuals: pd.DataFrame | None = None


def encode(values: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of each value in ``classes``, whether it was found there)."""
    sorter = np.argsort(classes, kind="stable")
    position = np.searchsorted(classes, values, sorter=sorter).clip(0, len(classes) - 1)
    index = sorter[position]
    return index, classes[index] == values


def positive_index(classes: np.ndarray) -> int:
    """The positive class of a binary model: the larger label."""
    return int(np.argsort(classes, kind="stable")[-1])


def classification_scores(
    y_true: np.ndarray, predicted: np.ndarray, proba: np.ndarray | None, classes: np.ndarray
) -> Scores:
    """Scores of ``predicted`` labels (and class probabilities ``proba``, columns in the order
    of ``classes``) against ``y_true``, whose labels must all be in ``classes``."""
    truth, _ = encode(y_true, classes)
    guess, found = encode(predicted, classes)
    labels = classes
    if not found.all():  # the model predicted a label outside its classes_: count it too
        extra = pd.unique(predicted[~found])
        labels = np.concatenate([classes, extra])
        guess, _ = encode(predicted, labels)
    k = len(labels)
    matrix = np.bincount(truth * k + guess, minlength=k * k).reshape(k, k)
    binary = len(classes) == 2
    pos = positive_index(classes) if binary else None
    values = counting_metrics(matrix, pos)
    notes: list[str] = []
    if proba is not None:
        values |= _ranking_metrics(truth, proba, len(classes), pos, notes)
    details: dict[str, Any] = {"notes": notes}
    if binary:
        details["positive_class"] = json_label(classes[pos])
    if k <= MAX_MATRIX_CLASSES:
        details["confusion_matrix"] = {
            "labels": [json_label(v) for v in labels],
            "matrix": matrix.tolist(),
        }
    else:
        notes.append(
            f"The confusion matrix of {k} classes is not kept (limit {MAX_MATRIX_CLASSES})"
        )
    return Scores(values, details)


def counting_metrics(matrix: np.ndarray, pos: int | None) -> dict[str, float]:
    """Accuracy, precision, recall and F1 from a confusion matrix (rows: truth)."""
    tp = np.diag(matrix).astype(float)
    support, chosen = matrix.sum(axis=1), matrix.sum(axis=0)
    per_class = {
        "precision": _ratio(tp, chosen),
        "recall": _ratio(tp, support),
        "f1": _ratio(2 * tp, support + chosen),
    }
    present = (support + chosen) > 0
    values = {"accuracy": float(tp.sum() / matrix.sum())}
    if pos is not None:
        values |= {name: float(scores[pos]) for name, scores in per_class.items()}
    for name, scores in per_class.items():
        values[f"{name}_macro"] = float(scores[present].mean())
    for name, scores in per_class.items():
        values[f"{name}_weighted"] = float(np.average(scores, weights=support))
    return values


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    out = np.zeros_like(top, dtype=float)
    np.divide(top, bottom, out=out, where=bottom > 0)
    return out


def _ranking_metrics(
    truth: np.ndarray, proba: np.ndarray, k: int, pos: int | None, notes: list[str]
) -> dict[str, float]:
    """ROC AUC (and PR AUC for binary) from class probabilities."""
    present = np.flatnonzero(np.bincount(truth, minlength=k))
    if len(present) < 2:
        notes.append("ROC AUC needs at least two classes in the target; it was not computed")
        return {}
    if pos is not None:
        hit = truth == pos
        return {
            "roc_auc": float(skm.roc_auc_score(hit, proba[:, pos])),
            "pr_auc": float(skm.average_precision_score(hit, proba[:, pos])),
        }
    if len(present) == k:
        auc = skm.roc_auc_score(truth, proba, multi_class="ovr", labels=np.arange(k))
        return {"roc_auc": float(auc)}
    notes.append(
        f"roc_auc is the one-vs-rest mean over the {len(present)} classes present in the target "
        f"(the model has {k})"
    )
    return {
        "roc_auc": float(np.mean([skm.roc_auc_score(truth == c, proba[:, c]) for c in present]))
    }


def regression_scores(y_true: np.ndarray, predicted: np.ndarray, seed: int = 0) -> Scores:
    """RMSE, MAE, R², residual statistics and a sample of at most RESIDUAL_SAMPLE points."""
    actual = np.asarray(y_true, dtype=float)
    guess = np.asarray(predicted, dtype=float)
    values = {
        "rmse": float(skm.root_mean_squared_error(actual, guess)),
        "mae": float(skm.mean_absolute_error(actual, guess)),
        "r2": float(skm.r2_score(actual, guess)),
    }
    residual = actual - guess
    p05, p50, p95 = np.percentile(residual, [5, 50, 95])
    stats = {"mean": float(residual.mean()), "std": float(residual.std()), "p05": float(p05)}
    stats |= {"p50": float(p50), "p95": float(p95)}
    rows = np.arange(len(actual))
    if len(actual) > RESIDUAL_SAMPLE:
        rows = np.sort(np.random.default_rng(seed).choice(len(actual), RESIDUAL_SAMPLE, False))
    sample = pd.DataFrame(
        {
            "row": rows + 1,
            "actual": actual[rows],
            "predicted": guess[rows],
            "residual": residual[rows],
        }
    )
    return Scores(values, {"notes": [], "residuals": stats}, sample)


def json_label(value: Any) -> Any:
    """A class label as a JSON value (numpy scalars as Python numbers, others as text)."""
    if isinstance(value, np.generic):
        value = value.item()
    return value if isinstance(value, bool | int | float | str) or value is None else str(value)
