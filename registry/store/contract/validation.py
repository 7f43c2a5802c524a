"""Validation policies, records and the Production gate."""

from __future__ import annotations

from typing import Protocol

from registry.validation.records import (
    ProductionGate,
    Rule,
    ValidationPolicy,
    ValidationRecord,
)


class ValidationStore(Protocol):
    def get_validation_policy(self, name: str) -> ValidationPolicy:
        """The model's rules and Production requirement (empty when never set)."""
        ...

    def set_validation_policy(
        self, name: str, rules: tuple[Rule, ...], comment: str | None, actor: str
    ) -> ValidationPolicy:
        """Replace the model's rules; the history row holds old and new rules as text."""
        ...

    def set_production_requirement(
        self,
        name: str,
        within_days: int | None,
        comment: str | None,
        actor: str,
        test_set: str | None = None,
    ) -> ValidationPolicy:
        """Require (None: stop requiring) a passing validation in the last ``within_days``
        days before a version enters Production; with ``test_set`` (a sha256), a pass on
        that data only. Lifting the requirement forgets the test set."""
        ...

    def set_protected_aliases(
        self, name: str, aliases: tuple[str, ...], comment: str | None, actor: str
    ) -> ValidationPolicy:
        """Name the aliases gated like Production (empty: none)."""
        ...

    def get_production_gate(self, name: str, version: int) -> ProductionGate:
        """Whether the version may enter Production now, with its newest validation."""
        ...

    def add_validation_record(self, draft: ValidationRecord) -> ValidationRecord:
        """Store the record (id and timestamp assigned here), set the version's
        ``validation`` tag to its status and append the tag and ``validation_finished``
        changes, in one transaction. Raises NotFoundError when the version is gone."""
        ...

    def get_validation_record(self, record_id: int) -> ValidationRecord:
        """Raises NotFoundError."""
        ...

    def search_validation_records(
        self, name: str, version: int | None, limit: int
    ) -> list[ValidationRecord]:
        """The current model's records (of one version, if given), newest first."""
        ...
