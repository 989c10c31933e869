"""One realistic scenario per entity family beyond the core CRM, each within its own call limit.

These tools had no plain-tools equivalent, so there is no baseline: each script's answer is
checked against the portal itself with requests straight to its REST API (not counted).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from bench.scenario_kit import TOMORROW, Run, ScenarioError, Task


def expect(ok: bool, what: str) -> None:
    if not ok:
        raise ScenarioError(what)


async def raw_all(r: Run, path: str, flt: dict[str, Any]) -> list[dict[str, Any]]:
    """Every record a raw search matches, by offset (the portal's own paging)."""
    out: list[dict[str, Any]] = []
    while True:
        page = await r.raw("POST", path, {"filter": flt, "limit": 50, "offset": len(out)})
        items = page if isinstance(page, list) else (page or {}).get("items") or []
        out.extend(items)
        if len(items) < 50:
            return out


# Calendar: "put a meeting in user 1's calendar tomorrow 10:00–11:00" (Moscow time).
MEETING = {
    "type": "user",
    "ownerId": 1,
    "name": "Встреча с «Альфа-Трейд»: условия поставки",
    "from": f"{TOMORROW}T10:00:00+03:00",
    "to": f"{TOMORROW}T11:00:00+03:00",
}


async def book_meeting(r: Run) -> Any:
    item = (await r.call("calendar_events_create", {"fields": MEETING}))["item"]
    return item["id"], item["from"], item["to"]


async def booked(r: Run, answer: Any) -> None:
    event = await r.raw("GET", f"/v1/calendar-events/{answer[0]}")
    expect(event["ownerId"] == 1 and event["name"] == MEETING["name"], f"the event read back differs: {event}")
    expect(answer[1:] == (f"{TOMORROW}T07:00:00Z", f"{TOMORROW}T08:00:00Z"), f"not 10:00–11:00 Moscow: {answer}")


# Drive: "which files are in the root folder of the company drive" (and its subfolders).
async def drive_root(r: Run) -> Any:
    storage = (await r.call("storages_list", {"filter": {"entityType": "common"}}))["items"][0]
    root = storage["rootObjectId"]
    folders = (await r.call("folders_list", {"filter": {"parentId": root}}))["items"]
    files = (await r.call("files_list", {"filter": {"folderId": root}}))["items"]
    return root, sorted(f["name"] for f in folders), sorted(f["name"] for f in files)


async def drive_listed(r: Run, answer: Any) -> None:
    root, folders, files = answer
    want_folders = sorted(f["name"] for f in await raw_all(r, "/v1/folders/search", {"parentId": root}))
    want_files = sorted(f["name"] for f in await raw_all(r, "/v1/files/search", {"folderId": root}))
    expect((folders, files) == (want_folders, want_files) and files, f"the root holds {want_folders} {want_files}")


# Smart processes: "list the smart processes and count the items of the first one by stage".
async def smart_funnel(r: Run) -> Any:
    first = (await r.call("smart_processes_search", {}))["items"][0]
    counted = await r.call("items_aggregate", {"entityTypeId": first["entityTypeId"], "groupBy": ["stageId"]})
    return first["entityTypeId"], sorted((g["stageId"], g["count"]) for g in counted["groups"])


async def funnel_counted(r: Run, answer: Any) -> None:
    type_id, counts = answer
    items = await raw_all(r, f"/v1/items/{type_id}/search", {})
    want = sorted(Counter(i["stageId"] for i in items).items())
    expect(counts == want and sum(n for _, n in counts) > 0, f"the items count {want}")


# Activities: "log a call on deal 12: agreed the delivery dates".
CALL = {
    "typeId": 1,
    "ownerTypeId": 2,
    "ownerId": 12,
    "subject": "Звонок: согласовали сроки поставки",
    "completed": True,
    "direction": 2,
}


async def log_call(r: Run) -> Any:
    item = (await r.call("activities_create", {"fields": CALL}))["item"]
    return item["id"], item["ownerTypeId"], item["ownerId"]


async def call_logged(r: Run, answer: Any) -> None:
    found = await r.raw("GET", f"/v1/activities/{answer[0]}")
    expect((found["ownerTypeId"], found["ownerId"], found["subject"]) == (2, 12, CALL["subject"]), f"{found}")


# Quotes: "deal 4 — what did we quote, and how does it compare with the deal's amount?"
async def deal_quote(r: Run) -> Any:
    deal = (await r.call("deals_get", {"id": 4, "include": ["quote"]}))["item"]
    quote = deal["_included"]["quote"]
    return deal["amount"], quote["id"], quote["amount"]


async def quote_matches(r: Run, answer: Any) -> None:
    quotes = await raw_all(r, "/v1/quotes/search", {"dealId": 4})
    latest = max(quotes, key=lambda q: q["id"])
    expect(answer[1:] == (latest["id"], latest["amount"]), f"deal 4's latest quote is {latest}")


# Invoices: "how much is invoiced and paid, per stage and currency?"
async def invoice_totals(r: Run) -> Any:
    args = {"aggregate": [{"function": "sum", "field": "opportunity"}], "groupBy": ["stageId"]}
    out = await r.call("invoices_aggregate", args)
    return sorted((g["stageId"], g["currency"], g["count"], g["opportunity"]["sum"]) for g in out["groups"])


async def invoices_counted(r: Run, answer: Any) -> None:
    count: Counter[tuple[str, str]] = Counter()
    money: Counter[tuple[str, str]] = Counter()
    for i in await raw_all(r, "/v1/invoices/search", {}):
        count[i["stageId"], i["currencyId"]] += 1
        money[i["stageId"], i["currencyId"]] += i.get("opportunity") or 0
    want = sorted((s, c, n, money[s, c]) for (s, c), n in count.items())
    expect(answer == want and want, f"the invoices add up to {want}")


# Product rows: "add 2 units of the 1C connector to deal 12".
async def add_product(r: Run) -> Any:
    found = await r.call("products_search", {"filter": {"name": {"$contains": "Коннектор 1С"}}, "limit": 3})
    product = found["items"][0]["id"]
    await r.call("deals_products_edit", {"id": 12, "edit": "add", "row": {"productId": product, "quantity": 2}})
    return product


async def product_added(r: Run, answer: Any) -> None:
    rows = await r.raw("GET", "/v1/deals/12/products")
    expect(any(w["productId"] == answer and w["quantity"] == 2 for w in rows), f"deal 12's rows: {rows}")


# Typed smart-process tools: "how many contracts are in each stage?"
async def contracts_by_stage(r: Run) -> Any:
    out = await r.call("sp_contracts_aggregate", {"groupBy": ["stageId"]})
    return sorted((g["stageId"], g["stageName"], g["count"]) for g in out["groups"])


async def contracts_counted(r: Run, answer: Any) -> None:
    items = await raw_all(r, "/v1/items/1032/search", {})
    want = sorted(Counter(i["stageId"] for i in items).items())
    expect([(s, n) for s, _, n in answer] == want and all(name for _, name, _ in answer), f"contracts: {want}")


# Requisites: "the INN and bank accounts of АльфаПроект" (its requisite's id is not the company's,
# and it has two accounts, so neither a guessed id nor a first record passes the check).
COMPANY = "АльфаПроект"


async def company_bank(r: Run) -> Any:
    args = {"filter": {"title": {"$contains": COMPANY}}, "include": ["requisite"], "limit": 3}
    found = (await r.call("companies_search", args))["items"]
    expect(len(found) == 1, f"{len(found)} companies match {COMPANY}")
    requisites = found[0]["_included"]["requisites"]
    banks = await r.call("bank_details_search", {"filter": {"entityId": [q["id"] for q in requisites]}})
    accounts = sorted((b["rqBankName"], b["rqBik"], b["rqAccNum"]) for b in banks["items"])
    return found[0]["id"], sorted({q["rqInn"] for q in requisites}), accounts


async def bank_matches(r: Run, answer: Any) -> None:
    company, inns, accounts = answer
    requisites = await raw_all(r, "/v1/requisites/search", {"entityTypeId": 4, "entityId": company})
    banks = await raw_all(r, "/v1/bank-details/search", {"entityTypeId": 8, "entityId": [q["id"] for q in requisites]})
    want = sorted((b["rqBankName"], b["rqBik"], b["rqAccNum"]) for b in banks)
    expect(inns == sorted({q["rqInn"] for q in requisites}) and all(inns), f"company {company}: {requisites}")
    expect(accounts == want and len(want) == 2, f"company {company}'s accounts: {want}")


# Tasks: "log 1.5 hours on task 124 and leave a comment saying what was done", then read both back
# (the task has time logged before: the total read back is both records').
TASK = 124
WORK = "Сверил счёт с бухгалтерией клиента, исправил реквизиты плательщика"


async def log_work(r: Run) -> Any:
    spent = await r.call("task_time_create", {"taskId": TASK, "fields": {"seconds": 5400, "commentText": WORK}})
    said = await r.call("task_comments_create", {"taskId": TASK, "fields": {"message": f"Сделано: {WORK}"}})
    times = (await r.call("task_time_list", {"taskId": TASK, "select": ["id", "seconds"]}))["items"]
    # All of a task's comments with two fields cost fewer tokens than the newest one alone: a page of
    # one carries a cursor to the rest (about 90 cl100k, in the structure and the text alike).
    comments = (await r.call("task_comments_list", {"taskId": TASK, "select": ["id", "message"]}))["items"]
    logged = [t["id"] for t in times]
    latest = max(comments, key=lambda c: c["id"])
    return spent["item"]["id"], said["item"]["id"], sum(t["seconds"] for t in times), logged, latest


async def work_logged(r: Run, answer: Any) -> None:
    time_id, comment_id, total, logged, latest = answer
    times = await r.raw("GET", f"/v1/tasks/{TASK}/time")
    mine = next(t for t in times if t["id"] == time_id)
    expect(mine["seconds"] == 5400 and mine["commentText"] == WORK, f"the time record read back: {mine}")
    want = (sum(t["seconds"] for t in times), [t["id"] for t in times])
    expect((total, logged) == want and len(logged) > 1, f"times: {times}")
    comments = await r.raw("GET", f"/v1/tasks/{TASK}/comments")
    newest = max(comments, key=lambda c: c["id"])
    expect(newest["id"] == comment_id == latest["id"] and latest["message"] == f"Сделано: {WORK}", f"{newest}")


# User fields: "add a 'Source channel' list field to deals and set it to «Выставка» on deal 12": the
# deal tools take the new field on the very next call, and the create's answer names the list ids.
CHANNEL = {
    "fieldName": "SOURCE_CHANNEL",
    "userTypeId": "enumeration",
    "label": "Канал привлечения",
    "list": [{"VALUE": "Сайт", "SORT": 10}, {"VALUE": "Выставка", "SORT": 20}, {"VALUE": "Партнёр", "SORT": 30}],
}


async def add_channel(r: Run) -> Any:
    field = (await r.call("userfields_create", {"entity": "deals", "fields": CHANNEL}))["item"]
    fair = next(ident for ident, label in field["list"].items() if label == "Выставка")
    await r.call("deals_update", {"id": 12, "fields": {field["fieldName"]: fair}})
    return field["id"], field["fieldName"], fair


async def channel_set(r: Run, answer: Any) -> None:
    field_id, name, fair = answer
    field = await r.raw("GET", f"/v1/userfields/deals/{field_id}")
    values = {v["VALUE"]: str(v["ID"]) for v in field["list"]}
    expect(field["fieldName"] == name == "UF_CRM_SOURCE_CHANNEL" and values["Выставка"] == fair, f"{field}")
    deal = await r.raw("GET", "/v1/deals/12")
    expect(str(deal.get(name)) == fair, f"deal 12 has {name} = {deal.get(name)!r}, not {fair}")


# Chats: "tell deal 12's chat the invoice is out": find the chat bound to the deal, post to it.
NOTICE = "Счёт выставлен, ждём оплату до пятницы"


async def post_to_deal_chat(r: Run) -> Any:
    chat = (await r.call("chats_find", {"record": "DEAL|12"}))["item"]
    sent = await r.call("chats_send", {"dialogId": chat["dialogId"], "message": NOTICE})
    return chat["dialogId"], sent["item"]["id"]


async def posted(r: Run, answer: Any) -> None:
    dialog, message_id = answer
    chat = (await r.client.request("GET", "/v1/chats/find", params={"entityType": "CRM", "entityId": "DEAL|12"})).data
    expect(f"chat{chat['id']}" == dialog, f"deal 12's chat is {chat}, not {dialog}")
    messages = (await r.client.request("GET", f"/v1/chats/{dialog}/messages", params={"limit": 5})).data
    newest = max(messages["messages"], key=lambda m: m["id"])
    expect(newest["id"] == message_id and newest["text"] == NOTICE, f"the newest message read back: {newest}")


# Foreign requisites: "record the Ukrainian partner's EDRPOU on company 5, then find it by that code":
# the foreign preset holds RQ_EDRPOU, written and filtered only under its UPPER_SNAKE name.
EDRPOU = "32855961"


async def foreign_requisite(r: Run) -> Any:
    presets = (await r.call("requisite_presets_list", {}))["items"]
    foreign = next(p["id"] for p in presets if p["countryId"] == 0)
    fields = {"entityTypeId": 4, "entityId": 5, "presetId": foreign, "name": "ТОВ «Дніпро Трейд»"}
    made = (await r.call("requisites_create", {"fields": {**fields, "RQ_EDRPOU": EDRPOU}}))["item"]
    found = await r.call("requisites_search", {"filter": {"RQ_EDRPOU": EDRPOU}, "select": ["id", "entityId"]})
    return made["id"], [(i["id"], i["entityId"]) for i in found["items"]]


async def foreign_found(r: Run, answer: Any) -> None:
    made, found = answer
    stored = await r.raw("GET", f"/v1/requisites/{made}")
    expect(stored.get("RQ_EDRPOU") == EDRPOU and stored["entityId"] == 5, f"the requisite read back: {stored}")
    expect(found == [(made, 5)], f"the search by RQ_EDRPOU found {found}")


FAMILIES: list[Task] = [
    Task("calendar: book a meeting tomorrow 10–11", book_meeting, 1, check=booked),
    Task("drive: folders and files in the company root", drive_root, 3, check=drive_listed),
    Task("smart process: count items by stage", smart_funnel, 2, check=funnel_counted),
    Task("smart process, typed tools: contracts by stage", contracts_by_stage, 1, check=contracts_counted),
    Task("activities: log a call on a deal", log_call, 1, check=call_logged),
    Task("quotes: a deal's latest quote against its amount", deal_quote, 1, check=quote_matches),
    Task("invoices: invoiced and paid per stage and currency", invoice_totals, 1, check=invoices_counted),
    Task("product rows: add 2 units of a product to a deal", add_product, 2, check=product_added),
    Task("requisites: a company's INN and bank accounts", company_bank, 2, check=bank_matches),
    Task("task time and comment: log 1.5 h, then read back", log_work, 4, check=work_logged),
    Task("user fields: add a list field, set it on a deal", add_channel, 2, check=channel_set),
    Task("chats: post to a deal's chat", post_to_deal_chat, 2, check=posted),
    Task("requisites: a foreign partner's EDRPOU, found by it", foreign_requisite, 3, check=foreign_found),
]


# What an assistant was promised for these three: each within three calls on a fresh server that has
# the default tools and the family's toolset (what an operator enables for it), nothing known beforehand.
PROMISED_CALLS = 3
PROMISES: list[Task] = [
    Task("book a meeting", book_meeting, PROMISED_CALLS, check=booked, toolsets=("default", "calendar")),
    Task("list a drive folder", drive_root, PROMISED_CALLS, check=drive_listed, toolsets=("default", "drive")),
    Task(
        "count smart-process items by stage",
        smart_funnel,
        PROMISED_CALLS,
        check=funnel_counted,
        toolsets=("default", "smart"),
    ),
]
