"""HTTP serving under load: tool-call latency with 200 concurrent clients, and memory after abuse.

    .venv/bin/python bench/serving.py [--clients 200] [--calls 5]

Starts `python -m server --transport http` on loopback (demo portal, client-side rate limits
raised so the figures are the server's own), then prints:
- p50/p95/max of a `deals_search` (10 records) with N clients calling at once, each on its own
  connection (stateless 2026-07-28 calls), and the same for one client alone, side by side;
- the server's RSS at start, after the load, and after the abuse scenarios of the test suite:
  1,000 idle connections, 2,000 `initialize` without closing, 40 trickling connections.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import ssl
import statistics
import sys
import threading
import time
from pathlib import Path

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from served import INIT, MCP_HEADERS, Served, served, tool_call

ARGS = {"limit": 10, "filter": {"stageId": "WON"}}
ENV = {"VIBECODE_RATE_LIMIT": "1000", "VIBECODE_KEY_RATE_LIMIT": "100000"}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def load(url: str, clients: int, calls: int) -> tuple[list[float], float, int]:
    """Each client, on its own connection, makes `calls` sequential tool calls; all clients at once.

    Returns latencies in ms, the wall time, and how many calls had to reconnect (a kept-alive
    connection the server closed just as the client reused it).
    """
    latencies: list[float] = []
    reconnects = 0
    tls = ssl.create_default_context()  # one context for all clients: building 200 would dominate

    async def client(i: int) -> None:
        nonlocal reconnects
        async with httpx.AsyncClient(timeout=120, verify=tls, limits=httpx.Limits(max_connections=1)) as own:
            for k in range(calls):
                headers, body = tool_call("deals_search", ARGS, i * 1000 + k)
                start = time.perf_counter()
                try:
                    r = await own.post(url, json=body, headers=headers)
                except httpx.TransportError:
                    reconnects += 1
                    r = await own.post(url, json=body, headers=headers)
                latencies.append((time.perf_counter() - start) * 1000)
                assert r.status_code == 200 and "isError" not in r.text[:200], r.text[:300]

    start = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for i in range(clients):
            tg.start_soon(client, i)
    return latencies, time.perf_counter() - start, reconnects


async def abuse(s: Served) -> None:
    """The test suite's attacks, larger: idle and trickling connections, then a session flood."""
    idle = []
    for _ in range(1000):
        sock = socket.socket()
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.connect(("127.0.0.1", s.port))
        idle.append(sock)
    stop = threading.Event()

    def trickle() -> None:
        try:
            with socket.create_connection(("127.0.0.1", s.port), timeout=5) as c:
                c.sendall(f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n".encode())
                while not stop.wait(0.3):
                    c.sendall(b"x")
        except OSError:
            pass

    threads = [threading.Thread(target=trickle) for _ in range(40)]
    for t in threads:
        t.start()
    limiter = anyio.Semaphore(20)
    async with httpx.AsyncClient(timeout=30) as raw:

        async def init() -> None:
            async with limiter:
                for _ in range(3):  # a kept-alive connection may be closed under the flood: open another
                    try:
                        r = await raw.post(s.url, json=INIT, headers=MCP_HEADERS)
                    except httpx.TransportError:
                        continue
                    assert r.status_code == 200
                    return

        async with anyio.create_task_group() as tg:
            for _ in range(2000):
                tg.start_soon(init)
    stop.set()
    for t in threads:
        t.join()
    for sock in idle:
        sock.close()


async def main(clients: int, calls: int) -> None:
    with served(ENV) as s:
        await load(s.url, 1, 20)  # warm-up: imports, first upstream answers
        rss_start = s.rss_mb()
        alone, _, _ = await load(s.url, 1, 50)
        cpu_before = s.cpu_seconds()
        client_cpu = time.process_time()
        crowd, took, reconnects = await load(s.url, clients, calls)
        client_cpu = (time.process_time() - client_cpu) / len(crowd) * 1000
        cpu_per_call = (s.cpu_seconds() - cpu_before) / len(crowd) * 1000
        rss_load = s.rss_mb()
        await abuse(s)
        rss_abuse = s.rss_mb()
        after, _, _ = await load(s.url, clients, 1)
        probe = s.probe()
        print(f"deals_search ({ARGS['limit']} records) over HTTP, stateless calls, demo portal")
        print(f"  1 client            : p50 {statistics.median(alone):7.1f} ms  p95 {pct(alone, 95):7.1f} ms")
        print(
            f"  {clients} clients at once : p50 {statistics.median(crowd):7.1f} ms  p95 {pct(crowd, 95):7.1f} ms"
            f"  max {max(crowd):7.1f} ms  ({len(crowd)} calls, {len(crowd) / took:.0f} calls/s,"
            f" {reconnects} reconnects)"
        )
        print(
            f"  after the abuse     : p50 {statistics.median(after):7.1f} ms  p95 {pct(after, 95):7.1f} ms"
            f"  (probe initialize {probe * 1000:.0f} ms)"
        )
        print(f"  CPU per call under load: server {cpu_per_call:.1f} ms, this load generator {client_cpu:.1f} ms")
        print(f"server RSS: start {rss_start:.0f} MB, after load {rss_load:.0f} MB, after abuse {rss_abuse:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--calls", type=int, default=5)
    a = parser.parse_args()
    anyio.run(main, a.clients, a.calls)
