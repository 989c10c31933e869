"""CRM sales documents: quotes (crm.quote, statuses from the QUOTE_STATUS list) and smart invoices
(crm.item of entityTypeId 31, stages `DT31_{categoryId}:{code}` from SMART_INVOICE_STAGE_{categoryId}).

Fields follow the "Quotes: Fields" and "Invoices: Fields" pages (2026-05-05): quotes answer in the
Vibe names (`amount`, `currency`, `createdAt`), invoices keep Bitrix's SPA names (`opportunity`,
`currencyId`, `createdTime`). The user fields are those the pages' aggregate examples use.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .errors import validation_error
from .schema import CURRENCY_ITEMS, DEAL_PRIORITY_ITEMS, Entity, Field, Relation, ro
from .values import format_instant, parse_instant

_OPERATIONS = frozenset({"list", "get", "create", "update", "delete", "search", "aggregate", "fields"})
DAY = 86400

# crm.status QUOTE_STATUS as Bitrix ships it (DECLAINED is Bitrix's own spelling): (statusId, name, semantics).
QUOTE_STATUSES: tuple[tuple[str, str, str], ...] = (
    ("DRAFT", "Новое", "P"),
    ("SENT", "Отправлено клиенту", "P"),
    ("RECEIVED", "Получено клиентом", "P"),
    ("APPROVED", "Утверждено", "S"),
    ("DECLAINED", "Отклонено", "F"),
)

INVOICE_TYPE_ID = 31
# Smart invoice pipelines: (categoryId, name, stages as (code, name, semantics)). The docs' examples
# use pipeline 5 (`DT31_5:N`, `DT31_5:P`); the second one is for the service contracts' monthly bills.
INVOICE_PIPELINES: tuple[tuple[int, str, tuple[tuple[str, str, str], ...]], ...] = (
    (5, "Счета", (("N", "Новый", "P"), ("S", "Отправлен клиенту", "P"), ("P", "Оплачен", "S"), ("D", "Отменён", "F"))),
    (8, "Абонентское обслуживание", (("N", "Выставлен", "P"), ("P", "Оплачен", "S"), ("D", "Отменён", "F"))),
)  # fmt: skip

PAYMENT_METHOD_ITEMS: tuple[tuple[str, str], ...] = (
    ("81", "Безналичный расчёт"),
    ("82", "Банковская карта"),
    ("83", "Наличные"),
)


def invoice_stage(category: int, code: str) -> str:
    return f"DT{INVOICE_TYPE_ID}_{category}:{code}"


def invoice_status_list(category: int) -> str:
    """The crm.status list holding one invoice pipeline's stages."""
    return f"SMART_INVOICE_STAGE_{category}"


def _stage_category(stage: str) -> int | None:
    """`DT31_5:N` → 5; None for anything not in that form."""
    head, sep, _ = stage.partition(":")
    prefix = f"DT{INVOICE_TYPE_ID}_"
    if not sep or not head.startswith(prefix) or not head[len(prefix) :].isdigit():
        return None
    return int(head[len(prefix) :])


QUOTES = Entity(
    name="quotes",
    scope="crm",
    operations=_OPERATIONS,
    fields={
        "id": ro("integer", "ID"),
        "title": Field("string", label="Название"),
        "amount": Field("double", label="Сумма"),
        "currency": Field("crm_currency", label="Валюта", items=CURRENCY_ITEMS),
        "stageId": Field(
            "crm_status",
            label="Статус",
            status_type="QUOTE_STATUS",
            items=tuple((sid, name) for sid, name, _ in QUOTE_STATUSES),
        ),
        "dealId": Field("integer", label="Сделка"),
        "contactId": Field("crm_contact", label="Контакт"),
        "companyId": Field("crm_company", label="Компания"),
        "assignedById": Field("user", label="Ответственный"),
        "createdBy": ro("user", "Создатель"),
        "comments": Field("text", label="Комментарий"),
        "beginDate": Field("datetime", label="Дата начала"),
        "closeDate": Field("datetime", label="Дата закрытия"),
        "createdAt": ro("datetime", "Дата создания"),
        "updatedAt": ro("datetime", "Дата изменения"),
        "UF_CRM_DISCOUNT": Field("double", label="Скидка, руб.", user_field=True),
        "UF_CRM_PRIORITY": Field("enumeration", label="Приоритет", items=DEAL_PRIORITY_ITEMS, user_field=True),
    },
    relations={
        "deal": Relation("deals", "dealId"),
        "contact": Relation("contacts", "contactId"),
        "company": Relation("companies", "companyId"),
    },
    aggregatable=("amount", "stageId", "assignedById"),
    batch_actions=(),
)

