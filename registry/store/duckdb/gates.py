"""The Production gate: "Production requires a passing validation in the last N days".

Checked inside the transaction that moves a version to Production (a direct transition or
an approved request), so a validation recorded or a requirement changed meanwhile cannot
slip past it. Also home of the validation-record row mapping the gate and
``validations.py`` share (this module imports nothing from the other query modules).
"""

from __future__ import annotations

import json

from registry.errors import ValidationRequiredError
from registry.store.duckdb.changes import NewChange
from registry.validation.records import ProductionGate, RuleResult, ValidationRecord

OVERRIDDEN = "model_version.validation_overridden"
DEFAULT_PROTECTED = "champion"
RECORD_COLUMNS = (
    "r.id, r.model_name, r.version, r.data_name, r.data_sha256, r.num_rows, r.num_columns, "
    "r.target, r.task, r.metrics, r.rule_results, r.passed, r.created_by, "
    "r.creation_timestamp, r.duration_ms, r.model_sha256, r.details"
)
CURRENT_MODEL = (
    "JOIN registered_models m ON m.name = r.model_name AND m.creation_timestamp = r.model_created"
)


def to_record(row: tuple) -> ValidationRecord:
    results = tuple(RuleResult.from_dict(item) for item in json.loads(row[10]))
    return ValidationRecord(
        *row[:9],
        metrics=json.loads(row[9]),
        rule_results=results,
        passed=row[11],
        created_by=row[12],
        creation_timestamp=row[13],
        duration_ms=row[14],
        model_sha256=row[15],
        details=json.loads(row[16]),
    )


def read_gate(cur, name: str, version: int, now: int) -> ProductionGate:
    """The model's requirement and the version's newest validation record (on the policy's
    test set, when it names one)."""
    row = cur.execute(
        "SELECT p.production_within_days, p.rules FROM registered_models m "
        "JOIN validation_policies p "
        "ON p.model_name = m.name AND p.model_created = m.creation_timestamp WHERE m.name = ?",
        [name],
    ).fetchone()
    within_days, test_set = (row[0], decode_rules(row[1])[1]) if row else (None, None)
    on_data = "AND r.data_sha256 = ? " if test_set else ""
    latest = cur.execute(
        f"SELECT {RECORD_COLUMNS} FROM validation_records r {CURRENT_MODEL} "
        f"WHERE r.model_name = ? AND r.version = ? {on_data}ORDER BY r.id DESC LIMIT 1",
        [name, version, *([test_set] if test_set else [])],
    ).fetchone()
    record = latest and to_record(latest)
    return ProductionGate(name, version, within_days, record, now, test_set)


def decode_rules(stored: str | None) -> tuple[list[dict], str | None]:
    """(rule dicts, required test set) from a policy's ``rules`` column: a JSON list of
    rules, or ``{"rules": [...], "test_set": sha256}`` once a test set is required (kept
    there so that naming one needs no schema change)."""
    value = json.loads(stored or "[]")
    if isinstance(value, dict):
        return value.get("rules", []), value.get("test_set")
    return value, None


def encode_rules(rules: list[dict], test_set: str | None) -> str:
    return json.dumps({"rules": rules, "test_set": test_set} if test_set else rules)


# Whether a policy row under the name (parameter $1) sets a requirement; it may be a deleted
# namesake's: read_gate tells.
MAY_REQUIRE = (
    "EXISTS (SELECT 1 FROM validation_policies "
    "WHERE model_name = $1 AND production_within_days IS NOT NULL)"
)


def _may_require(cur, name: str) -> bool:
    return cur.execute(f"SELECT {MAY_REQUIRE}", [name]).fetchone()[0]


def is_protected(cur, name: str, alias: str) -> bool:
    """Whether moving ``alias`` of ``name`` is gated like entering Production."""
    row = cur.execute(
        "SELECT p.protected_aliases FROM registered_models m JOIN validation_policies p "
        "ON p.model_name = m.name AND p.model_created = m.creation_timestamp WHERE m.name = ?",
        [name],
    ).fetchone()
    return alias in protected_aliases(row[0] if row else None)


def protected_aliases(stored: str | None) -> list[str]:
    """The aliases a policy's ``protected_aliases`` column protects (its default: none set)."""
    return json.loads(stored) if stored is not None else [DEFAULT_PROTECTED]


def guard_production(
    cur,
    name: str,
    version: int,
    override: str | None,
    now: int,
    target: str = "Production",
    *,
    may_require: bool | None = None,
) -> list[NewChange]:
    """Raise ValidationRequiredError when the gate is shut and there is no ``override``
    reason; with one, return the history row recording what was overridden (none when
    nothing was: the gate is open and the newest validation did not fail). ``target`` is
    "Production" or a protected alias (``@champion``). ``may_require``: MAY_REQUIRE read by
    the caller's own query (saves a statement), else read here."""
    if may_require is None:
        may_require = _may_require(cur, name)
    if override is None and not may_require:
        return []  # the common case, in one cheap statement: no requirement
    gate = read_gate(cur, name, version, now)
    if override is None:
        if gate.satisfied:
            return []
        protected = "" if target == "Production" else f"{target} is protected like Production. "
        raise ValidationRequiredError(
            f"{protected}{gate.explain()} Validate it first (the Validate page, or "
            "client.validate_model_version), or, as a reviewer, override with a comment "
            "(override_validation=True)."
        )
    if not gate.needs_override:
        return []
    latest = gate.latest
    payload = {
        "within_days": gate.within_days,
        "requirement_met": gate.satisfied,
        "record_id": latest.id if latest else None,
        "validation": latest.status if latest else None,
    }
    return [
        NewChange(OVERRIDDEN, name, version, key=target, old=payload["validation"],
                  new=target, comment=override, payload=payload)
    ]  # fmt: skip
