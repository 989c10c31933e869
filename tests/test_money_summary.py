"""A page's money summary splits amounts by their real currency even when the caller's select leaves the
currency out: the currency goes upstream with the amount and stays out of the records shown."""

from __future__ import annotations

import pytest
from portal_rig import rig

from server.emulator import Portal
from server.records import format_amount

pytestmark = pytest.mark.anyio

# tool, extra arguments, the money field and its currency field
MONEY = [
    ("deals_search", {}, "amount", "currency"),
    ("leads_search", {}, "amount", "currency"),
    ("companies_search", {}, "revenue", "currencyId"),
    ("quotes_search", {}, "amount", "currency"),
    ("invoices_search", {}, "opportunity", "currencyId"),
    ("items_search", {"entityTypeId": 1032}, "opportunity", "currencyId"),
]


@pytest.mark.parametrize(("tool", "extra", "amount", "currency"), MONEY)
async def test_money_summary_without_selected_currency(
    tool: str, extra: dict[str, object], amount: str, currency: str
) -> None:
    r = rig(Portal(seed=42, scale=0.2))
    out = await r.dispatcher.call(tool, {**extra, "select": ["title", amount], "limit": 20})
    items = out.structured["items"]
    assert items and all(set(item) <= {"id", "title", amount} for item in items)
    assert any(amount in item for item in items)
    # The portal's own records say what each currency's total is.
    full = await r.dispatcher.call(tool, {**extra, "select": [amount, currency], "limit": 20})
    totals: dict[str, float] = {}
    for rec in full.structured["items"]:
        if rec.get(amount) is not None:
            code = str(rec.get(currency) or "no currency")
            totals[code] = totals.get(code, 0.0) + float(rec[amount])
    assert "no currency" not in totals
    expected = "; ".join(f"{format_amount(v)} {c}" for c, v in sorted(totals.items(), key=lambda kv: -kv[1]))
    assert f"{amount} on this page by currency: {expected}." in out.structured["summary"]
    assert "no currency" not in out.text
    assert out.text.splitlines()[0] == out.structured["summary"]


async def test_smart_process_item_sums_are_per_currency_like_every_money_entity() -> None:
    r = rig(Portal(seed=42, scale=0.2))
    fields = {"title": "Dollar contract", "opportunity": 5000, "currencyId": "USD"}
    await r.dispatcher.call("items_create", {"entityTypeId": 1032, "fields": fields})
    out = await r.dispatcher.call(
        "items_aggregate", {"entityTypeId": 1032, "aggregate": [{"field": "opportunity", "function": "sum"}]}
    )
    totals: dict[str, float] = {}
    for item in r.portal.store.table("items/1032").scan():
        code = str(item["currencyId"])
        totals[code] = totals.get(code, 0.0) + float(item.get("opportunity") or 0)  # type: ignore[arg-type]
    rows = {row["currency"]: row["opportunity"]["sum"] for row in out.structured["totals"]}
    assert set(rows) == {"RUB", "USD"} and rows == pytest.approx(totals)
