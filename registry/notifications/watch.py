"""How the dispatcher learns that the registry may hold new work without querying it: the
size and modification time of the DuckDB file and its write-ahead log, or a store's own
``change_marker()``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

MARKER_POLL = 0.05


class FileWatch:
    """The size and modification time of the registry file and its write-ahead log (every
    commit changes one, reading neither), or a store's ``change_marker()`` (PostgreSQL: it
    moves with every commit that may bring work); with neither, every poll looks."""

    def __init__(self, store):
        path: Path | None = getattr(store, "database_path", None)
        self._paths = () if path is None else (path, path.with_name(path.name + ".wal"))
        self._marker: Callable[[], object] | None = getattr(store, "change_marker", None)
        self._seen: object = None
        self._after_pass: object = None

    def _now(self) -> object:
        if self._marker is not None:
            return self._marker()
        found = []
        for path in self._paths:
            try:
                info = path.stat()
                found.append((info.st_size, info.st_mtime_ns))
            except FileNotFoundError:
                found.append(None)
        return tuple(found)

    def pause(self, poll: float) -> float:
        """Seconds between idle looks: ``poll`` for files (a stat), at least MARKER_POLL for
        a marker (a query)."""
        return poll if self._paths else max(poll, MARKER_POLL)

    def remember(self) -> None:
        self._seen = self._now()

    def changed(self) -> bool:
        if not self._paths and self._marker is None:
            return True
        return self._seen is None or self._now() != self._seen

    def remember_pass(self) -> None:
        """Note the files as the dispatcher's own commit left them (files only: cheap)."""
        self._after_pass = self._now() if self._paths and self._marker is None else None

    def moved_since_pass(self) -> bool:
        """Whether another commit (a new event, likely) came after the last pass."""
        return self._after_pass is not None and self._now() != self._after_pass
