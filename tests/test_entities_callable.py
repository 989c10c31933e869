"""The `entities` answer says what is callable as a tool on this server now: an enabled entity's
operations the selection leaves out (the default set's list and fields) are named with the toolset
that has them, writes the write tier hides are named as such, and each smart process type's typed
tools (sp_{type}_*) appear next to the generic items_*. Over the assembled server and the demo portal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from portal_rig import CATALOG

from server.__main__ import assemble
from server.budget import MIN_BUDGET, result_tokens
from server.settings import Settings
from tests.mcp_rig import ok, small_portal, writable

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def served(tmp_path: Path, *toolsets: str) -> AsyncIterator[tuple[Client, set[str]]]:
    """An MCP client of the server with `toolsets`, and the tool names its tools/list offers."""
    async with writable(toolsets, small_portal(), tmp_path) as built, Client(built.server) as client:
        yield client, {t.name for t in (await client.list_tools()).tools}


def row(answer: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [r for r in answer["entities"] if r["entity"] == name]
    return found


async def test_the_default_set_names_the_operations_it_leaves_out_and_the_toolset_with_them(tmp_path: Path) -> None:
    async with served(tmp_path, "default") as (client, listed):
        answer = await ok(client, "entities", {"of": "deals"})
        deals = row(answer, "deals")
        assert "deals_list" not in listed and "deals_fields" not in listed
        assert [f"deals_{op}" for op in deals["tools"]] == sorted(
            (n for n in listed if n.startswith("deals_")),
            key=lambda n: CATALOG.entities["deals"].operations.index(n[6:]),
        )
        assert deals["also"] == {"crm": ["list", "fields", "products", "products_edit"]}
        assert deals["operations"] == list(CATALOG.entities["deals"].operations)
        res = await client.call_tool("entities", {"of": "deals"})
        text = res.content[0].text  # type: ignore[union-attr]
        assert "deals: get create update delete search aggregate batch; also with toolset crm: list fields" in text
        assert "VIBECODE_TOOLSETS" in answer["summary"]
        bare = await ok(client, "entities", {})
        assert "not tools here: list fields products products_edit" in bare["summary"]
        assert "VIBECODE_TOOLSETS (e.g. default,crm)" in bare["summary"]
    async with served(tmp_path, "default", "crm") as (client, listed):
        deals = row(await ok(client, "entities", {"of": "deals"}), "deals")
        assert "also" not in deals and deals["tools"] == deals["operations"]
        assert {f"deals_{op}" for op in deals["tools"]} <= listed and "deals_list" in listed
        assert "not tools here" not in (await ok(client, "entities", {}))["summary"]


async def test_writes_the_write_tier_hides_are_not_called_callable(tmp_path: Path) -> None:
    settings = Settings(toolsets=("crm",), read_only=True, audit_log=str(tmp_path / "audit.jsonl"))
    async with assemble(settings, transport=small_portal()) as built, Client(built.server) as client:
        listed = {t.name for t in (await client.list_tools()).tools}
        deals = row(await ok(client, "entities", {"of": "deals"}), "deals")
        assert {f"deals_{op}" for op in deals["tools"]} <= listed and "deals_create" not in listed
        assert deals["also"] == {"write mode read-only": ["create", "update", "delete", "batch", "products_edit"]}


async def test_each_smart_process_types_typed_tools_are_in_the_answer(tmp_path: Path) -> None:
    async with served(tmp_path, "smart") as (client, listed):
        bare = await ok(client, "entities", {})
        (smart,) = [r for r in bare["toolsets"] if r["toolset"] == "smart"]
        assert smart["typed"] == ["sp_contracts", "sp_implementation"]
        answer = await ok(client, "entities", {"of": "smart"})
        names = [r["entity"] for r in answer["entities"]]
        assert names == ["smart-processes", "items", "sp_contracts", "sp_implementation", "categories"]
        contracts = row(answer, "sp_contracts")
        assert {f"sp_contracts_{op}" for op in contracts["tools"]} == {
            n for n in listed if n.startswith("sp_contracts_")
        }
        assert "Договоры" in contracts["about"] and "entityTypeId 1032" in contracts["about"] and contracts["enabled"]
        assert "items_* with entityTypeId reaches any type" in answer["summary"]
        for of in ("contracts", "sp_contracts"):
            assert [r["entity"] for r in (await ok(client, "entities", {"of": of}))["entities"]] == ["sp_contracts"]
        assert [r["entity"] for r in (await ok(client, "entities", {"of": "items"}))["entities"]][1:] == [
            "sp_contracts",
            "sp_implementation",
        ]
    async with served(tmp_path, "default") as (client, _):
        refused = await client.call_tool("entities", {"of": "contracts"})
        assert refused.is_error  # no typed tools without the smart toolset


async def test_the_default_sets_answers_fit_the_smallest_budget_and_name_every_row(tmp_path: Path) -> None:
    settings = Settings(max_result_tokens=MIN_BUDGET, audit_log=str(tmp_path / "audit.jsonl"))
    async with assemble(settings, transport=small_portal()) as built, Client(built.server) as client:
        for of, expected in (
            ("all", list(CATALOG.entities)),
            ("default", ["deals", "contacts", "companies", "leads", "tasks"]),
        ):
            res = await client.call_tool("entities", {"of": of})
            answer, text = res.structured_content or {}, "\n".join(c.text for c in res.content)  # type: ignore[union-attr]
            assert result_tokens(answer, text) <= MIN_BUDGET and "Trimmed" not in answer["summary"]
            assert [r["entity"] for r in answer["entities"]] + answer.get("more", []) == expected
            if of == "default":  # each row still says what its own toolset adds
                assert all(r["also"]["crm" if r["entity"] != "tasks" else "tasks"] for r in answer["entities"])
