"""$or paging when the portal's counts cannot be trusted: records decide, totals are not guessed."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from server.catalog import load_catalog
from server.client import VibeCodeClient
from server.cursor import CursorCodec
from server.filters import compile_filter
from server.operations import Operations
from server.union import union_page

pytestmark = pytest.mark.anyio
DEALS = load_catalog().entities["deals"]


def batch_answer(rows: dict[str, list[int]], totals: dict[str, int]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        calls = json.loads(request.content)["calls"]
        results = {c["id"]: [{"id": i} for i in rows.get(c["id"], [])] for c in calls}
        data = {"results": results, "totals": {c["id"]: totals.get(c["id"], 0) for c in calls}, "errors": {}}
        return httpx.Response(200, json={"success": True, "data": data})

    return httpx.MockTransport(handle)


async def page(transport: httpx.MockTransport, limit: int) -> Any:
    flt = compile_filter({"$or": [{"stageId": "WON"}, {"amount": {"$gt": 5}}]}, DEALS.fields)
    async with VibeCodeClient("vibe_api_test", "https://x", transport=transport) as client:
        ops = Operations(client, CursorCodec(b"k" * 32), 6000)
        return await union_page(ops, DEALS, "search", flt, limit, {})


async def test_exact_counts_give_an_exact_total_and_no_spurious_next_page() -> None:
    got = await page(batch_answer({"b0": [1, 3], "b1": [2, 3]}, {"b0": 2, "b1": 2, "x0_1": 1}), limit=2)
    assert [r["id"] for r in got.records] == [1, 2] and got.total_after == 3 and got.more


async def test_counts_below_the_records_seen_are_dropped_and_rows_decide() -> None:
    got = await page(batch_answer({"b0": [1, 3], "b1": [2, 4]}, {}), limit=2)  # every total reported as 0
    assert [r["id"] for r in got.records] == [1, 2] and got.total_after is None and got.more
