"""User-field management as tools, end to end over the demo portal: a field created through
`userfields_create` is typed, filterable and writable in the entity's own tools on the next call; a
delete (every record's value goes with it) is planned, asked of a human on both protocol revisions,
and audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from server.__main__ import Assembled, assemble
from server.audit import AuditLog
from server.context import CallContext
from server.emulator import EmulatorTransport, Portal
from server.errors import VibeCodeError
from server.settings import Settings
from tests.mcp_rig import human

pytestmark = pytest.mark.anyio
MODES = ["auto", "legacy"]
DEPARTMENT = {
    "userTypeId": "enumeration",
    "fieldName": "DEPARTMENT",
    "label": "Отдел",
    "list": [{"VALUE": "Веб", "SORT": 10}, {"VALUE": "1С", "SORT": 20}],
}


@pytest.fixture
def portal() -> Portal:
    return Portal(seed=9, scale=0.1)


@pytest.fixture
async def built(portal: Portal, tmp_path: Path) -> AsyncIterator[Assembled]:
    settings = Settings(toolsets=("crm", "userfields"), audit_log=str(tmp_path / "audit.jsonl"))
    async with assemble(settings, transport=EmulatorTransport(portal)) as b:
        yield b


async def refused(b: Assembled, name: str, args: dict[str, Any]) -> VibeCodeError:
    with pytest.raises(VibeCodeError) as caught:
        await b.dispatcher.call(name, args, CallContext())
    return caught.value


async def test_a_created_field_is_typed_filterable_and_writable_in_the_entity_tools(built: Assembled) -> None:
    d = built.dispatcher
    before = await refused(built, "deals_update", {"id": 1, "fields": {"UF_CRM_DEPARTMENT": 1}})
    assert "UF_CRM_DEPARTMENT" in before.message + (before.hint or "")
    assert (await refused(built, "deals_search", {"filter": {"UF_CRM_DEPARTMENT": 1}})).code == "INVALID_FILTER_FIELD"
    made = await d.call("userfields_create", {"entity": "deals", "fields": DEPARTMENT})
    # The portal answers a create with the id alone; the tool reads the field back, so the answer
    # carries what the next write needs: the full name and the list values' ids.
    item = made.structured["item"]
    assert item["fieldName"] == "UF_CRM_DEPARTMENT" and "UF_CRM_DEPARTMENT" in made.structured["summary"]
    web = next(ident for ident, label in item["list"].items() if label == "Веб")
    got = await d.call("userfields_get", {"entity": "deals", "id": item["id"], "response_format": "detailed"})
    assert web == str(next(v["ID"] for v in got.structured["item"]["list"] if v["VALUE"] == "Веб"))
    concise = await d.call("userfields_get", {"entity": "deals", "id": item["id"]})
    assert concise.structured["item"]["list"] == item["list"]  # ids kept next to the labels
    # The write refreshed the metadata: the value list is the update schema's enum now.
    await d.call("deals_update", {"id": 1, "fields": {"UF_CRM_DEPARTMENT": web}})
    wrong = await refused(built, "deals_update", {"id": 2, "fields": {"UF_CRM_DEPARTMENT": "999999"}})
    assert "999999" in wrong.message
    by_label = await refused(built, "deals_update", {"id": 2, "fields": {"UF_CRM_DEPARTMENT": "Веб"}})
    assert f"{web}=Веб" in (by_label.hint or "")  # the refusal names the id to send instead
    found = await d.call("deals_search", {"filter": {"UF_CRM_DEPARTMENT": web}, "select": ["id", "UF_CRM_DEPARTMENT"]})
    assert [i["id"] for i in found.structured["items"]] == [1]
    fields = await d.call("deals_fields", {"names": ["UF_CRM_DEPARTMENT"]})
    assert fields.structured["fields"]["UF_CRM_DEPARTMENT"]["values"] == {web: "Веб", str(int(web) + 1): "1С"}


async def test_list_types_and_filters(built: Assembled) -> None:
    d = built.dispatcher
    kinds = await d.call("userfields_types", {"entity": "deals"})
    assert len(kinds.structured["types"]) == 16 and kinds.structured["types"][0] == {
        "userTypeId": "string", "title": "Строка"
    }  # fmt: skip
    enums = await d.call("userfields_list", {"entity": "deals", "userTypeId": "enumeration"})
    assert enums.structured["items"] and {i["userTypeId"] for i in enums.structured["items"]} == {"enumeration"}
    one = await d.call("userfields_list", {"entity": "contacts", "fieldName": "UF_CRM_LOYALTY"})
    assert [i["fieldName"] for i in one.structured["items"]] == ["UF_CRM_LOYALTY"]
    paged = await d.call("userfields_list", {"entity": "deals", "limit": 2})
    assert paged.structured["returned"] == 2 and paged.structured["has_more"] and "offset=2" in paged.text
    assert "fieldName" not in built.tools["userfields_update"].input_schema["properties"]["fields"]["properties"]


async def score_field(client: Client) -> int:
    listed = await client.call_tool("userfields_list", {"entity": "deals", "fieldName": "UF_CRM_SCORE"})
    assert listed.structured_content is not None
    return int(listed.structured_content["items"][0]["id"])


@pytest.mark.parametrize("mode", MODES)
async def test_deleting_a_field_asks_a_human_who_sees_what_goes(
    built: Assembled, portal: Portal, tmp_path: Path, mode: str
) -> None:
    asked: list[str] = []
    async with Client(built.server, mode=mode, elicitation_callback=human("accept", asked)) as c:
        field_id = await score_field(c)
        dry = await c.call_tool("userfields_delete", {"entity": "deals", "id": field_id, "dry_run": True})
        assert not asked and dry.structured_content is not None and dry.structured_content["dry_run"] is True
        assert "UF_CRM_SCORE" in dry.content[0].text and "every record of deals" in dry.content[0].text
        assert "UF_CRM_SCORE" in portal.entities["deals"].fields  # nothing written by the dry run
        res = await c.call_tool("userfields_delete", {"entity": "deals", "id": field_id})
        assert not res.is_error, res.content
        search = await c.call_tool("deals_search", {"filter": {">UF_CRM_SCORE": 0}})
    assert len(asked) == 1 and "UF_CRM_SCORE" in asked[0] and "cannot be undone" in asked[0]
    assert "UF_CRM_SCORE" not in portal.entities["deals"].fields
    assert all("UF_CRM_SCORE" not in row for row in portal.store.table("deals").scan())
    assert search.is_error  # the server's own filter check follows the refreshed metadata
    entries = [e for e in AuditLog(tmp_path / "audit.jsonl").read() if e["tool"] == "userfields_delete"]
    assert [(e["result"], e["confirmation"]) for e in entries] == [("dry_run", "not_asked"), ("done", "confirmed")]


@pytest.mark.parametrize("mode", MODES)
async def test_a_declined_delete_keeps_the_field_and_its_values(
    built: Assembled, portal: Portal, tmp_path: Path, mode: str
) -> None:
    asked: list[str] = []
    holding = sum(1 for row in portal.store.table("deals").scan() if row.get("UF_CRM_SCORE") is not None)
    async with Client(built.server, mode=mode, elicitation_callback=human("decline", asked)) as c:
        res = await c.call_tool("userfields_delete", {"entity": "deals", "id": await score_field(c)})
    assert res.is_error and res.structured_content is not None
    assert res.structured_content["error"]["code"] == "CONFIRMATION_DECLINED" and len(asked) == 1
    assert sum(1 for row in portal.store.table("deals").scan() if row.get("UF_CRM_SCORE") is not None) == holding > 0
    [entry] = [e for e in AuditLog(tmp_path / "audit.jsonl").read() if e["tool"] == "userfields_delete"]
    assert entry["result"] == "refused"


async def test_a_client_that_cannot_ask_deletes_nothing(built: Assembled, portal: Portal) -> None:
    async with Client(built.server) as c:
        res = await c.call_tool("userfields_delete", {"entity": "deals", "id": await score_field(c)})
    assert res.is_error and "UF_CRM_SCORE" in portal.entities["deals"].fields
