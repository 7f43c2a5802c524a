"""Fit the demo's candidate models and score them on the held-out part of their table.

Each candidate also gets a short metric history: a learning curve over boosting iterations or
trees on the evaluation set for ensembles, and 4-fold cross-validation scores on the training
set for the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn import metrics
from sklearn.base import clone, is_classifier
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from registry.demo.datasets import Split

CURVE_POINTS = 5
CV_FOLDS = 4
HIGHER_IS_BETTER = {"rmse": False, "mae": False}
LABELS = {"f1": "F1", "roc_auc": "ROC AUC", "pr_auc": "PR AUC", "rmse": "RMSE", "r2": "R²"}
# The cross-validation scorer of each metric, and the sign that turns its score into the metric.
_SCORERS = {
    "f1": ("f1", 1),
    "roc_auc": ("roc_auc", 1),
    "pr_auc": ("average_precision", 1),
    "rmse": ("neg_root_mean_squared_error", -1),
    "r2": ("r2", 1),
}


@dataclass(frozen=True)
class Candidate:
    """One model to try: a label, its estimator's key hyper-parameters, and how to build it."""

    run_name: str
    algorithm: str
    params: dict[str, Any]
    build: Callable[[Split, dict[str, Any]], Any]


@dataclass
class Trained:
    """A fitted candidate: the model, its held-out metrics and its metric histories."""

    candidate: Candidate
    model: Any
    metrics: dict[str, float]
    history: dict[str, list[tuple[int, float]]] = field(default_factory=dict)


def is_better(metric: str, new: float, old: float) -> bool:
    return new < old if not HIGHER_IS_BETTER.get(metric, True) else new > old


def scaled_columns(split: Split, categories: str = "onehot") -> ColumnTransformer:
    """Scale the numeric columns; one-hot or ordinal-encode the text ones."""
    x, _ = split.xy("train")
    text = [c for c in x.columns if x[c].dtype == "str"]
    numeric = [c for c in x.columns if c not in text]
    if categories == "ordinal":
        encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
        return ColumnTransformer([("num", "passthrough", numeric), ("cat", encoder, text)])
    encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    return ColumnTransformer([("num", StandardScaler(), numeric), ("cat", encoder, text)])


def pipeline(prep: Any, estimator: Any) -> Pipeline:
    return Pipeline([("prep", prep), ("model", estimator)])


def fit(split: Split, candidate: Candidate, curve: tuple[str, str]) -> Trained:
    """Fit ``candidate`` on the training part; score it and record the ``curve`` metrics."""
    x_train, y_train = split.xy("train")
    x_test, y_test = split.xy("test")
    model = candidate.build(split, dict(candidate.params)).fit(x_train, y_train)
    scores = score(model, x_test, y_test)
    history = staged_history(model, x_test, y_test, curve)
    if history is None:
        history = cv_history(model, x_train, y_train, curve)
    return Trained(candidate, model, scores, history)


def score(model: Any, x: Any, y: Any) -> dict[str, float]:
    """Held-out metrics: accuracy, precision, recall, F1, ROC/PR AUC, or RMSE, MAE, R²."""
    if is_classifier(model):
        return classification_scores(y, model.predict_proba(x)[:, 1])
    return regression_scores(y, model.predict(x))


def classification_scores(y: Any, positive: np.ndarray, only: Any = None) -> dict[str, float]:
    """Metrics of scores ``positive`` at threshold 0.5 (``only`` the named ones, if given)."""
    predicted = (positive > 0.5).astype(np.int64)
    scorers = {
        "accuracy": lambda: metrics.accuracy_score(y, predicted),
        "precision": lambda: metrics.precision_score(y, predicted, zero_division=0),
        "recall": lambda: metrics.recall_score(y, predicted),
        "f1": lambda: metrics.f1_score(y, predicted),
        "roc_auc": lambda: metrics.roc_auc_score(y, positive),
        "pr_auc": lambda: metrics.average_precision_score(y, positive),
    }
    return {name: scorer() for name, scorer in scorers.items() if only is None or name in only}


def regression_scores(y: Any, predicted: np.ndarray, only: Any = None) -> dict[str, float]:
    scorers = {
        "rmse": lambda: metrics.root_mean_squared_error(y, predicted),
        "mae": lambda: metrics.mean_absolute_error(y, predicted),
        "r2": lambda: metrics.r2_score(y, predicted),
    }
    return {name: scorer() for name, scorer in scorers.items() if only is None or name in only}


def _stages(model: Any, x: Any) -> tuple[list[int], list[np.ndarray]] | None:
    """(checkpoints, predictions at each) for boosting and forests; None for other models."""
    final, xt = model, x
    if isinstance(model, Pipeline):
        final, xt = model[-1], model[:-1].transform(x)
    classifier = is_classifier(final)
    if isinstance(final, (RandomForestClassifier, RandomForestRegressor)):
        trees = final.estimators_
        rows = np.asarray(xt, dtype=np.float32)
        each = [t.predict_proba(rows)[:, 1] if classifier else t.predict(rows) for t in trees]
        steps = _checkpoints(len(trees))
        return steps, [np.mean(each[:n], axis=0) for n in steps]
    boosted = (GradientBoostingClassifier, GradientBoostingRegressor)
    boosted += (HistGradientBoostingClassifier, HistGradientBoostingRegressor)
    if not isinstance(final, boosted):
        return None
    staged = final.staged_predict_proba(xt) if classifier else final.staged_predict(xt)
    predictions = [p[:, 1] if classifier else p for p in staged]
    steps = _checkpoints(len(predictions))
    return steps, [predictions[n - 1] for n in steps]


def _checkpoints(total: int) -> list[int]:
    return sorted({max(1, round(total * (i + 1) / CURVE_POINTS)) for i in range(CURVE_POINTS)})


def staged_history(model: Any, x: Any, y: Any, curve: tuple[str, str]) -> dict | None:
    """``eval_<metric>`` after each fifth of the trees or boosting iterations."""
    found = _stages(model, x)
    if found is None:
        return None
    steps, predictions = found
    scorer = classification_scores if is_classifier(model) else regression_scores
    history: dict[str, list[tuple[int, float]]] = {f"eval_{m}": [] for m in curve}
    for step, predicted in zip(steps, predictions, strict=True):
        scores = scorer(y, predicted, curve)
        for name in curve:
            history[f"eval_{name}"].append((step, scores[name]))
    return history


def cv_history(model: Any, x: Any, y: Any, curve: tuple[str, str]) -> dict:
    """``cv_<metric>`` of each of four cross-validation folds on the training part."""
    folds = StratifiedKFold if is_classifier(model) else KFold
    splitter = folds(n_splits=CV_FOLDS, shuffle=True, random_state=0)
    scoring = {name: _SCORERS[name][0] for name in curve}
    results = cross_validate(clone(model), x, y, cv=splitter, scoring=scoring)
    return {
        f"cv_{name}": [
            (fold + 1, _SCORERS[name][1] * float(value))
            for fold, value in enumerate(results[f"test_{name}"])
        ]
        for name in curve
    }
