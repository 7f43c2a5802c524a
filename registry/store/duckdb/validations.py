"""SQL for validation records and per-model validation policies.

Records are insert-only: nothing here (or anywhere) updates or deletes one. Both tables key
rows by model name plus the model's creation timestamp, so a model deleted and created again
under the same name starts with no policy and no records.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from registry.errors import InvalidArgumentError, NotFoundError
from registry.store.duckdb.changes import NewChange, now_ms, record
from registry.store.duckdb.gates import (
    CURRENT_MODEL,
    RECORD_COLUMNS,
    decode_rules,
    encode_rules,
    read_gate,
    to_record,
)
from registry.store.duckdb.models import model_not_found
from registry.store.duckdb.versions import fetch_version, update_versions
from registry.validation.records import (
    ProductionGate,
    Rule,
    ValidationPolicy,
    ValidationRecord,
    days_text,
    rules_text,
)

VALIDATION_TAG = "validation"
SET_VERSION_TAG = update_versions("tags = map_concat(tags, map([?], [?]))")


def _fetch_policy(cur, name: str) -> tuple[int, ValidationPolicy]:
    """(the model's creation timestamp, its policy); raises NotFoundError for no model."""
    row = cur.execute(
        "SELECT m.creation_timestamp, p.rules, p.comment, p.updated_by, p.last_updated_timestamp, "
        "p.production_within_days, p.protected_aliases "
        "FROM registered_models m LEFT JOIN validation_policies p "
        "ON p.model_name = m.name AND p.model_created = m.creation_timestamp WHERE m.name = ?",
        [name],
    ).fetchone()
    if row is None:
        raise model_not_found(name)
    items, test_set = decode_rules(row[1])
    rules = tuple(Rule.from_dict(item) for item in items)
    policy = ValidationPolicy(name, rules, row[2], row[3], row[4], row[5], test_set=test_set)
    if row[6] is not None:
        policy = replace(policy, protected_aliases=tuple(json.loads(row[6])))
    return row[0], policy


def _write_policy(cur, created: int, policy: ValidationPolicy) -> None:
    cur.execute(
        "INSERT OR REPLACE INTO validation_policies (model_name, model_created, rules, comment, "
        "updated_by, last_updated_timestamp, production_within_days, protected_aliases) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            policy.model_name, created,
            encode_rules([r.to_dict() for r in policy.rules], policy.test_set),
            policy.comment, policy.updated_by, policy.last_updated_timestamp,
            policy.production_within_days, json.dumps(list(policy.protected_aliases)),
        ],
    )  # fmt: skip


