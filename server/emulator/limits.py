"""The demo portal's limits, as the docs describe them ('Лимиты запросов', 'Очередь портала', 'Коды ошибок').

- portal budget: `units_per_second` units in any sliding second (an entity batch costs one unit per 50
  items), shared by every key; the key budget: `requests_per_minute` per key in any sliding 60 s.
  Over either: 429 RATE_LIMITED with `retryAfter`, `Retry-After`; every answer carries X-RateLimit-*.
- the portal queue: at most `queue_slots` requests at work at once; one that waits longer than
  `queue_timeout` gets 504 QUEUE_TIMEOUT. `work_seconds` is how long Bitrix24 takes per request.
- the error-loop breaker: `loop_failures` identical failing requests within `loop_window` block that
  request with 429 ERROR_LOOP_DETECTED (retryAfter 60); every `loop_probe_every`-th one goes through.

Off unless installed: `install(portal)`; `python -m server.emulator --limits`.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .api import Portal, cost_units
from .errors import ApiError
from .pipeline import Handler, Request, Response

Clock = Callable[[], float]


@dataclass
class LimitConfig:
    units_per_second: float = 10.0
    requests_per_minute: int = 300
    queue_slots: int = 2
    queue_timeout: float = 30.0
    queue_retry_after: int = 10
    work_seconds: float = 0.0
    loop_failures: int = 10
    loop_window: float = 3600.0
    loop_retry_after: int = 60
    loop_probe_every: int = 50


@dataclass
class LimitStats:
    """What the limits saw: every admitted request's (arrival, units) and path, and each refusal by code."""

    admitted: list[tuple[float, float]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)  # of the admitted requests, in the same order
    refused: dict[str, int] = field(default_factory=dict)

    def max_in_window(self, span: float, *, count_requests: bool = False) -> float:
        """The most units (or requests) admitted inside any `span` seconds."""
        worst, lo, total = 0.0, 0, 0.0
        rows = self.admitted
        for t, units in rows:
            total += 1 if count_requests else units
            while rows[lo][0] <= t - span:
                total -= 1 if count_requests else rows[lo][1]
                lo += 1
            worst = max(worst, total)
        return worst

    def summary(self) -> dict[str, object]:
        return {
            # so a harness can cut a run to its load
            "admitted_at": [
                [round(t, 4), units, path] for (t, units), path in zip(self.admitted, self.paths, strict=True)
            ],
            "admitted": len(self.admitted),
            "seconds": self.admitted[-1][0] - self.admitted[0][0] if self.admitted else 0.0,
            "units": sum(u for _, u in self.admitted),
            "refused": dict(self.refused),
            "max_units_per_1s": self.max_in_window(1.0),
            "max_requests_per_60s": self.max_in_window(60.0, count_requests=True),
        }


class Window:
    """Units admitted in the last `span` seconds (half-open: an entry `span` old is gone)."""

    def __init__(self, limit: float, span: float) -> None:
        self.limit, self.span = limit, span
        self.entries: deque[tuple[float, float]] = deque()
        self.load = 0.0

    def prune(self, now: float) -> None:
        while self.entries and self.entries[0][0] <= now - self.span:
            self.load -= self.entries.popleft()[1]

    def wait_for(self, now: float, units: float) -> float:
        """Seconds until `units` more fit (0 when they fit now)."""
        units = min(units, self.limit)
        load = self.load
        if load + units <= self.limit:
            return 0.0
        for t, u in self.entries:
            load -= u
            if load + units <= self.limit:
                return t + self.span - now
        return self.span

    def add(self, now: float, units: float) -> None:
        self.entries.append((now, units))
        self.load += units


