"""Entity batches of any size up to 5000: sent 500 per request with progress, a failure midway reported exactly."""

from __future__ import annotations

from typing import Any

import pytest
from portal_rig import rig

from server.context import CallContext, Decision
from server.emulator import Portal
from server.emulator.faults import install

pytestmark = pytest.mark.anyio


async def yes(question: str, digest: str) -> Decision:
    return "accept"


def context(progress: list[tuple[float, float | None]]) -> CallContext:
    async def report(done: float, total: float | None = None, message: str | None = None) -> None:
        progress.append((done, total))

    return CallContext(tool="deals_batch", confirm=yes, progress=report)


def comments(portal: Portal, ids: list[int]) -> list[Any]:
    table = portal.store.table("deals")
    return [table.peek(i).get("comments") for i in ids]  # type: ignore[union-attr]


async def test_1200_updates_go_in_three_requests_with_progress_after_each() -> None:
    r = rig(Portal(seed=42, scale=3.0))
    ids = sorted(int(row["id"]) for row in r.portal.store.table("deals").scan())[:1200]
    progress: list[tuple[float, float | None]] = []
    items = [{"id": i, "comments": "bulk"} for i in ids]
    out = await r.dispatcher.call("deals_batch", {"action": "update", "items": items}, context(progress))
    assert [p for p in r.seen if p == ("POST", "/v1/deals/batch")] == [("POST", "/v1/deals/batch")] * 3
    assert progress == [(0, 1200), (500, 1200), (1000, 1200), (1200, 1200)]
    assert out.structured["succeeded"] == 1200 and out.structured["ids"] == ids
    assert "unknown" not in out.structured
    assert set(comments(r.portal, ids)) == {"bulk"}


async def test_a_lost_answer_midway_leaves_earlier_items_done_that_chunk_unknown_and_the_rest_unsent() -> None:
    r = rig(Portal(seed=42, scale=3.0))
    ids = sorted(int(row["id"]) for row in r.portal.store.table("deals").scan())[:1200]
    faults = install(r.portal)
    faults.add("latency", path="/v1/deals/batch", times=1, seconds=0)  # the first request passes
    faults.add("drop_after", path="/v1/deals/batch", times=1)  # the second is applied, its answer lost
    items = [{"id": i, "comments": "bulk"} for i in ids]
    out = await r.dispatcher.call("deals_batch", {"action": "update", "items": items}, context([]))
    s = out.structured
    assert (s["succeeded"], s["failed"], s["unknown"], s["not_sent"]) == (500, 0, 500, 200)
    assert s["ids"][:500] == ids[:500] and s["ids"][500:] == [None] * 700
    assert "Items 500–999: outcome unknown" in s["summary"] and "items 1000–1199 were not sent" in s["summary"]
    # Upstream: the first two chunks were applied (the second silently), the third never sent; none twice.
    assert sum(1 for p in r.seen if p == ("POST", "/v1/deals/batch")) == 2
    assert comments(r.portal, ids[:1000]) == ["bulk"] * 1000
    assert "bulk" not in comments(r.portal, ids[1000:])
    assert r.audit[-1]["result"] == "partial" and len(r.audit[-1]["ids"]) == 500  # type: ignore[arg-type]


async def test_more_than_5000_items_are_refused_before_anything_is_sent() -> None:
    r = rig(Portal(seed=42, scale=0.05))
    from server.errors import InvalidArguments

    with pytest.raises(InvalidArguments):
        await r.dispatcher.call("deals_batch", {"action": "delete", "ids": list(range(1, 5002))}, context([]))
    assert not [p for p in r.seen if p[1].endswith("/batch")]
