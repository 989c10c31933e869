"""Aggregate, reference, entities and batch tools end to end through the MCP client, in the 2026 `auto`
and the 2025 `legacy` protocol modes, against the demo portal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from mcp import Client

from server.__main__ import assemble
from server.settings import Settings

pytestmark = pytest.mark.anyio

CALLS: list[tuple[str, dict[str, Any]]] = [
    ("deals_aggregate", {"aggregate": [{"function": "sum", "field": "amount"}], "groupBy": ["stageId"],
                         "filter": {"stageSemanticId": "P"}}),
    ("leads_aggregate", {"groupBy": ["statusId", "sourceId"]}),
    ("companies_aggregate", {"aggregate": [{"function": "avg", "field": "revenue"}], "groupBy": ["industry"]}),
    ("contacts_aggregate", {"groupBy": ["typeId"]}),
    ("tasks_aggregate", {"groupBy": ["responsibleId"], "filter": {"status": "5"}}),
    ("users_aggregate", {}),
    ("reference", {"kind": "pipelines", "name": "Тендеры"}),
    ("reference", {"kind": "statuses", "name": "STATUS"}),
    ("reference", {"kind": "currencies"}),
    ("reference", {"kind": "departments"}),
    ("reference", {"kind": "workgroups"}),
    ("entities", {}),
    ("batch", {"calls": [{"entity": "deals", "action": "get", "entityId": 1},
                         {"entity": "tasks", "action": "search", "params": {"limit": 2}}]}),
]  # fmt: skip


@pytest.fixture(params=["auto", "legacy"])
async def client(request: pytest.FixtureRequest) -> AsyncIterator[Client]:
    async with assemble(Settings(toolsets=("all",))) as built, Client(built.server, mode=request.param) as c:
        await c.list_tools()  # the client validates structured content only for listed tools
        yield c


async def test_every_new_tool_answers_with_structure_matching_its_output_schema(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    for name, args in CALLS:
        result = await client.call_tool(name, args)
        assert not result.is_error, (name, result.content)
        assert tools[name].output_schema is not None
        Draft202012Validator(tools[name].output_schema).validate(result.structured_content)
        assert result.content[0].text.startswith(result.structured_content["summary"])


async def test_open_deals_by_stage_per_currency_is_one_tool_call(client: Client) -> None:
    result = await client.call_tool("deals_aggregate", dict(CALLS[0][1]))
    groups = result.structured_content["groups"]
    assert groups and all({"stageId", "stageName", "currency", "count", "amount"} <= set(g) for g in groups)
    assert len({g["currency"] for g in groups}) == 3


async def test_error_results_name_the_problem_and_match_the_output_schema(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    bad = {"calls": [{"entity": "users", "action": "delete", "entityId": 2}]}
    result = await client.call_tool("batch", bad)
    assert result.is_error and "users does not support delete" in result.content[0].text
    Draft202012Validator(tools["batch"].output_schema).validate(result.structured_content)
    agg = await client.call_tool("deals_aggregate", {"aggregate": [{"function": "max", "field": "sourceId"}]})
    assert agg.is_error and agg.structured_content["error"]["code"] == "INVALID_ARGUMENTS"
    Draft202012Validator(tools["deals_aggregate"].output_schema).validate(agg.structured_content)
