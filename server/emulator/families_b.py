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
from .schema import CURRENCY_ITEMS, Entity, Legacy, Relation, ro, rw
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
_ID = ro("integer", "Идентификатор записи")


CATALOG_PRODUCTS = Entity(
    name="catalog-products",
    scope="catalog",
    operations=_WITH_FIELDS,
    fields={
        "id": _ID,
        "name": rw("string", "Название", required=True),
        "active": rw("boolean", "Активен"),
        "iblockId": rw("integer", "Торговый каталог (инфоблок)", required=True),
        "iblockSectionId": rw("integer", "Раздел каталога"),
        "purchasingPrice": rw("double", "Закупочная цена"),
        "purchasingCurrency": rw("crm_currency", "Валюта закупочной цены", items=CURRENCY_ITEMS),
        "quantity": rw("double", "Остаток"),
        "weight": rw("double", "Вес, г"),
        "measure": rw("integer", "Единица измерения"),
        "createdAt": ro("datetime", "Дата создания"),
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
        "id": _ID,
        "iblockId": rw("integer", "Торговый каталог (инфоблок)", required=True),
        "iblockSectionId": rw("integer", "Родительский раздел"),
        "name": rw("string", "Название", required=True),
        "xmlId": rw("string", "Внешний код"),
        "code": rw("string", "Символьный код"),
        "sort": rw("integer", "Сортировка"),
        "active": rw("boolean", "Активен"),
        "description": rw("text", "Описание"),
        "dateCreate": ro("datetime", "Дата создания"),
        "createdBy": ro("user", "ID создателя"),
        "modifiedBy": ro("user", "Кем изменён"),
    },
    aggregatable=("iblockSectionId", "active"),
    batch_actions=(),
)

CATALOG_PRICES = Entity(
    name="catalog-prices",
    scope="catalog",
    operations=_LIST_GET,
    fields={
        "id": _ID,
        "catalogGroupId": rw("integer", "Тип цены", required=True),
        "currency": rw("crm_currency", "Валюта", items=CURRENCY_ITEMS, required=True),
        "price": rw("double", "Цена", required=True),
        "productId": rw("integer", "Товар", required=True),
        "quantityFrom": rw("integer", "Количество от"),
        "quantityTo": rw("integer", "Количество до"),
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
        "id": _ID,
        "title": rw("string", "Название", required=True),
        "address": rw("string", "Адрес", required=True),
        "active": rw("boolean", "Активен"),
        "description": rw("text", "Описание"),
        "phone": rw("string", "Телефон"),
        "schedule": rw("string", "График работы"),
        "email": rw("string", "E-mail"),
        "sort": rw("integer", "Сортировка"),
        "isDefault": rw("boolean", "Склад по умолчанию"),
        "dateCreate": ro("datetime", "Дата создания"),
        "dateModify": ro("datetime", "Дата изменения"),
    },
    aggregatable=("active",),
    batch_actions=(),
)

ORDERS = Entity(
    name="orders",
    scope="sale",
    operations=_WITH_FIELDS,
    fields={
        "id": _ID,
        "accountNumber": rw("string", "Номер заказа"),
        "price": rw("double", "Сумма"),
        "currency": rw("crm_currency", "Валюта", items=CURRENCY_ITEMS, required=True),
        "statusId": rw("string", "Статус", items=ORDER_STATUS_ITEMS),
        "userId": rw("integer", "Покупатель", required=True),
        "dateInsert": ro("datetime", "Дата создания"),
        "dateUpdate": ro("datetime", "Дата изменения"),
        "payed": rw("boolean", "Оплачен"),
        "canceled": rw("boolean", "Отменён"),
    },
    aggregatable=("price", "currency", "statusId", "payed", "canceled"),
    batch_actions=(),
)

