"""Plain, frozen entities of model validation: problems, rules, policies, records. No I/O.

They import nothing heavy, so the store and the client can use them without loading
scikit-learn; the engine that produces them is ``registry.validation.engine``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from registry.entities import to_datetime

Severity = Literal["error", "warning"]

COMPARATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with test data. Errors stop a validation; warnings are reported.

    ``column`` names the column concerned, or is None for the table as a whole.
    """

    severity: Severity
    column: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "column": self.column, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(data["severity"], data.get("column"), data["message"])


@dataclass(frozen=True)
class Rule:
    """``metric op threshold``, e.g. ``accuracy >= 0.9``; build one with parse_rule."""

    metric: str
    op: str
    threshold: float

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.threshold!r}"

    def holds(self, value: float) -> bool:
        return COMPARATORS[self.op](value, self.threshold)

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "op": self.op, "threshold": self.threshold}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rule:
        return cls(data["metric"], data["op"], float(data["threshold"]))


@dataclass(frozen=True)
class RuleResult:
    """A rule checked against one validation's metrics.

    ``value`` is None when the validation did not produce the metric (then ``passed`` is
    False and ``note`` says why).
    """

    rule: Rule
    value: float | None
    passed: bool
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.rule.to_dict(),
            "value": self.value,
            "passed": self.passed,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RuleResult:
        return cls(Rule.from_dict(data), data.get("value"), bool(data["passed"]), data.get("note"))


def rules_text(rules: tuple[Rule, ...] | list[Rule]) -> str:
    """Rules as one line for people and for the history: ``accuracy >= 0.9; f1 >= 0.88``."""
    return "; ".join(str(rule) for rule in rules)


@dataclass(frozen=True)
class ValidationPolicy:
    """The rules a registered model's versions must meet; empty ``rules`` means none.

    ``production_within_days``: when set, a version enters Production only if its newest
    validation passed and is at most that many days old (see ProductionGate).
    ``protected_aliases``: aliases that serve like Production (``models:/name@champion``), so
    moving one needs what entering Production needs: the reviewer role and the requirement
    met, or an override with a comment.
    """

    model_name: str
    rules: tuple[Rule, ...] = ()
    comment: str | None = None
    updated_by: str | None = None
    last_updated_timestamp: int | None = None
    production_within_days: int | None = None
    protected_aliases: tuple[str, ...] = ("champion",)
    test_set: str | None = None  # the sha256 of the data the required pass must be on

    def __str__(self) -> str:
        return rules_text(self.rules)


@dataclass(frozen=True)
class ValidationRecord:
    """One validation of a model version on one data set. Records are never changed.

    ``passed`` is None when the model had no rules (status "unchecked"). ``details`` holds
    the confusion matrix (classification), residual statistics (regression), the warnings
    found in the data and notes on metrics that could not be computed.
    """

    id: int
    model_name: str
    version: int
    data_name: str | None
    data_sha256: str
    num_rows: int
    num_columns: int
    target: str
    task: str
    metrics: dict[str, float]
    rule_results: tuple[RuleResult, ...]
    passed: bool | None
    created_by: str
    creation_timestamp: int
    duration_ms: int
    model_sha256: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """ "passed", "failed" or "unchecked" (no rules): the value of the version's tag."""
        return status_of(self.passed)

    @property
    def created_at(self):
        return to_datetime(self.creation_timestamp)

    @property
    def warnings(self) -> list[Problem]:
        return [Problem.from_dict(p) for p in self.details.get("warnings", [])]


def status_of(passed: bool | None) -> str:
    return "unchecked" if passed is None else "passed" if passed else "failed"


DAY_MS = 86_400_000
MAX_WINDOW_DAYS = 3650  # the longest "passing validation in the last N days" window


def days_text(days: int) -> str:
    return f"{days} day{'s' if days != 1 else ''}"


@dataclass(frozen=True)
class ProductionGate:
    """Whether a version may enter Production under its model's validation requirement.

    ``within_days`` is the requirement (None: the model has none); ``latest`` is the
    version's newest validation record, if any; ``now`` the time of the check (ms).
    """

    model_name: str
    version: int
    within_days: int | None
    latest: ValidationRecord | None
    now: int
    test_set: str | None = None  # the required data's sha256; ``latest`` is then on it

    @property
    def required(self) -> bool:
        return self.within_days is not None

    @property
    def satisfied(self) -> bool:
        """The newest validation passed within the window (always True with no requirement)."""
        if self.within_days is None:
            return True
        latest, since = self.latest, self.now - self.within_days * DAY_MS
        return latest is not None and latest.passed is True and latest.creation_timestamp >= since

    @property
    def needs_override(self) -> bool:
        """Promoting now would go against a validation: the requirement is unmet, or the
        newest validation failed."""
        return not self.satisfied or (self.latest is not None and self.latest.passed is False)

    @property
    def latest_text(self) -> str:
        """'passed 3 hours ago on holdout.csv', or 'never validated'."""
        latest = self.latest
        if latest is None:
            return "never validated"
        on = f" on {latest.data_name}" if latest.data_name else ""
        return f"{latest.status} {_ago(self.now - latest.creation_timestamp)}{on}"

    def explain(self) -> str:
        """One sentence for people: what the requirement is and where the version stands."""
        label = f"{self.model_name!r} v{self.version}"
        found = f"its newest validation {self.latest_text}" if self.latest else "never validated"
        if self.within_days is None:
            return f"{label}: {found}; the model does not require a validation for Production."
        window = days_text(self.within_days)
        verdict = "met" if self.satisfied else "not met"
        on = f" on the test set {self.test_set[:12]}…" if self.test_set else ""
        if self.test_set and self.latest is None:
            found = "never validated on it"
        return (
            f"Production requires a passing validation{on} in the last {window}: {verdict} "
            f"for {label} ({found})."
        )


def _ago(ms: int) -> str:
    hours = max(ms, 0) // 3_600_000
    if hours < 1:
        return "less than an hour ago"
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    return f"{hours // 24} days ago"
