"""Demo records for the catalog, sale, sites, documents, bookings, bizproc, open lines, telephony.

The company sells software licences, hardware and services (the same company as the CRM seed);
dates lie before the portal clock, bookings around it. The same seed and clock give the same records.
"""

from __future__ import annotations

import random

from .seed import DAY, Record, iso

CATALOG_IBLOCK = 25
SECTIONS: tuple[tuple[str, str, int | None], ...] = (
    # name, code, parent (index + 1)
    ("Программное обеспечение", "software", None),
    ("Лицензии Битрикс24", "b24-licenses", 1),
    ("Оборудование", "hardware", None),
    ("IP-телефония", "voip", 3),
    ("Услуги", "services", None),
)
# name, section, purchasing price (RUB), measure (796 штука, 356 час)
PRODUCTS: tuple[tuple[str, int, float, int], ...] = (
    ("Битрикс24 «Базовый», 12 месяцев", 2, 18000, 796),
    ("Битрикс24 «Стандартный», 12 месяцев", 2, 46000, 796),
    ("Битрикс24 «Профессиональный», 12 месяцев", 2, 92000, 796),
    ("Коннектор 1С:Предприятие", 1, 9500, 796),
    ("Антивирус, лицензия на 1 ПК", 1, 1900, 796),
    ("IP-телефон Yealink T31G", 4, 5200, 796),
    ("IP-телефон Yealink T46U", 4, 11800, 796),
    ("Гарнитура Jabra Evolve2 30", 4, 6400, 796),
    ("Ноутбук Lenovo ThinkPad E14", 3, 74000, 796),
    ("Монитор Dell P2423", 3, 21500, 796),
    ("Настройка CRM, час работы", 5, 2500, 356),
    ("Обучение сотрудников, день", 5, 30000, 796),
    ("Интеграция с сайтом", 5, 45000, 796),
    ("Техническая поддержка, 1 месяц", 5, 15000, 796),
)
MARKUP = 1.35
WAREHOUSES: tuple[tuple[str, str, str], ...] = (
    ("Основной склад", "Москва, ул. Складская, 12", "Пн–Пт 9:00–18:00"),
    ("Склад Санкт-Петербург", "Санкт-Петербург, Промышленная ул., 5", "Пн–Пт 10:00–19:00"),
    ("Склад Екатеринбург", "Екатеринбург, ул. Монтажников, 4", "Пн–Пт 9:00–17:00"),
)
ORDER_STATUSES: tuple[tuple[str, str, int, bool, str], ...] = (
    ("N", "O", 100, True, "#E0E0E0"),
    ("P", "O", 200, True, "#2FC6F6"),
    ("F", "O", 300, True, "#9DCF00"),
    ("DN", "D", 400, False, "#FFA900"),
    ("DA", "D", 500, True, "#55D0E0"),
    ("DF", "D", 600, True, "#9DCF00"),
)
PAY_SYSTEMS: tuple[tuple[int, str], ...] = ((1, "Банковская карта"), (2, "Счёт для юрлиц"), (3, "Наличные курьеру"))
SITES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Вектор Софт — корпоративный сайт", "vektor-soft", "PAGE", ("Главная", "О компании", "Услуги", "Контакты")),
    ("Интернет-магазин лицензий", "shop", "STORE", ("Каталог", "Корзина", "Доставка и оплата")),
    ("База знаний поддержки", "help", "KNOWLEDGE", ("Как подключить телефонию", "Частые вопросы")),
    ("Вебинар «CRM за 30 минут»", "webinar-crm", "PAGE", ("Регистрация",)),
)
DOC_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    ("Счёт на оплату", "INVOICE", "Bitrix\\Crm\\Integration\\DocumentGenerator\\DataProvider\\Deal"),
    ("Договор поставки", "CONTRACT", "Bitrix\\Crm\\Integration\\DocumentGenerator\\DataProvider\\Deal"),
    ("Коммерческое предложение", "OFFER", "Bitrix\\Crm\\Integration\\DocumentGenerator\\DataProvider\\Quote"),
    ("Акт выполненных работ", "ACT", "Bitrix\\Crm\\Integration\\DocumentGenerator\\DataProvider\\Deal"),
)
BOOKING_KINDS = ("Демонстрация продукта", "Консультация внедренца", "Переговорная «Москва»", "Онлайн-обучение")
BIZPROC_TEMPLATES: tuple[tuple[str, str, str, int], ...] = (
    ("Согласование скидки", "CCrmDocumentDeal", "DEAL", 0),
    ("Уведомление о новом лиде", "CCrmDocumentLead", "LEAD", 1),
    ("Контроль оплаты счёта", "CCrmDocumentDeal", "DEAL", 2),
)
ACTIVITIES: tuple[tuple[str, str], ...] = (
    ("check_inn", "Проверить ИНН контрагента"),
    ("send_sms_reminder", "Отправить SMS-напоминание"),
)
ROBOTS: tuple[tuple[str, str], ...] = (
    ("send_notification", "Отправить уведомление"),
    ("create_invoice_pdf", "Сформировать счёт в PDF"),
)
OPENLINES: tuple[tuple[str, str, int], ...] = (
    ("Чат на сайте", "evenly", 20),
    ("Telegram: поддержка", "strictly", 19),
    ("WhatsApp: продажи", "all", 4),
)
LINES: tuple[tuple[str, str, str], ...] = (
    ("74951234567", "sip.vektor-soft.ru", "Москва, многоканальный"),
    ("78121234567", "sip.vektor-soft.ru", "Санкт-Петербург"),
    ("78005553535", "sip.vektor-soft.ru", "Бесплатная линия 8-800"),
)