class RateLimitStage:
    """The portal and key windows plus the error-loop breaker (the `rate_limit` slot)."""

    def __init__(self, portal: Portal, config: LimitConfig, stats: LimitStats, clock: Clock = time.monotonic) -> None:
        self.portal, self.config, self.stats, self.clock = portal, config, stats, clock
        self.portal_window = Window(config.units_per_second, 1.0)
        self.key_windows: dict[str, Window] = {}
        self.failures: dict[tuple[str, str, str], deque[float]] = {}
        self.blocked_seen: dict[tuple[str, str, str], int] = {}

    def price(self, request: Request) -> float:
        found = self.portal.match(request)
        if found is None:
            return 1.0
        try:
            return float(cost_units(found, request))
        except ApiError:  # a body that is not JSON is priced as one request; the handler rejects it
            return 1.0

    async def __call__(self, request: Request, call_next: Handler) -> Response:
        now = self.clock()
        key = str(request.state.get("api_key", ""))
        key_window = self.key_windows.setdefault(key, Window(self.config.requests_per_minute, 60.0))
        self.portal_window.prune(now)
        key_window.prune(now)
        units = self.price(request)
        wait = max(self.portal_window.wait_for(now, units), key_window.wait_for(now, 1.0))
        if wait > 0:
            self._count("RATE_LIMITED")
            raise ApiError(
                429,
                "RATE_LIMITED",
                "QUERY_LIMIT_EXCEEDED",
                hint="Wait 1-2 seconds and retry. Use POST /v1/batch to combine up to 50 calls in 1 request.",
                retry_after=max(1, math.ceil(wait)),
                headers=self._headers(key_window, now),
            )
        self.portal_window.add(now, units)
        key_window.add(now, 1.0)
        self.stats.admitted.append((now, units))
        self.stats.paths.append(request.path)
        headers = self._headers(key_window, now)
        signature = (key, request.method, request.path)
        self._check_loop(signature, now, headers)
        try:
            response = await call_next(request)
        except ApiError as exc:
            if exc.status >= 400 and exc.status != 429:
                self.failures.setdefault(signature, deque()).append(now)
            exc.headers.update(headers)
            raise
        if response.status < 400:
            self.failures.pop(signature, None)
            self.blocked_seen.pop(signature, None)
        response.headers.update(headers)
        return response

    def _check_loop(self, signature: tuple[str, str, str], now: float, headers: dict[str, str]) -> None:
        failures = self.failures.get(signature)
        if failures is None:
            return
        while failures and failures[0] <= now - self.config.loop_window:
            failures.popleft()
        if len(failures) < self.config.loop_failures:
            return
        seen = self.blocked_seen.get(signature, 0) + 1
        self.blocked_seen[signature] = seen
        if seen % self.config.loop_probe_every == 0:
            return  # a probe goes through: if it succeeds the block lifts
        self._count("ERROR_LOOP_DETECTED")
        raise ApiError(
            429,
            "ERROR_LOOP_DETECTED",
            f"Vibe-side block (not a Bitrix24 limit). {len(failures)} failures on {signature[1]} {signature[2]} "
            "in the last hour.",
            hint=f"Every {self.config.loop_probe_every}th request will probe for recovery — keep retrying with "
            "backoff. If the request itself is wrong, fix it: repeating it gives the same error.",
            retry_after=self.config.loop_retry_after,
            headers=headers,
        )

    def _headers(self, window: Window, now: float) -> dict[str, str]:
        remaining = max(0, int(window.limit - window.load))
        reset = math.ceil(window.entries[0][0] + window.span - now) if window.entries else 0
        return {
            "X-RateLimit-Limit": str(int(window.limit)),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(max(0, reset)),
        }

    def _count(self, code: str) -> None:
        self.stats.refused[code] = self.stats.refused.get(code, 0) + 1


class QueueStage:
    """At most `queue_slots` requests at work; a longer wait than `queue_timeout` is 504 QUEUE_TIMEOUT."""

    def __init__(self, config: LimitConfig, stats: LimitStats) -> None:
        self.config, self.stats = config, stats
        self.slots = asyncio.Semaphore(config.queue_slots)

    async def __call__(self, request: Request, call_next: Handler) -> Response:
        try:
            await asyncio.wait_for(self.slots.acquire(), self.config.queue_timeout)
        except TimeoutError:
            self.stats.refused["QUEUE_TIMEOUT"] = self.stats.refused.get("QUEUE_TIMEOUT", 0) + 1
            raise ApiError(
                504,
                "QUEUE_TIMEOUT",
                "Portal queue saturated — too many concurrent Bitrix24 calls",
                user_message="Запросы к Битрикс24 в очереди дольше 30 секунд. Вероятно, на портале много "
                "одновременных операций.",
                hint='If this is a /search request with a wide date range, try adding "autoWindow": false OR '
                "narrow the date range to <14 days. See /v1/guide for optimization tips.",
                retry_after=self.config.queue_retry_after,
            ) from None
        try:
            if self.config.work_seconds > 0:
                await asyncio.sleep(self.config.work_seconds)
            return await call_next(request)
        finally:
            self.slots.release()


def install(portal: Portal, config: LimitConfig | None = None, clock: Clock = time.monotonic) -> LimitStats:
    """Turn the limits on for `portal`; returns the stats they keep."""
    config = config or LimitConfig()
    stats = LimitStats()
    portal.pipeline["rate_limit"] = RateLimitStage(portal, config, stats, clock)
    portal.pipeline["queue"] = QueueStage(config, stats)
    return stats
