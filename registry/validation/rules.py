"""Validation rules: which metrics each task has, parsing ``accuracy >= 0.9``, checking rules.

A rule names a metric, a comparator (>=, >, <= or <) and a finite threshold. A policy is a
set of rules; a version passes when every rule holds on its validation's metrics. Rules are
refused when they name a metric the model's task does not compute.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from typing import Any

from registry.errors import InvalidArgumentError
from registry.validation.records import COMPARATORS, Rule, RuleResult

_AVERAGED = tuple(
    f"{m}_{avg}" for avg in ("macro", "weighted") for m in ("precision", "recall", "f1")
)
TASK_METRICS: dict[str, tuple[str, ...]] = {
    "binary": ("accuracy", "precision", "recall", "f1", *_AVERAGED, "roc_auc", "pr_auc"),
    "multiclass": ("accuracy", *_AVERAGED, "roc_auc"),
    "regression": ("rmse", "mae", "r2"),
}
TASKS = tuple(TASK_METRICS)
_CLASSIFICATION = set(TASK_METRICS["binary"]) | set(TASK_METRICS["multiclass"])
_REGRESSION = set(TASK_METRICS["regression"])
ALL_METRICS = tuple(sorted(_CLASSIFICATION | _REGRESSION))
# The values each metric can take: a threshold outside them is a typo (90 for 0.9, say).
_RANGES = {name: (0.0, 1.0) for name in _CLASSIFICATION}
_RANGES |= {"rmse": (0.0, math.inf), "mae": (0.0, math.inf), "r2": (-math.inf, 1.0)}
MAX_RULES = 50

_FORM = "write a rule as '<metric> <comparator> <number>', e.g. 'accuracy >= 0.9'"
_SHAPE = re.compile(r"(?P<metric>[^\s<>=!]*)\s*(?P<op>[<>=!]*)\s*(?P<value>.*)")
_OP_FIXES = {"=>": ">=", "=<": "<=", "==": None, "=": None, "!=": None}


def task_family(task: str) -> str:
    return "regression" if task == "regression" else "classification"


def parse_rule(text: object) -> Rule:
    """A Rule from text like ``"f1 >= 0.88"``; raises InvalidArgumentError naming the bad part."""
    if isinstance(text, Rule):
        return _checked(text.metric, text.op, text.threshold, str(text))
    if not isinstance(text, str):
        raise InvalidArgumentError(f"A rule must be a string, got {type(text).__name__}: {_FORM}")
    shown = text.strip()
    if not shown:
        raise InvalidArgumentError(f"A rule is empty: {_FORM}")
    match = _SHAPE.fullmatch(shown)
    assert match is not None  # every part of the pattern may be empty
    metric, op, value = match["metric"], match["op"], match["value"].strip()
    if not metric:
        raise InvalidArgumentError(f"Invalid rule {shown!r}: it names no metric; {_FORM}")
    if not op:
        raise InvalidArgumentError(
            f"Invalid rule {shown!r}: no comparator after {metric!r}; use >=, >, <= or <"
        )
    if not value:
        raise InvalidArgumentError(f"Invalid rule {shown!r}: no number after {op!r}; {_FORM}")
    return _checked(metric, op, _number(value, shown), shown)


def _number(value: str, shown: str) -> float:
    if value.endswith("%"):
        raise InvalidArgumentError(
            f"Invalid rule {shown!r}: threshold {value!r} is a percentage; "
            "write it as a fraction (90% as 0.9)"
        )
    try:
        return float(value)
    except ValueError:
        raise InvalidArgumentError(
            f"Invalid rule {shown!r}: threshold {value!r} is not a number"
        ) from None


def _checked(metric: str, op: str, threshold: Any, shown: str) -> Rule:
    """The rule once its metric, comparator and threshold are known to make sense."""
    if metric not in ALL_METRICS:
        raise InvalidArgumentError(
            f"Invalid rule {shown!r}: unknown metric {metric!r}{_did_you_mean(metric, ALL_METRICS)}"
        )
    if op not in COMPARATORS:
        fix = _OP_FIXES.get(op)
        hint = f"did you mean {fix!r}?" if fix else "use >=, >, <= or <"
        raise InvalidArgumentError(f"Invalid rule {shown!r}: {op!r} is not a comparator; {hint}")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise InvalidArgumentError(
            f"Invalid rule {shown!r}: threshold {threshold!r} is not a number"
        )
    value = float(threshold)
    low, high = _RANGES[metric]
    if not math.isfinite(value):
        raise InvalidArgumentError(f"Invalid rule {shown!r}: threshold must be a finite number")
    if not low <= value <= high:
        span = f"between {low:g} and {high:g}" if math.isfinite(low) else f"at most {high:g}"
        span = span if math.isfinite(high) else f"at least {low:g}"
        raise InvalidArgumentError(
            f"Invalid rule {shown!r}: {metric} is {span}, so threshold {value:g} cannot be meant"
            + (" (write 90% as 0.9)" if high == 1.0 and 1 < value <= 100 else "")
        )
    return Rule(metric, op, value)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    close = [c for c in choices if c.startswith(f"{word}_")]  # f1 -> f1_macro, f1_weighted
    close = close or difflib.get_close_matches(word, choices, n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def parse_rules(rules: object) -> tuple[Rule, ...]:
    """Rules from a string (one per line or separated by ';') or a list of strings, Rules,
    ``(metric, op, threshold)`` tuples or ``{"metric", "op", "threshold"}`` dicts.

    Raises InvalidArgumentError naming the bad rule, or two rules on the same metric and
    comparator.
    """
    if rules is None:
        return ()
    if isinstance(rules, str):
        items: list[Any] = [part for part in re.split(r"[;\n]", rules) if part.strip()]
    elif isinstance(rules, Rule | dict) or not isinstance(rules, Iterable):
        raise InvalidArgumentError(
            f"Pass the rules as a list or a string, got {type(rules).__name__}"
        )
    else:
        items = list(rules)
    if len(items) > MAX_RULES:
        raise InvalidArgumentError(f"{len(items)} rules given; the limit is {MAX_RULES}")
    parsed = tuple(_one_rule(item) for item in items)
    seen: set[tuple[str, str]] = set()
    for rule in parsed:
        if (rule.metric, rule.op) in seen:
            raise InvalidArgumentError(
                f"Two rules on '{rule.metric} {rule.op}': keep one threshold per comparator"
            )
        seen.add((rule.metric, rule.op))
    return parsed


def _one_rule(item: Any) -> Rule:
    if isinstance(item, dict):
        unknown = set(item) - {"metric", "op", "threshold"}
        if unknown or not {"metric", "op", "threshold"} <= set(item):
            raise InvalidArgumentError(
                f"A rule given as a dict needs exactly the keys metric, op, threshold: {item!r}"
            )
        item = (item["metric"], item["op"], item["threshold"])
    if isinstance(item, tuple | list):
        if len(item) != 3:
            raise InvalidArgumentError(f"A rule tuple is (metric, op, threshold), got {item!r}")
        metric, op, threshold = item
        return _checked(str(metric), str(op), threshold, f"{metric} {op} {threshold}")
    return parse_rule(item)


def check_rules_for_task(rules: tuple[Rule, ...], task: str | None) -> None:
    """Refuse rules on metrics that ``task`` does not compute.

    With ``task`` None (no version to tell), the rules must all be classification metrics or
    all regression metrics. Raises InvalidArgumentError.
    """
    if task is not None:
        allowed = TASK_METRICS[task]
        for rule in rules:
            if rule.metric not in allowed:
                hint = _did_you_mean(rule.metric, allowed) or f"; use one of {', '.join(allowed)}"
                raise InvalidArgumentError(
                    f"Rule '{rule}': {rule.metric} is not computed for a {task} model{hint}"
                )
        return
    families = {task_family("regression" if r.metric in _REGRESSION else "") for r in rules}
    if len(families) > 1:
        raise InvalidArgumentError(
            "The rules mix classification and regression metrics: "
            + "; ".join(str(r) for r in rules)
        )


def evaluate_rules(
    rules: tuple[Rule, ...], metrics: dict[str, float], task: str
) -> tuple[tuple[RuleResult, ...], bool | None]:
    """Each rule checked against ``metrics``, and whether all held (None without rules).

    A rule on a metric the validation did not produce fails, with a note saying why.
    """
    results = []
    for rule in rules:
        value = metrics.get(rule.metric)
        if value is None or not math.isfinite(value):
            note = (
                f"{rule.metric} is not computed for a {task} model"
                if rule.metric not in TASK_METRICS[task]
                else f"{rule.metric} could not be computed on this data"
            )
            results.append(RuleResult(rule, None, False, note))
        else:
            results.append(RuleResult(rule, value, rule.holds(value)))
    return tuple(results), (all(r.passed for r in results) if results else None)
