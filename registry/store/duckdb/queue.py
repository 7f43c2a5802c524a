"""The line for the registry file: processes get it in the order they asked (a ticket lock).

DuckDB's own lock has no queue: processes that find the file busy retry, and whoever retries
at the right moment wins, so a process can starve. Here a process takes the next ticket
(a counter in ``.registry.duckdb.queue/counter``, read and bumped under ``flock``) and
creates a ticket file named by the number, locked with ``flock`` while it waits for and
holds the registry. It may open the file once every ticket before its own is gone. A process
that dies loses its locks with it, so its ticket file is found unlocked and swept away: a
crash never blocks the line. The holder sees tickets after its own (``others_waiting``) and
lets go as soon as its current call ends.

Without ``fcntl`` (Windows) or on a home this process cannot write, there is no line and
the lease falls back to retrying DuckDB's lock.
"""

from __future__ import annotations

import contextlib
import os
import random
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS
    fcntl = None  # type: ignore[assignment]

_DIGITS = 12
_POLL_START = 0.001
_POLL_MAX = 0.005


def queue_folder(database: Path) -> Path:
    """The folder holding the line for ``database``."""
    return database.parent / f".{database.name}.queue"


class Queue:
    """One process's place in the line for one registry file (not thread-safe: the lease
    calls it under its own lock)."""

    def __init__(self, database: Path):
        self.folder = queue_folder(database)
        self._fd: int | None = None
        self._name: str | None = None

    @property
    def in_line(self) -> bool:
        return self._fd is not None

    def enter(self, deadline: float) -> int | None:
        """Take a ticket and wait until it is first in line; returns None then. At
        ``deadline`` it leaves the line and returns the PID of the ticket still ahead.
        Without a usable line (no fcntl, a folder it cannot write) it returns None at once."""
        if fcntl is None or self._fd is not None:
            return None
        try:
            self._take_ticket()
        except OSError:
            return None
        delay = _POLL_START
        while True:
            ahead = self._first_alive_ahead()
            if ahead is None:
                return None
            if time.monotonic() >= deadline:
                self.leave()
                return ahead
            time.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 1.5, _POLL_MAX)

    def leave(self) -> None:
        """Give up the ticket (after closing the registry file, or on giving up waiting)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.folder / str(self._name))
        os.close(self._fd)  # releases the flock
        self._fd = self._name = None

    def others_waiting(self) -> bool:
        """Whether a ticket after this process's own exists (someone wants the file)."""
        if self._name is None:
            return False
        with contextlib.suppress(OSError):
            return any(_is_ticket(n) and n > self._name for n in os.listdir(self.folder))
        return False

    def _take_ticket(self) -> None:
        self.folder.mkdir(mode=0o700, exist_ok=True)
        counter = os.open(self.folder / "counter", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(counter, fcntl.LOCK_EX)
            text = os.pread(counter, 32, 0).decode().strip()
            number = int(text) + 1 if text.isdigit() else 1
            os.pwrite(counter, f"{number:0{_DIGITS}d}\n".encode(), 0)
            name = f"{number:0{_DIGITS}d}"
            # Created and locked before the counter is let go: a ticket anyone can see
            # below their own is already locked by a live owner, or stale.
            fd = os.open(self.folder / name, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.write(fd, str(os.getpid()).encode())
        finally:
            os.close(counter)
        self._fd, self._name = fd, name

    def _first_alive_ahead(self) -> int | None:
        """The PID of the first live ticket before this one (None: this one is first);
        stale tickets on the way are removed."""
        try:
            names = sorted(n for n in os.listdir(self.folder) if _is_ticket(n))
        except OSError:
            return None
        for name in names:
            if name >= str(self._name):
                return None
            pid = _live_owner(self.folder / name)
            if pid is not None:
                return pid
        return None


def _is_ticket(name: str) -> bool:
    return len(name) == _DIGITS and name.isdigit()


def _live_owner(path: Path) -> int | None:
    """The PID in a ticket file whose owner still holds its lock; a stale one is deleted
    and gives None."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None  # gone meanwhile
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 16, 0).decode(errors="replace").strip()
            return int(text) if text.isdigit() else 0
        with contextlib.suppress(OSError):
            os.unlink(path)  # its owner died, or left without removing it
        return None
    finally:
        os.close(fd)
