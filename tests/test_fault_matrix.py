"""Every upstream fault × read/write × single/batch ends in a clear error within the call's deadline,
and the records counted upstream afterwards show nothing lost and nothing duplicated.
Also: one-off faults are ridden out by reads, and a 429 storm is ridden out within the deadline.
"""

from __future__ import annotations

import itertools
import logging
import time
from typing import Any

import anyio
import pytest
from limited import limited_emulator
from portal_rig import Rig, rig

from server.app import error_result
from server.client import VibeCodeClient
from server.context import CallContext
from server.emulator import DEMO_API_KEY, Portal
from server.emulator.faults import KINDS, install
from server.emulator.limits import LimitConfig
from server.emulator.limits import install as install_limits
from server.errors import OutcomeUnknown, VibeCodeError
from server.ratelimit import RateLimiter

pytestmark = pytest.mark.anyio

DEADLINE = 0.6
SLACK = 0.9  # four cells share one event loop; a loaded 2-core machine delayed them by 0.5 s; the faults hold 5 s
# Faults that strike after the portal handled the request: a write was applied exactly once.
AFTER = {"timeout_after", "malformed_json", "bad_encoding", "drop_after"}
_titles = itertools.count()


def operation(kind: str) -> tuple[str, dict[str, Any], str, int]:
    """(tool, arguments, faulted path, records it creates) for one cell of the matrix."""
    title = f"fault-{next(_titles)}"
    return {
        "read_single": ("deals_get", {"id": 1}, "/v1/deals/1", 0),
        # Titles only: no ids to name, so no lookup of names goes to /v1/batch after the calls.
        "read_batch": ("batch", {"calls": [{"entity": "deals", "action": "get", "entityId": i,
                                            "params": {"select": ["title"]}} for i in (1, 2)]},
                       "/v1/batch", 0),
        "write_single": ("deals_create", {"fields": {"title": title}}, "/v1/deals", 1),
        "write_batch": ("deals_batch", {"action": "create", "items": [{"title": title}] * 3}, "/v1/deals/batch", 3),
    }[kind] + (title,)  # type: ignore[return-value]  # fmt: skip


def titled(portal: Portal, title: str) -> int:
    return sum(1 for row in portal.store.table("deals").scan() if row.get("title") == title)


OPS = ("read_single", "read_batch", "write_single", "write_batch")


@pytest.mark.parametrize("fault", KINDS)
async def test_every_fault_ends_in_a_clear_error_within_the_deadline_with_nothing_lost_or_doubled(fault: str) -> None:
    """The four operations run side by side, each on its own portal. The portals and servers are all built
    before the first call starts its clock: building one blocks the event loop the other calls share."""
    cells = [(op, rig(Portal(seed=42, scale=0.05))) for op in OPS]
    async with anyio.create_task_group() as tg:
        for op, r in cells:
            tg.start_soon(one_cell, fault, op, r)


async def one_cell(fault: str, op: str, r: Rig) -> None:
    tool, args, path, creates, title = operation(op)  # type: ignore[misc]
    deals_before = len(list(r.portal.store.table("deals").scan()))
    install(r.portal).add(fault, path=path, seconds=5.0 if fault == "latency" else None)

    started = time.monotonic()
    with pytest.raises(VibeCodeError) as exc:
        await r.dispatcher.call(tool, args, CallContext(tool=tool, deadline=started + DEADLINE))
    elapsed = time.monotonic() - started

    assert elapsed <= DEADLINE + SLACK, f"{fault} {op} took {elapsed:.2f}s"
    result = error_result(exc.value)
    assert result.is_error and result.structured_content is not None
    error = result.structured_content["error"]
    assert error["code"] != "INTERNAL_ERROR" and error["message"] and error["hint"], error
    attempts = sum(1 for _, p in r.seen if p == path)
    if creates:
        # A write is sent once and never repeated; what it did upstream is exactly what the fault allowed.
        assert isinstance(exc.value, OutcomeUnknown) and error["retryable"] is False, error
        assert "may or may not have been applied" in error["hint"]
        assert attempts == 1
        assert titled(r.portal, title) == (creates if fault in AFTER else 0)
    else:
        assert attempts >= 1
        assert len(list(r.portal.store.table("deals").scan())) == deals_before
    install(r.portal)  # faults off: the portal answers normally again
    if not creates:
        await r.dispatcher.call(tool, args, CallContext(tool=tool))


@pytest.mark.parametrize(
    "fault", ["5xx", "timeout_before", "malformed_json", "bad_encoding", "drop_before", "drop_after"]
)
async def test_a_read_rides_out_a_one_off_fault(fault: str) -> None:
    async with anyio.create_task_group() as tg:
        for op in ("read_single", "read_batch"):
            tg.start_soon(ride_out, fault, op)


async def ride_out(fault: str, op: str) -> None:
    r = rig(Portal(seed=42, scale=0.05))
    tool, args, path, _, _ = operation(op)  # type: ignore[misc]
    # A short hang that ends in a gateway timeout (then a 1 s wait), or a 500 (then a 0.5 s backoff).
    install(r.portal).add(fault, path=path, times=1, seconds=0.2 if fault == "timeout_before" else None, status=500)
    out = await r.dispatcher.call(tool, args, CallContext(tool=tool, deadline=time.monotonic() + 8))
    assert out.structured
    assert sum(1 for _, p in r.seen if p == path) == 2  # the faulted attempt and one retry


async def test_a_429_storm_is_ridden_out_within_the_deadline() -> None:
    """Twenty concurrent reads against a portal allowing 4 units a second, with no limiter of our own."""
    portal = Portal(seed=42, scale=0.05)
    stats = install_limits(portal, LimitConfig(units_per_second=4))
    r = rig(portal)
    done: list[float] = []
    started = time.monotonic()

    async def read(i: int) -> None:
        await r.dispatcher.call("deals_get", {"id": 1 + i % 5}, CallContext(deadline=started + 15))
        done.append(time.monotonic() - started)

    async with anyio.create_task_group() as tg:
        for i in range(20):
            tg.start_soon(read, i)
    assert len(done) == 20 and max(done) < 15
    assert stats.refused.get("RATE_LIMITED", 0) >= 10  # it was a storm
    assert stats.max_in_window(1.0) <= 4


async def test_faults_switched_on_from_the_command_line_are_ridden_out_by_reads(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`python -m server.emulator --faults ...` as a user would start it: reads through our client all succeed."""
    with limited_emulator("--faults", "drop_before=0.3,malformed_json=0.2", "--fault-seed", "3") as emulator:
        async with VibeCodeClient(DEMO_API_KEY, emulator.base_url, limiter=RateLimiter()) as client:
            with caplog.at_level(logging.INFO, logger="server.client"):
                for i in range(10):
                    resp = await client.request("GET", f"/v1/deals/{i + 1}")
                    assert resp.data["id"] == i + 1
    assert caplog.text.count("retrying GET /v1/deals/") >= 2  # faults struck and were retried
    assert emulator.stats["refused"] == {}
