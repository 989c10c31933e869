"""The cross-entity `batch` tool: one POST /v1/batch, per-call results and errors, checked before sending."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from portal_rig import rig

from server.calls import check_call
from server.context import CallContext
from server.errors import InvalidArguments, OutcomeUnknown, ReadOnlyRefusal

pytestmark = pytest.mark.anyio


async def test_reads_and_writes_in_one_request_with_per_call_results_and_errors() -> None:
    r = rig()
    calls = [
        {"id": "open", "entity": "deals", "action": "list", "params": {"filter": {"stageId": "NEW"}, "limit": 3}},
        {"id": "boss", "entity": "users", "action": "get", "entityId": 1},
        {"id": "ghost", "entity": "deals", "action": "get", "entityId": 999999},
        {"entity": "leads", "action": "create", "params": {"title": "From batch", "amount": 10, "currency": "RUB"}},
    ]
    sent: list[Any] = []
    passes = r.transport.handle_async_request

    async def keep(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content) if request.content else None)
        return await passes(request)

    r.transport.handle_async_request = keep  # type: ignore[method-assign]
    out = await r.dispatcher.call("batch", {"calls": calls}, CallContext(tool="batch"))
    # The calls go in one request (a create needs no prior read); after it, only the reads that name ids.
    assert r.seen[0] == ("POST", "/v1/batch") and [c["entity"] for c in sent[0]["calls"]] == [
        "deals",
        "users",
        "deals",
        "leads",
    ]
    assert all(c["action"] in ("list", "fields") for body in sent[1:] if body for c in body["calls"])
    rows = {row["id"]: row for row in out.structured["calls"]}
    assert [row["id"] for row in out.structured["calls"]] == ["open", "boss", "ghost", "3"]  # order kept, index ids
    new_deals = [d for d in r.portal.store.table("deals").scan() if d["stageId"] == "NEW"]
    assert rows["open"]["total"] == len(new_deals) and rows["open"]["returned"] == 3 and rows["open"]["has_more"]
    assert all(d["stageId"] == "NEW" for d in rows["open"]["items"])
    assert rows["boss"]["result"]["id"] == 1  # users get's one-element array is unwrapped
    assert rows["ghost"]["ok"] is False and rows["ghost"]["error"]["code"] == "ENTITY_NOT_FOUND"
    created = rows["3"]["result"]["id"]
    assert r.portal.store.table("leads").get(created)["title"] == "From batch"
    assert out.structured["succeeded"] == 3 and out.structured["failed"] == 1
    assert "ghost: ENTITY_NOT_FOUND" in out.structured["summary"] and "resend only the failed" in out.text
    assert [{k: v for k, v in a.items() if k != "at"} for a in r.audit] == [
        {
            "tool": "batch",
            "call": "3",
            "entity": "leads",
            "action": "create",
            "ids": [],
            "result": "done",
            "changes": {"title": "From batch", "amount": 10, "currency": "RUB"},
            "created": created,
            "confirmation": "not_required",
        }
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"entity": "users", "action": "delete", "entityId": 3}, "users does not support delete"),
        ({"entity": "deals", "action": "get"}, "get needs entityId"),
        ({"entity": "deals", "action": "list", "entityId": 4}, "list takes no entityId"),
        ({"entity": "deals", "action": "list", "params": {"fitler": {}}}, "list takes no param 'fitler'"),
        ({"entity": "deals", "action": "create"}, "create needs the record's fields"),
        ({"entity": "deals", "action": "list", "params": {"limit": 0}}, "limit 0 is out of range"),
        (
            {"entity": "tasks", "action": "get", "entityId": 1, "params": {"include": ["boss"]}},
            "tasks cannot include 'boss'",
        ),
    ],
)
async def test_bad_calls_are_refused_before_anything_is_sent(call: dict[str, Any], message: str) -> None:
    r = rig()
    calls = [{"entity": "deals", "action": "delete", "entityId": 1}, call]
    with pytest.raises(InvalidArguments, match=f"calls\\[1\\]: {message}"):
        await r.dispatcher.call("batch", {"calls": calls})
    assert r.seen == [] and r.portal.store.table("deals").get(1) is not None  # the delete was not sent


async def test_ids_must_be_unique_and_entities_enabled() -> None:
    r = rig(entities=["deals"])
    with pytest.raises(InvalidArguments, match="id 'a' repeats calls\\[0\\]"):
        await r.dispatcher.call("batch", {"calls": [{"id": "a", "entity": "deals", "action": "fields"}] * 2})
    with pytest.raises(InvalidArguments, match="calls/0/entity: 'tasks' is not one of \\['deals'\\]"):
        await r.dispatcher.call("batch", {"calls": [{"entity": "tasks", "action": "list"}]})
    with pytest.raises(InvalidArguments, match="calls"):
        await r.dispatcher.call("batch", {"calls": [{"entity": "deals", "action": "fields"}] * 51})
    assert r.seen == []


async def test_records_under_another_records_path_are_not_offered_in_a_batch() -> None:
    """The API serves a task's comments and time only at their own routes (ENTITY_CUSTOM_ROUTES in a batch)."""
    r = rig(entities=["tasks", "task-comments", "task-time"])
    offered = r.dispatcher.tools["batch"].input_schema["properties"]["calls"]["items"]["properties"]["entity"]["enum"]
    assert offered == ["tasks"]
    exposed = {e.name: e for e in r.dispatcher.tools["batch"].target.exposed}
    call = {"entity": "task-comments", "action": "list", "params": {"taskId": 1}}
    with pytest.raises(InvalidArguments, match="task-comments is not served inside a batch") as caught:
        check_call(0, call, exposed)
    assert "task_comments_list" in (caught.value.hint or "")
    assert r.seen == []


