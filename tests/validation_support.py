"""Small real models for the validation tests, trained once per process on the demo's data.

churn: binary (churned), contract: multiclass (contract_type of the same customers), demand:
regression (units_sold). Each is fitted on the training part of the demo split; the sample
CSVs in sample_data/ are the held-out parts.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

import registry.sklearn
from registry.artifacts.blobs import BlobStore
from registry.artifacts.model_files import save_sklearn_model
from registry.artifacts.pyfunc_model import PyFuncModel
from registry.demo.datasets import churn_split, demand_split

SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"
CHURN_TEXT = ["contract_type", "payment_method", "internet_service"]


def sample_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DATA / name)


def _linear(text: list[str], numeric: list[str], estimator):
    columns = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), text), (StandardScaler(), numeric)
    )
    return make_pipeline(columns, estimator)


@functools.cache
def churn_model():
    """Logistic regression on the churn customers: (estimator, input example)."""
    x, y = churn_split().xy("train")
    numeric = [c for c in x.columns if c not in CHURN_TEXT]
    with threadpool_limits(1):
        return _linear(CHURN_TEXT, numeric, LogisticRegression(max_iter=1000)).fit(x, y), x.head()


@functools.cache
def contract_model():
    """Multiclass: which of 3 contracts a customer has, from the other churn columns."""
    train = churn_split().train
    x, y = train.drop(columns=["contract_type", "churned"]), train["contract_type"]
    text = ["payment_method", "internet_service"]
    numeric = [c for c in x.columns if c not in text]
    with threadpool_limits(1):
        return _linear(text, numeric, LogisticRegression(max_iter=1000)).fit(x, y), x.head()


@functools.cache
def demand_model():
    x, y = demand_split().xy("train")
    with threadpool_limits(1):
        return make_pipeline(StandardScaler(), Ridge()).fit(x, y), x.head()


@functools.cache
def churn_boosting():
    """A model that predicts with empty values: gradient boosting on the numeric columns."""
    x, y = churn_split().xy("train")
    x = x.drop(columns=CHURN_TEXT)
    with threadpool_limits(1):
        return HistGradientBoostingClassifier(max_iter=15).fit(x, y), x.head()


def wrap(tmp_path: Path, fitted) -> PyFuncModel:
    """A PyFuncModel of (estimator, example) stored in a blob store under ``tmp_path``."""
    blobs = BlobStore(tmp_path / "artifacts")
    estimator, example = fitted
    return PyFuncModel.load(blobs, save_sklearn_model(blobs, estimator, example))


def register(name: str, fitted) -> int:
    """Log ``fitted`` and register it as the next version of ``name`` (fluent API's home)."""
    estimator, example = fitted
    info = registry.sklearn.log_model(
        estimator, "model", registered_model_name=name, input_example=example
    )
    return info.registered_model_version
