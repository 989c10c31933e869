"""Rate-budget throughput against the demo portal with its limits on, measured side by side in one run.

    .venv/bin/python bench/throughput.py [--seconds 20]

The portal (`python -m server.emulator --limits`) enforces 10 units per sliding second and 300
requests per sliding minute, answering 429 above either; at exit it reports what it admitted. Prints:
(a) utilisation of the portal budget by 50 concurrent deals_search calls through the whole server
    in-process (one limiter), with the portal's own count of window violations (429s), per window;
(b) bulk update of 5000 deals in one deals_batch call (planned in one read, sent as ten 500-item
    entity batches of 10 units each) against naive per-record deals_update calls, in records per
    second against the 500/s the budget allows;
(c) (a) again with two `python -m server --transport http` replicas sharing the budget in Redis,
    next to the same two replicas without Redis (each thinks the whole budget is its own).
Utilisation is over the load's windows: from the first search the portal admits to the last, every
request admitted in between counted. The servers' start-up requests (metadata, GET /v1/me) come
seconds before the load (a replica needs them to build its tools), so the figure counting from the
first of them is shown too.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from limited import limited_emulator, redis_binary, redis_server
from served import Served, served, tool_call

from server.__main__ import assemble
from server.context import CallContext
from server.emulator import DEMO_API_KEY
from server.settings import Secret, Settings

RATE, KEY_RATE = 10, 300
SEARCH = {"limit": 5, "select": ["id", "title"]}
SEARCH_PATH = "/v1/deals/search"


def report(label: str, stats: dict[str, Any], calls: int, errors: int) -> float:
    """Print the portal's view of a run; returns the portal-budget utilisation over the load.

    The load's windows run from the first search the portal admitted to the last, and every request
    admitted in between counts; the servers' start-up requests before them are left out of this
    figure and shown in the second one, which counts from the first request of all.
    """
    rows = [(float(t), float(u), str(path)) for t, u, path in stats["admitted_at"]]
    searches = [i for i, (_, _, path) in enumerate(rows) if path == SEARCH_PATH]
    load = [(t, u) for t, u, _ in rows[searches[0] : searches[-1] + 1]]
    span = load[-1][0] - load[0][0] + 1.0  # the windows the load touched
    units = sum(u for _, u in load)
    utilisation = units / (RATE * span)
    overall = float(stats["units"]) / (RATE * (float(stats["seconds"]) + 1.0))
    key_share = stats["max_requests_per_60s"] / KEY_RATE
    refused = sum(stats["refused"].values())
    print(
        f"{label}: {calls} tool calls ({errors} errors) in {span:.1f} s of windows\n"
        f"    portal window (10 units / 1 s): {units:.0f} units, utilisation {utilisation:.1%} "
        f"({overall:.1%} counting from the first of the servers' {searches[0]} start-up request(s)), "
        f"max in any 1 s {stats['max_units_per_1s']:.0f}/10, 429s {stats['refused'].get('RATE_LIMITED', 0)}\n"
        f"    key window (300 requests / 60 s): max in any 60 s {stats['max_requests_per_60s']:.0f}/300 "
        f"({key_share:.0%}), refusals of any kind {refused} {stats['refused'] or ''}"
    )
    return utilisation


def answer_of(http_answer: httpx.Response) -> dict[str, Any]:
    """The JSON-RPC answer of a POST, sent as plain JSON or as the last event of an event stream."""
    if http_answer.headers.get("content-type", "").startswith("text/event-stream"):
        events = [line[5:] for line in http_answer.text.splitlines() if line.startswith("data:")]
        return dict(json.loads(events[-1])) if events else {}
    return dict(http_answer.json())


async def searches_in_process(seconds: float) -> None:
    """(a) one server process, 50 concurrent searches for `seconds`."""
    calls = errors = 0
    with limited_emulator() as emulator:
        settings = Settings(api_key=Secret(DEMO_API_KEY), base_url=emulator.base_url)
        async with assemble(settings) as built:
            end = time.monotonic() + seconds

            async def worker() -> None:
                nonlocal calls, errors
                while time.monotonic() < end:
                    try:
                        await built.dispatcher.call("deals_search", SEARCH, CallContext(tool="deals_search"))
                        calls += 1
                    except Exception as exc:  # counted and shown, the bench goes on
                        errors += 1
                        print("    error:", type(exc).__name__, str(exc)[:120])

            async with anyio.create_task_group() as tg:
                for _ in range(50):
                    tg.start_soon(worker)
    report("(a) 50 concurrent deals_search, one process", emulator.stats, calls, errors)


async def bulk_update(naive_records: int) -> None:
    """(b) 5000 deals updated through entity batches, against per-record updates."""
    with limited_emulator("--scale", "12.5") as emulator:
        settings = Settings(
            api_key=Secret(DEMO_API_KEY), base_url=emulator.base_url, allow_unconfirmed_writes=True, call_timeout=120
        )
        async with assemble(settings) as built:
            listed = await built.client.request("GET", "/v1/deals", params={"select": ["id"], "limit": 5000})
            ids = [row["id"] for row in listed.data][:5000]
            started = time.monotonic()
            items = [{"id": d, "comments": f"bulk {d}"} for d in ids]
            out = await built.dispatcher.call(
                "deals_batch", {"action": "update", "items": items}, CallContext(tool="deals_batch")
            )
            batched = out.structured["succeeded"] / (time.monotonic() - started)

            naive_ids = ids[:naive_records]
            started = time.monotonic()

            async def one(record_id: int) -> None:
                await built.dispatcher.call(
                    "deals_update", {"id": record_id, "fields": {"comments": "naive"}}, CallContext(tool="deals_update")
                )

            async with anyio.create_task_group() as tg:
                for record_id in naive_ids:
                    tg.start_soon(one, record_id)
            naive = len(naive_ids) / (time.monotonic() - started)
    allowed = RATE / 10 * 500  # 10 units buy one 500-item batch
    print(
        f"(b) bulk update of {len(ids)} deals: batched {batched:.0f} records/s ({batched / allowed:.1%} of the "
        f"{allowed:.0f}/s the portal budget allows); naive per-record {naive:.1f} records/s "
        f"({naive_records} records, all concurrent); batched/naive {batched / naive:.0f}x; "
        f"portal 429s {emulator.stats['refused'].get('RATE_LIMITED', 0)}, max in any 1 s "
        f"{emulator.stats['max_units_per_1s']:.0f}/10"
    )


@contextmanager
def two_replicas(env: dict[str, str]) -> Iterator[tuple[Served, Served]]:
    """Two server processes started at the same time (each start-up waits for its port)."""
    with ExitStack() as stack, ThreadPoolExecutor(2) as pool:
        managers = [served(env=env), served(env=env)]
        futures = [pool.submit(m.__enter__) for m in managers]
        for manager, future in zip(managers, futures, strict=True):
            if future.exception() is None:  # waits; a replica that came up is stopped however the other fared
                stack.push(manager.__exit__)
        yield futures[0].result(), futures[1].result()


async def searches_two_replicas(seconds: float, redis_url: str | None) -> float:
    """(c) two HTTP replicas, 50 concurrent searches spread over both, sharing Redis or not."""
    calls = errors = 0
    with limited_emulator() as emulator:
        env = {"VIBECODE_API_KEY": DEMO_API_KEY, "VIBECODE_BASE_URL": emulator.base_url}
        if redis_url:
            env["VIBECODE_REDIS_URL"] = redis_url
        with two_replicas(env) as (one, two):
            end = time.monotonic() + seconds

            async def worker(url: str, n: int) -> None:
                nonlocal calls, errors
                async with httpx.AsyncClient(timeout=90) as http:
                    k = 0
                    while time.monotonic() < end:
                        headers, body = tool_call("deals_search", SEARCH, n * 100000 + k)
                        k += 1
                        answer = await http.post(url, json=body, headers=headers)
                        if answer.status_code != 200:
                            errors += 1
                            print(f"    HTTP {answer.status_code}: {answer.text[:120]}")
                            continue
                        result = answer_of(answer).get("result") or {}
                        if result.get("isError"):
                            errors += 1
                        else:
                            calls += 1

            async with anyio.create_task_group() as tg:
                for n in range(50):
                    tg.start_soon(worker, (one, two)[n % 2].url, n)
    label = "sharing one budget in Redis" if redis_url else "WITHOUT Redis (each keeps its own budget)"
    return report(f"(c) two replicas {label}", emulator.stats, calls, errors)


async def main(seconds: float, naive: int) -> None:
    print(f"demo portal limits: {RATE} units per sliding second, {KEY_RATE} requests per sliding minute")
    await searches_in_process(seconds)
    await bulk_update(naive)
    if redis_binary() is None:
        print("(c) skipped: redis-server is not installed (apt-get install redis-server)")
        return
    with redis_server() as url:
        await searches_two_replicas(seconds, url)
    await searches_two_replicas(seconds / 2, None)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=20.0,
        help="length of each search run (≤ 30 keeps the key budget out of the way)",
    )
    parser.add_argument("--naive", type=int, default=40, help="records updated one by one for the naive rate")
    args = parser.parse_args()
    anyio.run(main, args.seconds, args.naive)
