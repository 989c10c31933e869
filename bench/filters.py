"""Filter validation cost next to the 50-record search's whole server-side overhead, in one run.

    .venv/bin/python bench/filters.py [--calls 300]

Prints the median (p50) and p90 of `compile_filter` for representative filters (one condition,
the docs' mixed-syntax example, list values checked against items, a three-branch `$or`, a
filter with three mistakes), then a 50-record deals_search with the mixed filter in-process:
the tool call, the bare upstream request it makes, their difference (the server-side overhead)
and the validation's share of it.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio

from server.__main__ import assemble
from server.catalog import FieldSpec, load_catalog
from server.emulator import EmulatorTransport, Portal
from server.errors import InvalidArguments
from server.filters import compile_filter
from server.settings import Settings

DEALS = load_catalog().entities["deals"]
STAGES = tuple((f"C{p}:{s}" if p else s, f"{s.title()} {p}") for p in range(4) for s in ("NEW", "WORK", "WON", "LOSE"))
WITH_ITEMS: Mapping[str, FieldSpec] = {
    **DEALS.fields,
    "stageId": FieldSpec("stageId", "crm_status", items=STAGES),
    "UF_CRM_PRIORITY": FieldSpec("UF_CRM_PRIORITY", "enumeration", items=(("45", "Высокий"), ("46", "Средний"))),
}
MIXED = {"amount": {"$gte": 50000}, "!stageId": "LOSE", "createdAt": {">=": "2026-01-01T00:00:00"}}
FILTERS: dict[str, tuple[Any, Mapping[str, FieldSpec]]] = {
    "one condition": ({"stageId": "WON"}, DEALS.fields),
    "docs mixed syntaxes": (MIXED, DEALS.fields),
    "list values checked": ({"stageId": ["NEW", "C1:WON", "C2:WORK"], "UF_CRM_PRIORITY": 45}, WITH_ITEMS),
    "$or of three branches": (
        {"amount": {"$gt": 1000}, "$or": [{"stageId": "WON"}, {"currency": "USD"}, {"assignedById": 2}]},
        DEALS.fields,
    ),
    "three mistakes (error)": ({"stage": "WON", "amount": "abc", "closedAt": "31.01.2026"}, DEALS.fields),
}


def ms(samples: list[float]) -> str:
    s = sorted(x * 1000 for x in samples)
    return f"p50 {statistics.median(s):8.4f} ms  p90 {s[int(len(s) * 0.9) - 1]:8.4f} ms"


def validation(raw: Any, fields: Mapping[str, FieldSpec], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        with contextlib.suppress(InvalidArguments):  # the error path is timed too
            compile_filter(raw, fields)
        out.append(time.perf_counter() - t0)
    return out


async def timed(fn: Callable[[], Awaitable[Any]]) -> float:
    t0 = time.perf_counter()
    await fn()
    return time.perf_counter() - t0


async def main(calls: int) -> None:
    print(f"filter benchmarks ({calls * 10} validations per filter, {calls} searches; one run)\n")
    per_filter = {label: validation(raw, fields, calls * 10) for label, (raw, fields) in FILTERS.items()}
    print("compile_filter (parse + check + normalise)")
    for label, samples in per_filter.items():
        print(f"  {label:28} {ms(samples)}")

    search = {"filter": MIXED, "limit": 50}
    shown = ["id", *DEALS.key_fields]
    upstream = {"limit": 50, "select": list(dict.fromkeys(shown)), "autoWindow": False, "sort": "id"}
    upstream["filter"] = compile_filter(MIXED, DEALS.fields).upstream()
    async with assemble(Settings(), transport=EmulatorTransport(Portal())) as built:
        call, client = built.dispatcher.call, built.client
        out = await call("deals_search", search)
        assert out.structured["returned"] == 50, out.structured["summary"]
        for _ in range(30):
            await call("deals_search", search)
        whole: list[float] = []
        bare: list[float] = []
        for _ in range(calls):  # interleaved, so both see the same machine state
            whole.append(await timed(lambda: call("deals_search", search)))
            bare.append(await timed(lambda: client.request("POST", "/v1/deals/search", json_body=upstream)))
    overhead = statistics.median(whole) - statistics.median(bare)
    check = statistics.median(per_filter["docs mixed syntaxes"])
    print("\ndeals_search, 50 records, docs mixed-syntax filter (in-process demo portal)")
    print(f"  tool call                    {ms(whole)}")
    print(f"  bare upstream request        {ms(bare)}")
    print(f"  server-side overhead (p50 difference)  {overhead * 1000:8.4f} ms")
    print(f"  of which filter validation (p50)       {check * 1000:8.4f} ms  ({check / overhead:.1%} of the overhead)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=300)
    anyio.run(main, ap.parse_args().calls)
