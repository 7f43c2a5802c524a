"""The registry's clock: milliseconds since the epoch, UTC.

Every timestamp the registry writes comes from ``now_ms``. The demo generator sets the clock
with ``frozen_at`` to lay out a history over simulated weeks.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator

_frozen: contextvars.ContextVar[int | None] = contextvars.ContextVar("frozen_ms", default=None)


def now_ms() -> int:
    frozen = _frozen.get()
    return frozen if frozen is not None else int(time.time() * 1000)


@contextlib.contextmanager
def frozen_at(ms: int) -> Iterator[None]:
    """Make every write inside the block carry the timestamp ``ms``."""
    token = _frozen.set(int(ms))
    try:
        yield
    finally:
        _frozen.reset(token)
