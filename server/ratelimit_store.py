"""Where the rate windows live: the storage interface and its in-process implementation.

A booking is made when a request may leave and stays *in flight* until its answer is in; only then
is it stamped, with the time of the answer. The portal counts a request when it arrives, which is
somewhere between our send and its answer, and how long the way there takes varies (a busy event
loop, a new connection, the network): stamping at send time let a late-arriving request and one
sent a full window later land in the same upstream second. Stamped at the answer, a booking is
never younger in our windows than in the portal's, so no delay can squeeze two into one window.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

Clock = Callable[[], float]


@dataclass(frozen=True)
class Window:
    """At most `limit` units inside any `span` seconds."""

    name: str
    limit: float
    span: float


@dataclass(frozen=True)
class Booking:
    """A storage's answer: `granted` with the seconds to wait and the booking's `token` (for `release`),
    or refused with the seconds until it would fit (a lower bound while bookings are in flight)."""

    granted: bool
    wait: float
    token: str = ""


class Storage(Protocol):
    """Where the windows live; `reserve` must be atomic across everyone sharing the storage."""

    async def reserve(self, windows: Sequence[Window], costs: Sequence[float], *, book: bool = True) -> Booking:
        """Book `costs[i]` in `windows[i]`, in flight, if all fit now; else (or with `book=False`) tell
        the wait. Bookings still in flight count as ending no earlier than now."""
        ...

    async def release(self, token: str) -> None:
        """The booking's answer is in: stamp it now, so it leaves each window one span from now."""
        ...

    async def hold(self, name: str, seconds: float) -> None:
        """Start no booking in window `name` before `seconds` from now."""
        ...

    async def aclose(self) -> None: ...


def earliest_fit(
    done: Sequence[tuple[float, float]], flying: float, start: float, window: Window, cost: float
) -> float:
    """The first time ≥ start at which `cost` more units fit in `window`, given answered bookings
    `done` (time, units) in time order, all ≤ start, and `flying` units still in flight.

    Units in flight leave no earlier than one span after `start`: a lower bound, re-checked after it.
    """
    cost = min(cost, window.limit)  # a request dearer than the whole window runs alone in it
    live = [(t, units) for t, units in done if t > start - window.span]
    load = flying + sum(units for _, units in live)
    if load + cost <= window.limit:
        return start
    for t, units in live:
        load -= units
        if load + cost <= window.limit:
            return t + window.span
    return start + window.span


class MemoryStorage:
    """Windows of one process: answered (time, units) per window name, and the bookings in flight."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self._done: dict[str, deque[tuple[float, float]]] = {}
        self._flying: dict[str, list[tuple[str, float]]] = {}  # token -> (window name, units)
        self._holds: dict[str, float] = {}
        self._tokens = itertools.count(1)

    async def reserve(self, windows: Sequence[Window], costs: Sequence[float], *, book: bool = True) -> Booking:
        now = self.clock()
        start = max([now, *(self._holds.get(w.name, now) for w in windows)])
        at = start
        for w, c in zip(windows, costs, strict=True):
            done = self._done.setdefault(w.name, deque())
            while done and done[0][0] <= now - w.span:
                done.popleft()
            flying = sum(u for rows in self._flying.values() for name, u in rows if name == w.name)
            at = max(at, earliest_fit(done, flying, start, w, c))
        if not book or at > now:
            return Booking(False, at - now)
        token = str(next(self._tokens))
        self._flying[token] = [(w.name, min(c, w.limit)) for w, c in zip(windows, costs, strict=True)]
        return Booking(True, 0.0, token)

    async def release(self, token: str) -> None:
        now = self.clock()
        for name, units in self._flying.pop(token, ()):
            self._done.setdefault(name, deque()).append((now, units))

    async def hold(self, name: str, seconds: float) -> None:
        self._holds[name] = max(self._holds.get(name, 0.0), self.clock() + seconds)

    async def aclose(self) -> None:
        return None