def records(seed: int, now: float) -> dict[str, list[Record]]:
    """Every entity of `families_b` with its demo records (the reference lists do not scale)."""
    rng = random.Random(f"{seed}:families_b")

    def past(days_min: int, days_max: int) -> str:
        return iso(now - rng.randint(days_min * DAY, days_max * DAY))

    sections: list[Record] = [
        {
            "id": i,
            "iblockId": CATALOG_IBLOCK,
            "iblockSectionId": parent,
            "name": name,
            "xmlId": f"sec-{code}",
            "code": code,
            "sort": i * 100,
            "active": True,
            "description": None,
            "dateCreate": past(600, 700),
            "createdBy": 1,
            "modifiedBy": 1,
        }  # fmt: skip
        for i, (name, code, parent) in enumerate(SECTIONS, 1)
    ]
    products: list[Record] = [
        {
            "id": i,
            "name": name,
            "active": i != 5,
            "iblockId": CATALOG_IBLOCK,
            "iblockSectionId": section,
            "purchasingPrice": float(cost),
            "purchasingCurrency": "RUB",
            "quantity": float(rng.randint(0, 60)) if measure == 796 and section in (3, 4) else 0.0,
            "weight": float(rng.randint(300, 2500)) if section in (3, 4) else 0.0,
            "measure": measure,
            "createdAt": past(300, 690),
        }  # fmt: skip
        for i, (name, section, cost, measure) in enumerate(PRODUCTS, 1)
    ]
    prices: list[Record] = []
    for product in products:
        retail = round(float(product["purchasingPrice"]) * MARKUP, -1)  # type: ignore[arg-type]
        prices.append(_price(len(prices) + 1, int(product["id"]), 1, retail))  # type: ignore[call-overload]
        prices.append(_price(len(prices) + 1, int(product["id"]), 2, round(retail * 0.9, -1)))  # type: ignore[call-overload]
    warehouses: list[Record] = [
        {
            "id": i,
            "title": title,
            "address": address,
            "active": True,
            "description": None,
            "phone": f"+7 (495) 120-45-{60 + i}",
            "schedule": schedule,
            "email": f"sklad{i}@vektor-soft.ru",
            "sort": i * 100,
            "isDefault": i == 1,
            "dateCreate": past(650, 700),
            "dateModify": past(10, 90),
        }  # fmt: skip
        for i, (title, address, schedule) in enumerate(WAREHOUSES, 1)
    ]
    orders, baskets, payments = _sale(rng, now, prices)
    statuses: list[Record] = [
        {"id": sid, "type": kind, "sort": sort, "notify": notify, "color": color, "xmlId": f"status-{sid.lower()}"}
        for sid, kind, sort, notify, color in ORDER_STATUSES
    ]
    sites: list[Record] = []
    pages: list[Record] = []
    for i, (title, code, kind, page_titles) in enumerate(SITES, 1):
        created = past(200, 600)
        sites.append(
            {
                "id": i,
                "title": title,
                "code": code,
                "type": kind,
                "active": i != 4,
                "domainId": i,
                "createdById": 15,
                "dateCreate": created,
                "dateModify": past(1, 120),
            }  # fmt: skip
        )
        for page_title in page_titles:
            pages.append(
                {
                    "id": len(pages) + 1,
                    "title": page_title,
                    "code": f"page{len(pages) + 1}",
                    "siteId": i,
                    "active": i != 4,
                    "description": None,
                    "createdById": 15,
                    "dateCreate": created,
                    "dateModify": past(1, 120),
                }  # fmt: skip
            )
    templates: list[Record] = [
        {
            "id": i,
            "name": name,
            "numeratorId": i,
            "region": "ru",
            "code": code,
            "provider": provider,
            "moduleId": "crm",
            "active": True,
            "bodyType": "Bitrix\\DocumentGenerator\\Body\\Docx",
            "stamps": code != "OFFER",
            "sort": i * 100,
            "isDeleted": False,
            "createTime": past(400, 700),
            "updateTime": past(30, 300),
        }  # fmt: skip
        for i, (name, code, provider) in enumerate(DOC_TEMPLATES, 1)
    ]
    documents: list[Record] = []
    for i in range(1, 13):
        template = templates[(i - 1) % len(templates)]
        created = past(1, 180)
        documents.append(
            {
                "id": i,
                "title": f"{template['name']} № {100 + i}",
                "number": str(100 + i),
                "templateId": template["id"],
                "createTime": created,
                "updateTime": created,
                "values": None,
                "fileId": 500 + 2 * i,
                "pdfId": 501 + 2 * i,
                "imageId": None,
                "stampsEnabled": bool(template["stamps"]),
            }  # fmt: skip
        )
    crm_products: list[Record] = [
        {
            "id": p["id"],
            "name": p["name"],
            "active": p["active"],
            "price": next(float(x["price"]) for x in prices if x["productId"] == p["id"] and x["catalogGroupId"] == 1),  # type: ignore[arg-type]
            "currency": "RUB",
            "sectionId": p["iblockSectionId"],
            "catalogId": CATALOG_IBLOCK,
            "measure": p["measure"],
            "description": None,
            "sort": 100 * i,
            "xmlId": f"prod-{i}",
            "createdAt": p["createdAt"],
            "updatedAt": p["createdAt"],
        }  # fmt: skip
        for i, p in enumerate(products, 1)
    ]
    crm_sections: list[Record] = [
        {
            "id": x["id"],
            "name": x["name"],
            "catalogId": CATALOG_IBLOCK,
            "sectionId": x["iblockSectionId"],
            "xmlId": x["xmlId"],
            "sort": x["sort"],
        }  # fmt: skip
        for x in sections
    ]
    return {
        "products": crm_products,
        "product-sections": crm_sections,
        "catalog-sections": sections,
        "catalog-products": products,
        "catalog-prices": prices,
        "warehouses": warehouses,
        "orders": orders,
        "basket-items": baskets,
        "payments": payments,
        "order-statuses": statuses,
        "sites": sites,
        "pages": pages,
        "doc-templates": templates,
        "documents": documents,
        "bookings": _bookings(rng, now),
        **_automation(rng, now),
        "list-elements": [],
    }