PAYMENTS = Entity(
    name="payments",
    scope="sale",
    operations=_LIST_GET,
    fields={
        "id": _ID,
        "orderId": rw("integer", "Заказ", required=True),
        "paySystemId": rw("integer", "Платёжная система", required=True),
        "sum": rw("double", "Сумма"),
        "currency": rw("crm_currency", "Валюта", items=CURRENCY_ITEMS),
        "paid": rw("boolean", "Оплачена"),
        "datePaid": rw("datetime", "Дата оплаты"),
        "comments": rw("text", "Комментарий"),
        "accountNumber": ro("string", "Номер оплаты"),
        "dateBill": rw("datetime", "Дата счёта"),
        "xmlId": rw("string", "Внешний код"),
        "responsibleId": rw("user", "Ответственный"),
        "isReturn": rw("boolean", "Возврат"),
        "paySystemName": ro("string", "Название платёжной системы"),
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
        "id": _ID,
        "orderId": rw("integer", "Заказ", required=True),
        "productId": rw("integer", "Товар", required=True),
        "name": rw("string", "Название"),
        "price": rw("double", "Цена"),
        "basePrice": rw("double", "Цена без скидки"),
        "discountPrice": rw("double", "Скидка"),
        "currency": rw("crm_currency", "Валюта", items=CURRENCY_ITEMS),
        "quantity": rw("double", "Количество"),
        "sort": rw("integer", "Сортировка"),
        "weight": rw("double", "Вес, г"),
        "vatRate": rw("double", "Ставка НДС"),
        "vatIncluded": rw("boolean", "НДС включён в цену"),
        "dateInsert": ro("datetime", "Дата добавления"),
        "dateUpdate": ro("datetime", "Дата изменения"),
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
        "id": rw("string", "Код статуса", required=True),
        "type": rw("string", "Тип (O — заказ, D — доставка)", items=(("O", "Заказ"), ("D", "Доставка"))),
        "sort": rw("integer", "Сортировка"),
        "notify": rw("boolean", "Уведомлять покупателя"),
        "color": rw("string", "Цвет"),
        "xmlId": rw("string", "Внешний код"),
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
        "id": _ID,
        "title": rw("string", "Название", required=True),
        "code": rw("string", "Адрес (код)", required=True),
        "type": rw("string", "Тип", items=(("PAGE", "Сайт"), ("STORE", "Магазин"), ("KNOWLEDGE", "База знаний"))),
        "active": rw("boolean", "Опубликован"),
        "domainId": rw("integer", "Домен"),
        "createdById": ro("user", "Кем создан"),
        "dateCreate": ro("datetime", "Дата создания"),
        "dateModify": ro("datetime", "Дата изменения"),
    },
    aggregatable=("type", "active"),
    batch_actions=(),
)

PAGES = Entity(
    name="pages",
    scope="landing",
    operations=_LIST_GET,
    fields={
        "id": _ID,
        "title": rw("string", "Название", required=True),
        "code": rw("string", "Адрес (код)"),
        "siteId": rw("integer", "Сайт", required=True),
        "active": rw("boolean", "Опубликована"),
        "description": rw("text", "Описание"),
        "createdById": ro("user", "Кем создана"),
        "dateCreate": ro("datetime", "Дата создания"),
        "dateModify": ro("datetime", "Дата изменения"),
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
        "id": _ID,
        "name": rw("string", "Название", required=True),
        "numeratorId": rw("integer", "Нумератор"),
        "region": rw("string", "Страна (ru, by, kz, ua)"),
        "code": rw("string", "Символьный код"),
        "provider": rw("string", "Источник данных"),
        "moduleId": rw("string", "Модуль"),
        "active": rw("boolean", "Активен"),
        "bodyType": rw("string", "Формат файла шаблона"),
        "stamps": rw("boolean", "Печати и подписи"),
        "sort": rw("integer", "Сортировка"),
        "isDeleted": ro("boolean", "Удалён"),
        "createTime": ro("datetime", "Дата создания"),
        "updateTime": ro("datetime", "Дата изменения"),
    },
    aggregatable=("region", "active", "provider"),
    batch_actions=(),
)

