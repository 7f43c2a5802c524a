"""The demo's tables, generated from fixed seeds: churn, fraud and demand, plus broken variants.

Every float is rounded to two decimals before a table is split, so a CSV written here reads
back with exactly the values the models were trained and scored on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

CONTRACTS = np.array(["month-to-month", "one-year", "two-year"])
PAYMENTS = np.array(["card", "bank-transfer", "electronic-check", "mailed-check"])
INTERNET = np.array(["dsl", "fiber", "none"])


@dataclass(frozen=True)
class Split:
    """A table split into a training part and a held-out part, with its target column."""

    name: str
    target: str
    train: pd.DataFrame
    test: pd.DataFrame

    @property
    def features(self) -> list[str]:
        return [c for c in self.train.columns if c != self.target]

    def xy(self, part: str) -> tuple[pd.DataFrame, pd.Series]:
        """(features, target) of the "train" or "test" part."""
        frame = self.train if part == "train" else self.test
        return frame[self.features], frame[self.target]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _split(df: pd.DataFrame, name: str, target: str, test_rows: int, seed: int) -> Split:
    """Shuffle with ``seed`` and hold out the last ``test_rows`` rows."""
    order = np.random.default_rng(seed).permutation(len(df))
    shuffled = df.iloc[order].reset_index(drop=True)
    train = shuffled.iloc[:-test_rows].reset_index(drop=True)
    test = shuffled.iloc[-test_rows:].reset_index(drop=True)
    return Split(name, target, train, test)


def churn_table(rows: int, seed: int, drifted: bool = False) -> pd.DataFrame:
    """Telecom-style customers; ``drifted`` shifts the mix and how customers decide to leave."""
    rng = np.random.default_rng(seed)
    df = _churn_customers(rng, rows, drifted)
    churned = (rng.random(rows) < _sigmoid(_churn_score(df, drifted))).astype(np.int64)
    total = df["tenure_months"] * df["monthly_charges"] * rng.uniform(0.9, 1.05, rows)
    df.insert(2, "total_charges", total.round(2))
    df["churned"] = churned
    return df


def _churn_customers(rng: np.random.Generator, rows: int, drifted: bool) -> pd.DataFrame:
    contract_p = [0.3, 0.3, 0.4] if drifted else [0.55, 0.25, 0.2]
    contract = rng.choice(CONTRACTS, rows, p=contract_p)
    internet = rng.choice(INTERNET, rows, p=[0.15, 0.8, 0.05] if drifted else [0.35, 0.45, 0.2])
    payment = rng.choice(PAYMENTS, rows, p=[0.3, 0.25, 0.3, 0.15])
    tenure = rng.integers(1, 25 if drifted else 73, rows)
    base = np.select([internet == "fiber", internet == "dsl"], [75.0, 50.0], 25.0)
    monthly = np.round(base + rng.normal(15 if drifted else 0, 12, rows).clip(-20, 45), 2)
    return pd.DataFrame(
        {
            "tenure_months": tenure.astype(np.int64),
            "monthly_charges": monthly,
            "support_calls": rng.poisson(3.5 if drifted else 1.5, rows).astype(np.int64),
            "late_payments": rng.poisson(0.6, rows).astype(np.int64),
            "num_products": rng.integers(1, 6, rows).astype(np.int64),
            "senior_citizen": (rng.random(rows) < 0.16).astype(np.int64),
            "contract_type": pd.array(contract, dtype="str"),
            "payment_method": pd.array(payment, dtype="str"),
            "internet_service": pd.array(internet, dtype="str"),
        }
    )


def _churn_score(df: pd.DataFrame, drifted: bool) -> np.ndarray:
    """Log-odds of leaving: short tenure, monthly plans, many calls, late payments, fibre."""
    contract, tenure = df["contract_type"], df["tenure_months"]
    month_to_month = contract == "month-to-month"
    support = df["support_calls"]
    score = 1.8 * (
        0.3
        + 1.1 * month_to_month
        - 0.8 * (contract == "two-year")
        - 1.6 * np.log1p(tenure / 6)
        + 1.6 * (support >= 4)
        + 0.5 * df["late_payments"]
        + 0.04 * np.clip(df["monthly_charges"] - 85, 0, None)
        - 0.3 * (df["num_products"] >= 3)
        + 0.7 * ((df["payment_method"] == "electronic-check") & (df["senior_citizen"] == 1))
        + 1.4 * ((df["internet_service"] == "fiber") & month_to_month & (tenure < 12))
    )
    if drifted:  # a rival's offer pulls away long-contract customers; calls no longer signal it
        score = score - 2.8 * (support >= 4) + 3.6 * (contract == "two-year") - 0.7
    return score.to_numpy(dtype=float)


def fraud_table(rows: int, seed: int) -> pd.DataFrame:
    """Card payments, about 3% of them fraudulent."""
    rng = np.random.default_rng(seed)
    hour = rng.choice(24, rows, p=_hour_weights()).astype(np.int64)
    avg_30d = np.round(rng.lognormal(3.6, 0.6, rows), 2)
    amount = np.round(avg_30d * rng.lognormal(0.0, 0.7, rows), 2)
    merchant_risk = np.round(rng.beta(1.5, 8.0, rows), 3)
    distance = np.round(rng.exponential(12.0, rows), 2)
    tx_24h = rng.poisson(2.0, rows).astype(np.int64)
    foreign = (rng.random(rows) < 0.07).astype(np.int64)
    card_age = rng.integers(3, 3650, rows).astype(np.int64)
    night = (hour <= 5) | (hour >= 23)
    ratio = amount / avg_30d
    score = -10.0 + 1.8 * (
        2.6 * (ratio > 2.5)
        + 9.0 * np.clip(merchant_risk - 0.15, 0, None)
        + 1.4 * night
        + 0.35 * np.log1p(distance)
        + 3.4 * ((tx_24h >= 5) & (card_age < 365))
        + 1.2 * foreign
        + 2.0 * (night & (foreign == 1))
        + 1.5 * (ratio > 2.5) * night
    )
    fraud = (rng.random(rows) < _sigmoid(score)).astype(np.int64)
    return pd.DataFrame(
        {
            "amount": amount,
            "hour": hour,
            "merchant_risk": merchant_risk,
            "distance_from_home_km": distance,
            "transactions_last_24h": tx_24h,
            "is_foreign": foreign,
            "card_age_days": card_age,
            "avg_amount_30d": avg_30d,
            "is_fraud": fraud,
        }
    )


def _hour_weights() -> np.ndarray:
    """Payments by hour of day: quiet at night, busy around lunch and early evening."""
    hours = np.arange(24)
    weights = 0.2 + np.exp(-((hours - 12.5) ** 2) / 18) + 0.8 * np.exp(-((hours - 18.5) ** 2) / 8)
    return weights / weights.sum()


def demand_table(rows: int, seed: int) -> pd.DataFrame:
    """Daily units sold of one product per store, driven by price, promotions, weekday, weather."""
    rng = np.random.default_rng(seed)
    day = rng.integers(0, 7, rows).astype(np.int64)
    week = rng.integers(1, 53, rows).astype(np.int64)
    season = np.cos(2 * np.pi * (week - 28) / 52)
    temperature = np.round(12 + 11 * season + rng.normal(0, 4, rows), 1)
    price = np.round(rng.uniform(2.5, 6.5, rows), 2)
    competitor = np.round(price + rng.normal(0, 0.6, rows), 2)
    promo = (rng.random(rows) < 0.2).astype(np.int64)
    holiday = (rng.random(rows) < 0.04).astype(np.int64)
    store_size = rng.choice([1, 2, 3], rows, p=[0.5, 0.35, 0.15]).astype(np.int64)
    weekend = (day >= 5).astype(float)
    mean = store_size * np.exp(
        3.6
        - 0.28 * price
        + 0.18 * (competitor - price)
        + 0.45 * promo
        + 0.3 * weekend
        + 0.35 * holiday
        + 0.02 * np.clip(temperature - 15, 0, None) ** 1.3
        + 0.25 * promo * weekend
    )
    units = rng.poisson(mean).astype(np.int64)
    return pd.DataFrame(
        {
            "price": price,
            "competitor_price": competitor,
            "promo": promo,
            "holiday": holiday,
            "day_of_week": day,
            "week_of_year": week,
            "temperature": temperature,
            "store_size": store_size,
            "units_sold": units,
        }
    )


def churn_split() -> Split:
    return _split(churn_table(5000, seed=7), "churn", "churned", test_rows=1200, seed=70)


def fraud_split() -> Split:
    return _split(fraud_table(7000, seed=11), "fraud", "is_fraud", test_rows=1750, seed=110)


def demand_split() -> Split:
    return _split(demand_table(2800, seed=13), "demand", "units_sold", test_rows=700, seed=130)


def churn_drifted() -> pd.DataFrame:
    """Same columns as the churn test set, from a later, shifted customer base."""
    return churn_table(1200, seed=17, drifted=True)


def churn_malformed(test: pd.DataFrame) -> str:
    """The churn test set broken three ways (see sample_data/README.md), as CSV text."""
    broken = test.head(200).drop(columns=["support_calls"]).astype({"monthly_charges": object})
    for row, text in ((3, "unknown"), (17, "seventy"), (42, "")):
        broken.loc[row, "monthly_charges"] = text
    return broken.to_csv(index=False, sep=";")


def write_csvs(data_dir: Path, churn: Split, fraud: Split, demand: Split) -> list[Path]:
    """Write the held-out sets (with their target columns) and the broken churn variants."""
    data_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "churn_test.csv": churn.test.to_csv(index=False),
        "fraud_test.csv": fraud.test.to_csv(index=False),
        "demand_test.csv": demand.test.to_csv(index=False),
        "churn_drifted.csv": churn_drifted().to_csv(index=False),
        "churn_malformed.csv": churn_malformed(churn.test),
    }
    paths = []
    for name, text in files.items():
        path = data_dir / name
        path.write_text(text, encoding="utf-8", newline="")
        paths.append(path)
    return paths
