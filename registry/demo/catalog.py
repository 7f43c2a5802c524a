"""The demo's script: which models exist, which candidates become versions, and what the team
did with each version over the weeks (days count back from the seeding day)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.preprocessing import StandardScaler

from registry.demo import datasets
from registry.demo.datasets import Split
from registry.demo.training import Candidate, pipeline, scaled_columns

SEED = 7


@dataclass(frozen=True)
class Release:
    """A candidate trained by ``author`` ``day`` days before the seeding day; one version."""

    candidate: Candidate
    author: str
    day: int
    hour: int
    what_changed: str


@dataclass(frozen=True)
class Step:
    """A stage decision on the version made from release number ``release`` (1-based).

    ``action`` is "stage" (to Staging), "promote" (to Production, archiving the previous
    one) or "archive" (retire a candidate). ``note`` starts the comment; the metric comparison
    is appended when the step is replayed.
    """

    day: int
    hour: int
    actor: str
    action: str
    release: int
    note: str


@dataclass(frozen=True)
class ModelStory:
    """One registered model: what it is for, its data, its versions and their history."""

    name: str
    description: str
    tags: dict[str, str]
    owner: str
    split: Callable[[], Split]
    curve: tuple[str, str]
    holdout: str
    releases: tuple[Release, ...]
    steps: tuple[Step, ...]
    rules: str = ""  # the validation policy its owner sets, checked on the holdout
    production_within_days: int | None = None  # Production requires a recent pass


def _onehot(estimator: Any) -> Callable[[Split, dict], Any]:
    return lambda split, params: pipeline(scaled_columns(split), estimator(**params))


def _ordinal(estimator: Any) -> Callable[[Split, dict], Any]:
    return lambda split, params: pipeline(scaled_columns(split, "ordinal"), estimator(**params))


def _scaled(estimator: Any) -> Callable[[Split, dict], Any]:
    return lambda split, params: pipeline(StandardScaler(), estimator(**params))


def _plain(estimator: Any) -> Callable[[Split, dict], Any]:
    return lambda split, params: estimator(**params)


def _hgb(**params: Any) -> dict[str, Any]:
    return {"early_stopping": False, "random_state": SEED, **params}


# The stories are tables, one release or decision a line: the formatter leaves them be.
# fmt: off
CHURN = ModelStory(
    name="churn-classifier",
    description=(
        "Predicts which subscribers will cancel in the next 30 days, from tenure, charges, "
        "support calls and contract. Scores feed the weekly retention campaign; the campaign "
        "team can contact about a quarter of the flagged customers, so precision matters."
    ),
    tags={"team": "growth", "owner": "alice", "priority": "high", "task": "classification"},
    owner="alice",
    split=datasets.churn_split,
    curve=("f1", "roc_auc"),
    holdout="the Q3 holdout",
    rules="accuracy >= 0.88; f1 >= 0.6",
    production_within_days=7,
    releases=(
        Release(
            Candidate("churn-logreg-baseline", "logistic-regression",
                      {"C": 1.0, "max_iter": 1000}, _onehot(LogisticRegression)),
            "alice", 41, 10, "Baseline: logistic regression on scaled numbers and one-hot plans.",
        ),
        Release(
            Candidate("churn-knn-25", "k-nearest-neighbors",
                      {"n_neighbors": 25, "weights": "uniform"}, _onehot(KNeighborsClassifier)),
            "carol", 36, 15, "Tried k-nearest neighbours (k=25) on the same features.",
        ),
        Release(
            Candidate("churn-random-forest", "random-forest",
                      {"n_estimators": 40, "max_depth": 8, "min_samples_leaf": 5,
                       "random_state": SEED}, _ordinal(RandomForestClassifier)),
            "alice", 30, 11, "Random forest, 40 shallow trees, ordinal-encoded plans.",
        ),
        Release(
            Candidate("churn-gbm", "gradient-boosting",
                      {"n_estimators": 80, "max_depth": 3, "learning_rate": 0.12,
                       "min_samples_leaf": 20, "random_state": SEED},
                      _ordinal(GradientBoostingClassifier)),
            "alice", 24, 14, "Gradient boosting, 80 depth-3 trees, at least 20 customers a leaf.",
        ),
        Release(
            Candidate("churn-logreg-balanced", "logistic-regression",
                      {"C": 0.3, "class_weight": "balanced", "max_iter": 1000},
                      _onehot(LogisticRegression)),
            "carol", 16, 9, "Logistic regression with balanced class weights to lift recall.",
        ),
        Release(
            Candidate("churn-hist-gbm", "hist-gradient-boosting",
                      _hgb(max_iter=60, learning_rate=0.15, max_leaf_nodes=15),
                      _ordinal(HistGradientBoostingClassifier)),
            "alice", 6, 16, "Histogram gradient boosting, 60 iterations, ordinal-encoded plans.",
        ),
    ),
    steps=(
        Step(40, 9, "alice", "stage", 1, "Baseline ready for review"),
        Step(38, 14, "bob", "promote", 1, "First churn model in production; good enough to "
             "start the retention campaign"),
        Step(29, 10, "alice", "stage", 3, "Forest candidate, please review"),
        Step(26, 16, "bob", "archive", 3, "Recall drops below the baseline's; not promoting"),
        Step(23, 10, "alice", "stage", 4, "Boosting candidate; shadow-scored last week's "
             "customer base"),
        Step(20, 15, "bob", "promote", 4, "Reviewed with the campaign team"),
        Step(5, 11, "alice", "stage", 6, "Challenger for the next campaign cycle"),
    ),
)
# fmt: on

# fmt: off
FRAUD = ModelStory(
    name="fraud-detector",
    description=(
        "Scores card payments for fraud in real time (about 3% of payments are fraudulent). "
        "Payments above the threshold go to the manual review queue, which has room for "
        "roughly 150 cases a day, so we track PR AUC rather than accuracy."
    ),
    tags={"team": "payments", "owner": "carol", "priority": "critical", "task": "classification"},
    owner="carol",
    split=datasets.fraud_split,
    curve=("pr_auc", "roc_auc"),
    holdout="the September holdout",
    rules="recall >= 0.5; roc_auc >= 0.9",
    releases=(
        Release(
            Candidate("fraud-logreg", "logistic-regression", {"C": 1.0, "max_iter": 1000},
                      _scaled(LogisticRegression)),
            "carol", 39, 11, "First model: logistic regression on standardised features.",
        ),
        Release(
            Candidate("fraud-logreg-balanced", "logistic-regression",
                      {"C": 1.0, "class_weight": "balanced", "max_iter": 1000},
                      _scaled(LogisticRegression)),
            "dave", 33, 10, "Balanced class weights: many more frauds caught, many more alerts.",
        ),
        Release(
            Candidate("fraud-random-forest", "random-forest",
                      {"n_estimators": 40, "max_depth": 8, "min_samples_leaf": 3,
                       "class_weight": "balanced_subsample", "random_state": SEED},
                      _plain(RandomForestClassifier)),
            "carol", 27, 14, "Random forest with per-tree balanced sampling.",
        ),
        Release(
            Candidate("fraud-hist-gbm-weighted", "hist-gradient-boosting",
                      _hgb(max_iter=60, learning_rate=0.15, max_leaf_nodes=15, max_bins=63,
                           class_weight={0: 1, 1: 5}),
                      _plain(HistGradientBoostingClassifier)),
            "dave", 15, 13, "Histogram boosting, frauds weighted 5x.",
        ),
        Release(
            Candidate("fraud-gbm", "gradient-boosting",
                      {"n_estimators": 60, "max_depth": 3, "learning_rate": 0.12,
                       "subsample": 0.8, "random_state": SEED},
                      _plain(GradientBoostingClassifier)),
            "carol", 4, 10, "Gradient boosting with row subsampling (0.8).",
        ),
    ),
    steps=(
        Step(38, 16, "dave", "promote", 1, "Replaces the hand-written rules"),
        Step(26, 11, "carol", "stage", 3, "Forest candidate"),
        Step(24, 17, "dave", "promote", 3, "Analysts confirm the alert quality"),
        Step(14, 10, "dave", "stage", 4, "Weighted boosting candidate"),
        Step(10, 15, "carol", "promote", 4, "Analysts reviewed a week of its alerts"),
        Step(3, 9, "carol", "stage", 5, "Challenger; shadow-scoring live traffic this week"),
    ),
)
# fmt: on

# fmt: off
DEMAND = ModelStory(
    name="demand-forecaster",
    description=(
        "Forecasts daily units sold per store from price, promotions, weekday, holidays and "
        "weather. Drives next-day replenishment orders; errors cost stock-outs or waste."
    ),
    tags={"team": "supply-chain", "owner": "erin", "priority": "medium", "task": "regression"},
    owner="erin",
    split=datasets.demand_split,
    curve=("rmse", "r2"),
    holdout="the 2-month holdout",
    rules="r2 >= 0.85; mae <= 5",
    releases=(
        Release(
            Candidate("demand-ridge", "ridge", {"alpha": 1.0}, _scaled(Ridge)),
            "erin", 42, 9, "Ridge regression baseline.",
        ),
        Release(
            Candidate("demand-knn", "k-nearest-neighbors",
                      {"n_neighbors": 15, "weights": "distance"}, _scaled(KNeighborsRegressor)),
            "erin", 37, 13, "k-nearest neighbours (k=15, distance-weighted).",
        ),
        Release(
            Candidate("demand-random-forest", "random-forest",
                      {"n_estimators": 40, "max_depth": 12, "min_samples_leaf": 3,
                       "random_state": SEED}, _plain(RandomForestRegressor)),
            "bob", 29, 10, "Random forest, 40 trees: captures promo x weekend effects.",
        ),
        Release(
            Candidate("demand-gbm", "gradient-boosting",
                      {"n_estimators": 80, "max_depth": 3, "learning_rate": 0.1,
                       "random_state": SEED}, _plain(GradientBoostingRegressor)),
            "erin", 22, 15, "Gradient boosting, 80 depth-3 trees.",
        ),
        Release(
            Candidate("demand-hist-gbm", "hist-gradient-boosting",
                      _hgb(max_iter=80, learning_rate=0.15), _plain(HistGradientBoostingRegressor)),
            "erin", 13, 11, "Histogram gradient boosting, squared error.",
        ),
        Release(
            Candidate("demand-hist-gbm-poisson", "hist-gradient-boosting",
                      _hgb(loss="poisson", max_iter=100, learning_rate=0.15),
                      _plain(HistGradientBoostingRegressor)),
            "bob", 2, 14, "Poisson loss: unit sales are counts.",
        ),
    ),
    steps=(
        Step(41, 14, "bob", "promote", 1, "Baseline live for replenishment"),
        Step(36, 10, "erin", "stage", 2, "Neighbours model for review"),
        Step(28, 9, "bob", "archive", 2, "Superseded by the forest before review"),
        Step(28, 11, "erin", "stage", 3, "Forest candidate"),
        Step(27, 15, "bob", "promote", 3, "Ops signed off after a day of shadow orders"),
        Step(12, 10, "erin", "stage", 5, "Boosting candidate, backtested on the last 8 weeks"),
        Step(7, 16, "bob", "promote", 5, "Fewer stock-outs in the shadow run"),
        Step(1, 10, "erin", "stage", 6, "Challenger with Poisson loss"),
    ),
)
# fmt: on

STORIES = (CHURN, FRAUD, DEMAND)