def _price(id_: int, product: int, group: int, price: float) -> Record:
    return {
        "id": id_, "catalogGroupId": group, "currency": "RUB", "price": price, "productId": product,
        "quantityFrom": None if group == 1 else 10, "quantityTo": None,
    }  # fmt: skip


def _sale(rng: random.Random, now: float, prices: list[Record]) -> tuple[list[Record], list[Record], list[Record]]:
    retail = {int(p["productId"]): float(p["price"]) for p in prices if p["catalogGroupId"] == 1}  # type: ignore[call-overload, arg-type]
    orders: list[Record] = []
    baskets: list[Record] = []
    payments: list[Record] = []
    for i in range(1, 41):
        created = now - rng.randint(1 * DAY, 365 * DAY)
        status = "F" if created < now - 30 * DAY else rng.choice(("N", "P", "F"))
        total = 0.0
        for sort, product in enumerate(rng.sample(sorted(retail), rng.randint(1, 3)), 1):
            quantity = float(rng.randint(1, 5))
            price = retail[product]
            total += price * quantity
            baskets.append(
                {
                    "id": len(baskets) + 1,
                    "orderId": i,
                    "productId": product,
                    "name": PRODUCTS[product - 1][0],
                    "price": price,
                    "basePrice": price,
                    "discountPrice": 0.0,
                    "currency": "RUB",
                    "quantity": quantity,
                    "sort": sort * 100,
                    "weight": 0.0,
                    "vatRate": 0.2,
                    "vatIncluded": True,
                    "dateInsert": iso(created),
                    "dateUpdate": iso(created),
                }  # fmt: skip
            )
        canceled = status == "N" and rng.random() < 0.2
        payed = status in ("P", "F")
        orders.append(
            {
                "id": i,
                "accountNumber": f"{i}",
                "price": total,
                "currency": "RUB",
                "statusId": status,
                "userId": rng.choice((1, 4, 5, 6)),
                "dateInsert": iso(created),
                "dateUpdate": iso(min(now, created + rng.randint(0, 10) * DAY)),
                "payed": payed,
                "canceled": canceled,
            }  # fmt: skip
        )
        system, system_name = rng.choice(PAY_SYSTEMS)
        paid_at = iso(created + rng.randint(1, 3) * DAY) if payed else None
        payments.append(
            {
                "id": i,
                "orderId": i,
                "paySystemId": system,
                "sum": total,
                "currency": "RUB",
                "paid": payed,
                "datePaid": paid_at,
                "comments": None,
                "accountNumber": f"{i}/1",
                "dateBill": iso(created),
                "xmlId": None,
                "responsibleId": 4,
                "isReturn": False,
                "paySystemName": system_name,
            }  # fmt: skip
        )
    return orders, baskets, payments