DOCUMENTS = Entity(
    name="documents",
    scope="documentgenerator",
    operations=_WITH_FIELDS,
    fields={
        "id": _ID,
        "title": rw("string", "Название"),
        "number": rw("string", "Номер"),
        "templateId": rw("integer", "Шаблон", required=True),
        "createTime": ro("datetime", "Дата создания"),
        "updateTime": ro("datetime", "Дата изменения"),
        "values": rw("string", "Значения полей шаблона"),
        "fileId": rw("integer", "Файл DOCX"),
        "pdfId": rw("integer", "Файл PDF"),
        "imageId": rw("integer", "Превью"),
        "stampsEnabled": rw("boolean", "С печатями и подписями"),
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
        "id": _ID,
        "name": rw("string", "Название"),
        "description": rw("text", "Описание"),
        "resourceIds": rw("integer", "Ресурсы", multiple=True, required=True),
        # `{from, to, timezone}` in booking.v1: kept as the page types it, an ISO interval "from/to".
        "datePeriod": rw("string", "Период (ISO 8601: начало/конец)", required=True),
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
        "id": _ID,
        "moduleId": rw("string", "Модуль", required=True),
        "entity": rw("string", "Сущность", required=True),
        "documentType": rw("string", _DOCUMENT_TYPE_LABEL, multiple=True, required=True),
        "autoExecute": rw("integer", "Автозапуск (0 нет, 1 при создании, 2 при изменении, 3 оба)"),
        "name": rw("string", "Название"),
        "description": rw("text", "Описание"),
        "modified": ro("datetime", "Дата изменения"),
        "isModified": ro("boolean", "Изменён"),
        "userId": rw("user", "Автор"),
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
            "id": ro("string", "Код (id в путях)"),  # the code again: paths and lists use it as the id
            "code": rw("string", f"Уникальный код {noun} (a-z, A-Z, 0-9, ., -, _)", required=True),
            "handler": rw("url", "URL обработчика", required=True),
            "name": rw("string", "Название", required=True),
            "description": rw("text", "Описание"),
            "authUserId": rw("user", "Пользователь, чей токен передаётся приложению"),
            "useSubscription": rw("char", "Ожидать ответ от приложения", items=YES_NO),
            "properties": rw("object", "Входные параметры"),
            "returnProperties": rw("object", "Выходные параметры"),
            "documentType": rw("string", _DOCUMENT_TYPE_LABEL, multiple=True),
            "filter": rw("object", "Правила INCLUDE/EXCLUDE для типа документа"),
            "usePlacement": rw("char", "Открывать настройки в слайдере", items=YES_NO),
            "placementHandler": rw("url", "URL слайдера"),
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
        "id": _ID,
        "name": rw("string", "Название", required=True),
        "active": rw("boolean", "Активна"),
        "lineId": ro("integer", "Линия"),
        "queueType": rw(
            "string",
            "Распределение",
            items=(("evenly", "Равномерно"), ("strictly", "Строго по очереди"), ("all", "Всем сразу")),
        ),
        "agentId": rw("user", "Оператор"),
        "workTimeFrom": rw("string", "Начало рабочего дня (ЧЧ:ММ)"),
        "workTimeTo": rw("string", "Конец рабочего дня (ЧЧ:ММ)"),
    },
    aggregatable=("active", "queueType"),
    batch_actions=(),
)

TELEPHONY_LINES = Entity(
    name="telephony-lines",
    scope="telephony",
    operations=_NO_GET,
    fields={
        "id": _ID,
        "number": rw("string", "Номер линии", required=True),
        "serverName": rw("string", "Сервер"),
        "name": rw("string", "Название"),
    },
    aggregatable=("serverName",),
    batch_actions=(),
)

LIST_ELEMENTS = Entity(
    name="list-elements",
    scope="lists",
    operations=frozenset({"fields"}),
    fields={
        "id": _ID,
        "iblockId": rw("integer", "Список (инфоблок)"),
        "iblockTypeId": rw("string", "Тип инфоблока"),
        "name": rw("string", "Название"),
        "sectionId": rw("integer", "Раздел"),
        "code": rw("string", "Символьный код"),
        "active": rw("boolean", "Активен"),
        "sort": rw("integer", "Сортировка"),
        "createdBy": ro("user", "ID создателя"),
        "createdAt": ro("datetime", "Дата создания"),
    },
    batch_actions=(),
)

PRODUCTS = Entity(
    name="products",
    scope="crm",
    operations=_WITH_FIELDS,
    fields={
        "id": _ID,
        "name": rw("string", "Название", required=True),
        "active": rw("boolean", "Активен"),
        "price": rw("double", "Цена"),
        "currency": rw("crm_currency", "Валюта", items=CURRENCY_ITEMS),
        "sectionId": rw("integer", "Раздел"),
        "catalogId": rw("integer", "Каталог"),
        "measure": rw("integer", "Единица измерения"),
        "description": rw("text", "Описание"),
        "sort": rw("integer", "Сортировка"),
        "xmlId": rw("string", "Внешний код"),
        "createdAt": ro("datetime", "Дата создания"),
        "updatedAt": ro("datetime", "Дата изменения"),
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
        "id": _ID,
        "name": rw("string", "Название", required=True),
        "catalogId": rw("integer", "Каталог"),
        "sectionId": rw("integer", "Родительский раздел"),
        "xmlId": rw("string", "Внешний код"),
        "sort": rw("integer", "Сортировка"),
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