INVOICES = Entity(
    name="invoices",
    scope="crm",
    operations=_OPERATIONS,
    fields={
        "id": ro("integer", "ID"),
        "title": Field("string", label="Название"),
        "stageId": Field(
            "crm_status",
            label="Стадия",
            status_type="SMART_INVOICE_STAGE",
            items=tuple(
                (invoice_stage(cat, code), name) for cat, _, stages in INVOICE_PIPELINES for code, name, _ in stages
            ),
        ),
        "categoryId": Field("crm_category", label="Воронка", items=tuple((str(c), n) for c, n, _ in INVOICE_PIPELINES)),
        "contactId": Field("crm_contact", label="Контакт-плательщик"),
        "companyId": Field("crm_company", label="Компания-плательщик"),
        "mycompanyId": Field("crm_company", label="Своя компания"),
        "opportunity": Field("double", label="Сумма"),
        "currencyId": Field("crm_currency", label="Валюта", items=CURRENCY_ITEMS),
        "assignedById": Field("user", label="Ответственный"),
        "comments": Field("text", label="Комментарий"),
        "begindate": Field("date", label="Дата выставления"),
        "closedate": Field("date", label="Срок оплаты"),
        "createdBy": ro("user", "Создатель"),
        "createdTime": ro("datetime", "Дата создания"),
        "updatedTime": ro("datetime", "Дата изменения"),
        "UF_CRM_TAX": Field("double", label="НДС", user_field=True),
        "UF_CRM_PAYMENT_METHOD": Field(
            "enumeration", label="Способ оплаты", items=PAYMENT_METHOD_ITEMS, user_field=True
        ),
    },
    relations={"contact": Relation("contacts", "contactId"), "company": Relation("companies", "companyId")},
    aggregatable=("opportunity", "stageId", "categoryId", "assignedById"),
    batch_actions=(),
)

# Invoices: Get and Update answer a missing invoice with this 404; their Delete page, like quotes, with
# ENTITY_NOT_FOUND "Элемент не найден".
MISSING: Mapping[str, tuple[str, str]] = MappingProxyType({"invoices": ("NOT_FOUND", "Entity not found")})

ENTITIES: Mapping[str, Entity] = MappingProxyType({e.name: e for e in (QUOTES, INVOICES)})


def apply_defaults(
    entity: Entity, row: dict[str, object], given: Mapping[str, object], *, owner_id: int, base_currency: str
) -> None:
    """A create's defaults, as the Create pages' responses show them.

    Quotes: status DRAFT, no deal, contact or company (0), empty comments, the owner responsible.
    Invoices: the first pipeline's first stage, or the pipeline a given stage names.
    """

    def default(name: str, value: object) -> None:
        if given.get(name) is None:
            row[name] = value

    if entity.name == "quotes":
        default("stageId", QUOTE_STATUSES[0][0])
        for name in ("dealId", "contactId", "companyId"):
            default(name, 0)
        default("comments", "")
        default("assignedById", owner_id)
        default("currency", base_currency)
    elif entity.name == "invoices":
        default("assignedById", owner_id)
        default("currencyId", base_currency)


def derive(
    entity: Entity, row: dict[str, object], before: Mapping[str, object] | None, given: Mapping[str, object], now: str
) -> None:
    """Dates a new quote starts with; an invoice's pipeline and stage kept in agreement (`before` is
    None on create).

    Raises:
        ApiError: an invoice stage from another pipeline than the categoryId given with it.
    """
    if entity.name == "quotes" and before is None:
        day = now[:10] + "T00:00:00.000Z"  # "Quotes: Create" answers beginDate at midnight, closeDate a month on
        if given.get("beginDate") is None:
            row["beginDate"] = day
        if given.get("closeDate") is None:
            row["closeDate"] = format_instant(parse_instant(day) + 30 * DAY)
    if entity.name != "invoices":
        return
    stage, category = given.get("stageId"), given.get("categoryId")
    stage_cat = _stage_category(stage) if isinstance(stage, str) else None
    if stage_cat is not None and isinstance(category, int) and stage_cat != category:
        raise validation_error([f"fields.stageId: Stage '{stage}' belongs to pipeline {stage_cat}, not {category}"])
    if stage_cat is not None:
        row["categoryId"] = stage_cat
        return
    moved = isinstance(category, int) and (before is None or before.get("categoryId") != category)
    if before is None or moved:
        pipeline = next((p for p in INVOICE_PIPELINES if p[0] == row.get("categoryId")), INVOICE_PIPELINES[0])
        row["categoryId"] = pipeline[0]
        row["stageId"] = invoice_stage(pipeline[0], pipeline[2][0][0])
