"""Entity batches of any size up to 5000: sent 500 per request with progress, a failure midway reported exactly."""

from __future__ import annotations

from typing import Any

import pytest
from portal_rig import rig

from server.budget import result_tokens
from server.context import CallContext, Decision
from server.emulator import Portal
from server.emulator.faults import install
from server.idranges import compact, expand

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
    assert out.structured["succeeded"] == 1200
    # 1200 ids are reported exactly, in a few tokens: they are runs of consecutive ids.
    assert expand(out.structured["ids"]) == ids and "truncation" not in out.structured
    assert result_tokens(out.structured, out.text) < 1000
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
    assert expand(s["ids"]) == ids[:500]
    assert f"Items 500–999 (ids {compact(ids[500:1000])}): outcome unknown" in s["summary"]
    assert f"items 1000–1199 (ids {compact(ids[1000:])}) were not sent" in s["summary"]
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


async def test_update_by_filter_resolves_ids_with_one_select_id_request_then_batches() -> None:
    r = rig(Portal(seed=42, scale=3.0))
    won = sorted(int(row["id"]) for row in r.portal.store.table("deals").scan() if row.get("stageId") == "WON")
    assert len(won) > 10
    args = {"action": "update", "filter": {"stageId": "WON"}, "fields": {"comments": "won, checked"}}
    out = await r.dispatcher.call("deals_batch", args, context([]))
    assert out.structured["succeeded"] == len(won) and expand(out.structured["ids"]) == won
    assert comments(r.portal, won) == ["won, checked"] * len(won)
    searches = [p for p in r.seen if p == ("POST", "/v1/deals/search")]
    assert len(searches) == 3  # the ids (select=id); current values for the plan, and again once confirmed
    assert ("POST", "/v1/deals/batch") in r.seen


async def test_delete_by_filter_and_what_it_refuses() -> None:
    from server.errors import InvalidArguments

    r = rig(Portal(seed=42, scale=0.5))
    lost = [int(row["id"]) for row in r.portal.store.table("deals").scan() if row.get("stageId") == "LOSE"]
    out = await r.dispatcher.call("deals_batch", {"action": "delete", "filter": {"stageId": "LOSE"}}, context([]))
    assert out.structured["succeeded"] == len(lost)
    assert not [row for row in r.portal.store.table("deals").scan() if row.get("stageId") == "LOSE"]
    again = await r.dispatcher.call("deals_batch", {"action": "delete", "filter": {"stageId": "LOSE"}}, context([]))
    assert again.structured["succeeded"] == 0 and "matches no" in again.structured["summary"]
    for bad in (
        {"action": "update", "filter": {"stageId": "WON"}},  # no fields
        {"action": "create", "filter": {"stageId": "WON"}, "fields": {"title": "x"}},
        {"action": "delete", "filter": {"stageId": "WON"}, "ids": [1]},
        {"action": "delete", "filter": {"$or": [{"stageId": "WON"}, {"stageId": "NEW"}]}},
        {"action": "delete", "filter": {"nosuchfield": 1}},
    ):
        with pytest.raises(InvalidArguments):
            await r.dispatcher.call("deals_batch", bad, context([]))


async def test_a_filter_matching_more_than_5000_is_refused_before_any_write() -> None:
    from server.errors import InvalidArguments

    r = rig(Portal(seed=42, scale=13.0))
    with pytest.raises(InvalidArguments, match="one call changes at most 5000"):
        await r.dispatcher.call("deals_batch", {"action": "delete", "filter": {"id": {"$gte": 1}}}, context([]))
    assert ("POST", "/v1/deals/batch") not in r.seen
