"""What every tool handler receives besides its arguments: plain Python, no MCP types.

The MCP boundary (`server.app`) adapts its request context into a `CallContext`; tests and
benchmarks build one directly. The defaults are safe: no progress is reported, nothing is
audited, and a confirmation request is refused (no human is there to say yes).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from server.safety import WritePolicy

Progress = Callable[[float, "float | None", "str | None"], Awaitable[None]]
# What the human answered: accept, decline or cancel; "unavailable" when no human can be asked.
Decision = Literal["accept", "decline", "cancel", "unavailable"]
Confirm = Callable[[str, str], Awaitable[Decision]]  # (question, digest of what is asked)
Audit = Callable[[Mapping[str, Any]], None]


class InputRequired(Exception):
    """The question must go to the client's human before the call can go on (2026-07-28 connections).

    The MCP boundary answers the call with an input-required result carrying `message`; the client
    asks its human and calls again with the answer, and the handler runs again from the start.
    """

    def __init__(self, message: str, digest: str) -> None:
        super().__init__(message)
        self.message = message
        self.digest = digest  # sealed into the request state: the answer counts only for this question


async def no_progress(done: float, total: float | None = None, message: str | None = None) -> None:
    """Progress goes nowhere when the caller did not ask for it."""


async def refuse(message: str, digest: str) -> Decision:
    """No human to ask."""
    return "unavailable"


def no_audit(record: Mapping[str, Any]) -> None:
    """Writes are not recorded unless an audit sink is configured."""


@dataclass(frozen=True)
class CallContext:
    """One tool call's deadline, progress reporter, confirmation requester, audit sink and write policy."""

    tool: str = ""
    client: str = ""  # the MCP client's name and version, when it said (who, in the audit log)
    deadline: float | None = None  # time.monotonic() by which the call should have answered
    progress: Progress = no_progress
    confirm: Confirm = refuse
    audit: Audit = no_audit
    policy: WritePolicy = WritePolicy()

    def remaining(self) -> float | None:
        """Seconds left before the deadline (never negative), or None without one."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())
