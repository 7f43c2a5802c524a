"""Which way a metric improves: the one rule Compare, Validate and the Inbox share.

Errors, losses, latencies and sizes improve downwards (rmse, mae, log_loss, val_loss,
latency_ms); every other metric (accuracy, f1, roc_auc, r2) improves upwards.
"""

from __future__ import annotations

import math
import re

# Inside a word of the name: "val_loss", "logloss", "mean_abs_error".
LOWER_PARTS = ("loss", "error")
# A whole word of the name: "rmse", "latency_ms", "model_size" (not "lifetime_value").
LOWER_WORDS = frozenset(
    ("rmse", "mse", "mae", "mape", "smape", "latency", "time", "seconds", "ms", "size", "bytes")
)


def lower_is_better(metric: str) -> bool:
    """True for metrics that improve as they fall (see the module docstring)."""
    words = [w for w in re.split(r"[^a-z0-9]+", metric.lower()) if w]
    return any(w in LOWER_WORDS or any(p in w for p in LOWER_PARTS) for w in words)


def improvement(metric: str, value: float | None, baseline: float | None) -> int:
    """1 when ``value`` is better than ``baseline`` for ``metric``, -1 when worse, 0 when
    equal or either is missing."""
    if value is None or baseline is None or math.isnan(value) or math.isnan(baseline):
        return 0
    if value == baseline:
        return 0
    better = value < baseline if lower_is_better(metric) else value > baseline
    return 1 if better else -1


def best(metric: str, values: list[float]) -> float | None:
    """The best of ``values`` for ``metric`` (None when empty)."""
    if not values:
        return None
    return min(values) if lower_is_better(metric) else max(values)
