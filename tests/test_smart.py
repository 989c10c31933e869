"""Smart processes as tools, end to end against a fresh demo portal: types, items by entityTypeId,
pipelines and stages, the funnel count an assistant is asked for, and writes through the safety path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client

from server.__main__ import Assembled, assemble
from server.audit import AuditLog
from server.catalog import load_catalog
from server.emulator import EmulatorTransport, Portal
from server.settings import Settings
from tests.mcp_rig import CountingTransport, ok, small_portal, writable

pytestmark = pytest.mark.anyio


@pytest.fixture
def transport() -> CountingTransport:
    return small_portal()


@pytest.fixture
async def built(transport: CountingTransport, tmp_path: Path) -> AsyncIterator[Assembled]:
    async with writable(("smart",), transport, tmp_path) as b:
        yield b


@pytest.fixture
async def client(built: Assembled) -> AsyncIterator[Client]:
    async with Client(built.server) as c:
        yield c


def test_the_smart_toolset_is_not_in_the_default_one() -> None:
    catalog = load_catalog()
    assert list(catalog.toolsets["smart"]) == ["smart-processes", "items", "categories"]
    assert not {"smart-processes", "items", "categories"} & {e.name for e in catalog.select([], [])}


async def test_count_a_smart_process_by_stage_in_two_calls(client: Client, transport: CountingTransport) -> None:
    """ "List the smart processes and count the items of the first one by stage"."""
    before = len(transport.requests)
    types = await ok(client, "smart_processes_search", {})
    first = types["items"][0]
    assert (first["title"], first["entityTypeId"]) == ("Договоры", 1032)
    funnel = await ok(client, "items_aggregate", {"entityTypeId": first["entityTypeId"], "groupBy": ["stageId"]})
    assert len(transport.requests) - before == 2
    counts = {g["stageId"]: g["count"] for g in funnel["groups"]}
    assert sum(counts.values()) == funnel["count"] == 60
    assert all(stage.startswith("DT1032_") for stage in counts)
    assert transport.requests[-1].url.path == "/v1/items/1032/aggregate"


async def test_every_item_tool_names_its_type(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    for op in ("list", "get", "create", "update", "delete", "search", "aggregate", "fields"):
        schema = tools[f"items_{op}"].input_schema
        assert schema["required"][0] == "entityTypeId"
        assert schema["properties"]["entityTypeId"]["not"] == {"enum": [1, 2, 3, 4, 7, 31]}


async def test_reserved_and_unknown_types_are_refused_with_the_way_out(
    client: Client, transport: CountingTransport
) -> None:
    before = len(transport.requests)
    reserved = await client.call_tool("items_get", {"entityTypeId": 2, "id": 1})
    assert reserved.is_error and len(transport.requests) == before  # refused before anything is sent
    assert "deals" in reserved.content[0].text  # type: ignore[union-attr]
    unknown = await client.call_tool("items_search", {"entityTypeId": 998})
    assert unknown.is_error and "SMART_PROCESS_NOT_FOUND" in unknown.content[0].text  # type: ignore[union-attr]


async def test_an_item_is_created_moved_and_deleted_per_type(client: Client, tmp_path: Path) -> None:
    made = await ok(client, "items_create", {"entityTypeId": 1036, "fields": {"title": "Внедрение — Альфа"}})
    item_id = made["item"]["id"]
    assert (made["item"]["stageId"], made["item"]["categoryId"]) == ("DT1036_7:NEW", 7)
    dry = await ok(
        client,
        "items_update",
        {"entityTypeId": 1036, "id": item_id, "fields": {"stageId": "DT1036_7:SUCCESS"}, "dry_run": True},
    )
    assert dry["plan"]["items"][0]["changes"]["stageId"] == {"from": "DT1036_7:NEW", "to": "DT1036_7:SUCCESS"}
    moved = await ok(
        client, "items_update", {"entityTypeId": 1036, "id": item_id, "fields": {"stageId": "DT1036_7:SUCCESS"}}
    )
    assert moved["item"]["stageId"] == "DT1036_7:SUCCESS"
    other = await ok(client, "items_get", {"entityTypeId": 1032, "id": item_id})
    assert other["item"]["title"] != "Внедрение — Альфа"  # another type's items are another table
    await ok(client, "items_delete", {"entityTypeId": 1036, "id": item_id})
    records = AuditLog(tmp_path / "audit.jsonl").read()
    assert [(r["action"], r["result"]) for r in records] == [
        ("create", "done"), ("update", "dry_run"), ("update", "done"), ("delete", "done")
    ]  # fmt: skip


async def test_pipelines_and_their_stages(client: Client) -> None:
    cats = await ok(client, "categories_list", {"entityTypeId": 1032})
    assert [c["name"] for c in cats["items"]] == ["Договоры с клиентами", "Договоры с поставщиками"]
    stages = await ok(client, "reference", {"kind": "statuses", "name": "DYNAMIC_1032_STAGE_5"})
    assert "DT1032_5:SUCCESS" in str(stages) and "Подписан" in str(stages)
    fields = await ok(client, "items_fields", {"entityTypeId": 1032})
    assert "ufCrm3_1712000001" in fields["fields"]  # the type's own user fields
    assert fields["fields"]["stageId"]["values"]["DT1032_5:NEW"] == "Черновик"


async def test_a_cursor_pages_through_one_type(client: Client) -> None:
    page = await ok(client, "items_search", {"entityTypeId": 1032, "limit": 40})
    ids = [i["id"] for i in page["items"]]
    while page["has_more"]:  # pages hold what fits the token budget; the cursor continues exactly
        page = await ok(client, "items_search", {"entityTypeId": 1032, "cursor": page["next_cursor"]})
        ids += [i["id"] for i in page["items"]]
    assert ids == list(range(1, 61))


async def test_a_cursor_continues_only_the_type_it_was_made_for(client: Client) -> None:
    page = await ok(client, "items_search", {"entityTypeId": 1032, "limit": 5})
    other = await client.call_tool("items_search", {"entityTypeId": 1036, "cursor": page["next_cursor"]})
    assert other.is_error
    text = other.content[0].text  # type: ignore[union-attr]
    assert text.startswith("INVALID_CURSOR") and "1032" in text and "entityTypeId" in text
    same = await ok(client, "items_search", {"entityTypeId": 1032, "cursor": page["next_cursor"]})
    assert same["items"][0]["id"] == 6


async def test_or_filters_on_items_run_in_one_batch_of_the_types_searches(
    client: Client, transport: CountingTransport
) -> None:
    won = {"stageId": "DT1032_5:SUCCESS"}
    big = {"opportunity": {"$gte": 4_000_000}}
    args = {"entityTypeId": 1032, "select": ["id"], "limit": 100}
    either = await ok(client, "items_search", {**args, "filter": {"$or": [won, big]}})
    assert transport.requests[-1].url.path == "/v1/batch"
    one = await ok(client, "items_search", {**args, "filter": won})
    two = await ok(client, "items_search", {**args, "filter": big})
    expected = sorted({i["id"] for i in one["items"]} | {i["id"] for i in two["items"]})
    assert [i["id"] for i in either["items"]] == expected and either["total"] == len(expected)
    assert expected and len(expected) > max(len(one["items"]), len(two["items"]))


async def test_the_batch_tool_reads_and_writes_items_of_the_type_in_params(client: Client) -> None:
    calls = [
        {"id": "a", "entity": "items", "action": "list", "params": {"entityTypeId": 1036, "limit": 2}},
        {"id": "b", "entity": "items", "action": "update", "entityId": 1,
         "params": {"entityTypeId": 1032, "title": "Договор №001 — перезаключён"}},
    ]  # fmt: skip
    dry = await ok(client, "batch", {"calls": calls, "dry_run": True})
    assert dry["plan"]["items"][0]["changes"] == {
        "title": {"from": dry["plan"]["items"][0]["changes"]["title"]["from"], "to": "Договор №001 — перезаключён"}
    }  # the type is the address, not a change
    done = await ok(client, "batch", {"calls": calls})
    assert done["failed"] == 0, done
    got = await ok(client, "items_get", {"entityTypeId": 1032, "id": 1})
    assert got["item"]["title"] == "Договор №001 — перезаключён"
    untyped = await client.call_tool("batch", {"calls": [{"entity": "items", "action": "list"}]})
    assert untyped.is_error and "params.entityTypeId" in untyped.content[0].text  # type: ignore[union-attr]


async def test_items_aggregate_names_stages_and_pipelines_in_funnel_order(client: Client) -> None:
    funnel = await ok(client, "items_aggregate", {"entityTypeId": 1032, "groupBy": ["stageId"]})
    rows = {g["stageId"]: g for g in funnel["groups"]}
    assert rows["DT1032_5:SUCCESS"]["stageName"] == "Подписан"
    assert rows["DT1032_5:CLIENT"]["stageName"] == "Подписание"
    assert rows["DT1032_6:NEW"]["pipelineName"] == "Договоры с поставщиками"  # two pipelines: each row says which
    order = [g["stageId"] for g in funnel["groups"]]
    assert order.index("DT1032_5:NEW") < order.index("DT1032_5:PREPARATION") < order.index("DT1032_5:SUCCESS")
    by_pipeline = await ok(client, "items_aggregate", {"entityTypeId": 1032, "groupBy": ["categoryId"]})
    assert {g["categoryId"]: g["categoryName"] for g in by_pipeline["groups"]} == {
        5: "Договоры с клиентами",
        6: "Договоры с поставщиками",
    }  # the type's own pipelines, not the deal pipelines


async def test_a_type_is_created_renamed_and_deleted_only_after_the_human_confirms(
    transport: CountingTransport, tmp_path: Path
) -> None:
    """Smart Processes: Create, Update and Delete pages through the tools; a delete asks the human first."""
    from tests.test_safety import human

    settings = Settings(toolsets=("smart",), audit_log=str(tmp_path / "audit.jsonl"))
    asked: list[str] = []
    async with (
        assemble(settings, transport=transport) as b,
        Client(b.server, elicitation_callback=human("accept", asked=asked)) as c,
    ):
        fields = {"title": "Договоры поставки", "isStagesEnabled": True, "isCategoriesEnabled": True}
        made = (await ok(c, "smart_processes_create", {"fields": fields}))["item"]
        type_id = made["entityTypeId"]
        assert type_id >= 1030 and made["title"] == "Договоры поставки"
        item = await ok(c, "items_create", {"entityTypeId": type_id, "fields": {"title": "Поставка №1"}})
        assert item["item"]["stageId"].startswith(f"DT{type_id}_")  # the new type's items work at once
        dry = await ok(c, "smart_processes_update", {"id": type_id, "fields": {"code": "supply"}, "dry_run": True})
        assert dry["plan"]["items"][0]["changes"] == {"code": {"from": None, "to": "supply"}}
        renamed = await ok(
            c, "smart_processes_update", {"id": type_id, "fields": {"title": "Поставки", "code": "supply"}}
        )
        assert (renamed["item"]["title"], renamed["item"]["code"]) == ("Поставки", "supply")
        busy = await c.call_tool("smart_processes_delete", {"id": type_id})
        assert busy.is_error and "BITRIX_ERROR" in busy.content[0].text  # type: ignore[union-attr]
        await ok(c, "items_delete", {"entityTypeId": type_id, "id": item["item"]["id"]})
        await ok(c, "smart_processes_delete", {"id": type_id})
        gone = await c.call_tool("items_search", {"entityTypeId": type_id})
        assert gone.is_error and "SMART_PROCESS_NOT_FOUND" in gone.content[0].text  # type: ignore[union-attr]
        missing = await c.call_tool("smart_processes_delete", {"id": type_id})
        assert missing.is_error and "smart_processes_search" in missing.content[0].text  # type: ignore[union-attr]
    assert [m for m in asked if "DELETE" in m] and all("Поставки" in m or "Поставка" in m for m in asked)
    records = [(r["tool"], r["result"], r.get("confirmation")) for r in AuditLog(tmp_path / "audit.jsonl").read()]
    assert ("smart_processes_delete", "done", "confirmed") in records
    assert ("smart_processes_delete", "failed", "confirmed") in records  # the type still had an item


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_cold_start_count_by_stage_takes_at_most_three_calls(mode: str, tmp_path: Path) -> None:
    """A fresh server and a model that knows nothing: "list the smart processes and count the items of the
    first one by stage" is smart_processes_search then items_aggregate, checked against the portal's data."""
    portal = Portal(seed=11, scale=0.3)
    settings = Settings(toolsets=("smart",), audit_log=str(tmp_path / "audit.jsonl"))
    calls = 0
    async with assemble(settings, transport=EmulatorTransport(portal)) as b, Client(b.server, mode=mode) as c:

        async def call(name: str, args: dict[str, object]) -> dict[str, object]:
            nonlocal calls
            calls += 1
            return await ok(c, name, args)

        types = await call("smart_processes_search", {})
        first = types["items"][0]  # type: ignore[index]
        funnel = await call("items_aggregate", {"entityTypeId": first["entityTypeId"], "groupBy": ["stageId"]})
    assert calls <= 3
    truth: dict[str, int] = {}
    for row in portal.store.table(f"items/{first['entityTypeId']}").scan():
        truth[str(row["stageId"])] = truth.get(str(row["stageId"]), 0) + 1
    groups = funnel["groups"]  # type: ignore[index]
    assert {g["stageId"]: g["count"] for g in groups} == truth
    names = {s["statusId"]: s["name"] for s in portal.store.table("statuses").scan()}
    assert all(g["stageName"] == names[g["stageId"]] for g in groups)  # every group is named


async def test_a_type_added_after_start_up_is_counted_by_named_stage_through_items(client: Client) -> None:
    """No start-up metadata for it: its stages are named from their DYNAMIC_{type}_STAGE_{pipeline} statuses."""
    made = await ok(client, "smart_processes_create", {"fields": {"title": "Заявки", "isStagesEnabled": True}})
    type_id = made["item"]["entityTypeId"]
    for title in ("Заявка 1", "Заявка 2"):
        await ok(client, "items_create", {"entityTypeId": type_id, "fields": {"title": title}})
    funnel = await ok(client, "items_aggregate", {"entityTypeId": type_id, "groupBy": ["stageId"]})
    [group] = funnel["groups"]
    assert (group["count"], group["stageName"]) == (2, "Начало") and group["stageId"].startswith(f"DT{type_id}_")
