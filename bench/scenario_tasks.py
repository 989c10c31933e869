"""Ten assistant tasks, each answered twice: with the plain tools (`baseline`) and with today's (`now`).

The plain tools returned ids without names and had no aggregate, include or batch: a name cost a
`*_get` per record or a `reference` call, and a count by stage meant paging through every record.
Both scripts of a task return the same answer (the runner checks), so the comparison cannot cheat.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from bench.scenario_kit import TODAY, Run, Task, search_all

OPEN_RUB = {"filter": {"stageSemanticId": "P", "currency": "RUB"}, "sort": {"amount": "desc"}, "limit": 5}
OPEN_TASKS = {"$in": [2, 3]}  # waiting, in progress


def full_name(user: dict[str, Any]) -> str:
    return " ".join(str(user[k]) for k in ("name", "lastName") if user.get(k))


async def stage_names(r: Run) -> dict[str, str]:
    """Stage id → name for every deal pipeline: one `reference` call."""
    ref = await r.call("reference", {"kind": "pipelines"})
    return {s["id"]: s["name"] for p in ref["pipelines"] for s in p["stages"]}


async def get_names(r: Run, tool: str, ids: list[Any], label: Any = None) -> dict[Any, str]:
    """One `*_get` per distinct id (what a name cost before names came with the ids)."""
    out: dict[Any, str] = {}
    for i in dict.fromkeys(x for x in ids if x is not None):
        item = (await r.call(tool, {"id": i}))["item"]
        out[i] = label(item) if label else item["title"]
    return out


# 1. Deals and money per stage and currency, with stage names.
async def overview_plain(r: Run) -> Any:
    names = await stage_names(r)
    args = {"select": ["stageId", "amount", "currency"], "response_format": "detailed", "limit": 5000}
    count: Counter[tuple[str, str]] = Counter()
    money: Counter[tuple[str, str]] = Counter()
    for d in await search_all(r, "deals_search", args):
        count[d["stageId"], d["currency"]] += 1
        money[d["stageId"], d["currency"]] += d.get("amount") or 0
    return sorted((s, names[s], c, n, round(money[s, c], 2)) for (s, c), n in count.items())


async def overview_now(r: Run) -> Any:
    out = await r.call(
        "deals_aggregate", {"aggregate": [{"function": "sum", "field": "amount"}], "groupBy": ["stageId"]}
    )
    assert not out["truncated"]
    return sorted(
        (g["stageId"], g["stageName"], g["currency"], g["count"], round(g["amount"]["sum"], 2)) for g in out["groups"]
    )


# 2. Top 5 open rouble deals with their company names.
async def top_deals_plain(r: Run) -> Any:
    deals = (await r.call("deals_search", OPEN_RUB))["items"]
    companies = await get_names(r, "companies_get", [d.get("companyId") for d in deals])
    return [(d["id"], d["amount"], companies.get(d.get("companyId"))) for d in deals]


async def top_deals_now(r: Run) -> Any:
    deals = (await r.call("deals_search", OPEN_RUB))["items"]
    return [(d["id"], d["amount"], d.get("company")) for d in deals]


# 3. Who is responsible for deal 247, and what are their open tasks?
async def owner_tasks_plain(r: Run) -> Any:
    owner = (await r.call("deals_get", {"id": 247}))["item"]["assignedById"]
    user = (await r.call("users_get", {"id": owner}))["item"]
    tasks = await r.call("tasks_search", {"filter": {"responsibleId": owner, "status": OPEN_TASKS}, "limit": 10})
    return full_name(user), sorted(t["id"] for t in tasks["items"])


async def owner_tasks_now(r: Run) -> Any:
    deal = (await r.call("deals_get", {"id": 247}))["item"]
    flt = {"responsibleId": deal["assignedById"], "status": OPEN_TASKS}
    tasks = await r.call("tasks_search", {"filter": flt, "limit": 10})
    return deal["assignedBy"], sorted(t["id"] for t in tasks["items"])


# 4. The contacts named Smirnov(a) and the companies they work for.
CONTACTS = {"filter": {"lastName": {"$contains": "Смирнов"}}, "limit": 10}


async def contacts_plain(r: Run) -> Any:
    contacts = (await r.call("contacts_search", CONTACTS))["items"]
    companies = await get_names(r, "companies_get", [c.get("companyId") for c in contacts])
    return [(c["id"], companies.get(c.get("companyId"))) for c in contacts]


async def contacts_now(r: Run) -> Any:
    return [(c["id"], c.get("company")) for c in (await r.call("contacts_search", CONTACTS))["items"]]


# 5. Export every won deal (title, amount, currency, close date), page by page: the same calls both ways.
EXPORT = {"filter": {"stageSemanticId": "S"}, "select": ["title", "amount", "currency", "closedAt"], "limit": 5000}


async def export(r: Run) -> Any:
    rows = await search_all(r, "deals_search", EXPORT)
    return len(rows), sorted(d["id"] for d in rows)


# 6. Move deal 12 to "Подготовка документов" with a note: one update either way.
async def move_deal(r: Run) -> Any:
    fields = {"stageId": "PREPARATION", "comments": "Созвонились, готовим КП"}
    out = await r.call("deals_update", {"id": 12, "fields": fields})
    return out["item"]["id"], out["item"]["stageId"]


# 7. Which sources bring leads, and how many each?
async def sources_plain(r: Run) -> Any:
    ref = await r.call("reference", {"kind": "statuses", "name": "SOURCE"})
    names = {s["id"]: s["name"] for s in ref["lists"]["SOURCE"]}
    leads = await search_all(r, "leads_search", {"select": ["sourceId"], "response_format": "detailed", "limit": 5000})
    counted = Counter(d.get("sourceId") for d in leads)
    return sorted((s, names.get(s), n) for s, n in counted.items())


async def sources_now(r: Run) -> Any:
    out = await r.call("leads_aggregate", {"aggregate": [{"function": "count"}], "groupBy": ["sourceId"]})
    return sorted((g["sourceId"], g.get("sourceName"), g["count"]) for g in out["groups"])


# 8. Open tasks past their deadline, with who is responsible.
OVERDUE = {"filter": {"deadline": {"$lt": TODAY}, "status": OPEN_TASKS}, "limit": 20}


async def overdue_plain(r: Run) -> Any:
    tasks = (await r.call("tasks_search", OVERDUE))["items"]
    users = await get_names(r, "users_get", [t.get("responsibleId") for t in tasks], full_name)
    return [(t["id"], users.get(t.get("responsibleId"))) for t in tasks]


async def overdue_now(r: Run) -> Any:
    return [(t["id"], t.get("responsible")) for t in (await r.call("tasks_search", OVERDUE))["items"]]


# 9. A company found by name, and its deals with their stages.
async def company_deals_plain(r: Run) -> Any:
    found = (await r.call("companies_search", {"filter": {"title": {"$contains": "Горизонт"}}, "limit": 3}))["items"]
    deals = (await r.call("deals_search", {"filter": {"companyId": found[0]["id"]}, "limit": 20}))["items"]
    names = await stage_names(r)
    return found[0]["title"], [(d["id"], names[d["stageId"]]) for d in deals]


async def company_deals_now(r: Run) -> Any:
    found = (await r.call("companies_search", {"filter": {"title": {"$contains": "Горизонт"}}, "limit": 3}))["items"]
    deals = (await r.call("deals_search", {"filter": {"companyId": found[0]["id"]}, "limit": 20}))["items"]
    return found[0]["title"], [(d["id"], d["stage"]) for d in deals]


# 10. Morning briefing: the five newest leads and the deals in work, each with who is responsible.
NEWEST_LEADS = {"sort": {"id": "desc"}, "limit": 5}
IN_WORK = {"filter": {"stageId": "EXECUTING"}, "select": ["title", "amount", "currency", "assignedById"], "limit": 50}


async def briefing_plain(r: Run) -> Any:
    leads = (await r.call("leads_search", NEWEST_LEADS))["items"]
    deals = await search_all(r, "deals_search", IN_WORK)
    owners = sorted({x["assignedById"] for x in leads + deals if x.get("assignedById") is not None})
    users = await r.call("users_search", {"filter": {"id": {"$in": owners}}, "limit": len(owners)})
    names = {u["id"]: full_name(u) for u in users["items"]}
    return [(x["id"], names.get(x.get("assignedById"))) for x in leads], [
        (x["id"], names.get(x.get("assignedById"))) for x in deals
    ]


async def briefing_now(r: Run) -> Any:
    leads = (await r.call("leads_search", NEWEST_LEADS))["items"]
    deals = await search_all(r, "deals_search", IN_WORK)
    return [(x["id"], x.get("assignedBy")) for x in leads], [(x["id"], x.get("assignedBy")) for x in deals]


TASKS: list[Task] = [
    Task("pipeline overview by stage and currency", overview_now, 1, overview_plain),
    Task("top 5 open deals with company names", top_deals_now, 1, top_deals_plain),
    Task("deal 247: owner and their open tasks", owner_tasks_now, 2, owner_tasks_plain),
    Task("contacts by last name, with companies", contacts_now, 1, contacts_plain),
    Task("paged export of won deals", export, 4, export),
    Task("move a deal to another stage", move_deal, 1, move_deal),
    Task("lead sources with counts", sources_now, 1, sources_plain),
    Task("overdue tasks with who is responsible", overdue_now, 1, overdue_plain),
    Task("a company and its deals with stages", company_deals_now, 2, company_deals_plain),
    Task("morning briefing: new leads, deals in work", briefing_now, 2, briefing_plain),
]
