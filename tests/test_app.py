"""End to end through the MCP client (2026 `auto` and 2025 `legacy` modes) against the demo portal."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from server.__main__ import assemble
from server.catalog import load_catalog
from server.emulator import DEMO_API_KEY, EmulatorTransport, Portal, timeline_logs
from server.names import name_keys
from server.settings import Settings
from tests.mcp_rig import CountingTransport

pytestmark = pytest.mark.anyio


@pytest.fixture
def portal() -> Portal:
    return Portal(seed=42, scale=1.0)


@pytest.fixture
def transport(portal: Portal) -> CountingTransport:
    return CountingTransport(EmulatorTransport(portal))


@pytest.fixture
def settings() -> Settings:
    return Settings(toolsets=("all",))


@pytest.fixture(params=["auto", "legacy"])
async def client(
    request: pytest.FixtureRequest, settings: Settings, transport: CountingTransport
) -> AsyncIterator[Client]:
    async with assemble(settings, transport=transport) as built, Client(built.server, mode=request.param) as c:
        await c.list_tools()  # the client validates structured content only for listed tools
        yield c


async def call(client: Client, name: str, args: dict[str, Any] | None = None) -> Any:
    result = await client.call_tool(name, args or {})
    assert not result.is_error, result.content
    return result


async def test_tools_list_has_annotations_and_output_schemas(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert {"deals_list", "deals_get", "deals_search", "me"} <= set(tools)
    search = tools["deals_search"]
    assert search.annotations is not None and search.annotations.read_only_hint is True
    assert search.output_schema is not None and "next_cursor" in search.output_schema["properties"]
    assert search.input_schema["properties"]["include"]["items"]["enum"] == ["contact", "company", "quote"]


async def test_search_returns_the_envelope_with_only_matching_records(client: Client) -> None:
    res = await call(client, "deals_search", {"filter": {"stageId": "WON", ">=amount": 100000}, "limit": 10})
    data = res.structured_content
    assert set(data) == {"items", "returned", "total", "has_more", "next_cursor", "truncation", "summary"}
    assert 0 < data["returned"] <= 10 and data["total"] >= data["returned"]
    assert all(r["stageId"] == "WON" and r["amount"] >= 100000 for r in data["items"])
    assert res.content[0].text.startswith("Deals 1–")
    assert "{" not in res.content[0].text.splitlines()[1][:3]  # compact lines, not pretty JSON


async def test_concise_returns_key_fields_and_detailed_returns_all(client: Client) -> None:
    concise = (await call(client, "deals_list", {"limit": 3})).structured_content["items"][0]
    detailed = (await call(client, "deals_list", {"limit": 3, "response_format": "detailed"})).structured_content
    deals = load_catalog().entities["deals"]
    assert set(concise) <= {*deals.key_fields, *name_keys(deals)}
    assert len(detailed["items"][0]) > len(concise)


async def test_cursor_walks_every_record_once_while_data_changes(client: Client, portal: Portal) -> None:
    total = (await call(client, "deals_search", {"limit": 1})).structured_content["total"]
    seen: list[int] = []
    args: dict[str, Any] = {"limit": 150}
    added = None
    while True:
        page = (await call(client, "deals_search", args)).structured_content
        seen += [r["id"] for r in page["items"]]
        if added is None:
            # A record deleted behind the cursor and one added ahead must not shift the pages.
            async with httpx.AsyncClient(
                transport=EmulatorTransport(portal), base_url="https://x", headers={"X-Api-Key": DEMO_API_KEY}
            ) as raw:
                assert (await raw.delete(f"/v1/deals/{seen[0]}")).status_code == 204
                created = await raw.post("/v1/deals", json={"title": "Added while paging"})
                added = created.json()["data"]["id"]
        if not page["has_more"]:
            break
        args = {"cursor": page["next_cursor"]}
    assert len(seen) == len(set(seen)) == total + 1
    assert seen == sorted(seen) and seen[-1] == added


async def test_offset_paging_for_other_sorts_has_no_repeats(client: Client) -> None:
    seen: list[int] = []
    args: dict[str, Any] = {
        "sort": {"amount": "desc"},
        "limit": 40,
        "filter": {"currency": "RUB"},
        "select": ["amount"],
    }
    amounts: list[float] = []
    for _ in range(3):
        page = (await call(client, "deals_search", args)).structured_content
        seen += [r["id"] for r in page["items"]]
        amounts += [r.get("amount", 0) for r in page["items"]]
        args = {"cursor": page["next_cursor"]}
    assert len(seen) == len(set(seen)) == 120
    assert amounts == sorted(amounts, reverse=True)
    assert "in the requested order" in page["summary"]


@pytest.mark.parametrize("sort", [None, {"amount": "desc"}])
async def test_paging_over_a_date_range_the_portal_would_window_is_exact(
    client: Client, portal: Portal, transport: CountingTransport, sort: dict[str, str] | None
) -> None:
    """A createdAt range of a year is windowed upstream (over 14 days), and a windowed search refuses offset
    pages: the tool pages it flat (`autoWindow: false`, explicit sort) and loses or repeats nothing."""
    flt = {"createdAt": {"$gte": "2025-01-01T00:00:00Z", "$lte": "2026-12-31T00:00:00Z"}}
    async with httpx.AsyncClient(
        transport=EmulatorTransport(portal), base_url="https://x", headers={"X-Api-Key": DEMO_API_KEY}
    ) as raw:
        windowed = (await raw.post("/v1/deals/search", json={"filter": flt, "limit": 5000})).json()
        assert windowed["meta"]["windowCount"] > 2
        refused = await raw.post("/v1/deals/search", json={"filter": flt, "limit": 30, "offset": 30})
        assert refused.json()["error"]["code"] == "UNSTABLE_OFFSET_PAGINATION"
    expected = [r["id"] for r in windowed["data"]]
    if sort:
        expected = [r["id"] for r in sorted(windowed["data"], key=lambda r: (-r["amount"], r["id"]))]
    args: dict[str, Any] = {"filter": flt, "limit": 30, **({"sort": sort} if sort else {})}
    seen: list[int] = []
    while True:
        page = (await call(client, "deals_search", args)).structured_content
        seen += [r["id"] for r in page["items"]]
        if not page["has_more"]:
            break
        args = {"cursor": page["next_cursor"]}
    assert len(expected) > 100 and seen == expected
    sent = [json.loads(r.content) for r in transport.requests if r.url.path == "/v1/deals/search"]
    assert sent and all(body["autoWindow"] is False and "sort" in body for body in sent)


async def test_budget_drops_whole_records_and_the_cursor_loses_none(
    settings: Settings, transport: CountingTransport
) -> None:
    small = replace(settings, max_result_tokens=1200)
    async with assemble(small, transport=transport) as built, Client(built.server) as c:
        await c.list_tools()
        first = (await c.call_tool("deals_search", {"limit": 60, "response_format": "detailed"})).structured_content
        assert first["truncation"]["dropped_records"] > 0 and first["has_more"]
        assert "did not fit the 1200-token budget" in first["summary"]
        second = (await c.call_tool("deals_search", {"cursor": first["next_cursor"]})).structured_content
    ids = [r["id"] for r in first["items"] + second["items"]]
    assert ids == list(range(ids[0], ids[0] + len(ids)))


async def test_get_with_include_embeds_related_records(client: Client) -> None:
    found = (await call(client, "deals_search", {"filter": {">companyId": 0}, "limit": 1})).structured_content
    deal_id = found["items"][0]["id"]
    res = (await call(client, "deals_get", {"id": deal_id, "include": ["company"]})).structured_content
    assert res["item"]["id"] == deal_id and res["item"]["_included"]["company"]["id"] > 0
    assert res["summary"].startswith(f"Deal #{deal_id}")


async def test_fields_lists_types_and_allowed_values(client: Client) -> None:
    res = (await call(client, "deals_fields")).structured_content
    assert res["fields"]["id"]["readonly"] is True
    assert "WON" in res["fields"]["stageId"]["values"]
    assert any(name.upper().startswith("UF_CRM") for name in res["fields"])
    assert {"contact", "company"} <= set(res["include"])
    assert res["fields"]["observers"]["multiple"] is True  # the portal writes several values as `user[]`
    assert res["fields"]["observers"]["type"] == "user"


async def test_every_advertised_include_operation_and_field_is_one_the_portal_accepts(portal: Portal) -> None:
    """The catalog never offers what the demo portal would reject."""
    api = httpx.AsyncClient(transport=EmulatorTransport(portal), base_url="http://demo")
    async with api:
        for spec in load_catalog().entities.values():
            # Smart process items and pipelines: one of the types; a task's comments and time, user fields,
            # a preset's fields: the entity itself.
            own = {"taskId", "entity", "presetId"} & set(spec.path_args)
            name = spec.name if own else spec.rest_path({"entityTypeId": 1032})
            rows = {
                "products",
                "products_edit",
                "bindings",
                "act",
            }  # product rows, comment marks: routes under the record
            # A chat's folder and read routes, as the chat tools name them (chats_files, chats_mark_read).
            named = {{"files": "folder", "mark_read": "read"}.get(op, op) for op in spec.operations}
            if name == timeline_logs.LOGS.name:  # log records: a table of the portal with routes of its own
                assert {f"logs_{op}" for op in named - rows} <= timeline_logs.NAMES
                continue
            assert named - rows <= portal.entities[name].operations, spec.name
            if "fields" not in spec.operations:  # calendar events have no fields route upstream
                assert set(spec.fields) <= set(portal.entities[name].fields), spec.name
                continue
            fields = (await api.get(f"/v1/{name}/fields", headers={"X-Api-Key": DEMO_API_KEY})).json()["data"]
            assert set(spec.include) <= set(fields["include"]), spec.name
            assert set(spec.fields) <= set(fields["fields"]), spec.name
            if spec.include:
                body = {"include": list(spec.include), "limit": 1}
                found = await api.post(f"/v1/{spec.name}/search", json=body, headers={"X-Api-Key": DEMO_API_KEY})
                assert found.status_code == 200, (spec.name, found.text)


async def test_me_describes_the_demo_portal(client: Client) -> None:
    res = (await call(client, "me")).structured_content
    assert res["me"]["access_mode"] == "READWRITE" and "deals" in res["me"]["entities"]


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        ({"filters": {}}, "Did you mean filter"),
        ({"limit": 0}, "Invalid limit"),
        ({"limit": "ten"}, "Invalid limit"),
        ({"filter": [["amount", ">", 1]]}, "Invalid filter"),
        ({"include": ["manager"]}, "Invalid include/0"),
        ({"cursor": "not-a-cursor"}, "INVALID_CURSOR"),
    ],
)
async def test_bad_arguments_are_tool_errors_and_never_reach_upstream(
    client: Client, transport: CountingTransport, args: dict[str, Any], expect: str
) -> None:
    before = len(transport.requests)
    res = await client.call_tool("deals_search", args)
    assert res.is_error and expect in res.content[0].text
    assert res.structured_content is not None and res.structured_content["error"]["hint"]
    assert len(transport.requests) == before


async def test_upstream_errors_become_actionable_tool_errors(client: Client, transport: CountingTransport) -> None:
    before = len(transport.requests)
    res = await client.call_tool("deals_search", {"filter": {"stage": "WON"}})
    assert res.is_error and res.structured_content is not None
    err = res.structured_content["error"]  # a bad field is caught here, before any upstream call
    assert err["code"] == "INVALID_FILTER_FIELD" and "stageId" in err["hint"] and len(transport.requests) == before
    missing = await client.call_tool("deals_get", {"id": 999999})
    assert missing.is_error and "ENTITY_NOT_FOUND" in missing.content[0].text


async def test_unknown_tool_is_a_protocol_error(client: Client) -> None:
    with pytest.raises(MCPError):
        await client.call_tool("deals_explode", {})


async def test_unexpected_failures_do_not_leak_internals(client: Client, transport: CountingTransport) -> None:
    class Boom(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            raise RuntimeError("secret internal detail")

    transport.inner = Boom()
    res = await client.call_tool("me", {})
    assert res.is_error and "INTERNAL_ERROR" in res.content[0].text
    assert "secret internal detail" not in res.content[0].text


@pytest.mark.parametrize(
    "flt",
    [
        {"amount": {"$gte": 500000}, "stageId": {"$in": ["NEW", "WON"]}},
        {">=amount": 500000, "stageId": ["NEW", "WON"]},
        {"amount": {">=": 500000}, "!stageId": "LOSE", "createdAt": {"$gte": "2025-06-01"}},
        {"title": {"$contains": "ООО"}, "currency": "RUB"},
    ],
)
async def test_list_over_the_query_string_and_search_over_the_body_agree(client: Client, flt: dict[str, Any]) -> None:
    listed = (await call(client, "deals_list", {"filter": flt, "limit": 50})).structured_content
    searched = (await call(client, "deals_search", {"filter": flt, "limit": 50})).structured_content
    assert listed["total"] == searched["total"] > 0
    assert [r["id"] for r in listed["items"]] == [r["id"] for r in searched["items"]]


async def test_a_cursor_refuses_a_changed_query_or_an_offset(client: Client) -> None:
    first = (await call(client, "deals_search", {"filter": {"currency": "RUB"}, "limit": 5})).structured_content
    changed = await client.call_tool("deals_search", {"cursor": first["next_cursor"], "filter": {"currency": "USD"}})
    assert changed.is_error and "filter differs" in changed.content[0].text
    same = await client.call_tool("deals_search", {"cursor": first["next_cursor"], "filter": {"currency": "RUB"}})
    assert not same.is_error
    offset = await client.call_tool("deals_search", {"cursor": first["next_cursor"], "offset": 5})
    assert offset.is_error and "offset cannot be combined" in offset.content[0].text
    foreign = await client.call_tool("deals_list", {"cursor": first["next_cursor"]})
    assert foreign.is_error and "belongs to deals_search" in foreign.content[0].text


@pytest.mark.parametrize("entity", ["deals", "contacts", "companies", "leads", "tasks", "users"])
async def test_a_default_concise_page_holds_its_budget_in_both_channels(client: Client, entity: str) -> None:
    from server.results import dumps, estimate_tokens

    res = await call(client, f"{entity}_search", {"limit": 50})
    page = res.structured_content
    assert estimate_tokens(dumps(page)) + estimate_tokens(res.content[0].text) <= 6000
    assert page["returned"] >= min(15, page["total"])
    if page["returned"] < min(50, page["total"]):
        assert page["truncation"]["dropped_records"] == 50 - page["returned"]


@pytest.mark.parametrize("budget", [1000, 2500, 6000])
@pytest.mark.parametrize("fmt", ["concise", "detailed"])
async def test_the_budget_holds_for_the_whole_result_and_paging_loses_nothing(
    transport: CountingTransport, budget: int, fmt: str
) -> None:
    from server.results import dumps, estimate_tokens

    wanted = list(range(1, 300, 3))  # a big filter: the cursor that carries it is big too
    args: dict[str, Any] = {"filter": {"id": {"$in": wanted}}, "limit": 80, "response_format": fmt}
    seen: list[int] = []
    async with assemble(Settings(max_result_tokens=budget), transport=transport) as built, Client(built.server) as c:
        await c.list_tools()
        for _ in range(400):
            res = await c.call_tool("deals_search", args)
            page = res.structured_content
            used = estimate_tokens(dumps(page)) + estimate_tokens(res.content[0].text)
            assert used <= budget, (budget, page["returned"], used)
            seen += [r["id"] for r in page["items"]]
            if not page["has_more"]:
                break
            args = {"cursor": page["next_cursor"]}
    assert seen == wanted


async def test_a_list_filter_too_long_for_a_url_is_refused_with_the_search_alternative() -> None:
    """20,000 ids in a list filter would make a query string no server takes; search carries them in a body."""
    transport = CountingTransport(EmulatorTransport(Portal(seed=3, scale=0.2)))
    async with assemble(Settings(toolsets=("all",)), transport=transport) as built, Client(built.server) as c:
        before = len(transport.requests)
        res = await c.call_tool("deals_list", {"filter": {"id": list(range(1, 20001))}, "limit": 1})
    assert res.is_error and res.structured_content is not None
    err = res.structured_content["error"]
    assert err["code"] == "QUERY_TOO_LARGE" and "search tool" in err["hint"]
    assert len(transport.requests) == before  # nothing was sent
