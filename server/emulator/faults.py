"""Switchable faults for the demo portal, so a client's error handling can be watched and tested.

Kinds (each a rule with a rate, an optional count and a method/path match):
    latency          answer after `seconds` (the request is then handled normally)
    5xx              answer 500 INTERNAL_ERROR, 502 BITRIX_UNAVAILABLE or a bare 503, without handling
    timeout_before   hang for `seconds` without handling, then 504: the write is never applied
    timeout_after    handle (a write is applied), then hang for `seconds` before answering
    malformed_json   handle, then answer with the body cut in half
    bad_encoding     handle, then answer labelled gzip with a body that is not
    drop_before      close the connection without handling or answering
    drop_after       handle, then close the connection without answering

From the command line: `python -m server.emulator --faults latency=0.3:0.2,5xx=0.1,drop_after=0.05`
(kind=rate[:seconds]); from tests: `faults = install(portal); faults.add("drop_after", times=1)`.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field

from .api import Portal
from .errors import ApiError
from .pipeline import JSON_TYPE, Handler, Request, Response, json_response

KINDS = (
    "latency",
    "5xx",
    "timeout_before",
    "timeout_after",
    "malformed_json",
    "bad_encoding",
    "drop_before",
    "drop_after",
)
# A response carrying this header is not sent: the transport closes the connection instead.
DROP_HEADER = "x-emulator-drop-connection"
DEFAULT_SECONDS = {"latency": 0.2, "timeout_before": 3600.0, "timeout_after": 3600.0}


@dataclass
class Fault:
    kind: str
    rate: float = 1.0
    times: int | None = None  # injections left; None: no limit
    seconds: float | None = None
    status: int | None = None  # for 5xx: 500, 502 or 503 (None: any of them)
    methods: frozenset[str] = frozenset()  # empty: every method
    path: str = ""  # a path, or a prefix ending in *; empty: every path

    def matches(self, request: Request) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.methods and request.method not in self.methods:
            return False
        if self.path.endswith("*"):
            return request.path.startswith(self.path[:-1])
        return not self.path or request.path == self.path


@dataclass
class Faults:
    """The `faults` stage: the first matching rule that fires decides the request's fate."""

    rules: list[Fault] = field(default_factory=list)
    seed: int = 0
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def add(
        self,
        kind: str,
        *,
        rate: float = 1.0,
        times: int | None = None,
        seconds: float | None = None,
        status: int | None = None,
        methods: tuple[str, ...] = (),
        path: str = "",
    ) -> Fault:
        """Add a rule (it fires before rules added later)."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(KINDS)}")
        fault = Fault(kind, rate, times, seconds, status, frozenset(m.upper() for m in methods), path)
        self.rules.append(fault)
        return fault

    def clear(self) -> None:
        self.rules.clear()

    def pick(self, request: Request) -> Fault | None:
        for fault in self.rules:
            if fault.matches(request) and (fault.rate >= 1 or self.rng.random() < fault.rate):
                if fault.times is not None:
                    fault.times -= 1
                self.injected[fault.kind] += 1
                return fault
        return None

    async def __call__(self, request: Request, call_next: Handler) -> Response:
        fault = self.pick(request)
        if fault is None:
            return await call_next(request)
        kind = fault.kind
        seconds = fault.seconds if fault.seconds is not None else DEFAULT_SECONDS.get(kind, 0.0)
        if kind == "latency":
            await asyncio.sleep(seconds)
            return await call_next(request)
        if kind == "5xx":
            return self._server_error(fault.status or self.rng.choice((500, 502, 503)))
        if kind == "timeout_before":
            await asyncio.sleep(seconds)
            raise ApiError(504, "GATEWAY_TIMEOUT", "Upstream timed out")
        if kind == "drop_before":
            return Response(200, {DROP_HEADER: "1"}, b"")
        response = await call_next(request)  # the rest act after the request was handled
        if kind == "timeout_after":
            await asyncio.sleep(seconds)
            return response
        if kind == "drop_after":
            return Response(200, {DROP_HEADER: "1"}, b"")
        if kind == "malformed_json":
            return Response(200, {"Content-Type": JSON_TYPE}, response.body[: max(1, len(response.body) // 2)])
        return Response(response.status, {**response.headers, "Content-Encoding": "gzip"}, response.body)

    @staticmethod
    def _server_error(status: int) -> Response:
        if status == 503:
            return Response(503, {"Content-Type": "text/plain"}, b"Service Unavailable")
        if status == 502:
            error = ApiError(502, "BITRIX_UNAVAILABLE", "Bitrix24 returned 503 Service Unavailable")
        else:
            error = ApiError(500, "INTERNAL_ERROR", "Internal server error")
        return json_response(error.status, error.envelope())


def parse(spec: str) -> list[Fault]:
    """`kind=rate[:seconds],…` → rules; raises ValueError naming what is wrong."""
    faults: list[Fault] = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kind, _, value = part.partition("=")
        kind = kind.strip()
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r} in --faults; known: {', '.join(KINDS)}")
        rate_text, _, seconds_text = (value or "1").partition(":")
        try:
            rate = float(rate_text)
            seconds = float(seconds_text) if seconds_text else None
        except ValueError:
            raise ValueError(f"--faults {part!r}: expected {kind}=RATE[:SECONDS], e.g. {kind}=0.1") from None
        if not 0 < rate <= 1:
            raise ValueError(f"--faults {part!r}: the rate must be in (0, 1]")
        faults.append(Fault(kind, rate=rate, seconds=seconds))
    return faults


def install(portal: Portal, rules: list[Fault] | None = None, seed: int = 0) -> Faults:
    """Put a `Faults` stage in `portal`'s faults slot; returns it for adding and clearing rules."""
    faults = Faults(list(rules or []), seed=seed)
    portal.pipeline["faults"] = faults
    return faults
