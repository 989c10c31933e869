"""Typed tools per smart process type: discovered at start-up, named from the type, schemas from the
type's own field metadata, bound to its entityTypeId; only when the portal has few types."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client

from server.catalog import load_catalog
from server.smart import SmartType, prefixes, slug, typed_entities, typed_max_types
from tests.mcp_rig import CountingTransport, ok, small_portal, writable

pytestmark = pytest.mark.anyio
OPS = ("search", "get", "create", "update", "delete", "aggregate")


@pytest.fixture
def transport() -> CountingTransport:
    return small_portal()


@pytest.fixture
async def client(transport: CountingTransport, tmp_path: Path) -> AsyncIterator[Client]:
    async with writable(("smart",), transport, tmp_path) as built, Client(built.server) as c:
        yield c


async def test_each_seeded_type_gets_its_own_toolset_next_to_the_generic_one(client: Client) -> None:
    names = [t.name for t in (await client.list_tools()).tools]
    for prefix in ("sp_contracts", "sp_implementation"):
        assert [n for n in names if n.startswith(prefix + "_")] == [f"{prefix}_{op}" for op in OPS]
    assert names.index("items_fields") < names.index("sp_contracts_search") < names.index("categories_list")
    assert "items_search" in names  # types created later, or too many types: the generic tools


async def test_typed_schemas_carry_the_types_own_fields_stages_and_no_entity_type_id(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    contracts = tools["sp_contracts_create"].input_schema["properties"]["fields"]["properties"]
    project = tools["sp_implementation_create"].input_schema["properties"]["fields"]["properties"]
    assert "ufCrm3_1712000001" in contracts and "ufCrm3_1712000001" not in project
    assert contracts["ufCrm3_1712000002"]["format"] == "date"
    assert project["ufCrm4_1712000101"]["type"] == "number"
    assert contracts["stageId"]["enum"][0] == "DT1032_5:NEW" and "DT1032_6:FAIL" in contracts["stageId"]["enum"]
    assert all(s.startswith("DT1036_7:") for s in project["stageId"]["enum"])
    assert project["categoryId"]["enum"] == [7]
    for op in OPS:
        assert "entityTypeId" not in tools[f"sp_contracts_{op}"].input_schema["properties"]
    group_by = tools["sp_contracts_aggregate"].input_schema["properties"]["groupBy"]["items"]["enum"]
    assert "ufCrm3_1712000001" in group_by  # user fields of this type can be grouped by
    assert "Договоры" in (tools["sp_contracts_search"].description or "")
    # The description names the type's own fields, read from its metadata, not the generic items' fields.
    assert "its own fields: ufCrm3_1712000001, ufCrm3_1712000002." in (tools["sp_contracts_search"].description or "")


async def test_typed_tools_reach_only_their_type(client: Client, transport: CountingTransport) -> None:
    funnel = await ok(client, "sp_implementation_aggregate", {"groupBy": ["stageId"]})
    assert transport.requests[-1].url.path == "/v1/items/1036/aggregate"
    assert funnel["count"] == 25 and {g["stageName"] for g in funnel["groups"]} <= {
        "Старт", "Настройка", "Обучение", "Сдан", "Остановлен"
    }  # fmt: skip
    fields = {"title": "Внедрение — Бета", "ufCrm4_1712000101": 40}
    made = await ok(client, "sp_implementation_create", {"fields": fields})
    item_id = made["item"]["id"]
    got = await ok(client, "sp_implementation_get", {"id": item_id, "response_format": "detailed"})
    assert got["item"]["ufCrm4_1712000101"] == 40 and got["item"]["entityTypeId"] == 1036
    before = len(transport.requests)
    wrong = await client.call_tool("sp_implementation_update", {"id": item_id, "fields": {"stageId": "DT1032_5:NEW"}})
    assert wrong.is_error and "stageId" in wrong.content[0].text  # type: ignore[union-attr]
    assert len(transport.requests) == before  # another type's stage is refused before anything is sent
    page = await ok(client, "sp_contracts_search", {"filter": {"stageId": "DT1032_5:SUCCESS"}, "limit": 3})
    assert page["items"] and all(i["stageId"] == "DT1032_5:SUCCESS" for i in page["items"])
    assert page["items"][0]["stage"] == "Подписан"  # names next to ids, from the type's metadata
    foreign = await client.call_tool("sp_implementation_search", {"cursor": page["next_cursor"]})
    assert foreign.is_error and "INVALID_CURSOR" in foreign.content[0].text  # type: ignore[union-attr]
    await ok(client, "sp_implementation_delete", {"id": item_id})


def test_slugs_are_ascii_stable_and_unique() -> None:
    types = [
        SmartType(1032, "Договоры", "contracts"),
        SmartType(1036, "Проекты внедрения"),
        SmartType(1040, "Проекты внедрения"),
        SmartType(1042, "???"),
        SmartType(1044, "Договоры поставки (новые)", ""),
    ]
    assert prefixes(types) == {
        1032: "sp_contracts",
        1036: "sp_proekty_vnedreniya_1036",
        1040: "sp_proekty_vnedreniya_1040",
        1042: "sp_1042",
        1044: "sp_dogovory_postavki_novye",
    }
    assert prefixes(list(reversed(types))) == prefixes(types)
    assert len(slug("Очень длинное название смарт-процесса для проверки длины имени")) <= 40
    assert all(len(f"{p}_aggregate") <= 64 for p in prefixes(types).values())


def test_above_the_threshold_only_the_generic_items_tools_remain() -> None:
    items = load_catalog().entities["items"]
    many = [SmartType(1030 + 2 * n, f"Тип {n}") for n in range(typed_max_types() + 1)]
    assert typed_entities(items, many, {}) == []
    few = typed_entities(items, many[: typed_max_types()], {})
    assert [e.tool_prefix for e in few] == [f"sp_tip_{n}" for n in range(typed_max_types())]
    assert few[0].path_args == () and few[0].rest_path({}) == "items/1030"
