"""SQL for validation records and per-model validation policies.

Records are insert-only: nothing here (or anywhere) updates or deletes one. Both tables key
rows by model name plus the model's creation timestamp, so a model deleted and created again
under the same name starts with no policy and no records.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from registry.errors import NotFoundError
from registry.store.changes import NewChange, now_ms, record
from registry.store.models import model_not_found
from registry.store.versions import fetch_version
from registry.validation_entities import (
    Rule,
    RuleResult,
    ValidationPolicy,
    ValidationRecord,
    rules_text,
)

VALIDATION_TAG = "validation"
_RECORD_COLUMNS = (
    "r.id, r.model_name, r.version, r.data_name, r.data_sha256, r.num_rows, r.num_columns, "
    "r.target, r.task, r.metrics, r.rule_results, r.passed, r.created_by, "
    "r.creation_timestamp, r.duration_ms, r.model_sha256, r.details"
)
_CURRENT_MODEL = (
    "JOIN registered_models m ON m.name = r.model_name AND m.creation_timestamp = r.model_created"
)


def _to_record(row: tuple) -> ValidationRecord:
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


def _fetch_policy(cur, name: str) -> tuple[int, ValidationPolicy]:
    """(the model's creation timestamp, its policy); raises NotFoundError for no model."""
    row = cur.execute(
        "SELECT m.creation_timestamp, p.rules, p.comment, p.updated_by, p.last_updated_timestamp "
        "FROM registered_models m LEFT JOIN validation_policies p "
        "ON p.model_name = m.name AND p.model_created = m.creation_timestamp WHERE m.name = ?",
        [name],
    ).fetchone()
    if row is None:
        raise model_not_found(name)
    rules = tuple(Rule.from_dict(item) for item in json.loads(row[1] or "[]"))
    return row[0], ValidationPolicy(name, rules, row[2], row[3], row[4])


class ValidationQueries:
    """Validation policies (one per model, replaced as a whole) and validation records."""

    _lease: Any

    def get_validation_policy(self, name: str) -> ValidationPolicy:
        with self._lease.cursor() as cur:
            return _fetch_policy(cur, name)[1]

    def set_validation_policy(
        self, name: str, rules: tuple[Rule, ...], comment: str | None, actor: str
    ) -> ValidationPolicy:
        """Replace the model's rules; the history row holds the old and new rules as text."""
        ts = now_ms()
        policy = ValidationPolicy(name, tuple(rules), comment, actor, ts)
        with self._lease.transaction() as cur:
            created, old = _fetch_policy(cur, name)
            before, after = [r.to_dict() for r in old.rules], [r.to_dict() for r in rules]
            cur.execute(
                "INSERT OR REPLACE INTO validation_policies VALUES (?, ?, ?, ?, ?, ?)",
                [name, created, json.dumps(after), comment, actor, ts],
            )
            change = NewChange(
                "registered_model.validation_policy_changed", name, key="validation_policy",
                old=rules_text(old.rules) or None, new=rules_text(rules) or None, comment=comment,
                payload={"old": before, "new": after},
            )  # fmt: skip
            record(cur, actor, ts, [change])
        return policy

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
            cur.execute(
                "UPDATE model_versions SET tags = map_concat(tags, map([?], [?])) "
                "WHERE name = ? AND version = ?",
                [VALIDATION_TAG, saved.status, name, version],
            )
            record(cur, actor, ts, _validation_changes(saved, old_tag))
        return saved

    def get_validation_record(self, record_id: int) -> ValidationRecord:
        with self._lease.cursor() as cur:
            row = cur.execute(
                f"SELECT {_RECORD_COLUMNS} FROM validation_records r WHERE r.id = ?", [record_id]
            ).fetchone()
        if row is None:
            raise NotFoundError(f"Validation record {record_id} not found")
        return _to_record(row)

    def search_validation_records(
        self, name: str, version: int | None, limit: int
    ) -> list[ValidationRecord]:
        """The model's records (of one version, if given), newest first."""
        condition, params = (
            ("", [name]) if version is None else ("AND r.version = ?", [name, version])
        )
        with self._lease.cursor() as cur:
            rows = cur.execute(
                f"SELECT {_RECORD_COLUMNS} FROM validation_records r {_CURRENT_MODEL} "
                f"WHERE r.model_name = ? {condition} ORDER BY r.id DESC LIMIT ?",
                [*params, limit],
            ).fetchall()
            if not rows:
                _fetch_policy(cur, name)  # raises NotFoundError for an unknown model
        return [_to_record(row) for row in rows]


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
