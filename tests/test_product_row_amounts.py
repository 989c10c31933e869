"""Product rows and their owner's amount on the demo portal: every change of the rows sets the amount to
their sum (price with tax, times quantity), the edit tool says the new amount, and a deleted owner's
rows (a deleted task's comments and time records) go with it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from portal_rig import consenting, rig

from server.emulator import Portal
from server.records import format_amount

pytestmark = pytest.mark.anyio

# tool prefix, extra arguments, owner table, amount field, currency field
OWNERS = [
    ("deals", {}, "deals", "amount", "currency"),
    ("leads", {}, "leads", "amount", "currency"),
    ("quotes", {}, "quotes", "amount", "currency"),
    ("invoices", {}, "invoices", "opportunity", "currencyId"),
    ("items", {"entityTypeId": 1032}, "items/1032", "opportunity", "currencyId"),
]
KINDS = ("D", "L", "Q", "SI", "T408")  # Bitrix's owner type of each one's rows (items of type 1032: T + hex)


def expected_sum(rows: list[Mapping[str, Any]]) -> float:
    total = 0.0
    for row in rows:
        rate = float(row.get("taxRate") or 0)
        price = float(row["price"]) * (1 if row.get("taxIncluded") else 1 + rate / 100)
        total += price * float(row["quantity"])
    return round(total, 2)


@pytest.mark.parametrize(("prefix", "extra", "table", "amount", "currency"), OWNERS)
async def test_every_row_change_recalculates_the_owner_amount(
    prefix: str, extra: dict[str, Any], table: str, amount: str, currency: str
) -> None:
    r = rig(Portal(seed=42, scale=0.2))
    owner = r.portal.store.table(table).peek(2)
    assert owner is not None
    call = r.dispatcher.call
    ctx = consenting()
    edit = f"{prefix}_products_edit"
    steps: list[dict[str, Any]] = [
        {
            "edit": "set",
            "rows": [
                {"productId": 1, "price": 1000, "quantity": 2},
                {"productId": 3, "price": 500, "quantity": 3, "taxRate": 20},
            ],
        },  # fmt: skip
        {"edit": "add", "row": {"productId": 5, "price": 250, "quantity": 4, "taxRate": 10, "taxIncluded": True}},
    ]
    for step in steps:
        out = await call(edit, {**extra, "id": 2, **step}, ctx)
        rows = (await call(f"{prefix}_products", {**extra, "id": 2})).structured["rows"]
        stored = r.portal.store.table(table).peek(2)
        assert stored is not None and stored[amount] == expected_sum(rows), step
        said = f"is now {format_amount(expected_sum(rows))} {stored[currency]}."
        assert said in out.structured["summary"], out.structured["summary"]
    first = rows[0]["id"]
    await call(edit, {**extra, "id": 2, "edit": "update", "row_id": first, "row": {"quantity": 10}}, ctx)
    rows = (await call(f"{prefix}_products", {**extra, "id": 2})).structured["rows"]
    assert r.portal.store.table(table).peek(2)[amount] == expected_sum(rows) == 1000 * 10 + 500 * 1.2 * 3 + 1000
    for row in rows:
        out = await call(edit, {**extra, "id": 2, "edit": "delete", "row_id": row["id"]}, ctx)
    assert r.portal.store.table(table).peek(2)[amount] == 0 and "is now 0 " in out.structured["summary"]


@pytest.mark.parametrize(("prefix", "extra", "kind"), [(o[0], o[1], k) for o, k in zip(OWNERS, KINDS, strict=True)])
async def test_a_deleted_owner_takes_its_rows_with_it(prefix: str, extra: dict[str, Any], kind: str) -> None:
    r = rig(Portal(seed=42, scale=0.2))
    ctx = consenting()
    await r.dispatcher.call(f"{prefix}_products_edit", {**extra, "id": 3, "edit": "add", "row": {"productId": 1}}, ctx)
    rows = r.portal.store.table("product-rows")
    owned = [x for x in rows.scan() if (x["ownerType"], x["ownerId"]) == (kind, 3)]
    before = len(rows)
    await r.dispatcher.call(f"{prefix}_delete", {**extra, "id": 3}, ctx)
    assert owned and not [x for x in rows.scan() if (x["ownerType"], x["ownerId"]) == (kind, 3)]
    assert len(rows) == before - len(owned)  # every other owner's rows stay


async def test_a_deleted_task_takes_its_comments_and_time_records_with_it() -> None:
    r = rig(Portal(seed=42, scale=0.2))
    ctx = consenting()
    created = await r.dispatcher.call("tasks_create", {"fields": {"title": "Short-lived", "responsibleId": 1}})
    task_id = created.structured["item"]["id"]
    await r.dispatcher.call("task_comments_create", {"taskId": task_id, "fields": {"message": "first"}})
    await r.dispatcher.call("task_time_create", {"taskId": task_id, "fields": {"seconds": 600}})
    comments, time = r.portal.store.table("task-comments"), r.portal.store.table("task-time")
    before = (len(comments), len(time))
    await r.dispatcher.call("tasks_delete", {"id": task_id}, ctx)
    assert not [c for c in comments.scan() if c["taskId"] == task_id]
    assert not [t for t in time.scan() if t["taskId"] == task_id]
    assert (len(comments), len(time)) == (before[0] - 1, before[1] - 1)