def _bookings(rng: random.Random, now: float) -> list[Record]:
    out: list[Record] = []
    day0 = int(now // DAY) * DAY
    for i in range(1, 21):
        start = day0 + rng.randint(-14, 14) * DAY + rng.choice((10, 11, 14, 15, 16)) * 3600 - 3 * 3600  # MSK
        kind = rng.randrange(len(BOOKING_KINDS))
        out.append(
            {
                "id": i,
                "name": BOOKING_KINDS[kind],
                "description": None,
                "resourceIds": [kind + 1],
                "datePeriod": f"{iso(start)}/{iso(start + 3600)}",
            }  # fmt: skip
        )
    return out


def _automation(rng: random.Random, now: float) -> dict[str, list[Record]]:
    templates: list[Record] = [
        {
            "id": i,
            "moduleId": "crm",
            "entity": doc_class,
            "documentType": ["crm", doc_class, doc_type],
            "autoExecute": auto,
            "name": name,
            "description": None,
            "modified": iso(now - rng.randint(5, 300) * DAY),
            "isModified": True,
            "userId": 1,
        }  # fmt: skip
        for i, (name, doc_class, doc_type, auto) in enumerate(BIZPROC_TEMPLATES, 1)
    ]

    def registered(code: str, name: str, robot: bool) -> Record:
        return {
            "id": code, "code": code, "handler": f"https://apps.vektor-soft.ru/bizproc/{code}", "name": name,
            "description": None, "authUserId": 1, "useSubscription": "Y" if robot else "N", "properties": {},
            "returnProperties": {}, "documentType": ["crm", "CCrmDocumentDeal", "DEAL"] if robot else [],
            "filter": {}, "usePlacement": "N", "placementHandler": None,
        }  # fmt: skip

    return {
        "bizproc-templates": templates,
        "bizproc-activities": [registered(code, name, False) for code, name in ACTIVITIES],
        "bizproc-robots": [registered(code, name, True) for code, name in ROBOTS],
        "openline-configs": [
            {
                "id": i,
                "name": name,
                "active": True,
                "lineId": i,
                "queueType": queue,
                "agentId": agent,
                "workTimeFrom": "09:00",
                "workTimeTo": "18:00",
            }  # fmt: skip
            for i, (name, queue, agent) in enumerate(OPENLINES, 1)
        ],
        "telephony-lines": [
            {"id": i, "number": number, "serverName": server, "name": name}
            for i, (number, server, name) in enumerate(LINES, 1)
        ],
    }
