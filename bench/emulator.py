"""The demo portal's own cost per request at scale 1 and 250 (about 100k deals), measured in one run.

    .venv/bin/python bench/emulator.py [--scales 1,250] [--reps 40]

For each typical request it prints the median time of `Portal.handle` (warm: indexes built), the
first call (which builds the indexes the request needs), and for searches the median time a
row-by-row filter of the whole table takes, which is what every search cost before indexes. For the
/v1/batch of 50 `$contains` searches it also prints the longest the event loop went without a turn
while the batch ran (other requests are served in those turns).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import dataclass

from server.emulator import DEMO_API_KEY, Portal
from server.emulator.filters import compile_filter, parse_filter
from server.emulator.values import format_instant

NOW = 1_776_155_039.0  # a fixed clock keeps the seed data, and so the figures, comparable run to run
DAY = 86_400
HEADERS = {"X-Api-Key": DEMO_API_KEY}
SUM_AMOUNT = {"field": "amount", "function": "sum"}


@dataclass(frozen=True)
class Probe:
    name: str
    method: str
    path: str
    query: str = ""
    body: object = None

    @property
    def raw(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode()

    @property
    def search_filter(self) -> object:
        return self.body.get("filter") if isinstance(self.body, dict) and self.path.endswith("/search") else None


def probes(deal_count: int) -> list[Probe]:
    month_ago, now = format_instant(NOW - 30 * DAY), format_instant(NOW)
    contains = [
        {"id": f"c{i}", "entity": "deals", "action": "search", "params": {"filter": {"title": {"$contains": word}}}}
        for i, word in enumerate(["поставка", "crm", "лицензи", "обслуж", "внедрен"] * 10)
    ]
    return [
        Probe("get by id", "GET", f"/v1/deals/{max(1, deal_count // 2)}"),
        Probe("list, first page of 50", "GET", "/v1/deals", "limit=50"),
        Probe("search: equality", "POST", "/v1/deals/search", body={"filter": {"stageId": "WON", "assignedById": 3}}),
        Probe(
            "search: date range (30 days)",
            "POST",
            "/v1/deals/search",
            body={"filter": {">=createdAt": month_ago, "<createdAt": now}, "autoWindow": False},
        ),
        Probe(
            "search: amount range, sorted",
            "POST",
            "/v1/deals/search",
            body={"filter": {"amount": {"$gte": 100000, "$lt": 200000}}, "sort": {"amount": "desc"}},
        ),
        Probe("search: $contains", "POST", "/v1/deals/search", body={"filter": {"title": {"$contains": "поставка"}}}),
        Probe(
            "aggregate: sum by stage",
            "POST",
            "/v1/deals/aggregate",
            body={
                "filter": {"categoryId": 0},
                "groupBy": ["stageId"],
                "aggregate": [{"field": "amount", "function": "sum"}],
            },
        ),
        Probe("/v1/batch of 50 $contains", "POST", "/v1/batch", body={"calls": contains}),
    ]


async def timed(portal: Portal, probe: Probe) -> float:
    start = time.perf_counter()
    response = await portal.handle(probe.method, probe.path, probe.query, HEADERS, probe.raw)
    elapsed = time.perf_counter() - start
    if response.status != 200:
        raise SystemExit(f"{probe.name}: {response.status} {response.body[:300]!r}")
    return elapsed


async def longest_stall(portal: Portal, probe: Probe) -> float:
    """The longest gap between event-loop turns while `probe` runs next to a ticking task."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    await timed(portal, probe)
    done.set()
    await ticker
    return max(gaps)


def scan_cost(portal: Portal, probe: Probe, reps: int) -> float | None:
    """Median time of testing every row against the search's filter (the cost without indexes)."""
    if probe.search_filter is None:
        return None
    entity = portal.entities["deals"]
    predicate = compile_filter(parse_filter(probe.search_filter, entity), entity)
    rows = portal.store.table("deals").scan()
    timings = []
    for _ in range(reps):
        start = time.perf_counter()
        _ = [row for row in rows if predicate is None or predicate(row)]
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.2f} ms"


async def measure(scale: float, reps: int) -> None:
    start = time.perf_counter()
    portal = Portal(scale=scale, clock=lambda: NOW)
    deals = len(portal.store.table("deals"))
    print(f"\nscale {scale:g}: {deals} deals, portal built in {time.perf_counter() - start:.1f} s")
    print(f"  {'request':32} {'median':>12} {'first call':>12} {'row scan':>12} {'scan/median':>12}")
    for probe in probes(deals):
        count = max(3, reps // 8) if probe.path == "/v1/batch" else reps
        first = await timed(portal, probe)
        median = statistics.median([await timed(portal, probe) for _ in range(count)])
        scan = scan_cost(portal, probe, max(3, count // 4))
        scan_text = ms(scan) if scan is not None else f"{'':>12}"
        ratio = f"{scan / median:11.1f}x" if scan is not None else ""
        print(f"  {probe.name:32} {ms(median)} {ms(first)} {scan_text} {ratio}")
        if probe.path == "/v1/batch":
            stall = statistics.median([await longest_stall(portal, probe) for _ in range(3)])
            print(f"  {'  longest event-loop stall':32} {ms(stall)}   (the batch yields between its calls)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,250", help="comma-separated seed scales (1 ≈ 400 deals)")
    parser.add_argument("--reps", type=int, default=40, help="timed calls per request (batch: reps/8)")
    args = parser.parse_args()
    for scale in (float(s) for s in args.scales.split(",")):
        asyncio.run(measure(scale, args.reps))


if __name__ == "__main__":
    main()
