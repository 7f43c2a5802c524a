"""The validation half of RegistryClient: validate versions on test data, policies, records.

Running a validation stores an immutable record, sets the version's ``validation`` tag to
"passed", "failed" or "unchecked" (the model has no rules, so nothing was judged; the record's
``passed`` is None) and appends ``model_version.validation_finished`` to the history, all in
one transaction. Predictions run while the registry file is free for other processes.

Roles: validating needs editor, changing a policy (rules, or the Production requirement)
admin (roles.py: admins manage per-model rules); reading needs none.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry import arguments as check
from registry.arguments import check_max_results
from registry.client.model_uris import resolve_model
from registry.errors import ArtifactError, InvalidArgumentError, NotFoundError
from registry.validation.records import (
    MAX_WINDOW_DAYS,
    Problem,
    ProductionGate,
    ValidationPolicy,
    ValidationRecord,
)
from registry.validation.rules import check_rules_for_task, evaluate_rules, parse_rules

if TYPE_CHECKING:
    import pandas as pd

    from registry.artifacts.pyfunc_model import PyFuncModel
    from registry.validation.engine import ValidationResult

MAX_RECORD_RESULTS = 10_000
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _text(value: object, what: str, limit: int = 500) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(f"{what} must be a non-empty string, got {value!r}")
    if len(value) > limit:
        raise InvalidArgumentError(f"{what} is {len(value)} characters long; the limit is {limit}")
    return value


def _validation_names(target: object, data_name: object, sha256: object) -> tuple[str, Any]:
    """The checked target column and data name; raises InvalidArgumentError."""
    if sha256 is not None and not _SHA256.fullmatch(str(sha256)):
        raise InvalidArgumentError(f"data_sha256 must be 64 lowercase hex digits: {sha256!r}")
    target = _text(target, "The target column name")
    return target, None if data_name is None else _text(data_name, "The data name")


def test_table(data: Any, data_name: str | None, expected_sha256: str | None):
    """(frame, sha256 of what will be validated, data name) of a DataFrame or a test file
    (bytes or a path); raises InvalidArgumentError when ``expected_sha256`` is not that
    hash, ValidationInputError for a file that cannot be read."""
    import pandas as pd

    from registry.validation.engine import frame_sha256
    from registry.validation.upload_limits import max_upload_bytes
    from registry.validation.uploads import read_upload

    if isinstance(data, str | os.PathLike):
        path = Path(data)
        if not path.is_file():
            raise InvalidArgumentError(f"No test file at {str(path)!r}")
        data_name = data_name or path.name
        with path.open("rb") as file:  # one byte over the limit is enough to refuse it
            data = file.read(max_upload_bytes() + 1)
    if isinstance(data, bytes | bytearray | memoryview):
        upload = read_upload(bytes(data), data_name or "data", max_upload_bytes())
        frame, sha256 = upload.frame, upload.sha256
    elif isinstance(data, pd.DataFrame):
        frame, sha256 = data, frame_sha256(data)
    else:
        raise InvalidArgumentError(
            "Pass the test data as a pandas DataFrame, or a CSV or Parquet file's bytes or "
            f"path, not {type(data).__name__}"
        )
    if expected_sha256 is not None and expected_sha256 != sha256:
        kind = "DataFrame's content" if isinstance(data, pd.DataFrame) else "file"
        raise InvalidArgumentError(
            f"data_sha256 {expected_sha256} is not the hash of the data given (the {kind} "
            f"hashes to {sha256}); a validation records the hash of what it validated. For a "
            "file's sha256, pass the file itself (its bytes or path) rather than a DataFrame"
        )
    return frame, sha256, data_name


class ValidationClient:
    """Mixed into RegistryClient; relies on its ``_store``, ``blobs`` and ``_require()``."""

    _store: Any
    blobs: Any
    _require: Callable[[str, str], str]

    def validate_model_version(
        self,
        name: str,
        version: int | str,
        data: pd.DataFrame | bytes | str | os.PathLike[str],
        target: str,
        data_name: str | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        *,
        data_sha256: str | None = None,
        chunk_rows: int | None = None,
        threads: int | None = None,
        trusted: list[str] | None = None,
        record: bool = True,
    ) -> ValidationResult:
        """Validate a version on ``data`` (with the true values in column ``target``) against
        the model's policy, and record the outcome (``record=False``: a trial that records
        nothing and leaves the version's validation status as it is; its record's id is 0).

        ``data`` is a DataFrame or a CSV or Parquet test file (its bytes or its path, read
        with the upload limits). The record holds the hash of what was validated: the
        file's sha256 (as ``sha256sum`` prints it), or for a DataFrame a hash of its
        content. ``data_sha256``, if given, must be that hash (a check, never a claim).
        ``on_progress(done_rows, total_rows)`` is called after each chunk of predictions.
        Raises NotFoundError, ValidationInputError (listing every problem with the data),
        InvalidArgumentError, PermissionDeniedError, ArtifactError.
        """
        from registry.validation import engine as validation

        started = time.perf_counter()
        actor = self._require("editor", "validating a model version")
        name = check.model_name(name)
        number = check.version_number(version, name)
        target, data_name = _validation_names(target, data_name, data_sha256)
        frame, sha256, data_name = test_table(data, data_name, data_sha256)
        model = self._load_version_model(name, number, trusted)
        policy = self.get_validation_policy(name)
        found = validation.evaluate(
            model, frame, target, on_progress=on_progress, threads=threads,
            chunk_rows=chunk_rows or validation.CHUNK_ROWS,
        )  # fmt: skip
        results, passed = evaluate_rules(policy.rules, found.metrics, found.task)
        draft = ValidationRecord(
            0, name, number, data_name, sha256,
            found.num_rows, found.num_columns, target, found.task, found.metrics, results, passed,
            actor, 0, validation.elapsed_ms(started), model.metadata.sha256, found.details,
        )  # fmt: skip
        saved = self._store.add_validation_record(draft) if record else draft
        return validation.ValidationResult(saved, found.warnings, found.residuals)

    def check_validation_data(
        self, name: str, version: int | str, data: pd.DataFrame, target: str, *, trusted=None
    ) -> list[Problem]:
        """Every problem ``data`` has for validating the version (errors and warnings), found
        without predicting or recording anything: for previews."""
        from registry.validation import engine as validation

        name = check.model_name(name)
        model = self._load_version_model(name, check.version_number(version, name), trusted)
        return validation.check_data(model, data, _text(target, "The target column name"))

    def _load_version_model(self, name: str, version: int, trusted: Any) -> PyFuncModel:
        from registry.artifacts.model_files import Manifest
        from registry.artifacts.pyfunc_model import PyFuncModel

        logged = resolve_model(self, f"models:/{name}/{version}")  # type: ignore[arg-type]
        return PyFuncModel.load(self.blobs, Manifest.from_json(logged.manifest), trusted)

    # -- policies ----------------------------------------------------------------------------

    def get_validation_policy(self, name: str) -> ValidationPolicy:
        """The model's rules (none: an empty policy). Raises NotFoundError for no model."""
        return self._store.get_validation_policy(check.model_name(name))

    def set_validation_policy(
        self, name: str, rules: Any, comment: str | None = None
    ) -> ValidationPolicy:
        """Replace the model's rules with ``rules``: a list of "accuracy >= 0.9" strings,
        Rules, (metric, op, threshold) tuples or dicts, or one string with a rule per line or
        ';'. An empty list removes every rule. Raises InvalidArgumentError naming a bad rule or
        a metric the model's task does not compute, or no rules while Production requires a
        passing validation (lift that first), NotFoundError, PermissionDeniedError."""
        actor = self._require("admin", "changing a validation policy")
        name = check.model_name(name)
        parsed = parse_rules(rules)
        comment = check.comment(comment)
        check_rules_for_task(parsed, self._model_task(name))
        return self._store.set_validation_policy(name, parsed, comment, actor)

    def require_validation_for_production(
        self,
        name: str,
        within_days: int | None,
        comment: str | None = None,
        *,
        test_set: str | None = None,
    ) -> ValidationPolicy:
        """Let a version enter Production only when its newest validation passed within the
        last ``within_days`` days (None lifts the requirement); with ``test_set``, the
        sha256 of the official test data (a file's ``sha256sum``, as validation records
        hold it), only its newest validation on that data counts. The model needs rules first.
        Direct transitions and approved requests are both checked; a reviewer may override
        with a comment; rollback_production passes the same gate. Admins only."""
        actor = self._require("admin", "changing a validation policy")
        name = check.model_name(name)
        if within_days is not None and (
            isinstance(within_days, bool)
            or not isinstance(within_days, int)
            or not 1 <= within_days <= MAX_WINDOW_DAYS
        ):
            raise InvalidArgumentError(
                f"within_days must be a whole number of days from 1 to {MAX_WINDOW_DAYS} "
                f"(or None to lift the requirement), not {within_days!r}"
            )
        if test_set is not None and (within_days is None or not _SHA256.fullmatch(str(test_set))):
            raise InvalidArgumentError(
                "test_set is the sha256 of the required test data (64 lowercase hex digits, "
                f"as in a validation record's data_sha256) and needs within_days: {test_set!r}"
            )
        return self._store.set_production_requirement(
            name, within_days, check.comment(comment), actor, test_set
        )

    def set_protected_aliases(
        self, name: str, aliases: list[str], comment: str | None = None
    ) -> ValidationPolicy:
        """Name the aliases that serve like Production (default: ``champion``); an empty
        list protects none. Admins only."""
        actor = self._require("admin", "changing a validation policy")
        if isinstance(aliases, str):
            raise InvalidArgumentError("Pass the protected aliases as a list, e.g. ['champion']")
        checked = tuple(dict.fromkeys(check.alias(a) for a in aliases))
        return self._store.set_protected_aliases(
            check.model_name(name), checked, check.comment(comment), actor
        )

    def get_production_gate(self, name: str, version: int | str) -> ProductionGate:
        """Whether ``version`` may enter Production now under the model's requirement, with
        its newest validation; ``explain()`` says it in a sentence."""
        name = check.model_name(name)
        return self._store.get_production_gate(name, check.version_number(version, name))

    def _model_task(self, name: str) -> str | None:
        """The task of the newest version's model; None when there is none to load."""
        from registry.validation.engine import model_task

        versions = self._store.get_latest_versions(name, None)
        if not versions:
            return None
        newest = max(versions, key=lambda v: v.version)
        try:
            return model_task(self._load_version_model(name, newest.version, None).get_raw_model())
        except (NotFoundError, ArtifactError, InvalidArgumentError):
            return None

    # -- records -----------------------------------------------------------------------------

    def get_validation_record(self, record_id: int) -> ValidationRecord:
        """Raises NotFoundError when no record has that id."""
        if isinstance(record_id, bool) or not isinstance(record_id, int):
            raise InvalidArgumentError(
                f"A validation record id is a whole number, not {record_id!r}"
            )
        return self._store.get_validation_record(record_id)

    def list_validation_records(
        self, name: str, version: int | str | None = None, max_results: int = 100
    ) -> list[ValidationRecord]:
        """The model's validation records (of one version, if given), newest first."""
        name = check.model_name(name)
        number = None if version is None else check.version_number(version, name)
        limit = check_max_results(max_results, MAX_RECORD_RESULTS, "list_validation_records")
        return self._store.search_validation_records(name, number, limit)
