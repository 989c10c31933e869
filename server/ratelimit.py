"""A cost-aware limiter shared by every upstream call: the portal and key budgets as sliding windows.

Each request books its cost in every window at the earliest moment it fits, then sleeps until
then. Bookings are handed out in time order, so callers are served first come, first served, and a
caller learns its wait at once: a wait past its deadline fails fast with the time to retry.
Windows live behind `Storage`: in this process by default, in Redis when replicas share a budget.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import anyio

from server import specs
from server.errors import WaitTooLong

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Window:
    """At most `limit` units inside any `span` seconds."""

    name: str
    limit: float
    span: float


@dataclass(frozen=True)
class Booking:
    """A storage's answer: `granted` with the seconds to wait, or refused with the seconds until it would fit."""

    granted: bool
    wait: float


class Storage(Protocol):
    """Where the windows live; `reserve` must be atomic across everyone sharing the storage."""

    async def reserve(self, windows: Sequence[Window], costs: Sequence[float], max_wait: float | None) -> Booking:
        """Book `costs[i]` in `windows[i]` at the earliest time all fit, unless that is beyond `max_wait`."""
        ...

    async def hold(self, name: str, seconds: float) -> None:
        """Start no booking in window `name` before `seconds` from now."""
        ...

    async def aclose(self) -> None: ...


def earliest_fit(entries: Sequence[tuple[float, float]], start: float, window: Window, cost: float) -> float:
    """The first time ≥ start at which `cost` more units fit in `window`, given bookings (all ≤ start) in time order."""
    cost = min(cost, window.limit)  # a request dearer than the whole window runs alone in it
    live = [(t, units) for t, units in entries if t > start - window.span]
    load = sum(units for _, units in live)
    if load + cost <= window.limit:
        return start
    for t, units in live:
        load -= units
        if load + cost <= window.limit:
            return t + window.span
    return start  # unreachable: with every booking gone the load is 0


class MemoryStorage:
    """Windows of one process: a list of (time, units) bookings per window name."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self._entries: dict[str, deque[tuple[float, float]]] = {}
        self._holds: dict[str, float] = {}

    async def reserve(self, windows: Sequence[Window], costs: Sequence[float], max_wait: float | None) -> Booking:
        now = self.clock()
        start = now
        for w in windows:
            entries = self._entries.setdefault(w.name, deque())
            while entries and entries[0][0] <= now - w.span:
                entries.popleft()
            start = max(start, entries[-1][0] if entries else now, self._holds.get(w.name, now))
        at = max(earliest_fit(self._entries[w.name], start, w, c) for w, c in zip(windows, costs, strict=True))
        if max_wait is not None and at - now > max_wait:
            return Booking(False, at - now)
        for w, c in zip(windows, costs, strict=True):
            self._entries[w.name].append((at, min(c, w.limit)))
        return Booking(True, at - now)

    async def hold(self, name: str, seconds: float) -> None:
        self._holds[name] = max(self._holds.get(name, 0.0), self.clock() + seconds)

    async def aclose(self) -> None:
        return None


class CostTable:
    """Request costs in portal units, from tool_specs/rate_limits.json."""

    def __init__(self, spec: Mapping[str, Any] | None = None) -> None:
        spec = spec if spec is not None else specs.load("rate_limits.json")
        self.default = float(spec["default_cost"])
        self.rules: list[Mapping[str, Any]] = list(spec["costs"])

    def cost(self, method: str, path: str, body: Any = None) -> float:
        segments = path.strip("/").split("/")
        for rule in self.rules:
            pattern = rule["path"].strip("/").split("/")
            if rule["method"] != method.upper() or len(pattern) != len(segments):
                continue
            if not all(p == s or p.startswith("{") for p, s in zip(pattern, segments, strict=True)):
                continue
            if "units" in rule:
                return float(rule["units"])
            items = next((body[k] for k in rule["item_keys"] if isinstance(body, Mapping) and k in body), None)
            count = len(items) if isinstance(items, list) else 1
            units = math.ceil(count / rule["units_per_items"])
            return float(max(rule["min_units"], min(units, rule["max_units"])))
        return self.default


class RateLimiter:
    """The portal budget (units per second) and the key budget (requests per minute), shared by all callers."""

    def __init__(
        self,
        rate: float = 10.0,
        key_rate: float = 300.0,
        *,
        storage: Storage | None = None,
        sleep: Sleep = anyio.sleep,
        costs: CostTable | None = None,
        spec: Mapping[str, Any] | None = None,
    ) -> None:
        spec = spec if spec is not None else specs.load("rate_limits.json")
        margin = float(spec["margin_seconds"])
        self.spans = {name: float(w["span_seconds"]) + margin for name, w in spec["windows"].items()}
        self.configured = {"portal": float(rate), "key": float(key_rate)}
        self.limits = dict(self.configured)
        self.storage: Storage = storage if storage is not None else MemoryStorage()
        self.sleep = sleep
        self.costs = costs if costs is not None else CostTable(spec)

    def windows(self) -> list[Window]:
        return [Window(name, self.limits[name], self.spans[name]) for name in ("portal", "key")]

    async def acquire(self, method: str, path: str, body: Any = None, *, max_wait: float | None = None) -> float:
        """Wait for this request's turn; returns the seconds waited.

        Raises:
            WaitTooLong: the turn comes later than `max_wait` seconds from now; nothing was booked.
        """
        units = self.costs.cost(method, path, body)
        booking = await self.storage.reserve(self.windows(), [units, 1.0], max_wait)
        if not booking.granted:
            raise WaitTooLong(
                f"The portal's rate budget is taken for the next {booking.wait:.1f} s, longer than this call "
                f"may wait ({max(max_wait or 0.0, 0.0):.1f} s left before its deadline).",
                retry_after=booking.wait,
                hint=f"Retry in {math.ceil(booking.wait)} s, or do fewer calls: batch reads and writes, "
                "select fewer fields, filter instead of paging.",
            )
        if booking.wait > 0:
            await self.sleep(booking.wait)
        return booking.wait

    async def penalize(self, retry_after: float, window: str = "portal") -> None:
        """The upstream said 429: nobody sharing this budget starts a request in `window` for `retry_after` s."""
        await self.storage.hold(window, retry_after)

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


def _number(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0
