"""When a failed upstream call may be repeated, and after how long: the policies of tool_specs/error_codes.json.

Reads may be retried whenever the error's policy allows; a write only when the upstream provably did
not run it (a connection that never opened, or a code marked `not_run` such as 429 RATE_LIMITED).
Every wait is bounded by the policy's maximum and by the call's deadline; a wait that does not fit is
not slept but reported, with the time to retry.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from server import specs
from server.errors import (
    ApiError,
    BadResponse,
    ConnectError,
    OutcomeUnknown,
    ResponseTooLarge,
    VibeCodeError,
)

# Under this much time left a retry could not even be sent and answered.
MIN_ATTEMPT_SECONDS = 0.05


@dataclass(frozen=True)
class Decision:
    """`wait` seconds before the next attempt, or `give_up` (then `retry_after` says when it might work)."""

    give_up: bool
    wait: float = 0.0
    retry_after: float | None = None
    rate_limited: bool = False  # a 429: the shared limiter should hold everyone, not just this caller


GIVE_UP = Decision(give_up=True)


class RetryPolicy:
    """Per-code retry rules loaded from tool_specs/error_codes.json."""

    def __init__(self, spec: Mapping[str, Any] | None = None, rand: Callable[[], float] = random.random) -> None:
        spec = spec if spec is not None else specs.load("error_codes.json")
        self.codes: Mapping[str, Mapping[str, Any]] = spec["codes"]
        self.rules: Mapping[str, Any] = spec["retry_policies"]
        self.max_retries = int(self.rules["max_retries"])
        self.max_rate_limited_retries = int(self.rules["max_rate_limited_retries"])
        self.rand = rand

    def policy(self, code: str, status: int) -> str:
        """The policy name for an error code; unknown codes by their HTTP status."""
        known = self.codes.get(code)
        if known is not None:
            return str(known["retry"])
        return str(self.rules["by_status"].get(str(status), "never"))

    def not_run(self, code: str, status: int) -> bool:
        """True when the answer proves the upstream refused the request without running it."""
        known = self.codes.get(code)
        return bool(known.get("not_run")) if known is not None else status == 429

    def decide(self, exc: VibeCodeError, *, read: bool, attempt: int, remaining: float) -> Decision:
        """What to do after `exc` on attempt number `attempt` (0 = first) with `remaining` seconds left."""
        if isinstance(exc, ApiError):
            name = self.policy(exc.code, exc.status)
            if name == "never" or not (read or self.not_run(exc.code, exc.status)):
                return GIVE_UP
            rate_limited = exc.status == 429
            limit = self.max_rate_limited_retries if rate_limited else self.max_retries
            if attempt >= limit:
                return Decision(True, retry_after=exc.retry_after)
            return self._wait(name, attempt, exc.retry_after, remaining, rate_limited)
        if isinstance(exc, ResponseTooLarge) or not exc.retryable:
            return GIVE_UP
        if isinstance(exc, ConnectError) or (read and isinstance(exc, OutcomeUnknown | BadResponse)):
            if attempt >= self.max_retries:
                return GIVE_UP
            return self._wait("backoff", attempt, None, remaining, False)
        return GIVE_UP

    def _wait(
        self, name: str, attempt: int, retry_after: float | None, remaining: float, rate_limited: bool
    ) -> Decision:
        rule = self.rules.get(name, {})
        cap = float(self.rules["after"]["max_wait"])
        if name == "after":
            base = retry_after if retry_after is not None else float(rule["default_wait"]) * 2**attempt
        elif name == "pause":
            base = max(float(rule["wait"]), retry_after or 0.0)
        else:
            base = float(rule["first"]) * 2**attempt
        # Compare the wait the upstream asked for, not the jittered one: a Retry-After equal to the
        # maximum is honoured; and a wait that leaves no time to send the retry is not slept.
        if base > cap or base + MIN_ATTEMPT_SECONDS >= remaining:
            return Decision(True, retry_after=base)
        jittered = base + self.rand() * float(self.rules["jitter"]) * max(base, 0.1)
        wait = max(base, min(jittered, cap, remaining - MIN_ATTEMPT_SECONDS))
        return Decision(False, wait=wait, retry_after=base, rate_limited=rate_limited)
