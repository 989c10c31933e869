"""Demo data for quotes and smart invoices, drawn from the seeded deals, and their status lists.

A deal past its first stage usually has a quote (approved when the deal was won, declined when it
was lost); won deals and deals waiting for a prepayment or final invoice have invoices, paid or not
yet; service contracts are billed in the subscription pipeline.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from .families_c import INVOICE_PIPELINES, QUOTE_STATUSES, invoice_stage, invoice_status_list
from .families_smart import status_record
from .rows import TABLE, blank, priced
from .schema import STAGE_SEMANTICS
from .seed import DAY, Record, _pick, iso, iso_date, parse_iso

QUOTE_COMMENTS = (
    "Цены действительны 30 дней",
    "Включена скидка за годовую подписку",
    "Внедрение и обучение — отдельным этапом",
    "Согласовано с финансовым директором клиента",
)
_OPEN_QUOTE = ("DRAFT", "SENT", "SENT", "RECEIVED")
_PAID = "P"


def records(seed: int, data: Mapping[str, Sequence[Record]], now: float) -> dict[str, list[Record]]:
    """Quotes, invoices, and the QUOTE_STATUS and SMART_INVOICE_STAGE_* statuses added to `data["statuses"]`."""
    rng = random.Random(f"{seed}:quotes")
    deals = list(data["deals"])
    companies = {int(str(c["id"])): c for c in data["companies"]}
    return {
        "statuses": [*data["statuses"], *_statuses(len(data["statuses"]))],
        "quotes": _quotes(rng, deals, now),
        "invoices": _invoices(random.Random(f"{seed}:invoices"), deals, companies, now),
    }


def _statuses(first_id: int) -> list[Record]:
    lists: list[tuple[str, int | None, list[tuple[str, str, str]]]] = [("QUOTE_STATUS", None, list(QUOTE_STATUSES))]
    for cat, _, stages in INVOICE_PIPELINES:
        lists.append((invoice_status_list(cat), cat, [(invoice_stage(cat, c), n, s) for c, n, s in stages]))
    flat = [(list_id, cat, n, v) for list_id, cat, values in lists for n, v in enumerate(values, start=1)]
    return [
        status_record(first_id + i, list_id, status_id, name, n, sem, cat, system="Y")
        for i, (list_id, cat, n, (status_id, name, sem)) in enumerate(flat, start=1)
    ]


def _amount(deal: Record) -> float:
    value = deal.get("amount")
    return float(value) if isinstance(value, int | float) else 0.0


def _quote_status(rng: random.Random, deal: Record) -> str:
    semantic = STAGE_SEMANTICS.get(str(deal["stageId"]), "P")
    if semantic == "S":
        return "APPROVED"
    if semantic == "F":
        return "DECLAINED" if rng.random() < 0.7 else "SENT"
    return _pick(rng, _OPEN_QUOTE)


def _quotes(rng: random.Random, deals: Sequence[Record], now: float) -> list[Record]:
    out: list[Record] = []
    for deal in deals:
        first_stage = str(deal["stageId"]).endswith("NEW")
        if first_stage or rng.random() < 0.35:
            continue
        created = min(parse_iso(str(deal["createdAt"])) + rng.randint(1, 20) * DAY, int(now) - DAY)
        updated = min(created + rng.randint(0, 25) * DAY, int(now) - 60)
        amount = _amount(deal) * _pick(rng, (1.0, 1.0, 1.05, 1.1, 0.95))
        out.append(
            {
                "id": len(out) + 1,
                "title": f"КП: {deal['title']}",
                "amount": round(amount, -2),
                "currency": deal["currency"],
                "stageId": _quote_status(rng, deal),
                "dealId": deal["id"],
                "contactId": deal.get("contactId") or 0,
                "companyId": deal.get("companyId") or 0,
                "assignedById": deal["assignedById"],
                "createdBy": deal["assignedById"],
                "comments": _pick(rng, QUOTE_COMMENTS) if rng.random() < 0.4 else "",
                "beginDate": iso_date(created),
                "closeDate": iso_date(created + 30 * DAY),
                "createdAt": iso(created),
                "updatedAt": iso(updated),
                "UF_CRM_DISCOUNT": float(rng.choice((0, 0, 5000, 10000, 25000))),
                "UF_CRM_PRIORITY": _pick(rng, (45, 46, 46, 47)) if rng.random() < 0.6 else None,
            }  # fmt: skip
        )
    return out


def _invoice_stage(rng: random.Random, deal: Record, category: int) -> str:
    stage = str(deal["stageId"]).split(":")[-1]
    if stage == "WON":
        return invoice_stage(category, _PAID if rng.random() < 0.9 else "S" if category == 5 else "N")
    if stage == "LOSE":
        return invoice_stage(category, "D")
    return invoice_stage(category, _pick(rng, ("N", "S", _PAID)) if category == 5 else _pick(rng, ("N", _PAID)))


def _invoices(rng: random.Random, deals: Sequence[Record], companies: Mapping[int, Record], now: float) -> list[Record]:
    out: list[Record] = []
    for deal in deals:
        stage = str(deal["stageId"]).split(":")[-1]
        billed = stage in ("WON", "PREPAYMENT_INVOICE", "FINAL_INVOICE", "EXECUTING") and rng.random() < 0.8
        if not billed and not (stage == "LOSE" and rng.random() < 0.05):
            continue
        category = 8 if deal["categoryId"] == 2 else 5
        parts = 2 if stage in ("WON", "FINAL_INVOICE") and rng.random() < 0.3 else 1
        start = parse_iso(str(deal["createdAt"])) + rng.randint(5, 40) * DAY
        company = companies.get(int(str(deal["companyId"]))) if deal.get("companyId") else None
        payer = str(company["title"]) if company else "частное лицо"
        for part in range(parts):
            issued = min(start + part * 30 * DAY, int(now) - DAY)
            amount = _amount(deal) / parts
            number = len(out) + 1
            out.append(
                {
                    "id": number,
                    "title": f"Счёт №{number:04d} — {payer}",
                    "stageId": _invoice_stage(rng, deal, category)
                    if part == parts - 1
                    else invoice_stage(category, _PAID),
                    "categoryId": category,
                    "contactId": deal.get("contactId") or None,
                    "companyId": deal.get("companyId") or None,
                    "mycompanyId": None,
                    "opportunity": round(amount, 2),
                    "currencyId": deal["currency"],
                    "assignedById": deal["assignedById"],
                    "comments": f"По сделке №{deal['id']}",
                    "begindate": iso_date(issued),
                    "closedate": iso_date(issued + 10 * DAY),
                    "createdBy": deal["assignedById"],
                    "createdTime": iso(issued),
                    "updatedTime": iso(min(issued + rng.randint(0, 12) * DAY, int(now) - 60)),
                    "UF_CRM_TAX": round(amount * 20 / 120, 2) if deal["currency"] == "RUB" else 0.0,
                    "UF_CRM_PAYMENT_METHOD": _pick(rng, (81, 81, 81, 82, 83)),
                }  # fmt: skip
            )
    return out


def product_rows(seed: int, data: Mapping[str, Sequence[Record]]) -> dict[str, list[Record]]:
    """Rows of every quote and invoice, of most deals past their first stage, some leads and contracts.

    Rows are catalog products at prices scaled so that they add up to their record's amount: what a
    manager does when a negotiated total is spread over the goods of a quote.
    """
    rng = random.Random(f"{seed}:product-rows")
    products = [p for p in data.get("products", ()) if p.get("active")]
    if not products:
        return {}
    owners: list[tuple[str, Record, str]] = [("Q", q, "amount") for q in data["quotes"]]
    owners += [("SI", i, "opportunity") for i in data["invoices"]]
    owners += [
        ("D", d, "amount") for d in data["deals"] if not str(d["stageId"]).endswith("NEW") and rng.random() < 0.6
    ]
    owners += [("L", lead, "amount") for lead in data["leads"] if lead.get("amount") and rng.random() < 0.2]
    owners += [("T408", item, "opportunity") for item in data.get("items/1032", ()) if rng.random() < 0.3]
    out: list[Record] = []
    for kind, owner, amount_field in owners:
        total = _amount_of(owner, amount_field)
        if total <= 0:
            continue
        chosen = rng.sample(products, k=min(len(products), rng.choice((1, 1, 2, 3))))
        lines = [(p, float(rng.choice((1, 1, 2, 3, 5, 10)))) for p in chosen]
        catalog = sum(float(str(p["price"])) * qty for p, qty in lines)
        factor = total / catalog if catalog else 1.0
        for position, (product, qty) in enumerate(lines):
            row = blank(kind, int(str(owner["id"])), position)
            row.update(productId=product["id"], quantity=qty, price=round(float(str(product["price"])) * factor, 2),
                       customized="Y" if abs(factor - 1) > 1e-9 else "N", id=len(out) + 1)  # fmt: skip
            if rng.random() < 0.3:
                row.update(taxRate=20.0, taxIncluded=True)
            out.append(priced(row, product))
    return {TABLE: out}


def _amount_of(owner: Record, field: str) -> float:
    value = owner.get(field)
    return float(value) if isinstance(value, int | float) else 0.0