async def test_batch_is_a_write_tool_hidden_and_refused_in_read_only_mode() -> None:
    tool = rig().dispatcher.tools["batch"]
    assert tool.annotations == {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False,
                                "openWorldHint": True}  # fmt: skip
    ro = rig(read_only=True)
    assert "batch" not in ro.dispatcher.listed
    with pytest.raises(ReadOnlyRefusal):  # even if a client names it anyway
        await ro.dispatcher.call("batch", {"calls": [{"entity": "deals", "action": "delete", "entityId": 1}]})


async def test_a_big_list_is_cut_to_the_budget_and_says_so() -> None:
    r = rig()
    calls = [{"id": str(i), "entity": "deals", "action": "list", "params": {"limit": 200}} for i in range(3)]
    out = await r.dispatcher.call("batch", {"calls": calls})
    for row in out.structured["calls"]:
        assert row["ok"] and row["dropped"] > 0 and row["has_more"] and row["returned"] + row["dropped"] == 200


async def test_a_lost_answer_is_reported_as_unknown_audited_and_never_resent() -> None:
    r = rig()

    passes = r.transport.inner.handle_async_request

    async def lost(request: httpx.Request) -> httpx.Response:
        r.seen.append((request.method, request.url.path))
        if len(r.seen) == 1:
            return await passes(request)  # the plan's read of the current values
        raise httpx.ReadTimeout("no answer", request=request)

    r.transport.handle_async_request = lost  # type: ignore[method-assign]
    calls = [{"entity": "deals", "action": "update", "entityId": 5, "params": {"title": "Renamed"}}]
    with pytest.raises(OutcomeUnknown) as exc:
        await r.dispatcher.call("batch", {"calls": calls}, CallContext(tool="batch"))
    assert "may or may not have been applied" in str(exc.value.hint)
    assert r.seen == [("POST", "/v1/batch")] * 2  # the plan's read, then the write: not retried blindly
    assert [(a["ids"], a["result"], a["code"]) for a in r.audit] == [([5], "outcome_unknown", "OUTCOME_UNKNOWN")]
