"""A long read-only /v1/batch does not hold the event loop: other requests run between its calls."""

from __future__ import annotations

import asyncio
import json

from server.emulator import Portal
from server.emulator.batch import plan_calls

from .conftest import FIXED_NOW, KEY, SMALL_DATA


async def _finishing_order(portal: Portal, batch: dict[str, object]) -> list[str]:
    order: list[str] = []

    async def send(name: str, method: str, path: str, body: object) -> None:
        response = await portal.handle(method, path, "", KEY, json.dumps(body).encode() if body else b"")
        assert response.status in (200, 201), response.body
        order.append(name)

    batch_task = asyncio.create_task(send("batch", "POST", "/v1/batch", batch))
    await asyncio.sleep(0)  # the batch starts first
    await send("get", "GET", "/v1/deals/1", None)
    await batch_task
    return order


def test_other_requests_run_between_the_calls_of_a_read_only_batch() -> None:
    portal = Portal(data=SMALL_DATA, clock=lambda: FIXED_NOW)
    calls = [
        {"id": f"c{i}", "entity": "deals", "action": "search", "params": {"filter": {"title": {"$contains": "а"}}}}
        for i in range(50)
    ]
    assert asyncio.run(_finishing_order(portal, {"calls": calls})) == ["get", "batch"]


def test_a_batch_with_writes_runs_in_one_piece() -> None:
    """Its undo journal must not pick up another request's writes, so it never pauses."""
    portal = Portal(data=SMALL_DATA, clock=lambda: FIXED_NOW)
    calls = [
        {"id": "read", "entity": "deals", "action": "list"},
        {"id": "write", "entity": "deals", "action": "create", "params": {"title": "Новая"}},
    ]
    assert asyncio.run(_finishing_order(portal, {"calls": calls})) == ["batch", "get"]


def test_the_batch_body_written_step_by_step_equals_its_data() -> None:
    portal = Portal(data=SMALL_DATA, clock=lambda: FIXED_NOW)
    calls = [
        {"id": "whole", "entity": "deals", "action": "search", "params": {"filter": {"amount": {"$gte": 1}}}},
        {"id": "some", "entity": "deals", "action": "list", "params": {"select": ["id", "title"], "limit": 2}},
        {"id": "одна", "entity": "contacts", "action": "get", "entityId": 71},
        {"id": "schema", "entity": "leads", "action": "fields"},
        {"id": "gone", "entity": "deals", "action": "get", "entityId": 999},
        {"id": "bad", "entity": "nope", "action": "list"},
    ]
    plan = plan_calls(portal.entities, {"calls": calls})
    for _ in plan.steps(portal.ops):
        pass
    body = json.loads(plan.encode())
    assert body == {"success": True, "data": json.loads(json.dumps(plan.data()))}
    assert [r["id"] for r in body["data"]["results"]["whole"]] == [1, 2, 3, 4]
    assert set(body["data"]["errors"]) == {"gone", "bad"}
