"""The validation engine: data checks, chunked predictions and metrics, against scikit-learn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_info
from validation_support import (
    churn_boosting,
    churn_model,
    contract_model,
    demand_model,
    sample_csv,
    wrap,
)

from registry.errors import InvalidArgumentError, ValidationInputError
from registry.validation import engine as validation
from registry.validation.metrics import RESIDUAL_SAMPLE

CHURN = sample_csv("churn_test.csv")
DEMAND = sample_csv("demand_test.csv")


@pytest.fixture(scope="module")
def churn(tmp_path_factory):
    return wrap(tmp_path_factory.mktemp("churn"), churn_model())


@pytest.fixture(scope="module")
def contract(tmp_path_factory):
    return wrap(tmp_path_factory.mktemp("contract"), contract_model())


@pytest.fixture(scope="module")
def demand(tmp_path_factory):
    return wrap(tmp_path_factory.mktemp("demand"), demand_model())


def _prf(y, predicted, **options) -> list[float]:
    return list(skm.precision_recall_fscore_support(y, predicted, zero_division=0, **options)[:3])


def _averaged(found: dict, average: str) -> list[float]:
    return [found[f"{name}_{average}"] for name in ("precision", "recall", "f1")]


def test_binary_metrics_match_scikit_learn(churn):
    found = validation.evaluate(churn, CHURN, "churned")
    estimator, x, y = churn.get_raw_model(), CHURN.drop(columns="churned"), CHURN["churned"]
    predicted, positive = estimator.predict(x), estimator.predict_proba(x)[:, 1]
    m = found.metrics
    assert found.task == "binary" and found.details["positive_class"] == 1
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, predicted))
    assert [m["precision"], m["recall"], m["f1"]] == pytest.approx(
        _prf(y, predicted, average="binary")
    )
    for average in ("macro", "weighted"):
        assert _averaged(m, average) == pytest.approx(_prf(y, predicted, average=average))
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, positive))
    assert m["pr_auc"] == pytest.approx(skm.average_precision_score(y, positive))
    matrix = found.details["confusion_matrix"]
    assert matrix["labels"] == [0, 1]
    assert matrix["matrix"] == skm.confusion_matrix(y, predicted).tolist()


def test_multiclass_metrics_match_scikit_learn(contract):
    data = CHURN.drop(columns="churned")
    found = validation.evaluate(contract, data, "contract_type")
    x, y = data.drop(columns="contract_type"), data["contract_type"]
    predicted, proba = contract.predict(x), contract.predict_proba(x)
    m = found.metrics
    assert found.task == "multiclass"
    assert "f1" not in m and "pr_auc" not in m
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, predicted))
    for average in ("macro", "weighted"):
        assert _averaged(m, average) == pytest.approx(_prf(y, predicted, average=average))
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, proba, multi_class="ovr"))
    matrix = found.details["confusion_matrix"]
    assert matrix["labels"] == ["month-to-month", "one-year", "two-year"]
    assert matrix["matrix"] == skm.confusion_matrix(y, predicted, labels=matrix["labels"]).tolist()


def test_multiclass_roc_auc_over_the_classes_present(contract):
    data = CHURN.drop(columns="churned")
    data = data[data["contract_type"] != "one-year"].reset_index(drop=True)
    found = validation.evaluate(contract, data, "contract_type")
    proba = contract.predict_proba(data.drop(columns="contract_type"))
    y = data["contract_type"]
    per_class = [skm.roc_auc_score(y == "month-to-month", proba[:, 0])]
    per_class.append(skm.roc_auc_score(y == "two-year", proba[:, 2]))
    assert found.metrics["roc_auc"] == pytest.approx(np.mean(per_class))
    assert "2 classes present" in found.details["notes"][0]


def test_regression_metrics_match_scikit_learn(demand):
    found = validation.evaluate(demand, DEMAND, "units_sold")
    y, predicted = DEMAND["units_sold"], demand.predict(DEMAND.drop(columns="units_sold"))
    assert found.task == "regression"
    assert found.metrics["rmse"] == pytest.approx(skm.root_mean_squared_error(y, predicted))
    assert found.metrics["mae"] == pytest.approx(skm.mean_absolute_error(y, predicted))
    assert found.metrics["r2"] == pytest.approx(skm.r2_score(y, predicted))
    assert found.details["residuals"]["mean"] == pytest.approx(np.mean(y - predicted))
    assert len(found.residuals) == len(DEMAND)


def test_residuals_are_a_bounded_sample(demand):
    big = pd.concat([DEMAND] * 8, ignore_index=True)
    residuals = validation.evaluate(demand, big, "units_sold").residuals
    assert len(residuals) == RESIDUAL_SAMPLE
    assert residuals["row"].is_monotonic_increasing and residuals["row"].is_unique
    picked = big.iloc[residuals["row"] - 1]
    np.testing.assert_allclose(residuals["actual"], picked["units_sold"])
    np.testing.assert_allclose(residuals["residual"], residuals["actual"] - residuals["predicted"])


def test_text_labels_take_the_larger_label_as_positive(tmp_path):
    x, y = (
        CHURN.drop(columns=["churned", "contract_type", "payment_method", "internet_service"]),
        CHURN["churned"],
    )
    labels = y.map({0: "stays", 1: "leaves"})  # "stays" sorts after "leaves"
    model = wrap(tmp_path, (LogisticRegression(max_iter=1000).fit(x, labels), x.head()))
    found = validation.evaluate(model, x.assign(outcome=labels), "outcome")
    predicted = model.predict(x)
    assert found.details["positive_class"] == "stays"
    expected = _prf(labels, predicted, average="binary", pos_label="stays")
    assert [found.metrics[k] for k in ("precision", "recall", "f1")] == pytest.approx(expected)


def test_progress_is_reported_after_each_chunk_with_increasing_counts(churn):
    calls = []
    validation.evaluate(
        churn, CHURN, "churned", chunk_rows=500, on_progress=lambda *a: calls.append(a)
    )
    assert calls == [(500, 1200), (1000, 1200), (1200, 1200)]


def test_chunks_give_the_same_metrics_as_one_pass(churn):
    whole = validation.evaluate(churn, CHURN, "churned").metrics
    assert validation.evaluate(churn, CHURN, "churned", chunk_rows=250).metrics == pytest.approx(
        whole
    )


def test_an_exception_in_on_progress_stops_the_run(churn):
    def stop(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        validation.evaluate(churn, CHURN, "churned", chunk_rows=100, on_progress=stop)


def test_prediction_threads_are_limited(churn):
    seen = []
    validation.evaluate(
        churn, CHURN, "churned", threads=1,
        on_progress=lambda *_: seen.extend(i["num_threads"] for i in threadpool_info()),
    )  # fmt: skip
    assert seen and set(seen) == {1}


def test_models_that_are_not_classifiers_or_regressors_are_refused(tmp_path):
    x = CHURN[["tenure_months", "monthly_charges"]]
    model = wrap(tmp_path, (KMeans(n_clusters=2, n_init=1, random_state=0).fit(x), x.head()))
    with pytest.raises(InvalidArgumentError, match="neither a classifier nor a regressor"):
        validation.evaluate(model, CHURN, "churned")


def _with(**changes):
    def change(df):
        df = df.copy()
        for column, values in changes.items():
            df[column] = values(df) if callable(values) else values
        return df

    return change


def _set_rows(column, rows, value, dtype=None):
    def change(df):
        df = df.copy()
        if dtype:
            df[column] = df[column].astype(dtype)
        df.loc[rows, column] = value
        return df

    return change


def _case(name, change, severity, column, words, target="churned"):
    return pytest.param(change, target, severity, column, words, id=name)


def _rename_last(df):
    return df.set_axis([*df.columns[:-1], "tenure_months"], axis=1)


# (change to churn_test.csv, severity, column, words in the message)
BAD_INPUTS = [
    _case("no rows", lambda df: df.iloc[:0], "error", None, "no data rows"),
    _case("one row", lambda df: df.iloc[:1], "error", None, "only 1 data row"),
    _case("target", lambda df: df, "error", "Churned", "did you mean 'churned'", "Churned"),
    _case("repeated", _rename_last, "error", None, "more than once: 'tenure_months'"),
    _case(
        "input missing", lambda df: df.drop(columns="support_calls"),
        "error", "support_calls", "'support_calls' (int64) is missing",
    ),
    _case(
        "extra column", _with(customer_id=lambda df: range(len(df))),
        "warning", None, "ignored: 'customer_id'",
    ),
    _case(
        "text in numbers", _set_rows("monthly_charges", [3, 17], "n/a?", object),
        "error", "monthly_charges", "text in 2 rows: 'n/a?' (row 4), 'n/a?' (row 18)",
    ),
    _case(
        "decimals in ints", _set_rows("support_calls", [5], 2.5, float),
        "error", "support_calls", "whole numbers (int64) but has decimals: 2.5 (row 6)",
    ),
    _case(
        "wrong dtype", _with(contract_type=1),
        "error", "contract_type", "should hold str values but is int64",
    ),
    _case(
        "empty values", _set_rows("monthly_charges", [2, 4], np.nan),
        "error", "monthly_charges", "empty in 2 rows (rows 3, 5); fill them in",
    ),
    _case("all empty", _with(monthly_charges=np.nan), "error", "monthly_charges", "every row"),
    _case("constant", _with(senior_citizen=0), "warning", "senior_citizen", "is 0 in every"),
    _case(
        "empty target", _set_rows("churned", [0], np.nan),
        "error", "churned", "target 'churned' is empty in 1 row (row 1)",
    ),
    _case("constant target", _with(churned=0), "error", "churned", "is 0 in every row"),
    _case(
        "unseen class", _set_rows("churned", [1, 2], 2),
        "error", "churned", "never saw: 2 (2 rows); the model knows 0, 1",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("change", "target", "severity", "column", "words"), BAD_INPUTS)
def test_bad_inputs_are_reported_as_problems(churn, change, target, severity, column, words):
    data = change(CHURN)
    found = [p for p in validation.check_data(churn, data, target) if words in p.message]
    assert [(p.severity, p.column) for p in found] == [(severity, column)]
    if severity == "error":
        with pytest.raises(ValidationInputError, match="cannot be used") as caught:
            validation.evaluate(churn, data, target)
        assert found[0] in caught.value.problems
    else:
        assert found[0] in validation.evaluate(churn, data, target).warnings


def test_text_target_of_a_regression_model_is_refused(demand):
    data = DEMAND.astype({"units_sold": object})
    data.loc[9, "units_sold"] = "lots"
    with pytest.raises(
        ValidationInputError, match=r"should hold numbers but has text in 1 row: 'lots' \(row 10\)"
    ):
        validation.evaluate(demand, data, "units_sold")


def test_empty_values_are_a_warning_for_models_that_predict_with_them(tmp_path):
    model = wrap(tmp_path, churn_boosting())
    data = CHURN.copy()
    data.loc[[0, 1], "monthly_charges"] = np.nan
    found = validation.evaluate(model, data, "churned")
    assert any("predicts with empty values" in w.message for w in found.warnings)


def test_convertible_columns_are_converted(churn):
    data = CHURN.astype({"support_calls": float, "tenure_months": str})
    assert validation.evaluate(churn, data, "churned").metrics == pytest.approx(
        validation.evaluate(churn, CHURN, "churned").metrics
    )


def test_target_given_as_text_matches_numeric_classes(churn):
    found = validation.evaluate(churn, CHURN.astype({"churned": str}), "churned")
    assert found.metrics["accuracy"] == pytest.approx(
        validation.evaluate(churn, CHURN, "churned").metrics["accuracy"]
    )


@pytest.mark.parametrize(
    ("argument", "words"),
    [({"data": [1, 2]}, "pandas DataFrame"), ({"chunk_rows": 0}, "chunk_rows")],
)
def test_bad_arguments(churn, argument, words):
    options = {"data": CHURN, "target": "churned", **argument}
    with pytest.raises(InvalidArgumentError, match=words):
        validation.evaluate(churn, **options)


def test_frame_sha256_follows_the_content():
    assert validation.frame_sha256(CHURN) == validation.frame_sha256(CHURN.copy())
    assert validation.frame_sha256(CHURN) != validation.frame_sha256(CHURN.iloc[::-1])
    assert validation.frame_sha256(CHURN) != validation.frame_sha256(
        CHURN.rename(columns={"churned": "y"})
    )
