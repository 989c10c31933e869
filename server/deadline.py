"""The current tool call's deadline, seen by every upstream request made on its behalf.

The dispatch point enters `call_deadline(seconds)` around a tool call; `VibeCodeClient` reads
`current()` and never waits, retries or reads past it. Outside any call a request gets the
client's own default, so no path through the server is unbounded.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("vibecode_call_deadline", default=None)


def current() -> float | None:
    """The `time.monotonic()` by which the current call must answer, or None outside a call."""
    return _deadline.get()


@contextmanager
def call_deadline(seconds: float | None = None, *, at: float | None = None) -> Iterator[float | None]:
    """Set the deadline for the code inside: `seconds` from now, or the absolute monotonic time `at`.

    A deadline already set further out is tightened, never loosened.
    """
    target = at if at is not None else (time.monotonic() + seconds if seconds is not None else None)
    outer = _deadline.get()
    if outer is not None and (target is None or outer < target):
        target = outer
    token = _deadline.set(target)
    try:
        yield target
    finally:
        _deadline.reset(token)
