"""The connection lease: hold the DuckDB file only while this process works.

DuckDB lets one process at a time open a database file. A lease opens it on demand, lets
calls close together reuse the connection, and releases it once idle (or after holding it
for ``max_hold`` seconds without a pause, so a busy loop in one process cannot starve
another). Processes wanting the file wait in line and get it in the order they asked
(``queue.py``); a holder lets go as soon as its call ends when someone waits. Opening then
retries DuckDB's lock with backoff and jitter (for holders outside the line) until
``busy_timeout`` in all, then raises RegistryBusyError naming the holder. Threads share one
connection through cursors; writes are serialised by a process lock.

The file holds webhook secrets and token hashes: a home the lease creates is its owner's only
(0700), and so is a new ``registry.duckdb`` (0600); an existing folder keeps its mode. DuckDB's
short-lived ``.wal`` follows the umask, so the private home is what hides it from other users.

A home this process cannot write (a read-only mount, a folder or file without write
permission) is opened read-only: reads work, and a write raises RegistryError saying why it
is impossible. A full disk is a RegistryError saying so, not DuckDB's raw IOException.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import getpass
import os
import random
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import duckdb

from registry.errors import RegistryBusyError, RegistryError
from registry.store.duckdb.migrations import refuse_outdated_schema
from registry.store.duckdb.parsed import run
from registry.store.duckdb.queue import Queue

IDLE_RELEASE = 0.25
MAX_HOLD = 2.0
# With someone in line: hand over after this much idleness, or between two calls once the
# file has been held this long (a busy loop still gets a fair share per open).
HANDOVER_IDLE = 0.005
QUANTUM = 0.25
LINGER_LOOK = 0.025  # how often a file kept open unused looks for waiters (200 looks/s cost 2-4 %)
COURTESY_PAUSE = 0.08
_BACKOFF_START = 0.004
_BACKOFF_MAX = 0.05
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")
_READ_ONLY_MODE = "attached in read-only mode"
_DISK_FULL = os.strerror(errno.ENOSPC)  # "No space left on device"


def describe_holder(message: str) -> str | None:
    """'python3.11 (PID 42: streamlit run app.py)' from DuckDB's lock-conflict message."""
    match = _HOLDER.search(message)
    if not match:
        return None
    return describe_process(match["pid"], Path(match["program"]).name)


def describe_process(pid: int | str, program: str | None = None) -> str:
    """'python3.11 (PID 42: streamlit run app.py)' for a running process."""
    if program is None:
        with contextlib.suppress(OSError):
            program = Path(os.readlink(f"/proc/{pid}/exe")).name
    program = program or "a process"
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        command = " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    except OSError:
        command = ""
    return f"{program} (PID {pid}{': ' + command[:200] if command else ''})"


