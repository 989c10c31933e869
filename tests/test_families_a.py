"""Calendar, drive and CRM activities as tools, end to end against a fresh demo portal: the three
toolsets, the scenarios an assistant meets (book a meeting, list the company drive), file links and
writes through the same safety path as every other write."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mcp import Client, types

from server.__main__ import Assembled, assemble
from server.audit import AuditLog
from server.catalog import load_catalog
from server.emulator import EmulatorTransport, Portal
from server.settings import Settings
from tests.mcp_rig import CountingTransport, ok, small_portal, writable

pytestmark = pytest.mark.anyio
NOW = 1_794_300_000.0  # a fixed portal clock: 2026-11-10T09:20:00Z, a Tuesday
FAMILY_TOOLSETS = {
    "crm_extra": ["activities", "timelines", "timeline-logs"],
    "calendar": ["calendar-events"],
    "drive": ["storages", "folders", "files"],
}


@pytest.fixture
def transport() -> CountingTransport:
    return small_portal(clock=lambda: NOW)


@pytest.fixture
async def built(transport: CountingTransport, tmp_path: Path) -> AsyncIterator[Assembled]:
    async with writable(("all",), transport, tmp_path) as b:
        yield b


@pytest.fixture
async def client(built: Assembled) -> AsyncIterator[Client]:
    async with Client(built.server) as c:
        yield c


def test_toolsets_hold_the_families_and_the_default_does_not() -> None:
    catalog = load_catalog()
    for toolset, members in FAMILY_TOOLSETS.items():
        assert list(catalog.toolsets[toolset]) == members
        assert all(catalog.entities[m].toolset == toolset for m in members)
    default = {e.name for e in catalog.select([], [])}
    everything = {e.name for e in catalog.select(["all"], [])}
    for members in FAMILY_TOOLSETS.values():
        assert not default & set(members) and set(members) <= everything


def test_operations_are_the_documented_ones() -> None:
    """Calendar list and file create are disabled upstream, storages are read-only: no such tools."""
    entities = load_catalog().entities
    assert entities["calendar-events"].operations == ("get", "create", "update", "delete")
    assert "create" not in entities["files"].operations
    assert set(entities["storages"].operations) == {"list", "get", "search", "aggregate", "fields"}


async def test_book_a_meeting_tomorrow_in_one_call(client: Client, transport: CountingTransport) -> None:
    """ "Put a meeting in user 1's calendar tomorrow 10:00–11:00" (Moscow time): one tool call."""
    tomorrow = (datetime.fromtimestamp(NOW, UTC) + timedelta(days=1)).date().isoformat()
    before = len(transport.requests)
    out = await ok(
        client,
        "calendar_events_create",
        {"fields": {"type": "user", "ownerId": 1, "name": "Встреча с «Альфа-Трейд»",
                    "from": f"{tomorrow}T10:00:00+03:00", "to": f"{tomorrow}T11:00:00+03:00", "attendees": [1, 4]}},
    )  # fmt: skip
    assert transport.requests[before:][-1].method == "POST"
    item = out["item"]
    assert (item["from"], item["to"]) == (f"{tomorrow}T07:00:00Z", f"{tomorrow}T08:00:00Z")
    assert out["summary"] == f"Created calendar event #{item['id']} «Встреча с «Альфа-Трейд»»."
    got = await ok(client, "calendar_events_get", {"id": item["id"], "response_format": "detailed"})
    assert got["item"]["attendees"] == [1, 4] and got["item"]["isMeeting"] is True


async def test_a_time_without_its_offset_is_refused_before_anything_is_sent(
    client: Client, transport: CountingTransport
) -> None:
    before = len(transport.requests)
    res = await client.call_tool(
        "calendar_events_create",
        {
            "fields": {
                "type": "user",
                "ownerId": 1,
                "name": "x",
                "from": "2026-11-11T10:00:00",
                "to": "2026-11-11T11:00",
            }
        },
    )
    assert res.is_error and len(transport.requests) == before
    text = res.content[0].text  # type: ignore[union-attr]
    assert "fields/to" in text and "not in the expected form" in text and "UTC offset" in text


async def test_a_calendar_event_is_moved_with_a_dry_run_first(client: Client, built: Assembled, tmp_path: Path) -> None:
    """No search upstream for calendar events: the write plan reads the event by id."""
    dry = await ok(client, "calendar_events_update", {"id": 3, "fields": {"location": "Zoom"}, "dry_run": True})
    assert dry["dry_run"] is True and dry["plan"]["items"][0]["id"] == 3
    moved = await ok(
        client,
        "calendar_events_update",
        {"id": 3, "fields": {"location": "Zoom"}, "expect": dry["plan"]["fingerprints"]},
    )
    assert moved["item"]["location"] == "Zoom"
    missing = await client.call_tool("calendar_events_update", {"id": 99999, "fields": {"location": "Zoom"}})
    assert missing.is_error and "does not exist" in missing.content[0].text  # type: ignore[union-attr]
    records = AuditLog(tmp_path / "audit.jsonl").read()
    assert [(r["action"], r["result"]) for r in records] == [("update", "dry_run"), ("update", "done")]


async def test_list_the_company_drive_root_in_three_calls(client: Client, transport: CountingTransport) -> None:
    """ "Which files are in the root folder of the company drive": storage → subfolders → files."""
    before = len(transport.requests)
    storages = await ok(client, "storages_list", {"filter": {"entityType": "common"}})
    root = storages["items"][0]["rootObjectId"]
    folders = await ok(client, "folders_list", {"filter": {"parentId": root}})
    files = await ok(client, "files_list", {"filter": {"folderId": root}})
    assert len(transport.requests) - before == 3
    assert {"Договоры", "Маркетинг", "Кадры"} <= {f["name"] for f in folders["items"]}
    assert "Прайс-лист 2026.xlsx" in {f["name"] for f in files["items"]}


async def test_a_file_reaches_the_model_as_a_link_not_bytes(client: Client) -> None:
    res = await client.call_tool("files_get", {"id": 2})
    assert not res.is_error
    text, link = res.content
    assert isinstance(link, types.ResourceLink) and isinstance(text, types.TextContent)
    assert link.uri.startswith("https://demo.bitrix24.ru/disk/downloadFile/2/")
    assert link.name == "Прайс-лист 2026.xlsx" and link.size is not None and link.size > 100_000
    assert link.mime_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "resource link" in text.text
    folder = await client.call_tool("folders_get", {"id": 1})
    assert len(folder.content) == 1  # only entities with a download field link anything


async def test_a_file_is_renamed_and_a_folder_created(client: Client) -> None:
    renamed = await ok(client, "files_update", {"id": 2, "fields": {"name": "Прайс-лист 2027.xlsx"}})
    assert renamed["item"]["name"] == "Прайс-лист 2027.xlsx"
    bad = await client.call_tool("files_update", {"id": 2, "fields": {"size": 1}})
    assert bad.is_error  # only the name is writable
    made = await ok(client, "folders_create", {"fields": {"name": "Документы клиентов", "parentId": 1}})
    assert made["item"]["parentId"] == 1


async def test_log_a_call_on_a_deal_and_count_its_activities(client: Client) -> None:
    """ "Log a call on this deal": activities_create with ownerTypeId 2 and the deal's id."""
    made = await ok(
        client,
        "activities_create",
        {"fields": {"typeId": 1, "ownerTypeId": 2, "ownerId": 5, "subject": "Звонок: согласовали сроки",
                    "completed": True, "direction": 2}},
    )  # fmt: skip
    assert made["item"]["ownerId"] == 5
    counted = await ok(
        client, "activities_aggregate", {"filter": {"ownerTypeId": 2, "ownerId": 5}, "groupBy": ["typeId"]}
    )
    assert "Звонок" in counted["summary"] or any("Звонок" in str(g) for g in counted.get("groups", []))


