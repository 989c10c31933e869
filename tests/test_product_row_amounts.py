"""Product rows and their owner's amount on the demo portal: every change of the rows sets the amount to
their sum (price with tax, times quantity), and the edit tool says the new amount."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from portal_rig import rig

from server.context import CallContext
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


async def accept(question: str, digest: str) -> str:
    return "accept"


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
    ctx = CallContext(confirm=accept)
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
