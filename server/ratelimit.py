"""A cost-aware limiter shared by every upstream call: the portal and key budgets as sliding windows.

Callers queue first come, first served. The one at the head books its cost in every window the
moment it fits and hands the head to the next; the booking stays in flight until the answer is in
and is stamped then (see server.ratelimit_store for why). A caller learns its likely wait when it
joins: one past its deadline fails at once with the time to retry, and no wait ever outlasts it.
Windows live behind `Storage`: in this process by default, in Redis when replicas share a budget.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import anyio

from server import specs
from server.costs import CostTable
from server.errors import WaitTooLong
from server.ratelimit_store import Booking, Clock, MemoryStorage, Storage, Window, earliest_fit

__all__ = ["Booking", "CostTable", "MemoryStorage", "RateLimiter", "Storage", "Window", "earliest_fit"]

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]
# Releasing a booking must not hang a finished call on a sick store; a booking not released in
# this time stays in flight until the store's lease on it ends.
RELEASE_SECONDS = 2.0


class RateLimiter:
    """The portal budget (units per second) and the key budget (requests per minute), shared by all callers."""

    def __init__(
        self,
        rate: float = 10.0,
        key_rate: float = 300.0,
        *,
        storage: Storage | None = None,
        sleep: Sleep = anyio.sleep,
        clock: Clock = time.monotonic,
        costs: CostTable | None = None,
        spec: Mapping[str, Any] | None = None,
        margin: float | None = None,
    ) -> None:
        spec = spec if spec is not None else specs.load("rate_limits.json")
        self.base_margin = self.margin = float(spec["margin_seconds"]) if margin is None else margin
        self.margin_step = float(spec["margin_step_seconds"])
        self.max_margin = float(spec["max_margin_seconds"])
        self.margin_decay_after = int(spec["margin_decay_after"])
        self._clean = 0  # requests granted since the last 429
        self.spans = {name: float(w["span_seconds"]) for name, w in spec["windows"].items()}
        self.configured = {"portal": float(rate), "key": float(key_rate)}
        self.limits = dict(self.configured)
        self.storage: Storage = storage if storage is not None else MemoryStorage()
        self.sleep = sleep
        self.clock = clock
        self.costs = costs if costs is not None else CostTable(spec)
        self._queue: deque[_Ticket] = deque()

    def windows(self) -> list[Window]:
        return [Window(name, self.limits[name], self.spans[name] + self.margin) for name in ("portal", "key")]

    @asynccontextmanager
    async def turn(
        self, method: str, path: str, body: Any = None, *, max_wait: float | None = None
    ) -> AsyncIterator[float]:
        """Wait for this request's turn and hold its booking while the block sends it and reads the
        answer; yields the seconds waited. The booking is stamped when the block ends.

        Raises:
            WaitTooLong: the turn would come later than `max_wait` seconds from now; nothing was booked.
        """
        waited, token = await self._book(method, path, body, max_wait)
        try:
            yield waited
        finally:
            with anyio.move_on_after(RELEASE_SECONDS, shield=True):
                try:
                    await self.storage.release(token)
                except Exception as exc:  # the call's own result matters more; the lease ends the booking
                    log.warning("rate booking not released (%s); it ends with its lease", type(exc).__name__)

    async def acquire(self, method: str, path: str, body: Any = None, *, max_wait: float | None = None) -> float:
        """`turn` for a request answered the moment it leaves; returns the seconds waited."""
        async with self.turn(method, path, body, max_wait=max_wait) as waited:
            return waited

    async def _book(self, method: str, path: str, body: Any, max_wait: float | None) -> tuple[float, str]:
        units = self.costs.cost(method, path, body)
        ticket = _Ticket(units)
        self._queue.append(ticket)
        began = self.clock()
        try:
            if max_wait is not None:
                estimate = await self._estimate()
                if estimate > max_wait:
                    raise _too_long(estimate, max_wait)
            while True:
                left = None if max_wait is None else max_wait - (self.clock() - began)
                if self._queue[0] is not ticket:
                    with anyio.move_on_after(left if left is not None else math.inf):
                        await ticket.turn.wait()
                    if left is not None and not ticket.turn.is_set():
                        raise _too_long(await self._estimate(), 0.0)
                    continue
                booking = await self.storage.reserve(self.windows(), [units, 1.0])
                if booking.granted:
                    self._settle()
                    return self.clock() - began, booking.token
                if left is not None and booking.wait > left:
                    raise _too_long(booking.wait, max(0.0, left))
                await self.sleep(booking.wait)
        finally:
            was_head = self._queue[0] is ticket
            self._queue.remove(ticket)
            if was_head and self._queue:
                self._queue[0].turn.set()

    async def _estimate(self) -> float:
        """Seconds until everyone queued here, this caller last, would have gone (a close lower bound)."""
        windows = self.windows()
        totals = [sum(t.units for t in self._queue), float(len(self._queue))]
        first = await self.storage.reserve(
            windows, [min(total, w.limit) for w, total in zip(windows, totals, strict=True)], book=False
        )
        more = max((math.ceil(total / w.limit) - 1) * w.span for w, total in zip(windows, totals, strict=True))
        return first.wait + max(0.0, more)

    async def penalize(self, retry_after: float, window: str = "portal") -> None:
        """The upstream said 429: nobody sharing this budget starts a request in `window` for `retry_after` s,
        and our windows widen a step, since arrival jitter upstream evidently exceeds the margin."""
        await self.storage.hold(window, retry_after)
        self.margin = min(self.max_margin, self.margin + self.margin_step)
        self._clean = 0

    def _settle(self) -> None:
        self._clean += 1
        if self._clean >= self.margin_decay_after and self.margin > self.base_margin:
            self.margin = max(self.base_margin, self.margin - self.margin_step)
            self._clean = 0

    def observe_me(self, data: Any) -> None:
        """Adopt GET /v1/me's `rateLimit.requestsPerSecond` when it is below the configured portal budget."""
        rate = data.get("rateLimit") if isinstance(data, Mapping) else None
        value = rate.get("requestsPerSecond") if isinstance(rate, Mapping) else None
        if isinstance(value, int | float) and _positive(value):
            self.limits["portal"] = min(self.configured["portal"], float(value))

    async def observe_headers(self, headers: Mapping[str, str]) -> None:
        """Adopt X-RateLimit-Limit for the key budget; with nothing Remaining, hold it until Reset."""
        limit = _number(headers.get("x-ratelimit-limit"))
        if _positive(limit):
            self.limits["key"] = min(self.configured["key"], float(limit))  # type: ignore[arg-type]
        remaining = _number(headers.get("x-ratelimit-remaining"))
        reset = _number(headers.get("x-ratelimit-reset"))
        if remaining is not None and remaining <= 0 and reset is not None and reset > 0:
            await self.storage.hold("key", reset)

    async def aclose(self) -> None:
        await self.storage.aclose()


class _Ticket:
    """A caller's place in the queue; `turn` is set when it reaches the head."""

    def __init__(self, units: float) -> None:
        self.units = units
        self.turn = anyio.Event()


def _too_long(wait: float, left: float) -> WaitTooLong:
    return WaitTooLong(
        f"The portal's rate budget is taken for the next {wait:.1f} s, longer than this call may wait "
        f"({left:.1f} s left before its deadline).",
        retry_after=wait,
        hint=f"Retry in {math.ceil(wait)} s, or do fewer calls: batch reads and writes, select fewer fields, "
        "filter instead of paging.",
    )


def _number(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0
