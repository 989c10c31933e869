"""Connection-level bounds for the HTTP transport, below where any request exists.

A TCP connection costs a file descriptor from the moment it is accepted, long before a request
(or a bearer token) arrives. So: connections are capped below the process's file limit, a new
connection past the cap replaces the longest-idle one (idle = waiting for request headers, between
requests, or trickling headers), a connection that has not sent complete headers within the header
timeout is closed, and the event loop's accept errors are logged once per interval, not once per
attempt.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

# Descriptors kept free for everything that is not a client connection: the listening socket,
# upstream connections, log files, imports, and the accept burst of one event-loop tick.
MIN_RESERVE = 64
REFUSAL = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nretry-after: 1\r\nconnection: close\r\n\r\n"


@dataclass(frozen=True)
class ConnectionLimits:
    """How many connections may be open and how long one may sit without a complete request."""

    max_connections: int
    header_timeout: float
    backlog: int


def connection_limits(requested: int, header_timeout: float, nofile: int | None = None) -> ConnectionLimits:
    """Fit the requested connection cap under the file limit (soft RLIMIT_NOFILE) with room to serve."""
    if nofile is None:
        nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if nofile == resource.RLIM_INFINITY:
            nofile = 1 << 20
    reserve = max(MIN_RESERVE, nofile // 4)
    cap = max(8, min(requested, nofile - reserve))
    # The loop accepts up to `backlog` sockets per tick before any of them is counted: keep that
    # burst inside the reserve so accept() itself never runs out of descriptors.
    return ConnectionLimits(max_connections=cap, header_timeout=header_timeout, backlog=max(8, reserve // 4))


def fit_busy(max_connections: int, sessions: int, requests: int) -> tuple[int, int]:
    """Sessions and requests in flight scaled down, if needed, to leave idle room under the connection cap.

    Each 2025-era session may hold one connection busy (its event stream) and each request in
    flight one more; only idle connections can be replaced, so the busy ones must not fill the cap.
    """
    room = max(2, max_connections * 9 // 10)
    if sessions + requests <= room:
        return sessions, requests
    fitted_sessions = max(1, room * sessions // (sessions + requests))
    return fitted_sessions, max(1, room - fitted_sessions)


class Throttled:
    """Log a repeated event once, then a count at most once per interval."""

    def __init__(self, message: str, interval: float = 10.0) -> None:
        self.message = message
        self.interval = interval
        self._pending = 0
        self._last = -interval

    def hit(self) -> None:
        now = time.monotonic()
        self._pending += 1
        if now - self._last >= self.interval:
            log.warning("%s (%d time(s) since last report)", self.message, self._pending)
            self._pending = 0
            self._last = now


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol plus a connection cap with idle eviction and a header deadline.

    It overrides connection_made, connection_lost and on_response_complete and reads `connections`,
    `cycle`, `transport` and `loop`: uvicorn internals, hence the version range in pyproject.toml.
    """

    limits: ClassVar[ConnectionLimits]
    evicted: ClassVar[Throttled]
    refused: ClassVar[Throttled]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._idle_since = time.monotonic()
        self._deadline: asyncio.TimerHandle | None = None
        self._arm_header_deadline()
        if len(self.connections) > self.limits.max_connections and self._open() > self.limits.max_connections:
            victim = self._longest_idle()
            if victim is not None:
                self.evicted.hit()
                victim.transport.close()
            else:
                self.refused.hit()
                transport.write(REFUSAL)
                transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._idle_since = time.monotonic()
        self._arm_header_deadline()

    def is_idle(self) -> bool:
        """No request in progress: headers not (fully) received, or the last response is done."""
        return self.cycle is None or bool(self.cycle.response_complete)

    def _open(self) -> int:
        return sum(1 for c in self.connections if not c.transport.is_closing())

    def _longest_idle(self) -> GuardedH11Protocol | None:
        idle = [
            c
            for c in self.connections
            if c is not self and isinstance(c, GuardedH11Protocol) and c.is_idle() and not c.transport.is_closing()
        ]
        return min(idle, key=lambda c: c._idle_since, default=None)

    def _arm_header_deadline(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.limits.header_timeout, self._header_deadline_passed)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            self._deadline.cancel()  # type: ignore[union-attr]
            self._deadline = None

    def _header_deadline_passed(self) -> None:
        self._deadline = None
        if self.is_idle() and not self.transport.is_closing():
            self.transport.close()


def guarded_protocol(limits: ConnectionLimits) -> type[GuardedH11Protocol]:
    """A protocol class bound to `limits`, for `uvicorn.Config(http=...)`."""
    return type(
        "BoundGuardedH11Protocol",
        (GuardedH11Protocol,),
        {
            "limits": limits,
            "evicted": Throttled(f"connection cap ({limits.max_connections}) reached: closed the longest-idle one"),
            "refused": Throttled(f"connection cap ({limits.max_connections}) reached with every connection busy"),
        },
    )


def quiet_accept_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Report the loop's accept() failures (file limit reached) once per interval, without tracebacks."""
    accept = Throttled("accept() failed: out of file descriptors or memory; new connections wait")

    def handler(lp: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        text = f"{context.get('message', '')} {context.get('handle', '')}"
        if "accept" in text or "_start_serving" in text:
            accept.hit()
        else:
            lp.default_exception_handler(context)

    loop.set_exception_handler(handler)
