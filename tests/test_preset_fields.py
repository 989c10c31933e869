"""A requisite preset's field set as tools over the MCP client: what a preset holds and may still add,
`requisites_fields` of one preset, a requisite write refused before it is sent when its preset would
drop a field, a field added to the preset then kept, user fields of requisites through `userfields_*`,
and removing a preset field asked of a human on both protocol revisions and audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client
from mcp_rig import CountingTransport, human, ok, small_portal, writable

from server.__main__ import Assembled, assemble
from server.audit import AuditLog
from server.settings import Settings

pytestmark = pytest.mark.anyio
MODES = ["auto", "legacy"]
PERSON = {"entityTypeId": 3, "entityId": 1, "presetId": 3, "rqLastName": "Петров"}


@pytest.fixture
def portal() -> CountingTransport:
    return small_portal()


@pytest.fixture
async def built(portal: CountingTransport, tmp_path: Path) -> AsyncIterator[Assembled]:
    async with writable(("requisites", "userfields"), portal, tmp_path) as b:
        yield b


def sent(portal: CountingTransport, path: str) -> int:
    return sum(1 for r in portal.requests if r.method == "POST" and r.url.path == path)


async def test_a_preset_lists_its_fields_and_those_it_may_add(built: Assembled) -> None:
    async with Client(built.server) as c:
        held = await ok(c, "requisite_preset_fields_list", {"presetId": 3})
        names = [i["fieldName"] for i in held["items"]]
        assert {"rqLastName", "rqIdentDocNum"} <= set(names) and "rqKpp" not in names
        available = await ok(c, "requisite_preset_fields_available", {"presetId": 3})
        offered = {i["fieldName"]: i["label"] for i in available["available"]}
        assert offered["rqKpp"] == "КПП" and offered["RQ_EDRPOU"] == "ЕДРПОУ" and not set(names) & set(offered)
        assert "requisite_preset_fields_create" in available["summary"]
        schema = await ok(c, "requisite_preset_fields_schema", {"presetId": 3})
        assert set(schema["fields"]) == {"id", "presetId", "fieldName", "fieldTitle", "inShortList", "sort"}
        of_preset = await ok(c, "requisites_fields", {"presetId": 3})
        every = await ok(c, "requisites_fields", {"names": ["rqKpp", "RQ_EDRPOU"]})
    assert "rqLastName" in of_preset["fields"] and not {"rqKpp", "RQ_EDRPOU"} & set(of_preset["fields"])
    assert "preset 3" in of_preset["summary"] and set(every["fields"]) == {"rqKpp", "RQ_EDRPOU"}


async def test_a_field_outside_the_preset_is_refused_before_the_write_then_added_and_kept(
    built: Assembled, portal: CountingTransport
) -> None:
    async with Client(built.server) as c:
        refused = await c.call_tool("requisites_create", {"fields": {**PERSON, "rqKpp": "770101001"}})
        assert refused.is_error and refused.structured_content is not None
        error = refused.structured_content["error"]
        assert error["code"] == "INVALID_ARGUMENTS" and "rqKpp" in error["message"]
        assert "rqLastName" in error["message"] and "requisite_preset_fields_create" in error["hint"]
        assert sent(portal, "/v1/requisites") == 0  # nothing reached the portal
        added = await ok(c, "requisite_preset_fields_create", {"presetId": 3, "fields": {"fieldName": "RQ_KPP"}})
        assert (added["item"]["fieldName"], added["item"]["fieldTitle"]) == ("rqKpp", "КПП")
        made = await ok(c, "requisites_create", {"fields": {**PERSON, "rqKpp": "770101001"}})
        assert made["item"]["rqKpp"] == "770101001"
        wrong = await c.call_tool("requisites_update", {"id": made["item"]["id"], "fields": {"rqOgrn": "1"}})
        assert wrong.is_error and "rqOgrn" in str(wrong.structured_content)  # the record's own preset
        unknown = await c.call_tool("requisites_create", {"fields": {**PERSON, "presetId": 99}})
        assert unknown.is_error and "presetId 99" in str(unknown.structured_content)


async def test_international_fields_keep_their_case_in_writes_answers_and_filters(built: Assembled) -> None:
    fields = {"entityTypeId": 4, "entityId": 1, "presetId": 4, "rqName": "ТОВ «Ромашка»", "RQ_EDRPOU": "32855961"}
    async with Client(built.server) as c:
        made = await ok(c, "requisites_create", {"fields": fields})
        found = await ok(c, "requisites_search", {"filter": {"RQ_EDRPOU": "32855961"}, "select": ["id", "RQ_EDRPOU"]})
        camel = await c.call_tool("requisites_search", {"filter": {"rqEdrpou": "32855961"}})
    assert made["item"]["RQ_EDRPOU"] == "32855961"
    assert found["items"] == [{"id": made["item"]["id"], "RQ_EDRPOU": "32855961"}]
    assert camel.is_error


async def test_a_user_field_of_requisites_is_writable_and_filterable_at_once(built: Assembled) -> None:
    async with Client(built.server) as c:
        made = await ok(c, "userfields_create", {"entity": "requisites", "fields": {
            "fieldName": "INTERNAL_CODE", "userTypeId": "string", "label": "Внутренний код"}})  # fmt: skip
        got = await ok(c, "userfields_get", {"entity": "requisites", "id": made["item"]["id"]})
        requisite = await ok(c, "requisites_create", {"fields": {**PERSON, "UF_CRM_INTERNAL_CODE": "K-7"}})
        found = await ok(c, "requisites_search", {"filter": {"UF_CRM_INTERNAL_CODE": "K-7"}})
        fields = await ok(c, "requisites_fields", {"presetId": 3, "only_user_fields": True})
    assert got["item"]["fieldName"] == "UF_CRM_INTERNAL_CODE"
    assert requisite["item"]["UF_CRM_INTERNAL_CODE"] == "K-7"
    assert [i["id"] for i in found["items"]] == [requisite["item"]["id"]]
    assert fields["fields"]["UF_CRM_INTERNAL_CODE"]["label"] == "Внутренний код"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("action", ["accept", "decline"])
async def test_removing_a_preset_field_is_planned_asked_and_audited(tmp_path: Path, mode: str, action: str) -> None:
    portal = small_portal()
    settings = Settings(toolsets=("requisites",), audit_log=str(tmp_path / "audit.jsonl"))
    asked: list[str] = []
    async with (
        assemble(settings, transport=portal) as built,
        Client(built.server, mode=mode, elicitation_callback=human(action, asked)) as c,
    ):
        held = await ok(c, "requisite_preset_fields_list", {"presetId": 3})
        target = next(i for i in held["items"] if i["fieldName"] == "rqIdentDocDepCode")
        args = {"presetId": 3, "id": target["id"]}
        dry = await ok(c, "requisite_preset_fields_delete", {**args, "dry_run": True})
        assert dry["dry_run"] is True and not asked
        res = await c.call_tool("requisite_preset_fields_delete", args)
        after = await ok(c, "requisite_preset_fields_list", {"presetId": 3})
    still = "rqIdentDocDepCode" in {i["fieldName"] for i in after["items"]}
    assert len(asked) == 1 and "rqIdentDocDepCode" in asked[0] and "next write" in asked[0]
    entries = [e for e in AuditLog(tmp_path / "audit.jsonl").read() if e["tool"] == "requisite_preset_fields_delete"]
    if action == "accept":
        assert not res.is_error and not still
        assert [(e["result"], e["confirmation"]) for e in entries] == [("dry_run", "not_asked"), ("done", "confirmed")]
    else:
        assert res.is_error and still
        assert [e["result"] for e in entries] == ["dry_run", "refused"]
