"""Write tools against a fresh demo portal: create, update, delete and entity batch, end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from server.__main__ import Assembled
from server.audit import AuditLog
from server.context import CallContext
from server.idranges import expand
from tests.mcp_rig import CountingTransport, ok, small_portal, writable

pytestmark = pytest.mark.anyio


@pytest.fixture
def transport() -> CountingTransport:
    return small_portal()


@pytest.fixture
async def built(transport: CountingTransport, tmp_path: Path) -> AsyncIterator[Assembled]:
    async with writable(("all",), transport, tmp_path) as b:
        yield b


@pytest.fixture(params=["auto", "legacy"])
async def client(request: pytest.FixtureRequest, built: Assembled) -> AsyncIterator[Client]:
    async with Client(built.server, mode=request.param) as c:
        await c.list_tools()
        yield c


async def test_write_tools_carry_true_annotations(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    for entity in ("deals", "contacts", "companies", "leads", "tasks"):
        for op in ("create", "update", "delete", "batch"):
            a = tools[f"{entity}_{op}"].annotations
            assert a is not None and a.read_only_hint is False, (entity, op)
            assert a.destructive_hint is (op != "create"), (entity, op)
        create = tools[f"{entity}_create"].annotations
        assert create is not None and create.idempotent_hint is False
        batch = tools[f"{entity}_batch"].annotations
        assert batch is not None and batch.idempotent_hint is False


async def test_create_update_delete_a_deal(client: Client) -> None:
    created = await ok(client, "deals_create", {"fields": {"title": "Поставка серверов", "amount": 250000}})
    deal_id = created["item"]["id"]
    assert created["item"]["title"] == "Поставка серверов" and created["item"]["amount"] == 250000
    assert created["summary"] == f"Created deal #{deal_id} «Поставка серверов»."

    updated = await ok(client, "deals_update", {"id": deal_id, "fields": {"stageId": "WON"}})
    assert updated["item"]["stageId"] == "WON" and updated["summary"].endswith(": stageId NEW → WON.")
    got = await ok(client, "deals_get", {"id": deal_id})
    assert got["item"]["stageId"] == "WON"

    deleted = await ok(client, "deals_delete", {"id": deal_id})
    assert deleted == {"id": deal_id, "summary": f"Deleted deal #{deal_id} «Поставка серверов»."}
    gone = await client.call_tool("deals_get", {"id": deal_id})
    assert gone.is_error and "ENTITY_NOT_FOUND" in gone.content[0].text


async def test_a_lead_and_a_contact_with_phones(client: Client) -> None:
    lead = await ok(client, "leads_create", {"fields": {"title": "Заявка с сайта", "sourceId": "WEB"}})
    assert lead["item"]["title"] == "Заявка с сайта"
    contact = await ok(
        client,
        "contacts_create",
        {"fields": {"name": "Анна", "phone": [{"value": "+79161234567", "typeId": "MOBILE"}]}},
    )
    assert contact["item"]["phone"] == ["+79161234567"]


async def test_write_errors_are_tool_errors(client: Client) -> None:
    missing = await client.call_tool("deals_update", {"id": 999999, "fields": {"title": "x"}})
    assert missing.is_error and missing.structured_content is not None
    assert missing.structured_content["error"]["code"] == "ENTITY_NOT_FOUND"


@pytest.mark.parametrize(
    ("tool", "args", "expect"),
    [
        ("deals_create", {"fields": {}}, "'title' is a required property"),
        ("deals_create", {"fields": {"title": "x", "amount": "lots"}}, "Invalid fields/amount"),
        ("deals_create", {"fields": {"title": "x", "createdAt": "2026-01-01T00:00:00Z"}}, "'createdAt' was unexpected"),
        ("deals_update", {"id": 1, "fields": {}}, "Invalid fields"),
        ("tasks_create", {"fields": {"title": "Позвонить", "status": 9}}, "Invalid fields/status"),
        ("deals_batch", {"action": "create", "items": [{"title": "a"}, {"amount": 5}]}, "items/1"),
        ("deals_batch", {"action": "update", "items": [{"title": "no id"}]}, "'id' is a required property"),
        ("deals_batch", {"action": "delete", "items": [{"id": 1}]}, "delete takes ids"),
        ("deals_batch", {"action": "create", "ids": [1]}, "create takes items"),
        ("deals_batch", {"action": "create", "items": [{"title": "t"}] * 5001}, "Invalid items"),
    ],
)
async def test_bad_writes_are_refused_before_any_upstream_call(
    client: Client, transport: CountingTransport, tool: str, args: dict[str, Any], expect: str
) -> None:
    before = len(transport.requests)
    res = await client.call_tool(tool, args)
    assert res.is_error and expect in res.content[0].text, res.content[0].text
    assert len(transport.requests) == before


async def test_entity_batch_reports_each_item(client: Client, transport: CountingTransport) -> None:
    before = len(transport.requests)
    made = await ok(
        client, "deals_batch", {"action": "create", "items": [{"title": f"Сделка {i}"} for i in range(120)]}
    )
    assert len(transport.requests) == before + 1  # 120 items, one request
    assert made["succeeded"] == 120 and made["failed"] == 0 and made["ids"]
    ids = expand(made["ids"])
    assert len(ids) == 120

    changed = await ok(
        client,
        "deals_batch",
        {"action": "update", "items": [{"id": ids[0], "stageId": "WON"}, {"id": 999999, "title": "ghost"}]},
    )
    # The plan reads the records first: an id that does not exist is reported, not sent.
    assert expand(changed["ids"]) == [ids[0]] and changed["succeeded"] == 1 and changed["failed"] == 0
    assert "Not found: 999999." in changed["summary"]

    removed = await ok(client, "deals_batch", {"action": "delete", "ids": ids})
    assert removed["succeeded"] == 120 and expand(removed["ids"]) == ids
    found = await ok(client, "deals_search", {"filter": {"id": ids[:5]}})
    assert found["returned"] == 0


async def test_users_have_no_delete_and_deactivate_through_update(client: Client) -> None:
    # The users page contradicts itself: its operations table says "Disabled operations: delete"
    # (as does the entities index), while a later section documents DELETE as a soft-deactivation.
    # We follow the operations table: no users_delete tool; deactivating is users_update active=false.
    tools = {t.name for t in (await client.list_tools()).tools}
    assert {"users_create", "users_update"} <= tools
    assert "users_delete" not in tools and "users_batch" not in tools
    user = await ok(client, "users_create", {"fields": {"name": "Ия", "lastName": "Ким", "email": "iya@example.com"}})
    off = await ok(client, "users_update", {"id": user["item"]["id"], "fields": {"active": False}})
    assert off["item"]["active"] is False


async def test_writes_reach_the_audit_log(built: Assembled, tmp_path: Path) -> None:
    out = await built.dispatcher.call("deals_create", {"fields": {"title": "Аудит"}}, CallContext())
    new_id = out.structured["item"]["id"]
    await built.dispatcher.call("deals_batch", {"action": "delete", "ids": [new_id, 999999]}, CallContext())
    records = AuditLog(tmp_path / "audit.jsonl").read()
    assert [(r["action"], r["ids"], r["result"], r["confirmation"]) for r in records] == [
        ("create", [new_id], "done", "not_required"),
        ("delete", [new_id], "done", "operator_allowed"),
    ]
    assert records[0]["changes"] == [
        {"id": None, "label": "Аудит", "changes": {"title": {"from": None, "to": "Аудит"}}}
    ]
    assert records[1]["changes"] == [{"id": new_id, "label": "Аудит"}]
    assert all(r["request_id"].startswith("emu-") for r in records)
