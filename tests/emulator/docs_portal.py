"""A demo portal that also holds the records the docs' examples name (deal 741, contact 71, company 15...).

The seeded data (clock pinned) plus those records, so every documented request has something to find.
"""

from __future__ import annotations

from functools import cache

from server.emulator import Portal
from server.emulator.registry import generate

from .conftest import FIXED_NOW, Api

Records = list[dict[str, object]]

DOC_DEALS: Records = [
    {
        "id": 741,
        "title": "Поставка оборудования",
        "amount": 50000,
        "currency": "RUB",
        "stageId": "EXECUTING",
        "stageSemanticId": "P",
        "closed": False,
        "categoryId": 0,
        "companyId": 15,
        "contactId": 71,
        "contactIds": [71, 85],
        "assignedById": 1,
        "createdBy": 1,
        "createdAt": "2020-09-25T13:08:24.000Z",
        "updatedAt": "2025-08-22T13:01:31.000Z",
        "opened": True,
        "observers": [],
        "typeId": "SALE",
        "entityTypeId": 2,
    },
    {
        "id": 742,
        "title": "Техподдержка",
        "amount": 120000,
        "currency": "RUB",
        "stageId": "NEW",
        "stageSemanticId": "P",
        "closed": False,
        "categoryId": 0,
        "companyId": 15,
        "contactIds": [],
        "observers": [],
        "createdAt": "2026-04-14T08:43:59.000Z",
        "updatedAt": "2026-04-14T08:43:59.000Z",
        "entityTypeId": 2,
    },
]
DOC_CONTACTS: Records = [
    {
        "id": 71,
        "name": "Иван",
        "lastName": "Петров",
        "phone": [{"value": "+79161234567", "valueType": "WORK"}],
        "email": [{"value": "ivan@company.ru", "valueType": "WORK"}],
        "companyId": 15,
        "typeId": "CLIENT",
        "sourceId": "WEB",
        "assignedById": 1,
    },
    {"id": 85, "name": "Мария", "lastName": "Сидорова", "phone": [], "email": [], "companyId": 15},
]
DOC_COMPANIES: Records = [{"id": 15, "title": "ООО Ромашка", "industry": "IT", "phone": [], "email": []}]
DOC_LEADS: Records = [
    {"id": 50, "title": "Заявка с сайта", "contactId": 71, "statusId": "NEW", "phone": [], "email": []},
    {"id": 51, "title": "Звонок", "contactId": 0, "statusId": "NEW", "phone": [], "email": []},
    {"id": 741, "title": "Заявка на оборудование", "contactId": 71, "statusId": "IN_PROCESS", "phone": [], "email": []},
]
# Deals: Products Get Single, `GET /v1/deals/741/products/1471`.
DOC_ROWS: Records = [
    {
        "id": 1471, "ownerType": "D", "ownerId": 741, "productId": 1, "productName": "День добрый!", "price": 5000,
        "priceAccount": 5000, "priceExclusive": 5000, "priceNetto": 5000, "priceBrutto": 5000, "quantity": 3,
        "discountTypeId": 2, "discountRate": 0, "discount": 0, "taxRate": None, "taxIncluded": False,
        "customized": "Y", "measureCode": 796, "measureName": "шт", "sort": 0, "xmlId": "sale_basket_995", "type": 1,
    },
]  # fmt: skip

# Quotes pages: quote 412 on deal 741 (Quotes: Get), the targets of the product rows examples (52, 741).
DOC_QUOTES: Records = [
    {"id": 52, "title": "КП на лицензии", "amount": 50000, "currency": "RUB", "stageId": "DRAFT", "dealId": 742},
    {
        "id": 412,
        "title": "КП на серверное оборудование",
        "amount": 150000,
        "currency": "RUB",
        "stageId": "SENT",
        "dealId": 741,
        "contactId": 71,
        "companyId": 15,
        "assignedById": 29,
        "createdBy": 1,
        "comments": "",
        "beginDate": "2026-04-15T00:00:00.000Z",
        "closeDate": "2026-05-15T00:00:00.000Z",
        "createdAt": "2026-04-15T10:30:00.000Z",
        "updatedAt": "2026-04-15T14:22:00.000Z",
    },
    {"id": 741, "title": "КП на поставку", "amount": 99990, "currency": "RUB", "stageId": "SENT", "dealId": 741},
]

# Invoices pages: invoice 891 of contact 42 and company 15 (Invoices: Get); 741, the product rows examples' target.
DOC_INVOICES: Records = [
    {
        "id": 741,
        "title": "Счёт на поставку",
        "stageId": "DT31_5:S",
        "categoryId": 5,
        "opportunity": 99990,
        "currencyId": "RUB",
        "companyId": 15,
    },
    {
        "id": 891,
        "title": "Счёт за услуги",
        "stageId": "DT31_5:N",
        "categoryId": 5,
        "contactId": 42,
        "companyId": 15,
        "opportunity": 150000,
        "currencyId": "RUB",
        "assignedById": 1,
        "createdBy": 1,
        "createdTime": "2026-04-15T11:30:00.000Z",
        "updatedTime": "2026-04-15T11:30:00.000Z",
    },
]


@cache
def _data() -> dict[str, Records]:
    data = {name: list(rows) for name, rows in generate(now=FIXED_NOW).items()}
    for name, extra in (
        ("deals", DOC_DEALS),
        ("contacts", DOC_CONTACTS),
        ("companies", DOC_COMPANIES),
        ("leads", DOC_LEADS),
        ("quotes", DOC_QUOTES),
        ("invoices", DOC_INVOICES),
        ("product-rows", DOC_ROWS),
    ):
        ids = {row["id"] for row in extra}
        fields = dict.fromkeys(data[name][0])  # every field, null unless the example sets it
        data[name] = [row for row in data[name] if row["id"] not in ids] + [{**fields, **row} for row in extra]
        data[name].sort(key=lambda row: int(str(row["id"])))
    return data


def docs_api() -> Api:
    """A fresh portal (writes are private to the caller) over the seeded data and the docs' records."""
    return Api(Portal(data=_data(), clock=lambda: FIXED_NOW))
