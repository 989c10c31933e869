"""Catalog, sale, sites, documents, bookings, business processes, open lines, telephony and lists.

Fields follow each entity page's Fields table (2026-05-05); operations are the page's operations plus
search and aggregate where the entities index lists them. Odd shapes, as the pages say: order
statuses are keyed by a string id; bizproc templates and telephony lines have no get; bizproc
activities and robots are keyed by their string `code`, have no get, and their list answers an
array of codes; list elements offer only `fields`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .errors import ApiError, echo
from .schema import CURRENCY_ITEMS, Entity, Field, Legacy, Relation
from .store import Store

_LIST_GET = frozenset({"list", "get", "create", "update", "delete", "search", "aggregate"})
_WITH_FIELDS = _LIST_GET | {"fields"}
_NO_GET = frozenset({"list", "create", "update", "delete", "search", "aggregate"})
_CODES = frozenset({"list", "create", "update", "delete"})

# Entities keyed by a caller-given string `code` whose list answers only the codes (bizproc pages).
CODE_KEYED = frozenset({"bizproc-activities", "bizproc-robots"})

ORDER_STATUS_ITEMS: tuple[tuple[str, str], ...] = (
    ("N", "Принят, ожидается оплата"),
    ("P", "Оплачен, формируется к отправке"),
    ("DA", "Передан в доставку"),
    ("F", "Выполнен"),
)
YES_NO: tuple[tuple[str, str], ...] = (("Y", "Да"), ("N", "Нет"))


def _id() -> Field:
    return Field("integer", readonly=True, label="Идентификатор записи")


def _ro(type_: str, label: str = "") -> Field:
    return Field(type_, readonly=True, label=label)


def _f(type_: str, label: str = "", **kw: object) -> Field:
    return Field(type_, label=label, **kw)  # type: ignore[arg-type]


CATALOG_PRODUCTS = Entity(
    name="catalog-products",
    scope="catalog",
    operations=_WITH_FIELDS,
    fields={
        "id": _id(),
        "name": _f("string", "Название", required=True),
        "active": _f("boolean", "Активен"),
        "iblockId": _f("integer", "Торговый каталог (инфоблок)", required=True),
        "iblockSectionId": _f("integer", "Раздел каталога"),
        "purchasingPrice": _f("double", "Закупочная цена"),
        "purchasingCurrency": _f("crm_currency", "Валюта закупочной цены", items=CURRENCY_ITEMS),
        "quantity": _f("double", "Остаток"),
        "weight": _f("double", "Вес, г"),
        "measure": _f("integer", "Единица измерения"),
        "createdAt": _ro("datetime", "Дата создания"),
    },
    relations={"section": Relation("catalog-sections", "iblockSectionId")},
    aggregatable=("quantity", "purchasingPrice", "iblockSectionId", "active"),
    batch_actions=(),
)

CATALOG_SECTIONS = Entity(
    name="catalog-sections",
    scope="catalog",
    operations=_LIST_GET,
    fields={
        "id": _id(),
        "iblockId": _f("integer", "Торговый каталог (инфоблок)", required=True),
        "iblockSectionId": _f("integer", "Родительский раздел"),
        "name": _f("string", "Название", required=True),
        "xmlId": _f("string", "Внешний код"),
        "code": _f("string", "Символьный код"),
        "sort": _f("integer", "Сортировка"),
        "active": _f("boolean", "Активен"),
        "description": _f("text", "Описание"),
        "dateCreate": _ro("datetime", "Дата создания"),
        "createdBy": _ro("user", "ID создателя"),
        "modifiedBy": _ro("user", "Кем изменён"),
    },
    aggregatable=("iblockSectionId", "active"),
    batch_actions=(),
)

CATALOG_PRICES = Entity(
    name="catalog-prices",
    scope="catalog",
    operations=_LIST_GET,
    fields={
        "id": _id(),
        "catalogGroupId": _f("integer", "Тип цены", required=True),
        "currency": _f("crm_currency", "Валюта", items=CURRENCY_ITEMS, required=True),
        "price": _f("double", "Цена", required=True),
        "productId": _f("integer", "Товар", required=True),
        "quantityFrom": _f("integer", "Количество от"),
        "quantityTo": _f("integer", "Количество до"),
    },
    relations={"product": Relation("catalog-products", "productId")},
    aggregatable=("price", "currency", "catalogGroupId", "productId"),
    batch_actions=(),
)

WAREHOUSES = Entity(
    name="warehouses",
    scope="catalog",
    operations=_LIST_GET,
    fields={
        "id": _id(),
        "title": _f("string", "Название", required=True),
        "address": _f("string", "Адрес", required=True),
        "active": _f("boolean", "Активен"),
        "description": _f("text", "Описание"),
        "phone": _f("string", "Телефон"),
        "schedule": _f("string", "График работы"),
        "email": _f("string", "E-mail"),
        "sort": _f("integer", "Сортировка"),
        "isDefault": _f("boolean", "Склад по умолчанию"),
        "dateCreate": _ro("datetime", "Дата создания"),
        "dateModify": _ro("datetime", "Дата изменения"),
    },
    aggregatable=("active",),
    batch_actions=(),
)

ORDERS = Entity(
    name="orders",
    scope="sale",
    operations=_WITH_FIELDS,
    fields={
        "id": _id(),
        "accountNumber": _f("string", "Номер заказа"),
        "price": _f("double", "Сумма"),
        "currency": _f("crm_currency", "Валюта", items=CURRENCY_ITEMS, required=True),
        "statusId": _f("string", "Статус", items=ORDER_STATUS_ITEMS),
        "userId": _f("integer", "Покупатель", required=True),
        "dateInsert": _ro("datetime", "Дата создания"),
        "dateUpdate": _ro("datetime", "Дата изменения"),
        "payed": _f("boolean", "Оплачен"),
        "canceled": _f("boolean", "Отменён"),
    },
    aggregatable=("price", "currency", "statusId", "payed", "canceled"),
    batch_actions=(),
)

PAYMENTS = Entity(
    name="payments",
    scope="sale",
    operations=_LIST_GET,
    fields={
        "id": _id(),
        "orderId": _f("integer", "Заказ", required=True),
        "paySystemId": _f("integer", "Платёжная система", required=True),
        "sum": _f("double", "Сумма"),
        "currency": _f("crm_currency", "Валюта", items=CURRENCY_ITEMS),
        "paid": _f("boolean", "Оплачена"),
        "datePaid": _f("datetime", "Дата оплаты"),
        "comments": _f("text", "Комментарий"),
        "accountNumber": _ro("string", "Номер оплаты"),
        "dateBill": _f("datetime", "Дата счёта"),
        "xmlId": _f("string", "Внешний код"),
        "responsibleId": _f("user", "Ответственный"),
        "isReturn": _f("boolean", "Возврат"),
        "paySystemName": _ro("string", "Название платёжной системы"),
    },
    relations={"order": Relation("orders", "orderId")},
    aggregatable=("sum", "currency", "paid", "paySystemId"),
    batch_actions=(),
)

BASKET_ITEMS = Entity(
    name="basket-items",
    scope="sale",
    operations=_LIST_GET,
    fields={
        "id": _id(),
        "orderId": _f("integer", "Заказ", required=True),
        "productId": _f("integer", "Товар", required=True),
        "name": _f("string", "Название"),
        "price": _f("double", "Цена"),
        "basePrice": _f("double", "Цена без скидки"),
        "discountPrice": _f("double", "Скидка"),
        "currency": _f("crm_currency", "Валюта", items=CURRENCY_ITEMS),
        "quantity": _f("double", "Количество"),
        "sort": _f("integer", "Сортировка"),
        "weight": _f("double", "Вес, г"),
        "vatRate": _f("double", "Ставка НДС"),
        "vatIncluded": _f("boolean", "НДС включён в цену"),
        "dateInsert": _ro("datetime", "Дата добавления"),
        "dateUpdate": _ro("datetime", "Дата изменения"),
    },
    relations={"order": Relation("orders", "orderId"), "product": Relation("catalog-products", "productId")},
    aggregatable=("price", "quantity", "orderId", "productId"),
    batch_actions=(),
)

ORDER_STATUSES = Entity(
    name="order-statuses",
    scope="sale",
    operations=_LIST_GET,
    fields={
        # A string code, given by the caller on create (sale.status.add).
        "id": _f("string", "Код статуса", required=True),
        "type": _f("string", "Тип (O — заказ, D — доставка)", items=(("O", "Заказ"), ("D", "Доставка"))),
        "sort": _f("integer", "Сортировка"),
        "notify": _f("boolean", "Уведомлять покупателя"),
        "color": _f("string", "Цвет"),
        "xmlId": _f("string", "Внешний код"),
    },
    aggregatable=("type",),
    batch_actions=(),
    id_kind="str",
)

SITES = Entity(
    name="sites",
    scope="landing",
    operations=_LIST_GET,
    fields={
        "id": _id(),
        "title": _f("string", "Название", required=True),
        "code": _f("string", "Адрес (код)", required=True),
        "type": _f("string", "Тип", items=(("PAGE", "Сайт"), ("STORE", "Магазин"), ("KNOWLEDGE", "База знаний"))),
        "active": _f("boolean", "Опубликован"),
        "domainId": _f("integer", "Домен"),
        "createdById": _ro("user", "Кем создан"),
        "dateCreate": _ro("datetime", "Дата создания"),
        "dateModify": _ro("datetime", "Дата изменения"),
    },
    aggregatable=("type", "active"),
    batch_actions=(),
)

PAGES = Entity(
    name="pages",
    scope="landing",
    operations=_LIST_GET,
    fields={
        "id": _id(),
        "title": _f("string", "Название", required=True),
        "code": _f("string", "Адрес (код)"),
        "siteId": _f("integer", "Сайт", required=True),
        "active": _f("boolean", "Опубликована"),
        "description": _f("text", "Описание"),
        "createdById": _ro("user", "Кем создана"),
        "dateCreate": _ro("datetime", "Дата создания"),
        "dateModify": _ro("datetime", "Дата изменения"),
    },
    relations={"site": Relation("sites", "siteId")},
    aggregatable=("siteId", "active"),
    batch_actions=(),
)

DOC_TEMPLATES = Entity(
    name="doc-templates",
    scope="documentgenerator",
    operations=_WITH_FIELDS,
    fields={
        "id": _id(),
        "name": _f("string", "Название", required=True),
        "numeratorId": _f("integer", "Нумератор"),
        "region": _f("string", "Страна (ru, by, kz, ua)"),
        "code": _f("string", "Символьный код"),
        "provider": _f("string", "Источник данных"),
        "moduleId": _f("string", "Модуль"),
        "active": _f("boolean", "Активен"),
        "bodyType": _f("string", "Формат файла шаблона"),
        "stamps": _f("boolean", "Печати и подписи"),
        "sort": _f("integer", "Сортировка"),
        "isDeleted": _ro("boolean", "Удалён"),
        "createTime": _ro("datetime", "Дата создания"),
        "updateTime": _ro("datetime", "Дата изменения"),
    },
    aggregatable=("region", "active", "provider"),
    batch_actions=(),
)

DOCUMENTS = Entity(
    name="documents",
    scope="documentgenerator",
    operations=_WITH_FIELDS,
    fields={
        "id": _id(),
        "title": _f("string", "Название"),
        "number": _f("string", "Номер"),
        "templateId": _f("integer", "Шаблон", required=True),
        "createTime": _ro("datetime", "Дата создания"),
        "updateTime": _ro("datetime", "Дата изменения"),
        "values": _f("string", "Значения полей шаблона"),
        "fileId": _f("integer", "Файл DOCX"),
        "pdfId": _f("integer", "Файл PDF"),
        "imageId": _f("integer", "Превью"),
        "stampsEnabled": _f("boolean", "С печатями и подписями"),
    },
    relations={"template": Relation("doc-templates", "templateId")},
    aggregatable=("templateId", "stampsEnabled"),
    batch_actions=(),
)

BOOKINGS = Entity(
    name="bookings",
    scope="booking",
    operations=_LIST_GET,
    fields={
        "id": _id(),
        "name": _f("string", "Название"),
        "description": _f("text", "Описание"),
        "resourceIds": _f("integer", "Ресурсы", multiple=True, required=True),
        # `{from, to, timezone}` in booking.v1: kept as the page types it, an ISO interval "from/to".
        "datePeriod": _f("string", "Период (ISO 8601: начало/конец)", required=True),
    },
    aggregatable=(),
    batch_actions=(),
)

_DOCUMENT_TYPE_LABEL = "Тип документа [module, object, documentType]"

BIZPROC_TEMPLATES = Entity(
    name="bizproc-templates",
    scope="bizproc",
    operations=_NO_GET,
    fields={
        "id": _id(),
        "moduleId": _f("string", "Модуль", required=True),
        "entity": _f("string", "Сущность", required=True),
        "documentType": _f("string", _DOCUMENT_TYPE_LABEL, multiple=True, required=True),
        "autoExecute": _f("integer", "Автозапуск (0 нет, 1 при создании, 2 при изменении, 3 оба)"),
        "name": _f("string", "Название"),
        "description": _f("text", "Описание"),
        "modified": _ro("datetime", "Дата изменения"),
        "isModified": _ro("boolean", "Изменён"),
        "userId": _f("user", "Автор"),
    },
    aggregatable=("moduleId", "entity", "autoExecute"),
    batch_actions=(),
)


def _code_entity(name: str, noun: str) -> Entity:
    return Entity(
        name=name,
        scope="bizproc",
        operations=_CODES,
        fields={
            "id": _ro("string", "Код (id в путях)"),  # the code again: paths and lists use it as the id
            "code": _f("string", f"Уникальный код {noun} (a-z, A-Z, 0-9, ., -, _)", required=True),
            "handler": _f("url", "URL обработчика", required=True),
            "name": _f("string", "Название", required=True),
            "description": _f("text", "Описание"),
            "authUserId": _f("user", "Пользователь, чей токен передаётся приложению"),
            "useSubscription": _f("char", "Ожидать ответ от приложения", items=YES_NO),
            "properties": _f("object", "Входные параметры"),
            "returnProperties": _f("object", "Выходные параметры"),
            "documentType": _f("string", _DOCUMENT_TYPE_LABEL, multiple=True),
            "filter": _f("object", "Правила INCLUDE/EXCLUDE для типа документа"),
            "usePlacement": _f("char", "Открывать настройки в слайдере", items=YES_NO),
            "placementHandler": _f("url", "URL слайдера"),
        },
        batch_actions=(),
        id_kind="str",
        # The pages' error table names the unknown-code and duplicate-code errors.
        legacy=Legacy(
            not_found="Activity or Robot not found",
            delete_missing=(404, "ERROR_ACTIVITY_NOT_FOUND", "Activity or Robot not found"),
            protected_field="code",
            protected_value=None,
            protected_message="",
            create_returns_id=True,
            update_returns_true=False,
        ),
    )


BIZPROC_ACTIVITIES = _code_entity("bizproc-activities", "действия")
BIZPROC_ROBOTS = _code_entity("bizproc-robots", "робота")

OPENLINE_CONFIGS = Entity(
    name="openline-configs",
    scope="imopenlines",
    operations=_LIST_GET,
    fields={
        "id": _id(),
        "name": _f("string", "Название", required=True),
        "active": _f("boolean", "Активна"),
        "lineId": _ro("integer", "Линия"),
        "queueType": _f(
            "string",
            "Распределение",
            items=(("evenly", "Равномерно"), ("strictly", "Строго по очереди"), ("all", "Всем сразу")),
        ),
        "agentId": _f("user", "Оператор"),
        "workTimeFrom": _f("string", "Начало рабочего дня (ЧЧ:ММ)"),
        "workTimeTo": _f("string", "Конец рабочего дня (ЧЧ:ММ)"),
    },
    aggregatable=("active", "queueType"),
    batch_actions=(),
)

TELEPHONY_LINES = Entity(
    name="telephony-lines",
    scope="telephony",
    operations=_NO_GET,
    fields={
        "id": _id(),
        "number": _f("string", "Номер линии", required=True),
        "serverName": _f("string", "Сервер"),
        "name": _f("string", "Название"),
    },
    aggregatable=("serverName",),
    batch_actions=(),
)

LIST_ELEMENTS = Entity(
    name="list-elements",
    scope="lists",
    operations=frozenset({"fields"}),
    fields={
        "id": _id(),
        "iblockId": _f("integer", "Список (инфоблок)"),
        "iblockTypeId": _f("string", "Тип инфоблока"),
        "name": _f("string", "Название"),
        "sectionId": _f("integer", "Раздел"),
        "code": _f("string", "Символьный код"),
        "active": _f("boolean", "Активен"),
        "sort": _f("integer", "Сортировка"),
        "createdBy": _ro("user", "ID создателя"),
        "createdAt": _ro("datetime", "Дата создания"),
    },
    batch_actions=(),
)

PRODUCTS = Entity(
    name="products",
    scope="crm",
    operations=_WITH_FIELDS,
    fields={
        "id": _id(),
        "name": _f("string", "Название", required=True),
        "active": _f("boolean", "Активен"),
        "price": _f("double", "Цена"),
        "currency": _f("crm_currency", "Валюта", items=CURRENCY_ITEMS),
        "sectionId": _f("integer", "Раздел"),
        "catalogId": _f("integer", "Каталог"),
        "measure": _f("integer", "Единица измерения"),
        "description": _f("text", "Описание"),
        "sort": _f("integer", "Сортировка"),
        "xmlId": _f("string", "Внешний код"),
        "createdAt": _ro("datetime", "Дата создания"),
        "updatedAt": _ro("datetime", "Дата изменения"),
    },
    relations={"section": Relation("product-sections", "sectionId")},
    aggregatable=("price", "currency", "sectionId", "active"),
    batch_actions=(),
)

PRODUCT_SECTIONS = Entity(
    name="product-sections",
    scope="crm",
    operations=_WITH_FIELDS,
    fields={
        "id": _id(),
        "name": _f("string", "Название", required=True),
        "catalogId": _f("integer", "Каталог"),
        "sectionId": _f("integer", "Родительский раздел"),
        "xmlId": _f("string", "Внешний код"),
        "sort": _f("integer", "Сортировка"),
    },
    aggregatable=("sectionId", "catalogId"),
    batch_actions=(),
)

ENTITIES: Mapping[str, Entity] = MappingProxyType(
    {
        e.name: e
        for e in (
            PRODUCTS,
            PRODUCT_SECTIONS,
            CATALOG_PRODUCTS,
            CATALOG_SECTIONS,
            CATALOG_PRICES,
            WAREHOUSES,
            ORDERS,
            PAYMENTS,
            BASKET_ITEMS,
            ORDER_STATUSES,
            SITES,
            PAGES,
            DOC_TEMPLATES,
            DOCUMENTS,
            BOOKINGS,
            BIZPROC_TEMPLATES,
            BIZPROC_ACTIVITIES,
            BIZPROC_ROBOTS,
            OPENLINE_CONFIGS,
            TELEPHONY_LINES,
            LIST_ELEMENTS,
        )
    }
)


def prepare(entity: Entity, row: dict[str, object], store: Store) -> None:
    """Before a create is stored: a code-keyed record takes its code as its key, once per portal."""
    if entity.name in CODE_KEYED:
        code = row.get("code")
        if isinstance(code, str) and code in store.table(entity.name):
            raise ApiError(
                400,
                "ERROR_ACTIVITY_ALREADY_INSTALLED",
                f"Activity or Robot with code '{echo(code)}' is already installed",
            )
        row["id"] = code