class Lease:
    """Shared access to one DuckDB file for every client and thread of this process."""

    _by_path: ClassVar[dict[Path, Lease]] = {}
    _by_path_lock = threading.Lock()

    def __init__(
        self,
        path: Path,
        on_open: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
        *,
        busy_timeout: float = 15.0,
        idle_release: float = IDLE_RELEASE,
        max_hold: float = MAX_HOLD,
    ):
        self.path = path
        self.busy_timeout = busy_timeout
        self.idle_release = idle_release
        self.max_hold = max_hold
        self._on_open = on_open
        self._state = threading.Lock()
        self._write = threading.RLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        self._opened_at = 0.0
        self._last_used = 0.0
        self._pause_until = 0.0
        self._reaper: threading.Thread | None = None
        self._queue = Queue(path)
        self.opens = 0
        self.read_only: str | None = None  # why the open file is read-only here (None: it is not)

    @classmethod
    def for_path(cls, path: Path, on_open=None, **options) -> Lease:
        """The process-wide lease for ``path`` (created on first use)."""
        with cls._by_path_lock:
            lease = cls._by_path.get(path)
            if lease is None:
                lease = cls._by_path[path] = cls(path, on_open, **options)
            else:
                lease.busy_timeout = options.get("busy_timeout", lease.busy_timeout)
                lease.idle_release = options.get("idle_release", lease.idle_release)
            return lease

    @property
    def is_open(self) -> bool:
        return self._con is not None

    @contextlib.contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the open connection; opens the file first if needed. Raises
        RegistryError for a write to a read-only registry or a full disk."""
        with self._plain_errors():
            with self._state:
                if self._con is None:
                    self._con = self._open()
                self._users += 1
                cursor = self._con.cursor()
            try:
                yield cursor
            finally:
                cursor.close()
                self._leave()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside BEGIN ... COMMIT (ROLLBACK on any exception); one writer at a time.
        Raises RegistryError at once when the registry is read-only here."""
        with self._write, self.cursor() as cur:
            if self.read_only:
                raise RegistryError(_read_only_message(self.path, self.read_only))
            run(cur, "BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                run(cur, "ROLLBACK")
                raise
            run(cur, "COMMIT")

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Keep the file open for the whole block (bulk work), however long it takes."""
        with self._plain_errors(), self._state:
            if self._con is None:
                self._con = self._open()
            self._users += 1
        try:
            yield
        finally:
            self._leave(after_hold=True)

    def release(self) -> None:
        """Close the connection now unless a call is using it."""
        with self._state:
            if self._users == 0:
                self._close()

    def _leave(self, after_hold: bool = False) -> None:
        with self._state:
            self._users -= 1
            now = time.monotonic()
            self._last_used = now
            if after_hold:
                self._opened_at = now
            if self._users or self._con is None:
                return
            if self._queue.in_line:
                if now - self._opened_at >= QUANTUM and self._queue.others_waiting():
                    self._close()  # the next in line gets it now
            elif not after_hold and now - self._opened_at > self.max_hold:
                # No line here (read-only): let a waiting process in before opening again.
                self._close()
                self._pause_until = now + COURTESY_PAUSE

    def _open(self) -> duckdb.DuckDBPyConnection:
        pause = self._pause_until - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        con = self._connect_with_retry()
        try:
            # A result left half read keeps its transaction open, and DuckDB then never
            # checkpoints (the WAL grows, every write gets dearer): a cursor, closed after.
            with con.cursor() as cur:
                if self._on_open is not None and self.read_only:
                    refuse_outdated_schema(cur, self.path, self.read_only)
                elif self._on_open is not None:
                    self._on_open(cur)
        except BaseException:
            con.close()
            self._queue.leave()
            raise
        self.opens += 1
        self._opened_at = self._last_used = time.monotonic()
        self._start_reaper()
        return con

    def _connect_with_retry(self) -> duckdb.DuckDBPyConnection:
        _make_private_dirs(self.path.parent)
        self.read_only = _why_read_only(self.path)
        if self.read_only and not self.path.exists():
            raise RegistryError(
                f"Registry home {self.path.parent} holds no {self.path.name}, and it cannot be "
                f"created: {self.read_only}"
            )
        if not self.path.exists():
            _create_private_database(self.path)
        deadline = time.monotonic() + self.busy_timeout
        if self.read_only is None:
            ahead = self._queue.enter(deadline)
            if ahead is not None:
                raise self._busy(describe_process(ahead))
        try:
            return self._connect_by(deadline)
        except BaseException:
            self._queue.leave()
            raise

    def _connect_by(self, deadline: float) -> duckdb.DuckDBPyConnection:
        delay = _BACKOFF_START
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=self.read_only is not None)
            except duckdb.IOException as error:
                if "Conflicting lock" not in str(error):
                    raise
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._busy(describe_holder(str(error))) from None
                time.sleep(min(remaining, delay * random.uniform(0.5, 1.5)))
                delay = min(delay * 2, _BACKOFF_MAX)

    def _busy(self, holder: str | None) -> RegistryBusyError:
        return RegistryBusyError(
            f"Registry {self.path} is busy: {holder or 'another process'} has held it for "
            f"over {self.busy_timeout:g} s. Try again when it finishes, or raise "
            "REGISTRY_BUSY_TIMEOUT.",
            holder=holder,
        )

    def _start_reaper(self) -> None:
        if self._reaper is None or not self._reaper.is_alive():
            self._reaper = threading.Thread(target=self._reap, name="registry-lease", daemon=True)
            self._reaper.start()

    def _reap(self) -> None:
        """Close the file once idle, sooner when someone waits for it."""
        while True:
            lingering = time.monotonic() - self._last_used > QUANTUM
            time.sleep(min(self.idle_release / 2, LINGER_LOOK if lingering else HANDOVER_IDLE))
            with self._state:
                if self._con is None:
                    self._reaper = None
                    return
                idle = time.monotonic() - self._last_used
                if self._users == 0 and (
                    idle >= self.idle_release
                    or (idle >= HANDOVER_IDLE and self._queue.others_waiting())
                ):
                    self._close()
                    self._reaper = None
                    return

    def _close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        self._queue.leave()

    @contextlib.contextmanager
    def _plain_errors(self) -> Iterator[None]:
        """DuckDB's and the OS's errors for a read-only registry or a full disk, as
        RegistryError saying so; any other error as it is."""
        try:
            yield
        except (duckdb.Error, OSError) as error:
            text = str(error)
            if _DISK_FULL in text or getattr(error, "errno", None) == errno.ENOSPC:
                raise RegistryError(
                    f"Registry {self.path} could not be written: the disk is full ({_DISK_FULL})."
                    f" Free some space on the disk of {self.path.parent} and try again; the "
                    "change was not saved."
                ) from None
            if _READ_ONLY_MODE in text:
                reason = self.read_only or "it is open read-only"
                raise RegistryError(_read_only_message(self.path, reason)) from None
            raise


def _make_private_dirs(folder: Path) -> None:
    """Create ``folder`` and its missing parents, each new one for its owner only (0700);
    folders that exist keep their modes. Raises RegistryError when one cannot be created."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        try:
            new.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError as error:
            if error.errno == errno.ENOSPC:
                raise
            raise RegistryError(
                f"Registry home {missing[0]} cannot be created: {error.strerror} ({new})"
            ) from None


def _why_read_only(path: Path) -> str | None:
    """Why this process cannot write the registry file ``path`` (None: it can)."""
    folder = path.parent
    if os.statvfs(folder).f_flag & os.ST_RDONLY:
        return f"{folder} is on a read-only file system"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"user {_user()} may not write to the folder {folder}"
    if path.exists() and not os.access(path, os.W_OK):
        return f"user {_user()} may not write {path}"
    return None


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.geteuid()}"


def _read_only_message(path: Path, reason: str) -> str:
    return (
        f"Registry {path} is read-only here ({reason}): reading works, but this change cannot "
        "be saved. Make the change where the registry home is writable, or through a registry "
        "server."
    )


def _create_private_database(path: Path) -> None:
    """Create an empty DuckDB file at ``path`` that only its owner can read (0600).

    DuckDB creates files with the process umask and an fd opened while the file is readable
    keeps reading it later, so it is made in a private folder beside ``path``, restricted
    there and then linked into place; a file another process created meanwhile is kept.
    """
    folder = Path(tempfile.mkdtemp(prefix=".new-", dir=path.parent))
    try:
        fresh = folder / path.name
        duckdb.connect(str(fresh)).close()
        os.chmod(fresh, 0o600)
        try:
            os.link(fresh, path)
        except FileExistsError:
            pass
        except OSError:  # no hard links on this file system
            if not path.exists():
                os.replace(fresh, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@atexit.register
def _release_all() -> None:
    for lease in list(Lease._by_path.values()):
        with lease._state:
            lease._close()
