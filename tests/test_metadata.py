"""Live field metadata: one batched fetch, TTL refresh, both documented shapes, completion, fallback."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from typing import Any

import httpx
import pytest

from server.__main__ import assemble
from server.catalog import FieldSpec, load_catalog
from server.client import VibeCodeClient
from server.context import CallContext
from server.cursor import CursorCodec
from server.dispatch import Dispatcher
from server.emulator import DEMO_API_KEY, EmulatorTransport, Portal
from server.errors import InvalidArguments, VibeCodeError
from server.metadata import MetadataStore, field_spec, parse_fields
from server.operations import Operations
from server.settings import Settings
from server.tools import build_tools
from tests.mcp_rig import CountingTransport

pytestmark = pytest.mark.anyio
CATALOG = load_catalog()
DEALS = CATALOG.entities["deals"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def batch_paths(transport: CountingTransport) -> list[str]:
    return [r.url.path for r in transport.requests]


async def test_metadata_for_every_entity_costs_one_batch_then_nothing_until_the_ttl() -> None:
    transport = CountingTransport(EmulatorTransport(Portal(seed=3, scale=0.2)))
    clock = Clock()
    entities = CATALOG.select(["all"], [])
    async with VibeCodeClient(DEMO_API_KEY, transport=transport) as client:
        store = MetadataStore(client, entities, ttl=300, clock=clock)
        await store.load()
        # Every entity's fields and the smart process types in one batch; each type's item fields in a second.
        assert batch_paths(transport) == ["/v1/batch", "/v1/batch"]
        # Calendar events have no fields route; items are described per type.
        described = [e for e in entities if "fields" in e.operations and not e.path_args]
        assert all(store.get(e).live for e in described) and store.version == 1
        assert not any(store.get(e).live for e in entities if e not in described)
        items = CATALOG.entities["items"]
        assert [t.entity_type_id for t in store.smart_types] == [1032, 1036]
        assert all(store.get(items, {"entityTypeId": t.entity_type_id}).live for t in store.smart_types)
        clock.now += 299
        await store.refresh_if_stale()
        assert len(transport.requests) == 2
        clock.now += 1
        await store.refresh_if_stale()
        assert len(transport.requests) == 4 and store.version == 2


async def test_fifty_one_entities_cost_two_requests() -> None:
    transport = CountingTransport(EmulatorTransport(Portal(seed=3, scale=0.2)))
    real = [e for e in CATALOG.select(["all"], []) if "fields" in e.operations and not e.path_args]
    fakes = [replace(DEALS, name=f"ghost-{i}") for i in range(51 - len(real))]  # unknown: errors per call
    many = [*fakes, *real]
    async with VibeCodeClient(DEMO_API_KEY, transport=transport) as client:
        store = MetadataStore(client, many)
        await store.load()
    assert batch_paths(transport) == ["/v1/batch", "/v1/batch"]
    sizes = [len(json.loads(r.content)["calls"]) for r in transport.requests]
    assert sizes == [50, 1]
    assert all(store.get(e).live for e in real) and not store.get(fakes[0]).live


def test_both_documented_field_shapes_read_the_same() -> None:
    vibe = field_spec("stageId", {"type": "crm_status", "readonly": False, "label": "Стадия"})
    bitrix = field_spec("stageId", {"type": "crm_status", "isRequired": False, "isReadOnly": False, "title": "Стадия"})
    assert vibe == bitrix == FieldSpec("stageId", "crm_status", label="Стадия")
    multi = field_spec("contactIds", {"type": "number[]", "readonly": True})
    assert multi.multiple and multi.type == "number" and multi.readonly
    uf = field_spec("UF_CRM_1", {"type": "enumeration", "isRequired": True, "listLabel": "Уровень",
                                  "items": [{"ID": "7", "VALUE": "Высокий"}]})  # fmt: skip
    assert uf.required and uf.label == "Уровень" and uf.items == (("7", "Высокий"),)
    bare = parse_fields({"title": {"type": "string", "isRequired": True, "isReadOnly": False}}, DEALS)
    assert bare.fields["title"].required and bare.include == DEALS.include


class BitrixLikePortal(httpx.AsyncBaseTransport):
    """A portal answering fields the Bitrix way: statuses, pipelines and currencies without values."""

    def __init__(self) -> None:
        self.stages = [("NEW", "Новая"), ("WON", "Успех"), ("C1:NEW", "Тендер: новый")]
        self.bodies: list[Any] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"null")
        self.bodies.append(body)
        if request.url.path == "/v1/batch":
            results = {c["id"]: self.answer(c) for c in body["calls"]}
            return httpx.Response(200, json={"success": True, "data": {"results": results, "errors": {}}})
        if request.method == "PATCH":
            return httpx.Response(200, json={"success": True, "data": {"id": 5, **body}})
        if request.url.path == "/v1/deals/search":  # the current values, read before a write for its plan
            return httpx.Response(200, json={"success": True, "data": [{"id": 5, "title": "x", "stageId": "NEW"}]})
        return httpx.Response(404, json={"success": False, "error": {"code": "ROUTE_NOT_FOUND", "message": "x"}})

    def answer(self, call: dict[str, Any]) -> Any:
        if call["action"] == "fields":
            return {"fields": {
                "id": {"type": "integer", "isReadOnly": True, "isRequired": False, "title": "ID"},
                "title": {"type": "string", "isReadOnly": False, "isRequired": True, "title": "Название"},
                "stageId": {"type": "crm_status", "isReadOnly": False, "isRequired": False, "statusType": "DEAL_STAGE"},
                "sourceId": {"type": "crm_status", "isReadOnly": False, "isRequired": False},
                "categoryId": {"type": "crm_category", "isReadOnly": False, "isRequired": False},
                "currency": {"type": "crm_currency", "isReadOnly": False, "isRequired": False},
            }}  # fmt: skip
        if call["entity"] == "statuses":
            stages = [{"entityId": "DEAL_STAGE" if ":" not in s else "DEAL_STAGE_1", "statusId": s, "name": n}
                      for s, n in self.stages]  # fmt: skip
            return [*stages, {"entityId": "SOURCE", "statusId": "WEB", "name": "Сайт"}]
        if call["entity"] == "deal-categories":
            return [{"id": 0, "name": "Общая"}, {"id": 1, "name": "Тендеры"}]
        return [{"id": "RUB", "fullName": "Рубль"}]


async def test_values_bitrix_leaves_out_come_from_statuses_pipelines_and_currencies() -> None:
    portal = BitrixLikePortal()
    async with VibeCodeClient("k", transport=portal) as client:
        store = MetadataStore(client, [DEALS])
        await store.load()
    fields = store.get(DEALS).fields
    assert fields["stageId"].items == (("NEW", "Новая"), ("WON", "Успех"), ("C1:NEW", "Тендер: новый"))
    assert fields["stageId"].groups == (("0", ("NEW", "WON")), ("1", ("C1:NEW",)))
    assert fields["sourceId"].items == (("WEB", "Сайт"),)  # no statusType: the catalog's mapping
    assert fields["categoryId"].items == (("0", "Общая"), ("1", "Тендеры"))
    assert fields["currency"].items == (("RUB", "Рубль"),) and fields["title"].required
    assert len(portal.bodies) == 2  # fields, then one batch of the three lists


async def test_a_stage_added_on_the_portal_is_accepted_after_the_ttl_without_a_restart() -> None:
    portal, clock = BitrixLikePortal(), Clock()
    async with VibeCodeClient("k", transport=portal) as client:
        store = MetadataStore(client, [DEALS], ttl=300, clock=clock)
        await store.load()
        ops = Operations(client, CursorCodec(b"s"), 6000, store)
        tools = build_tools(CATALOG, [DEALS], ops)
        dispatcher = Dispatcher(tools, metadata=store)
        args = {"id": 5, "fields": {"stageId": "NEGOTIATION"}}
        with pytest.raises(InvalidArguments, match="Invalid fields/stageId"):
            await dispatcher.call("deals_update", args)
        portal.stages.append(("NEGOTIATION", "Переговоры"))
        clock.now += 301
        out = await dispatcher.call("deals_update", args)
    assert out.structured["item"]["stageId"] == "NEGOTIATION"
    assert "NEGOTIATION" not in json.dumps(tools["deals_update"].input_schema)  # the listed schema stays fixed


class Unreachable(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.attempts: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts.append(request.url.path)
        raise httpx.ConnectError("refused", request=request)


async def test_an_unreachable_portal_falls_back_to_the_static_schema_at_once_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    unreachable = Unreachable()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        async with assemble(Settings(), transport=unreachable) as built:
            up = time.monotonic() - started
            tool = built.tools["deals_create"]
            assert set(tool.input_schema["properties"]["fields"]["properties"]) <= set(DEALS.fields)
            instructions = built.server.create_initialization_options().instructions or ""
            # Start-up asked once and did not retry (retries would take 3.5 s); a tool call still retries.
            assert unreachable.attempts == ["/v1/batch"] and up <= 1.0
            with pytest.raises(VibeCodeError) as exc:
                await built.dispatcher.call("deals_get", {"id": 1}, CallContext(deadline=time.monotonic() + 1.2))
            assert exc.value.code == "UPSTREAM_UNREACHABLE"
            assert unreachable.attempts[1:] == ["/v1/deals/1", "/v1/deals/1"]  # tried, waited 0.5 s, tried again
    assert "Field metadata could not be fetched from the portal (UPSTREAM_UNREACHABLE" in instructions
    assert "using the static schema" in caplog.text


async def test_a_stage_added_on_the_demo_portal_without_restart_is_accepted_by_filters_after_refresh() -> None:
    """The demo portal's `/fields` follow `/v1/statuses`: a new stage is listed there at once, and the
    server's filter validation takes it once its metadata is refreshed (the TTL has passed)."""
    portal, clock = Portal(seed=3, scale=0.2), Clock()
    stage = {"entityId": "DEAL_STAGE_1", "statusId": "C1:NEGOTIATION", "name": "Переговоры", "sort": 25}
    search = {"filter": {"stageId": "C1:NEGOTIATION"}}
    async with VibeCodeClient(DEMO_API_KEY, transport=EmulatorTransport(portal)) as client:
        store = MetadataStore(client, [DEALS], ttl=300, clock=clock)
        await store.load()
        tools = build_tools(CATALOG, [DEALS], Operations(client, CursorCodec(b"s"), 6000, store))
        dispatcher = Dispatcher(tools, metadata=store)
        with pytest.raises(InvalidArguments, match="C1:NEGOTIATION"):
            await dispatcher.call("deals_search", search)
        await client.request("POST", "/v1/statuses", json_body=stage)
        created = await client.request("POST", "/v1/deals", json_body={"title": "Тендер", "stageId": "C1:NEGOTIATION"})
        clock.now += 301
        out = await dispatcher.call("deals_search", search)
    assert [row["id"] for row in out.structured["items"]] == [created.data["id"]]
    assert ("C1:NEGOTIATION", "Переговоры") in store.get(DEALS).fields["stageId"].items
