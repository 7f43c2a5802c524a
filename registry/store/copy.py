"""Copy a whole registry to another backend: every row, every history row, every model file.

``copy_registry(source, target)`` works through the transfer contract
(``registry.store.contract.transfer``), so it moves a registry between any two backends: a
home folder and PostgreSQL either way, or two of one kind. Rows keep their ids, timestamps
and actors; deleted versions keep their tombstones and models their next version numbers.
What the target holds decides what happens:

- nothing: everything is copied;
- the same rows as the source: nothing is written ("up to date"), so running twice is safe;
- an earlier copy of the source (its history a prefix of the source's, and none of its rows
  keyed by something the source lacks): it is brought up to date, replaced by the source's
  rows in one transaction;
- anything else (writes of its own since, another registry): the copy is refused, naming
  the first difference, and nothing is written. Merging two registries' histories would
  renumber history rows, which is not a copy.

Model files named by logged models and validation records are streamed from the source's
blob store to the target's, their hashes checked on the way (files the target has are
skipped); all of them before any row, so no row ever names a file the target lacks.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry.config import DATABASE_FILE, artifacts_location, busy_timeout
from registry.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from registry.store.contract.transfer import KEYS, TABLES

Rows = dict[str, list[dict[str, Any]]]


@dataclass
class CopyReport:
    """What a copy did: ``outcome`` is "copied", "updated" or "up to date"."""

    outcome: str
    rows: dict[str, int]
    files_copied: int = 0
    files_present: int = 0
    bytes_copied: int = 0
    seconds: float = 0.0
    missing_files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        total = sum(self.rows.values())
        files = f"{self.files_copied} model files copied ({self.bytes_copied / 1e6:.1f} MB)"
        if self.files_present:
            files += f", {self.files_present} already there"
        return (
            f"{self.outcome}: {total} rows in {len(self.rows)} tables "
            f"({self.rows['registered_models']} models, {self.rows['model_versions']} versions, "
            f"{self.rows['changes']} history rows); {files}; {self.seconds:.1f} s"
        )


def open_registry(location: str, artifacts: str | None = None, *, existing: bool = False):
    """The store at ``location``: a home folder, or ``postgresql://...``, whose model files
    are at ``artifacts`` (a folder or ``s3://bucket/prefix``; else ``REGISTRY_ARTIFACTS``).
    With ``existing``, a folder without a registry is refused (InvalidArgumentError) rather
    than created."""
    from registry.store.opening import open_store

    if location.startswith(("postgresql://", "postgres://")):
        if not (artifacts or artifacts_location()):
            raise InvalidArgumentError(
                "A PostgreSQL registry keeps its model files elsewhere: say where with "
                "--from-artifacts / --to-artifacts (s3://bucket/prefix or a folder)"
            )
        return open_store(Path.cwd(), location, artifacts=artifacts, busy_timeout=busy_timeout())
    if "://" in location:
        raise InvalidArgumentError(
            f"Cannot copy a registry at {location!r}: give a home folder or postgresql://..."
        )
    home = Path(location).expanduser().resolve()
    if existing and not (home / DATABASE_FILE).is_file():
        raise InvalidArgumentError(
            f"No registry at {home}: it has no {DATABASE_FILE}; check the --from folder"
        )
    return open_store(home, None, artifacts=artifacts, busy_timeout=busy_timeout())


def copy_registry(source, target, *, allow_missing_files: bool = False) -> CopyReport:
    """Copy everything in ``source`` to ``target`` (see the module docstring). Raises
    AlreadyExistsError, writing nothing, when the target holds a registry of its own, and
    NotFoundError when the source lacks model files its rows name (unless
    ``allow_missing_files``: then they are listed in the report)."""
    started = time.perf_counter()
    with source.hold(), target.hold():
        rows = {table: list(source.export_rows(table)) for table in TABLES}
        present = {table: list(target.export_rows(table)) for table in TABLES}
        outcome = _outcome(rows, present)
        report = CopyReport(outcome, {table: len(found) for table, found in rows.items()})
        if outcome != "up to date":
            _copy_files(source.blobs, target.blobs, _files(rows), report)
            if report.missing_files and not allow_missing_files:
                raise NotFoundError(
                    f"The source lacks {len(report.missing_files)} model files its versions "
                    f"name ({', '.join(report.missing_files[:3])}...); restore them, or pass "
                    "--allow-missing-files to copy the rows anyway"
                )
            target.import_rows(rows.items())
    report.seconds = time.perf_counter() - started
    return report


def canonical(row: dict[str, Any]) -> str:
    """One text per row value, equal exactly when the rows are."""
    return json.dumps(row, sort_keys=True, default=repr)


def _outcome(rows: Rows, present: Rows) -> str:
    if not any(present.values()):
        return "copied"
    if all(sorted(map(canonical, rows[t])) == sorted(map(canonical, present[t])) for t in TABLES):
        return "up to date"
    history = {row["id"]: canonical(row) for row in rows["changes"]}
    for row in present["changes"]:
        if history.get(row["id"]) != canonical(row):
            _refuse(f"its history row {row['id']} ({row['event']}) is not the source's")
    for table, key in KEYS.items():
        if not key:
            continue
        known = {tuple(row[c] for c in key) for row in rows[table]}
        for row in present[table]:
            if tuple(row[c] for c in key) not in known:
                _refuse(
                    f"it has {table} {dict(zip(key, (row[c] for c in key), strict=True))} "
                    "that the source has not"
                )
    return "updated"


def _refuse(why: str) -> None:
    raise AlreadyExistsError(
        f"The target holds a registry of its own: {why}. registry copy only fills an empty "
        "registry or brings an earlier copy up to date; copy into a new home or database"
    )


def _files(rows: Rows) -> list[str]:
    named = {row["sha256"] for row in rows["run_models"]}
    named |= {row["model_sha256"] for row in rows["validation_records"] if row["model_sha256"]}
    return sorted(named)


def _copy_files(source_blobs, target_blobs, shas: Iterable[str], report: CopyReport) -> None:
    _run_to_end(_copy_files_async(source_blobs, target_blobs, shas, report))


async def _copy_files_async(source_blobs, target_blobs, shas, report: CopyReport) -> None:
    for sha in shas:
        if target_blobs.exists(sha):
            report.files_present += 1
            continue
        try:
            stream = source_blobs.open(sha)
        except NotFoundError:
            report.missing_files.append(sha)
            continue
        await target_blobs.receive(sha, _async(stream))
        report.files_copied += 1
        report.bytes_copied += stream.size


def _run_to_end(coroutine) -> None:
    """Run ``coroutine`` on an event loop of its own, on another thread if this one already
    runs a loop (a notebook's, for one), where ``asyncio.run`` would refuse."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coroutine)
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as apart:
        apart.submit(asyncio.run, coroutine).result()


async def _async(chunks: Iterable[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk
