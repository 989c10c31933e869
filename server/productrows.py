"""`{entity}_products` and `{entity}_products_edit`: the product rows of a deal, lead, quote, invoice or
smart process item (`/v1/{entity}/{id}/products`, `/v1/items/{entityTypeId}/{id}/products`).

Reading is one tool (every row, or one by `row_id`). Writing is one tool whose `edit` picks the
documented call: add one row (POST), update or delete the row `row_id` (PATCH, DELETE), or set —
replace every row (PUT). Every write is planned from the rows as they are now, answered with the plan
on `dry_run`, confirmed by a human where the write policy says so (a delete always; a set that
removes rows too, since it replaces them all), re-planned after the answer, and audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from server import guard
from server.context import CallContext
from server.errors import InvalidArguments, NotFound, VibeCodeError
from server.operations import Operations, Output, mapping
from server.reads import singular
from server.records import format_amount, money_fields
from server.registry import Target, handles
from server.results import render_table
from server.writeplan import Plan, PlanItem, changes, fingerprint

CONCISE = ("id", "productId", "productName", "price", "quantity", "discount", "taxRate", "taxIncluded", "measureName")
ROW_FIELDS = ("productId", "productName", "price", "quantity", "discount", "discountRate", "taxRate", "taxIncluded",
              "measureCode", "measureName", "sort")  # fmt: skip
NEEDS = {"add": "row", "update": "row", "delete": "row_id", "set": "rows"}


def _owner(target: Target, record_id: Any) -> str:
    return f"{singular(target.ent.title).lower()} #{record_id}"


def _rows(data: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in data if isinstance(r, Mapping)] if isinstance(data, list) else []


def _total(rows: Sequence[Mapping[str, Any]]) -> float:
    total = 0.0
    for row in rows:
        price, quantity = row.get("price"), row.get("quantity")
        if isinstance(price, int | float) and isinstance(quantity, int | float):
            total += float(price) * float(quantity)
    return total


def _shape(rows: Sequence[Mapping[str, Any]], fmt: str) -> list[dict[str, Any]]:
    if fmt == "detailed":
        return [dict(r) for r in rows]
    return [{k: r.get(k) for k in CONCISE if k in r} for r in rows]


def _answer(owner: str, rows: list[dict[str, Any]], summary: str) -> Output:
    structured = {"owner": owner, "rows": rows, "summary": summary}
    return Output(structured, "\n".join([summary, *render_table(rows)]))


def _describe(owner: str, rows: Sequence[Mapping[str, Any]]) -> str:
    text = f"{owner[0].upper()}{owner[1:]}: {len(rows)} product row(s)"
    return text + (f", Σ price × quantity = {_total(rows):,.2f}." if rows else ".")


@handles("product_rows")
async def product_rows(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Every row of one record, or the row `row_id`."""
    record_id, row_id = args["id"], args.get("row_id")
    fmt = str(args.get("response_format", "concise"))
    owner = _owner(target, record_id)
    if row_id is not None:
        resp = await ops.client.request("GET", f"{target.base}/{record_id}/products/{row_id}")
        return _answer(owner, _shape(_rows([resp.data]), fmt), f"Product row #{row_id} of {owner}.")
    rows = _rows((await ops.request(target, id=record_id)).data)
    summary = _describe(owner, rows)
    if rows:
        summary += " id is the row id (row_id of the edit tool); productId the catalog product."
    return _answer(owner, _shape(rows, fmt), summary)


def _label(row: Mapping[str, Any]) -> str:
    name = row.get("productName") or (f"product #{row['productId']}" if row.get("productId") else "row")
    quantity = row.get("quantity")
    return f"{name} × {quantity:g}" if isinstance(quantity, int | float) else str(name)


def _created(row: Mapping[str, Any]) -> PlanItem:
    return PlanItem(None, "add " + _label(row), {k: {"from": None, "to": v} for k, v in row.items()})


async def _plan(ops: Operations, target: Target, args: Mapping[str, Any]) -> Plan:
    """What the edit would do to the record's rows as they are now (one GET of the rows)."""
    edit, record_id, row_id = args["edit"], args["id"], args.get("row_id")
    owner = _owner(target, record_id)
    current = _rows((await ops.client.request("GET", f"{target.base}/{record_id}/products")).data)
    by_id = {str(r.get("id")): r for r in current}
    items: list[PlanItem] = []
    missing: list[Any] = []
    unchanged: list[Any] = []
    action = {"add": "create", "update": "update", "delete": "delete"}.get(edit, "create")
    if edit == "add":
        items.append(_created(mapping(args.get("row"))))
    elif edit in ("update", "delete"):
        found = by_id.get(str(row_id))
        diff = changes(found, mapping(args.get("row"))) if found is not None and edit == "update" else {}
        if found is None:
            missing.append(row_id)
        elif edit == "update" and not diff:
            unchanged.append(row_id)
        else:
            items.append(PlanItem(row_id, _label(found), diff, fingerprint(found, ROW_FIELDS)))
    else:  # set: every current row goes, every given row comes; destructive when rows go
        items.extend(
            PlanItem(old.get("id"), "remove " + _label(old), {}, fingerprint(old, ROW_FIELDS)) for old in current
        )
        items.extend(_created(mapping(new)) for new in args.get("rows") or [])
        action = "set" if current else "create"
    units = target.spec.units(1) if items or edit == "set" else 0
    return Plan(target.tool, f"product rows of {owner}", action, items, missing, unchanged, units, ops.rate_limit)


def _check(target: Target, args: Mapping[str, Any]) -> None:
    """The arguments the edit needs, and none it does not take."""
    edit, tool = args["edit"], target.tool
    need = NEEDS[edit]
    if args.get(need) is None:
        example = {"row": 'row={"productId": 3, "quantity": 2}', "row_id": "row_id=<id from the rows list>",
                   "rows": 'rows=[{"productId": 3, "price": 46000, "quantity": 2}]'}[need]  # fmt: skip
        raise InvalidArguments(f'edit="{edit}" needs {need}.', hint=f'Call {tool} with edit="{edit}", {example}.')
    if edit == "update" and args.get("row_id") is None:
        raise InvalidArguments(
            'edit="update" needs row_id and row.', hint=f"Row ids come from {target.ent.tool_prefix}_products."
        )
    extra = [
        a
        for a in ("row", "row_id", "rows")
        if args.get(a) is not None and a != need and not (edit == "update" and a == "row_id")
    ]
    if extra:
        raise InvalidArguments(f'edit="{edit}" takes no {", ".join(extra)}.', hint=f'edit="{edit}" takes {need}.')
    if edit == "add" and "productId" not in mapping(args.get("row")):
        raise InvalidArguments(
            "A new row needs row.productId (the catalog product).", hint="Find it with products_search."
        )


@handles("product_rows_edit")
async def product_rows_edit(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Add, update, delete one row, or replace them all (or the plan, dry)."""
    _check(target, args)
    edit, record_id, row_id = args["edit"], args["id"], args.get("row_id")
    owner = _owner(target, record_id)
    plan = await _plan(ops, target, args)
    if args.get("dry_run"):
        return guard.dry_run_output(ctx, plan)
    if plan.missing:
        raise NotFound(
            f"Row #{row_id} is not a product row of {owner}; nothing was written.",
            status=404,
            code="ENTITY_NOT_FOUND",
            hint=f"Row ids are the id of each row in {target.ent.tool_prefix}_products (not productId).",
        )
    if not plan.items and edit != "set":
        guard.audit(ctx, plan, "skipped", approval="not_required")
        return _answer(owner, [], f"Nothing written: row #{row_id} of {owner} already has these values.")
    plan, approval = await guard.approved_plan(
        ops, target, ctx, plan, bulk=False, replan=lambda: _plan(ops, target, args)
    )
    plan, changed = guard.apply_expect(args.get("expect"), plan)
    if changed:
        guard.audit(ctx, plan, "skipped", approval=approval, skipped=changed)
        return _answer(
            owner, [], f"Nothing written: rows {', '.join(changed)} changed since the dry run (read them again)."
        )
    base = f"{target.base}/{record_id}/products"
    calls: dict[str, tuple[str, str, Any]] = {
        "add": ("POST", base, args.get("row")),
        "update": ("PATCH", f"{base}/{row_id}", args.get("row")),
        "delete": ("DELETE", f"{base}/{row_id}", None),
        "set": ("PUT", base, {"items": args.get("rows")}),
    }
    method, path, body = calls[edit]
    resp = await guard.sent(ctx, plan, approval, ops.client.request(method, path, json_body=body))
    request_id = resp.headers.get("x-request-id")
    new_id = mapping(resp.data).get("id") if edit == "add" else row_id
    guard.audit(ctx, plan, "done", approval=approval, request_id=request_id, ids=[new_id] if new_id else None)
    rows = _rows(resp.data) if edit == "set" else _rows((await ops.client.request("GET", base)).data)
    removed = len(plan.items) - len(args.get("rows") or [])
    done = {"add": f"Added row #{new_id}", "update": f"Updated row #{row_id}", "delete": f"Deleted row #{row_id}",
            "set": f"Replaced the product rows ({removed} removed)"}[edit]  # fmt: skip
    amount = await _owner_amount(ops, target, record_id)
    return _answer(owner, _shape(rows, "concise"), f"{done}. Now: {_describe(owner, rows)}{amount}")


async def _owner_amount(ops: Operations, target: Target, record_id: Any) -> str:
    """The record's amount as the portal holds it after the edit (Bitrix recalculates it from the rows
    unless it was set by hand), or "" when it cannot be read: the write itself is done either way."""
    money = money_fields(target.ent)
    if not money:
        return ""
    try:
        resp = await ops.client.request("GET", f"{target.base}/{record_id}", read=True)
    except VibeCodeError:
        return ""
    data = resp.data[0] if isinstance(resp.data, list) and resp.data else resp.data
    record = mapping(data)
    field, currency = next(iter(money.items()))
    value = record.get(field)
    try:
        number = float(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        return ""
    where = singular(target.ent.title).lower()
    return f" The {where}'s {field} is now {format_amount(number)} {record.get(currency) or ''}".rstrip() + "."
