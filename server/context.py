"""What every tool handler receives besides its arguments: plain Python, no MCP types.

The MCP boundary (`server.app`) adapts its request context into a `CallContext`; tests and
benchmarks build one directly. The defaults are safe: no progress is reported, nothing is
audited, and a confirmation request is refused (no human is there to say yes).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

Progress = Callable[[float, "float | None", "str | None"], Awaitable[None]]
Confirm = Callable[[str], Awaitable[bool]]
Audit = Callable[[Mapping[str, Any]], None]


async def no_progress(done: float, total: float | None = None, message: str | None = None) -> None:
    """Progress goes nowhere when the caller did not ask for it."""


async def refuse(message: str) -> bool:
    """No human to ask: a confirmation request is answered no."""
    return False


def no_audit(record: Mapping[str, Any]) -> None:
    """Writes are not recorded unless an audit sink is configured."""


@dataclass(frozen=True)
class CallContext:
    """One tool call's deadline, progress reporter, confirmation requester and audit sink."""

    tool: str = ""
    deadline: float | None = None  # time.monotonic() by which the call should have answered
    progress: Progress = no_progress
    confirm: Confirm = refuse
    audit: Audit = no_audit

    def remaining(self) -> float | None:
        """Seconds left before the deadline (never negative), or None without one."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())