async def test_the_entities_tool_lists_the_families_with_their_scopes(client: Client) -> None:
    for toolset, members in FAMILY_TOOLSETS.items():
        out = await ok(client, "entities", {"of": toolset})
        rows = {r["entity"]: r for r in out["entities"]}
        assert list(rows) == members
        for name in members:
            assert rows[name]["enabled"] is True and toolset in rows[name]["toolsets"]
            assert rows[name]["allowed"] is True
    scopes = {r["toolset"]: r["scopes"] for r in (await ok(client, "entities", {}))["toolsets"]}
    assert scopes["calendar"] == {"calendar": True} and scopes["drive"] == {"disk": True}


async def test_read_only_mode_leaves_only_the_reads(tmp_path: Path) -> None:
    settings = Settings(toolsets=("calendar", "drive"), read_only=True, audit_log=str(tmp_path / "a.jsonl"))
    transport = EmulatorTransport(Portal(seed=7, scale=0.1, clock=time.time))
    async with assemble(settings, transport=transport) as b, Client(b.server) as c:
        names = {t.name for t in (await c.list_tools()).tools}
    assert {"calendar_events_get", "files_get", "folders_list", "storages_list"} <= names
    assert not names & {"calendar_events_create", "files_update", "folders_create", "folders_delete"}


async def test_a_comment_on_a_deal_and_its_timeline(client: Client, transport: CountingTransport) -> None:
    """Listing a timeline needs the record: the schema says so and nothing is sent without it."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    schema = tools["timelines_list"].input_schema
    assert "filter" in schema["required"] and schema["properties"]["filter"]["required"] == ["entityType", "entityId"]
    before = len(transport.requests)
    bare = await client.call_tool("timelines_list", {})
    assert bare.is_error and len(transport.requests) == before
    made = await ok(
        client, "timelines_create", {"fields": {"entityType": "deal", "entityId": 5, "comment": "Клиент ждёт КП"}}
    )
    listed = await ok(client, "timelines_list", {"filter": {"entityType": "deal", "entityId": 5}})
    assert made["item"]["id"] in [i["id"] for i in listed["items"]]
    edited = await ok(client, "timelines_update", {"id": made["item"]["id"], "fields": {"comment": "КП отправлено"}})
    assert edited["item"]["comment"] == "КП отправлено"
