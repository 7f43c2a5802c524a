"""Content-addressed model files, and the artifact paths users may name.

A blob is stored once under ``root/blobs/<sha[:2]>/<sha>``, read-only, where ``sha`` is the
sha256 of its bytes. Reading a blob checks its hash, so a file changed on disk is never loaded
silently. Checking costs a full hash, so each process remembers which files it has verified,
by their ``os.stat`` fingerprint; a file whose fingerprint changed is hashed again. Folders the
store creates (the registry home among them, when the first model file comes before the
database) are for their owner only (0700); folders that exist keep their modes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
import threading
from pathlib import Path

from registry.errors import IntegrityError, InvalidArgumentError, NotFoundError

_SHA_RE = re.compile(r"[0-9a-f]{64}")
_SEGMENT_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_DRIVE_RE = re.compile(r"[A-Za-z]:")
MAX_ARTIFACT_PATH = 256
_ALLOWED = (
    "use a relative path of letters, digits, '_', '-' and '.' separated by '/', "
    f"at most {MAX_ARTIFACT_PATH} characters (e.g. 'model' or 'models/clf')"
)

# Verified files of this process: resolved path -> stat fingerprint when last hashed.
_verified: dict[str, tuple[int, ...]] = {}
_verified_lock = threading.Lock()


def _sha256(data: bytes) -> str:
    """The sha256 hex digest of ``data``; the one place that hashes (tests count calls)."""
    return hashlib.sha256(data).hexdigest()


def _fingerprint(st: os.stat_result) -> tuple[int, ...]:
    # ctime is included because a writer can reset mtime but not ctime.
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _remember(path: Path, fingerprint: tuple[int, ...] | None) -> None:
    with _verified_lock:
        if fingerprint is None:
            _verified.pop(str(path), None)
        else:
            _verified[str(path)] = fingerprint


def _make_private_dirs(folder: Path) -> None:
    """Create ``folder`` and its missing parents, each new one for its owner only (0700)."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        with contextlib.suppress(FileExistsError):
            new.mkdir(mode=0o700)


def _is_remembered(path: Path, fingerprint: tuple[int, ...]) -> bool:
    with _verified_lock:
        return _verified.get(str(path)) == fingerprint


class BlobStore:
    """Immutable blobs named by the sha256 of their bytes, kept under ``root``."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        """Where the blob ``sha`` lives (it may not exist).

        Raises InvalidArgumentError if ``sha`` is not 64 lowercase hex digits, and
        IntegrityError if the file resolves (through a symlink) to a place outside the root.
        """
        if not isinstance(sha, str) or not _SHA_RE.fullmatch(sha):
            raise InvalidArgumentError(
                f"model file hash {sha!r} is malformed: expected 64 lowercase hex digits (sha256)"
            )
        root = self.root.resolve()
        path = (root / "blobs" / sha[:2] / sha).resolve()
        if not path.is_relative_to(root):
            raise IntegrityError(
                f"model file {sha} resolves to {path}, outside the artifact folder {root}; "
                "remove the link and re-log the model"
            )
        return path

    def exists(self, sha: str) -> bool:
        """Whether a file for blob ``sha`` is present (its content is not checked)."""
        return self.path(sha).is_file()

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its sha256 hex digest.

        Writing is atomic (a temporary file in the same folder, then a rename) and the file is
        made read-only. Storing bytes that are present already is a no-op, unless the stored
        copy was damaged, in which case it is replaced.
        """
        sha = _sha256(data)
        path = self.path(sha)
        if path.is_file():
            try:
                self.get(sha)
                return sha
            except IntegrityError:
                pass
        _make_private_dirs(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _remember(path, _fingerprint(path.stat()))
        return sha

    def get(self, sha: str) -> bytes:
        """The bytes of blob ``sha``, checked against their hash.

        A file this process has verified before and that is unchanged since (same stat
        fingerprint) is read but not hashed again. Raises NotFoundError if it is missing and
        IntegrityError if its bytes no longer match ``sha``.
        """
        path = self.path(sha)
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            raise NotFoundError(
                f"model file {sha} not found in the artifact store; re-log the model"
            ) from None
        with os.fdopen(fd, "rb") as f:
            data = f.read()
            # Taken after reading, so a write during the read shows up as a new fingerprint.
            fingerprint = _fingerprint(os.fstat(f.fileno()))
        if not _is_remembered(path, fingerprint):
            found = _sha256(data)
            if found != sha:
                _remember(path, None)
                raise IntegrityError(
                    f"model file {sha} was modified after it was stored: it hashes to {found} "
                    f"(artifacts/blobs/{sha[:2]}/{sha} under the registry home); restore it or "
                    "re-log the model"
                )
            _remember(path, fingerprint)
        return data

    def fingerprint(self, sha: str) -> tuple[int, ...] | None:
        """A token that changes whenever blob ``sha``'s file changes.

        None unless the file was verified by this process and is unchanged since; callers
        caching what they decoded from a blob key their cache on it.
        """
        path = self.path(sha)
        try:
            current = _fingerprint(path.stat())
        except FileNotFoundError:
            return None
        return current if _is_remembered(path, current) else None


def validate_artifact_path(path: str) -> str:
    """Check an artifact path given to ``log_model`` and return it without trailing ``/``.

    Raises InvalidArgumentError, saying what is wrong and what is allowed, for anything that
    could name a place outside the run's folder or be read differently by another system.
    """
    reason = _artifact_path_problem(path)
    if reason:
        raise InvalidArgumentError(f"artifact path {path!r} is not allowed: {reason}; {_ALLOWED}")
    return path.rstrip("/")


def _artifact_path_problem(path: object) -> str | None:
    if not isinstance(path, str):
        return f"it is a {type(path).__name__}, not a string"
    if not path:
        return "it is empty"
    if len(path) > MAX_ARTIFACT_PATH:
        return f"it is {len(path)} characters long"
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        return "it contains control characters"
    if path.startswith("/") or _DRIVE_RE.match(path):
        return "it is absolute"
    if "\\" in path:
        return "it contains a backslash"
    if "%" in path:
        return "it contains '%' (percent-encoded characters are not decoded)"
    if "~" in path:
        return "it contains '~'"
    for segment in path.rstrip("/").split("/"):
        if segment in (".", ".."):
            return f"it contains a {segment!r} segment"
        if not segment:
            return "it contains an empty segment ('//')"
        if not _SEGMENT_RE.fullmatch(segment):
            return f"segment {segment!r} has characters outside the allowed set"
    return None
