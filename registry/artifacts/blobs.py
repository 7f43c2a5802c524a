"""Content-addressed model files, and the artifact paths users may name.

A blob is stored once under ``root/blobs/<sha[:2]>/<sha>``, read-only, where ``sha`` is the
sha256 of its bytes. Reading a blob checks its hash, so a file changed on disk is never loaded
silently. Checking costs a full hash, so each process remembers which files it has verified,
by their ``os.stat`` fingerprint; a file whose fingerprint changed is hashed again. Folders the
store creates (the registry home among them, when the first model file comes before the
database) are for their owner only (0700); folders that exist keep their modes.

Every blob store (this folder, ``registry.artifacts.s3`` for a bucket) answers the same
calls: ``exists``, ``put``/``get`` for bytes in hand, ``open`` for a ``BlobStream`` that
checks the hash as the bytes flow, ``receive`` for a streamed upload that is kept only if it
hashes to its address, ``location`` and ``fingerprint``. ``open_blobs`` picks one for a
location.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import tempfile
import threading
from collections.abc import AsyncIterable, Callable, Iterable, Iterator
from pathlib import Path

from registry.errors import IntegrityError, InvalidArgumentError, NotFoundError, RegistryError

_SHA_RE = re.compile(r"[0-9a-f]{64}")
_SEGMENT_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_DRIVE_RE = re.compile(r"[A-Za-z]:")
MAX_ARTIFACT_PATH = 256
_ALLOWED = (
    "use a relative path of letters, digits, '_', '-' and '.' separated by '/', "
    f"at most {MAX_ARTIFACT_PATH} characters (e.g. 'model' or 'models/clf')"
)

CHUNK = 1 << 20
"""Bytes per chunk when a blob is streamed."""

# Verified files of this process: resolved path -> stat fingerprint when last hashed.
_verified: dict[str, tuple[int, ...]] = {}
_verified_lock = threading.Lock()


def _sha256(data: bytes) -> str:
    """The sha256 hex digest of ``data``; the one place that hashes (tests count calls)."""
    return hashlib.sha256(data).hexdigest()


def check_sha(sha: object) -> str:
    """``sha`` if it is 64 lowercase hex digits; raises InvalidArgumentError otherwise."""
    if not isinstance(sha, str) or not _SHA_RE.fullmatch(sha):
        raise InvalidArgumentError(
            f"model file hash {sha!r} is malformed: expected 64 lowercase hex digits (sha256)"
        )
    return sha


def modified_error(sha: str, found: str, where: str) -> IntegrityError:
    """The error for blob ``sha`` whose bytes at ``where`` hash to ``found``."""
    return IntegrityError(
        f"model file {sha} was modified after it was stored: it hashes to {found} "
        f"({where}); restore it or re-log the model"
    )


def upload_error(sha: str, found: str) -> IntegrityError:
    """The error for an upload addressed to ``sha`` whose bytes hash to ``found``."""
    return IntegrityError(
        f"Upload of model file {sha} hashed to {found}: the bytes were damaged on the way; "
        "send it again"
    )


def open_blobs(location: str | os.PathLike[str]):
    """The blob store at ``location``: a folder path, or ``s3://bucket/prefix`` (endpoint,
    region and credentials from the usual AWS variables). Raises InvalidArgumentError for
    any other URI scheme."""
    text = os.fspath(location)
    if text.startswith("s3://"):
        from registry.artifacts.s3 import S3BlobStore

        return S3BlobStore(text)
    if "://" in text:
        raise InvalidArgumentError(
            f"Unsupported artifact location {text!r}: give a folder path or s3://bucket/prefix"
        )
    return BlobStore(Path(text))


class BlobStream:
    """One blob's bytes as chunks, checked against its sha256 as they flow.

    The last chunk is held back until the hash is known: on a mismatch iterating raises
    IntegrityError instead of yielding it, so a response streamed from here ends short and
    fails rather than completing with the wrong bytes. ``size`` is the stored length.
    """

    def __init__(
        self,
        sha: str,
        size: int,
        chunks: Iterable[bytes],
        where: str,
        on_verified: Callable[[], None] | None = None,
    ):
        self.sha, self.size, self.where = sha, size, where
        self._chunks = chunks
        self._on_verified = on_verified

    def __iter__(self) -> Iterator[bytes]:
        digest, held = hashlib.sha256(), None
        for chunk in self._chunks:
            if not chunk:
                continue
            digest.update(chunk)
            if held is not None:
                yield held
            held = bytes(chunk)
        found = digest.hexdigest()
        if found != self.sha:
            raise modified_error(self.sha, found, self.where)
        if self._on_verified is not None:
            self._on_verified()
        if held is not None:
            yield held

    def read(self) -> bytes:
        """All the bytes, once checked."""
        return b"".join(self)


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
        check_sha(sha)
        root = self.root.resolve()
        path = (root / "blobs" / sha[:2] / sha).resolve()
        if not path.is_relative_to(root):
            raise IntegrityError(
                f"model file {sha} resolves to {path}, outside the artifact folder {root}; "
                "remove the link and re-log the model"
            )
        return path

    def location(self, sha: str) -> str:
        """Where blob ``sha`` lives, as text (caches of what was decoded from it key on it)."""
        return str(self.path(sha))

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
        with self._disk_full_is_an_error():
            self._write(path, data)
        _remember(path, _fingerprint(path.stat()))
        return sha

    def _write(self, path: Path, data: bytes) -> None:
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

    @contextlib.contextmanager
    def _disk_full_is_an_error(self) -> Iterator[None]:
        """A full disk (or quota) while writing a model file, as a RegistryError saying so."""
        try:
            yield
        except OSError as error:
            if error.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            raise RegistryError(
                f"A model file could not be stored in {self.root}: the disk is full "
                f"({os.strerror(error.errno)}). Free some space there and try again; nothing "
                "was kept."
            ) from None

    def get(self, sha: str) -> bytes:
        """The bytes of blob ``sha``, checked against their hash.

        A file this process has verified before and that is unchanged since (same stat
        fingerprint) is read but not hashed again. Raises NotFoundError if it is missing and
        IntegrityError if its bytes no longer match ``sha``.
        """
        path = self.path(sha)
        with self._open_file(path, sha) as f:
            data = f.read()
            # Taken after reading, so a write during the read shows up as a new fingerprint.
            fingerprint = _fingerprint(os.fstat(f.fileno()))
        if not _is_remembered(path, fingerprint):
            found = _sha256(data)
            if found != sha:
                _remember(path, None)
                raise modified_error(sha, found, self._where(sha))
            _remember(path, fingerprint)
        return data

    def open(self, sha: str) -> BlobStream:
        """Blob ``sha`` as a ``BlobStream`` (hashed as it is read, every time). Raises
        NotFoundError now if it is missing; IntegrityError comes from iterating."""
        path = self.path(sha)
        f = self._open_file(path, sha)
        read_fingerprint: list[tuple[int, ...]] = []

        def chunks() -> Iterator[bytes]:
            with f:
                while chunk := f.read(CHUNK):
                    yield chunk
                read_fingerprint.append(_fingerprint(os.fstat(f.fileno())))

        def verified() -> None:
            _remember(path, read_fingerprint[0])

        size = os.fstat(f.fileno()).st_size
        return BlobStream(sha, size, chunks(), self._where(sha), verified)

    async def receive(self, sha: str, chunks: AsyncIterable[bytes]) -> None:
        """Store the streamed bytes as blob ``sha``: written to a temporary file beside it
        while hashed, renamed into place only if they hash to ``sha`` (IntegrityError
        otherwise, and nothing is kept)."""
        target = self.path(sha)
        digest = hashlib.sha256()
        with self._disk_full_is_an_error():
            _make_private_dirs(target.parent)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as out:
                    async for chunk in chunks:
                        digest.update(chunk)
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                if digest.hexdigest() != sha:
                    raise upload_error(sha, digest.hexdigest())
                os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
                os.replace(tmp, target)
            finally:
                Path(tmp).unlink(missing_ok=True)
        _remember(target, _fingerprint(target.stat()))

    def _open_file(self, path: Path, sha: str):
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            raise NotFoundError(
                f"model file {sha} not found in the artifact store; re-log the model"
            ) from None
        return os.fdopen(fd, "rb")

    @staticmethod
    def _where(sha: str) -> str:
        return f"artifacts/blobs/{sha[:2]}/{sha} under the registry home"

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