class ValidationQueries:
    """Validation policies (one per model, replaced as a whole) and validation records.
    Its SQL runs on PostgreSQL too, but for ``set_version_tag``, which a backend may replace."""

    _lease: Any
    set_version_tag = SET_VERSION_TAG

    def get_validation_policy(self, name: str) -> ValidationPolicy:
        with self._lease.cursor() as cur:
            return _fetch_policy(cur, name)[1]

    def set_validation_policy(
        self, name: str, rules: tuple[Rule, ...], comment: str | None, actor: str
    ) -> ValidationPolicy:
        """Replace the model's rules; the history row holds the old and new rules as text."""
        ts = now_ms()
        with self._lease.transaction() as cur:
            created, old = _fetch_policy(cur, name)
            if not rules and old.production_within_days is not None:
                raise InvalidArgumentError(
                    f"{name!r} requires a passing validation before Production, which needs "
                    "rules to pass: lift that requirement before removing every rule"
                )
            policy = replace(old, rules=tuple(rules), comment=comment, updated_by=actor,
                             last_updated_timestamp=ts)  # fmt: skip
            _write_policy(cur, created, policy)
            before, after = [r.to_dict() for r in old.rules], [r.to_dict() for r in rules]
            change = NewChange(
                "registered_model.validation_policy_changed", name, key="validation_policy",
                old=rules_text(old.rules) or None, new=rules_text(rules) or None, comment=comment,
                payload={"old": before, "new": after},
            )  # fmt: skip
            record(cur, actor, ts, [change])
        return policy

    def set_production_requirement(
        self,
        name: str,
        within_days: int | None,
        comment: str | None,
        actor: str,
        test_set: str | None = None,
    ) -> ValidationPolicy:
        """Require (or, with None, stop requiring) a passing validation in the last
        ``within_days`` days, on the data whose sha256 is ``test_set`` if given, before a
        version enters Production."""
        ts = now_ms()
        with self._lease.transaction() as cur:
            created, old = _fetch_policy(cur, name)
            if within_days is not None and not old.rules:
                raise InvalidArgumentError(
                    f"{name!r} has no validation rules, so no validation can pass: set rules "
                    "first (set_validation_policy), then require a passing validation"
                )
            policy = replace(old, production_within_days=within_days, comment=comment,
                             updated_by=actor, last_updated_timestamp=ts,
                             test_set=test_set if within_days else None)  # fmt: skip
            _write_policy(cur, created, policy)
            change = NewChange(
                "registered_model.validation_policy_changed", name,
                key="production_within_days",
                old=_days(old.production_within_days, old.test_set),
                new=_days(within_days, policy.test_set), comment=comment,
                payload={"old": old.production_within_days, "new": within_days,
                         "old_test_set": old.test_set, "new_test_set": policy.test_set},
            )  # fmt: skip
            record(cur, actor, ts, [change])
        return policy

    def set_protected_aliases(
        self, name: str, aliases: tuple[str, ...], comment: str | None, actor: str
    ) -> ValidationPolicy:
        """Name the aliases that are gated like Production (history: the old and new list)."""
        ts = now_ms()
        with self._lease.transaction() as cur:
            created, old = _fetch_policy(cur, name)
            policy = replace(old, protected_aliases=tuple(aliases), comment=comment,
                             updated_by=actor, last_updated_timestamp=ts)  # fmt: skip
            _write_policy(cur, created, policy)
            change = NewChange(
                "registered_model.validation_policy_changed", name, key="protected_aliases",
                old=", ".join(old.protected_aliases) or None, new=", ".join(aliases) or None,
                comment=comment,
                payload={"old": list(old.protected_aliases), "new": list(aliases)},
            )  # fmt: skip
            record(cur, actor, ts, [change])
        return policy

    def get_production_gate(self, name: str, version: int) -> ProductionGate:
        with self._lease.cursor() as cur:
            fetch_version(cur, name, version)
            return read_gate(cur, name, version, now_ms())

    def add_validation_record(self, draft: ValidationRecord) -> ValidationRecord:
        """Store a record (its id and timestamp are assigned here), set the version's
        ``validation`` tag to its status and append the tag and validation_finished changes,
        all in one transaction. Raises NotFoundError if the version is gone."""
        ts = now_ms()
        name, version, actor = draft.model_name, draft.version, draft.created_by
        with self._lease.transaction() as cur:
            old_tag = fetch_version(cur, name, version).tags.get(VALIDATION_TAG)
            created = _fetch_policy(cur, name)[0]
            (record_id,) = cur.execute(
                "INSERT INTO validation_records (model_name, model_created, version, "
                "model_sha256, data_name, data_sha256, num_rows, num_columns, target, task, "
                "metrics, rule_results, passed, details, created_by, creation_timestamp, "
                "duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING id",
                [
                    name, created, version, draft.model_sha256, draft.data_name,
                    draft.data_sha256, draft.num_rows, draft.num_columns, draft.target,
                    draft.task, json.dumps(draft.metrics),
                    json.dumps([r.to_dict() for r in draft.rule_results]), draft.passed,
                    json.dumps(draft.details), actor, ts, draft.duration_ms,
                ],
            ).fetchone()  # fmt: skip
            saved = replace(draft, id=record_id, creation_timestamp=ts)
            cur.execute(self.set_version_tag, [VALIDATION_TAG, saved.status, name, version])
            record(cur, actor, ts, _validation_changes(saved, old_tag))
        return saved

    def get_validation_record(self, record_id: int) -> ValidationRecord:
        with self._lease.cursor() as cur:
            row = cur.execute(
                f"SELECT {RECORD_COLUMNS} FROM validation_records r WHERE r.id = ?", [record_id]
            ).fetchone()
        if row is None:
            raise NotFoundError(f"Validation record {record_id} not found")
        return to_record(row)

    def search_validation_records(
        self, name: str, version: int | None, limit: int
    ) -> list[ValidationRecord]:
        """The model's records (of one version, if given), newest first."""
        condition, params = (
            ("", [name]) if version is None else ("AND r.version = ?", [name, version])
        )
        with self._lease.cursor() as cur:
            rows = cur.execute(
                f"SELECT {RECORD_COLUMNS} FROM validation_records r {CURRENT_MODEL} "
                f"WHERE r.model_name = ? {condition} ORDER BY r.id DESC LIMIT ?",
                [*params, limit],
            ).fetchall()
            if not rows:
                _fetch_policy(cur, name)  # raises NotFoundError for an unknown model
        return [to_record(row) for row in rows]


def _days(days: int | None, test_set: str | None = None) -> str | None:
    if days is None:
        return None
    return days_text(days) + (f" on test set {test_set[:12]}" if test_set else "")


def _validation_changes(saved: ValidationRecord, old_tag: str | None) -> list[NewChange]:
    name, version, status = saved.model_name, saved.version, saved.status
    failed = [str(r.rule) for r in saved.rule_results if not r.passed]
    payload = {
        "record_id": saved.id,
        "passed": saved.passed,
        "data_name": saved.data_name,
        "data_sha256": saved.data_sha256,
        "num_rows": saved.num_rows,
        "task": saved.task,
        "metrics": {key: round(value, 6) for key, value in saved.metrics.items()},
        "failed_rules": failed,
    }
    return [
        NewChange("model_version.tag_set", name, version, key=VALIDATION_TAG, old=old_tag,
                  new=status),
        NewChange("model_version.validation_finished", name, version, key=saved.data_name,
                  new=status, payload=payload),
    ]  # fmt: skip
