"""Entity definitions of the demo portal: field metadata as the VibeCode docs describe it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

FIELD_TYPES = frozenset(
    {
        "integer",
        "double",
        "string",
        "text",
        "boolean",
        "char",
        "date",
        "datetime",
        "enumeration",
        "user",
        "crm_status",
        "crm_currency",
        "crm_category",
        "crm_company",
        "crm_contact",
        "crm_lead",
        "crm_multifield",
        "money",
        "url",
        "file",
        "object",  # structured values passed through (bizproc activity properties)
    }
)

# Python type of one (non-multiple) value of each field type, as records hold it.
# money is "1500.50|RUB" and crm_multifield is {"value": ..., "valueType": ...}, as on the live portal.
VALUE_TYPES: Mapping[str, type] = MappingProxyType(
    {
        "integer": int,
        "user": int,
        "crm_category": int,
        "crm_company": int,
        "crm_contact": int,
        "crm_lead": int,
        "double": float,
        "string": str,
        "text": str,
        "char": str,
        "date": str,
        "datetime": str,
        "enumeration": int,  # the value's id, as live records show it (`[493]`)
        "crm_status": str,
        "crm_currency": str,
        "money": str,
        "url": str,
        "file": str,
        "boolean": bool,
        "crm_multifield": dict,
        "object": dict,
    }
)

ALL_OPERATIONS = frozenset({"list", "get", "create", "update", "delete", "search", "aggregate", "fields", "batch"})


@dataclass(frozen=True, slots=True)
class Field:
    type: str
    readonly: bool = False
    required: bool = False
    multiple: bool = False
    label: str = ""
    items: tuple[tuple[str, str], ...] = ()
    status_type: str = ""
    user_field: bool = False


@dataclass(frozen=True, slots=True)
class Relation:
    entity: str
    key: str
    many: bool = False
    # The other side holds the key: the related record is the latest `entity` row whose `key` is this id.
    reverse: bool = False
    # Found from the other side (a company's requisites): records of `entity` whose `key` is this
    # record's id and whose entityTypeId is `owner_type`.
    owner_type: int = 0


@dataclass(frozen=True, slots=True)
class Legacy:
    """How an entity on Bitrix's older crm.status / crm.dealcategory / crm.currency methods answers, as its
    pages show: 404 NOT_FOUND with its own message, `data: true` after an update, `{id}` after a create,
    422 BITRIX_ERROR for a duplicate key or a delete of a missing or protected record."""

    not_found: str
    delete_missing: tuple[int, str, str]
    protected_field: str
    protected_value: object
    protected_message: str
    duplicate_key: tuple[str, ...] = ()
    duplicate_message: str = ""
    create_returns_id: bool = False
    update_returns_true: bool = True


@dataclass(frozen=True, slots=True)
class Entity:
    name: str
    scope: str
    operations: frozenset[str]
    fields: Mapping[str, Field]
    relations: Mapping[str, Relation] = field(default_factory=dict)
    aggregatable: tuple[str, ...] = ()
    batch_actions: tuple[str, ...] = ("create", "update", "delete")
    id_kind: str = "int"
    legacy: Legacy | None = None
    # The other documented spelling of each user field (`ufCrm_1234` for `UF_CRM_1234` and back).
    aliases: Mapping[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        aliases = {}
        for name in self.fields:
            other = uf_alias(name)
            if other is not None and other not in self.fields:
                aliases[other] = name
        object.__setattr__(self, "aliases", MappingProxyType(aliases))

    def field_name(self, name: str) -> str:
        """The stored name of a field given in either user-field spelling (unknown names unchanged)."""
        return self.aliases.get(name, name)


def ro(type_: str, label: str = "", *, multiple: bool = False) -> Field:
    """A field the portal fills in and a write cannot set."""
    return Field(type_, readonly=True, label=label, multiple=multiple)


def rw(
    type_: str,
    label: str = "",
    *,
    required: bool = False,
    multiple: bool = False,
    items: tuple[tuple[str, str], ...] = (),
) -> Field:
    """A field a write may set; the entity tables of every family build theirs with these two."""
    return Field(type_, required=required, multiple=multiple, label=label, items=items)


_CAMEL_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def uf_alias(name: str) -> str | None:
    """`UF_CRM_PRIORITY` <-> `ufCrmPriority`, `UF_CRM_1234` <-> `ufCrm_1234`; None for other names.

    The deals pages name user fields both ways (`UF_CRM_*` from the userfields API, `ufCrm*` in
    records); Bitrix's crm.item camel-cases each word and keeps an underscore before digits.
    """
    if name.startswith("UF_CRM_") and len(name) > 7:
        parts = [p for p in name[7:].split("_") if p]
        head = parts.pop(0) if len(parts) > 1 and parts[0].isdigit() else ""  # smart processes: ufCrm7_...
        return "ufCrm" + head + "".join("_" + p if p.isdigit() else p.capitalize() for p in parts)
    if name.startswith("ufCrm") and len(name) > 5:
        rest = _CAMEL_BREAK.sub("_", name[5:]).strip("_")
        return "UF_CRM_" + re.sub("_+", "_", rest).upper() if rest else None
    return None


# --- Reference lists (crm.status). Each entry: (statusId, name, semantics or ""). ---

DEAL_CATEGORIES: tuple[tuple[int, str, int], ...] = (
    (0, "Общая", 100),
    (1, "Тендеры", 200),
    (2, "Сервисные контракты", 300),
)

DEAL_STAGES: Mapping[int, tuple[tuple[str, str, str], ...]] = MappingProxyType(
    {
        0: (
            ("NEW", "Новая", "P"),
            ("PREPARATION", "Подготовка документов", "P"),
            ("PREPAYMENT_INVOICE", "Счёт на предоплату", "P"),
            ("EXECUTING", "В работе", "P"),
            ("FINAL_INVOICE", "Финальный счёт", "P"),
            ("WON", "Сделка успешна", "S"),
            ("LOSE", "Сделка провалена", "F"),
        ),
        1: (
            ("C1:NEW", "Новый тендер", "P"),
            ("C1:PREPARATION", "Подготовка заявки", "P"),
            ("C1:WON", "Тендер выигран", "S"),
            ("C1:LOSE", "Тендер проигран", "F"),
        ),
        2: (
            ("C2:NEW", "Новый контракт", "P"),
            ("C2:EXECUTING", "Согласование", "P"),
            ("C2:WON", "Контракт подписан", "S"),
            ("C2:LOSE", "Отказ", "F"),
        ),
    }
)

STATUS_LISTS: Mapping[str, tuple[tuple[str, str, str], ...]] = MappingProxyType(
    {
        "STATUS": (
            ("NEW", "Не обработан", "P"),
            ("IN_PROCESS", "В работе", "P"),
            ("PROCESSED", "Обработан", "P"),
            ("CONVERTED", "Качественный лид", "S"),
            ("JUNK", "Некачественный лид", "F"),
        ),
        "SOURCE": (
            ("CALL", "Звонок", ""),
            ("EMAIL", "Электронная почта", ""),
            ("WEB", "Веб-сайт", ""),
            ("ADVERTISING", "Реклама", ""),
            ("PARTNER", "Существующий клиент", ""),
            ("RECOMMENDATION", "По рекомендации", ""),
            ("TRADE_SHOW", "Выставка", ""),
            ("OTHER", "Другое", ""),
        ),
        "DEAL_TYPE": (
            ("SALE", "Продажа", ""),
            ("COMPLEX", "Комплексная продажа", ""),
            ("GOODS", "Продажа товара", ""),
            ("SERVICES", "Продажа услуги", ""),
            ("SERVICE", "Сервисное обслуживание", ""),
        ),
        "CONTACT_TYPE": (
            ("CLIENT", "Клиенты", ""),
            ("SUPPLIER", "Поставщики", ""),
            ("PARTNER", "Партнёры", ""),
            ("OTHER", "Другое", ""),
        ),
        "COMPANY_TYPE": (
            ("CUSTOMER", "Клиент", ""),
            ("SUPPLIER", "Поставщик", ""),
            ("COMPETITOR", "Конкурент", ""),
            ("PARTNER", "Партнёр", ""),
            ("OTHER", "Другое", ""),
        ),
        "INDUSTRY": (
            ("IT", "Информационные технологии", ""),
            ("TELECOM", "Телекоммуникации и связь", ""),
            ("MANUFACTURING", "Производство", ""),
            ("BANKING", "Банковские услуги", ""),
            ("CONSULTING", "Консалтинг", ""),
            ("FINANCE", "Финансы", ""),
            ("GOVERNMENT", "Государственный сектор", ""),
            ("DELIVERY", "Доставка", ""),
            ("ENTERTAINMENT", "Развлечения", ""),
            ("NOTPROFIT", "Некоммерческие организации", ""),
            ("OTHER", "Другое", ""),
        ),
        "EMPLOYEES": (
            ("EMPLOYEES_1", "менее 50", ""),
            ("EMPLOYEES_2", "50–250", ""),
            ("EMPLOYEES_3", "250–500", ""),
            ("EMPLOYEES_4", "более 500", ""),
        ),
        "HONORIFIC": (
            ("HNR_RU_1", "г-н", ""),
            ("HNR_RU_2", "г-жа", ""),
        ),
    }
)

CURRENCY_ITEMS: tuple[tuple[str, str], ...] = (
    ("RUB", "Российский рубль"),
    ("USD", "Доллар США"),
    ("EUR", "Евро"),
)

TASK_STATUS_ITEMS: tuple[tuple[str, str], ...] = (
    ("2", "Ждёт выполнения"),
    ("3", "Выполняется"),
    ("4", "Ожидает контроля"),
    ("5", "Завершена"),
    ("6", "Отложена"),
)
TASK_PRIORITY_ITEMS: tuple[tuple[str, str], ...] = (("0", "Низкий"), ("1", "Средний"), ("2", "Высокий"))


def stage_entity_id(category_id: int) -> str:
    """crm.status entityId holding the stages of a deal pipeline."""
    return "DEAL_STAGE" if category_id == 0 else f"DEAL_STAGE_{category_id}"


_STAGE_PREFIX = re.compile(r"C([0-9]{1,9}):")


def stage_category(stage_id: str) -> int:
    """Pipeline id encoded in a stage id ("C1:WON" -> 1, "WON" -> 0).

    Only `C` + 1–9 ASCII digits + `:` is a pipeline prefix; anything else (`Cx:NEW`, `C:NEW`, a
    22-digit number, non-ASCII digits) is a stage id of pipeline 0, which validation then refuses
    unless the statuses list it."""
    m = _STAGE_PREFIX.match(stage_id)
    return int(m.group(1)) if m else 0


STAGE_SEMANTICS: Mapping[str, str] = MappingProxyType(
    {stage: sem for stages in DEAL_STAGES.values() for stage, _, sem in stages}
)
SEMANTIC_ITEMS: tuple[tuple[str, str], ...] = (("P", "В работе"), ("S", "Успешная"), ("F", "Провалена"))


def _items(entity_id: str) -> tuple[tuple[str, str], ...]:
    return tuple((sid, name) for sid, name, _ in STATUS_LISTS[entity_id])


def _status(status_type: str, label: str, items: tuple[tuple[str, str], ...] | None = None) -> Field:
    return Field(
        "crm_status",
        label=label,
        status_type=status_type,
        items=_items(status_type) if items is None else items,
    )


def _mf(label: str) -> Field:
    return Field("crm_multifield", multiple=True, label=label)


def _uf(type_: str, label: str, *, items: tuple[tuple[str, str], ...] = (), multiple: bool = False) -> Field:
    return Field(type_, label=label, items=items, multiple=multiple, user_field=True)


_ID = ro("integer", "ID")
_CRUD = frozenset({"list", "get", "create", "update", "delete", "fields"})
_CRUD_SEARCH = frozenset({"list", "get", "create", "update", "delete", "search", "aggregate"})

DEAL_PRIORITY_ITEMS: tuple[tuple[str, str], ...] = (("45", "Высокий"), ("46", "Средний"), ("47", "Низкий"))
DEAL_PRODUCT_ITEMS: tuple[tuple[str, str], ...] = (
    ("50", "CRM"),
    ("51", "Телефония"),
    ("52", "Аналитика"),
    ("53", "Обучение"),
)
CONTACT_LOYALTY_ITEMS: tuple[tuple[str, str], ...] = (("60", "Новый"), ("61", "Постоянный"), ("62", "VIP"))
# The user fields the aggregate pages' examples group and sum by (Companies/Contacts/Leads: Aggregate).
COMPANY_SEGMENT_ITEMS: tuple[tuple[str, str], ...] = (
    ("70", "Малый бизнес"),
    ("71", "Средний бизнес"),
    ("72", "Крупный"),
)
CONTACT_SEGMENT_ITEMS: tuple[tuple[str, str], ...] = (
    ("75", "Лицо, принимающее решения"),
    ("76", "Влияет"),
    ("77", "Пользователь"),
)

DEALS = Entity(
    name="deals",
    scope="crm",
    operations=ALL_OPERATIONS,
    fields={
        "id": _ID,
        "title": Field("string", required=True, label="Название"),  # "fields.title: Required" (Коды ошибок)
        "amount": Field("double", label="Сумма"),
        "currency": Field("crm_currency", label="Валюта", items=CURRENCY_ITEMS),
        "stageId": Field(
            "crm_status",
            label="Стадия сделки",
            status_type="DEAL_STAGE",
            items=tuple((sid, name) for stages in DEAL_STAGES.values() for sid, name, _ in stages),
        ),
        # Not in the docs table but returned by the live API and aggregatable there.
        "stageSemanticId": Field("string", readonly=True, label="Группа стадии", items=SEMANTIC_ITEMS),
        "closed": ro("boolean", "Сделка закрыта"),
        "categoryId": Field("crm_category", label="Воронка", items=tuple((str(i), n) for i, n, _ in DEAL_CATEGORIES)),
        "companyId": Field("integer", label="Компания"),
        "contactId": Field("integer", label="Контакт"),
        "contactIds": ro("integer", "Контакты", multiple=True),
        "assignedById": Field("user", label="Ответственный"),
        "createdBy": ro("user", "Кем создана"),
        "updatedBy": ro("user", "Кем изменена"),
        "createdAt": ro("datetime", "Дата создания"),
        "updatedAt": ro("datetime", "Дата изменения"),
        "begindate": Field("date", label="Дата начала"),
        "closedAt": Field("datetime", label="Дата закрытия"),
        "sourceId": _status("SOURCE", "Источник"),
        "sourceDescription": Field("text", label="Дополнительно об источнике"),
        "probability": Field("integer", label="Вероятность, %"),
        "opened": Field("boolean", label="Доступна для всех"),
        "comments": Field("text", label="Комментарий"),
        "observers": Field("user", multiple=True, label="Наблюдатели"),
        "typeId": _status("DEAL_TYPE", "Тип"),
        "isReturning": Field("boolean", label="Повторная сделка"),
        "UF_CRM_PRIORITY": _uf("enumeration", "Приоритет", items=DEAL_PRIORITY_ITEMS),
        "UF_CRM_BUDGET": _uf("money", "Бюджет клиента"),
        "UF_CRM_SCORE": _uf("double", "Скоринг"),
        "UF_CRM_PRODUCTS": _uf("enumeration", "Продуктовые линейки", items=DEAL_PRODUCT_ITEMS, multiple=True),
        "UF_CRM_CONTRACT_DATE": _uf("date", "Дата договора"),
        "ufCrm_1712345678": _uf("string", "Номер договора"),
        # "entityTypeId: 2 = сделки" in the Deals: Create response.
        "entityTypeId": ro("integer", "Тип сущности"),
    },
    relations={
        "contact": Relation("contacts", "contactIds", many=True),
        "company": Relation("companies", "companyId"),
        "quote": Relation("quotes", "dealId", reverse=True),  # Deals: Get, "Доступные include"
    },
    aggregatable=("amount", "stageId", "stageSemanticId", "categoryId", "assignedById", "sourceId"),
)

CONTACTS = Entity(
    name="contacts",
    scope="crm",
    operations=ALL_OPERATIONS,
    fields={
        "id": _ID,
        "name": Field("string", label="Имя"),
        "lastName": Field("string", label="Фамилия"),
        "secondName": Field("string", label="Отчество"),
        "honorific": _status("HONORIFIC", "Обращение"),
        "phone": _mf("Телефон"),
        "email": _mf("E-mail"),
        "companyId": Field("integer", label="Компания"),
        "post": Field("string", label="Должность"),
        "comments": Field("text", label="Комментарий"),
        "typeId": _status("CONTACT_TYPE", "Тип контакта"),
        "sourceId": _status("SOURCE", "Источник"),
        "sourceDescription": Field("text", label="Дополнительно об источнике"),
        "assignedById": Field("user", label="Ответственный"),
        "createdBy": ro("user", "Кем создан"),
        "updatedBy": ro("user", "Кем изменён"),
        "createdTime": ro("datetime", "Дата создания"),
        "updatedTime": ro("datetime", "Дата изменения"),
        "opened": Field("boolean", label="Доступен для всех"),
        "export": Field("boolean", label="Участвует в экспорте"),
        "leadId": Field("integer", label="Лид"),
        "UF_CRM_LOYALTY": _uf("enumeration", "Лояльность", items=CONTACT_LOYALTY_ITEMS),
        "UF_CRM_LTV": _uf("money", "Доход от клиента за всё время"),
        "UF_CRM_SEGMENT": _uf("enumeration", "Роль в закупке", items=CONTACT_SEGMENT_ITEMS),
    },
    relations={
        "company": Relation("companies", "companyId"),
        "requisite": Relation("requisites", "entityId", many=True, owner_type=3),
    },
    aggregatable=("typeId", "sourceId", "assignedById"),
)

COMPANIES = Entity(
    name="companies",
    scope="crm",
    operations=ALL_OPERATIONS,
    fields={
        "id": _ID,
        "title": Field("string", label="Название компании"),
        "companyType": _status("COMPANY_TYPE", "Тип компании"),
        "industry": _status("INDUSTRY", "Сфера деятельности"),
        "employees": _status("EMPLOYEES", "Кол-во сотрудников"),
        "revenue": Field("double", label="Годовой оборот"),
        "currencyId": Field("crm_currency", label="Валюта", items=CURRENCY_ITEMS),
        "phone": _mf("Телефон"),
        "email": _mf("E-mail"),
        "web": Field("string", label="Сайт"),
        "comments": Field("text", label="Комментарий"),
        "sourceId": _status("SOURCE", "Источник"),
        "sourceDescription": Field("text", label="Дополнительно об источнике"),
        "assignedById": Field("user", label="Ответственный"),
        "createdBy": ro("user", "Кем создана"),
        "updatedBy": ro("user", "Кем изменена"),
        "createdTime": ro("datetime", "Дата создания"),
        "updatedTime": ro("datetime", "Дата изменения"),
        "opened": Field("boolean", label="Доступна для всех"),
        "leadId": Field("integer", label="Лид"),
        "UF_CRM_INN": _uf("string", "ИНН"),
        "UF_CRM_BUDGET": _uf("money", "ИТ-бюджет в год"),
        "UF_CRM_SEGMENT": _uf("enumeration", "Сегмент", items=COMPANY_SEGMENT_ITEMS),
    },
    relations={"requisite": Relation("requisites", "entityId", many=True, owner_type=4)},
    aggregatable=("revenue", "companyType", "industry", "assignedById", "sourceId"),
)

LEADS = Entity(
    name="leads",
    scope="crm",
    operations=ALL_OPERATIONS,
    fields={
        "id": _ID,
        "title": Field("string", label="Название лида"),
        "name": Field("string", label="Имя"),
        "lastName": Field("string", label="Фамилия"),
        "secondName": Field("string", label="Отчество"),
        "statusId": _status("STATUS", "Стадия"),
        "companyTitle": Field("string", label="Название компании"),
        "companyId": Field("integer", label="Компания"),
        "contactId": Field("integer", label="Контакт"),
        "amount": Field("double", label="Сумма"),
        "currency": Field("crm_currency", label="Валюта", items=CURRENCY_ITEMS),
        "sourceId": _status("SOURCE", "Источник"),
        "sourceDescription": Field("text", label="Дополнительно об источнике"),
        "assignedById": Field("user", label="Ответственный"),
        "createdBy": ro("user", "Кем создан"),
        "opened": Field("boolean", label="Доступен для всех"),
        "comments": Field("text", label="Комментарий"),
        "post": Field("string", label="Должность"),
        "phone": _mf("Телефон"),
        "email": _mf("E-mail"),
        "createdTime": ro("datetime", "Дата создания"),
        "updatedTime": ro("datetime", "Дата изменения"),
        "UF_CRM_UTM_SOURCE": _uf("string", "UTM Source"),
        "UF_CRM_BUDGET": _uf("money", "Бюджет клиента"),
        "UF_CRM_PRIORITY": _uf("enumeration", "Приоритет", items=DEAL_PRIORITY_ITEMS),
    },
    relations={
        "contact": Relation("contacts", "contactId"),
        "company": Relation("companies", "companyId"),
    },
    aggregatable=("amount", "statusId", "sourceId", "assignedById"),
)

TASKS = Entity(
    name="tasks",
    scope="task",
    operations=ALL_OPERATIONS,
    fields={
        "id": _ID,
        "title": Field("string", label="Название"),
        "description": Field("text", label="Описание"),
        "responsibleId": Field("user", label="Исполнитель"),
        "createdBy": ro("user", "Постановщик"),
        # Numeric codes, as the Tasks page's field table and the filtering page's `{"status": {"$ne": 5}}` show.
        "status": Field("integer", label="Статус", items=TASK_STATUS_ITEMS),
        "priority": Field("integer", label="Приоритет", items=TASK_PRIORITY_ITEMS),
        "groupId": Field("integer", label="Проект"),
        "parentId": Field("integer", label="Базовая задача"),
        "deadline": Field("datetime", label="Крайний срок"),
        "startDatePlan": Field("datetime", label="Плановое начало"),
        "endDatePlan": Field("datetime", label="Плановое завершение"),
        "timeEstimate": Field("integer", label="Плановые трудозатраты, с"),
        "tags": Field("string", multiple=True, label="Теги"),
        "accomplices": Field("user", multiple=True, label="Соисполнители"),
        "auditors": Field("user", multiple=True, label="Наблюдатели"),
        "closedDate": ro("datetime", "Дата завершения"),
        "createdDate": ro("datetime", "Дата создания"),
        "changedDate": ro("datetime", "Дата изменения"),
        # Bitrix links tasks to CRM items through this UF, values like "D_12" (deal 12), "C_5" (contact 5).
        "ufCrmTask": _uf("string", "Элементы CRM", multiple=True),
    },
    relations={
        "responsible": Relation("users", "responsibleId"),
        "creator": Relation("users", "createdBy"),
    },
    aggregatable=("status", "priority", "responsibleId", "groupId"),
)

USERS = Entity(
    name="users",
    scope="user",
    # The Users page lists delete as disabled yet documents DELETE as a soft delete (deactivation): served
    # as the latter, since that is what the endpoint does.
    operations=frozenset({"list", "get", "create", "update", "delete", "fields", "search", "aggregate"}),
    fields={
        "id": _ID,
        "name": Field("string", label="Имя"),
        "lastName": Field("string", label="Фамилия"),
        "email": Field("string", label="E-mail"),
        "active": Field("boolean", label="Активен"),
        "workPosition": Field("string", label="Должность"),
        "departmentId": Field("integer", multiple=True, label="Подразделения"),
        "personalPhone": Field("string", label="Личный телефон"),
        "personalPhoto": Field("string", label="Фотография"),
        "isAdmin": ro("boolean", "Администратор"),
        "lastLogin": ro("datetime", "Последняя авторизация"),
    },
    batch_actions=(),
)

DEPARTMENTS = Entity(
    name="departments",
    scope="department",
    operations=_CRUD_SEARCH,
    fields={
        "id": _ID,
        "name": Field("string", label="Название"),
        "parentId": Field("integer", label="Вышестоящее подразделение"),
        "headId": Field("user", label="Руководитель"),
        "sort": Field("integer", label="Сортировка"),
    },
    batch_actions=(),
)

WORKGROUPS = Entity(
    name="workgroups",
    scope="sonet_group",
    operations=_CRUD_SEARCH,
    fields={
        "id": _ID,
        "name": Field("string", label="Название"),
        "description": Field("text", label="Описание"),
        "active": Field("boolean", label="Активна"),
        "visible": Field("boolean", label="Видна всем"),
        "opened": Field("boolean", label="Открытая"),
        "ownerId": Field("user", label="Владелец"),
        "subjectId": Field("integer", label="Тематика"),
        "subjectName": ro("string", "Название тематики"),
        "membersCount": ro("integer", "Участников"),
        "dateCreate": ro("datetime", "Дата создания"),
        "dateUpdate": ro("datetime", "Дата изменения"),
    },
    batch_actions=(),
)

STATUSES = Entity(
    name="statuses",
    scope="crm",
    operations=_CRUD,
    fields={
        "id": _ID,
        "entityId": Field("string", required=True, label="Тип справочника"),
        "statusId": Field("string", required=True, label="Код значения"),
        "name": Field("string", required=True, label="Название"),
        "nameInit": ro("string", "Исходное название"),
        "sort": Field("integer", label="Сортировка"),
        "color": Field("string", label="Цвет"),
        "semantics": Field("string", label="Семантика", items=SEMANTIC_ITEMS),
        "categoryId": Field("integer", label="Воронка"),
        "system": ro("char", "Системная запись"),
    },
    batch_actions=(),
    legacy=Legacy(  # Statuses: Create/Get/Update/Delete
        not_found="Status not found",
        delete_missing=(422, "BITRIX_ERROR", "Status is not found."),
        protected_field="system",
        protected_value="Y",
        protected_message="Status is not found.",
        duplicate_key=("entityId", "statusId"),
        duplicate_message="Duplicate STATUS_ID for this ENTITY_ID",
    ),
)

DEAL_CATEGORIES_ENTITY = Entity(
    name="deal-categories",
    scope="crm",
    operations=_CRUD,
    fields={
        "id": _ID,
        "name": Field("string", required=True, label="Название"),
        "sort": Field("integer", label="Сортировка"),
        "isLocked": ro("char", "Заблокирована"),
        "isDefault": ro("boolean", "Основная воронка"),
        "createdAt": ro("datetime", "Дата создания"),
    },
    batch_actions=(),
    legacy=Legacy(  # Deal Categories: Create/Get/Update/Delete
        not_found="Deal category not found",
        delete_missing=(422, "BITRIX_ERROR", "Not found."),
        protected_field="isDefault",
        protected_value=True,
        protected_message="Not found.",
        create_returns_id=True,
    ),
)

CURRENCIES = Entity(
    name="currencies",
    scope="crm",
    operations=_CRUD,
    fields={
        # The currency code is the id and is given by the caller on create.
        "id": Field("string", required=True, label="Код валюты"),
        "amount": Field("double", required=True, label="Курс обмена"),
        "amountCnt": Field("integer", required=True, label="Номинал"),
        "base": Field("boolean", label="Базовая валюта"),
        "sort": Field("integer", label="Сортировка"),
        "fullName": Field("string", label="Название"),
        "formatString": Field("string", label="Формат"),
        "decPoint": Field("string", label="Разделитель дробной части"),
        "thousandsSep": Field("string", label="Разделитель тысяч"),
        "decimals": Field("integer", label="Знаков после запятой"),
    },
    batch_actions=(),
    legacy=Legacy(  # Currencies: Create/Get/Update/Delete
        not_found="Currency not found",
        delete_missing=(404, "NOT_FOUND", "Currency not found"),
        protected_field="base",
        protected_value=True,
        protected_message="Нельзя удалить базовую валюту.",
        duplicate_key=("id",),
        duplicate_message="Currency already exists",
        create_returns_id=True,
    ),
    id_kind="str",
)

ENTITIES: Mapping[str, Entity] = MappingProxyType(
    {
        e.name: e
        for e in (
            DEALS,
            CONTACTS,
            COMPANIES,
            LEADS,
            TASKS,
            USERS,
            DEPARTMENTS,
            WORKGROUPS,
            STATUSES,
            DEAL_CATEGORIES_ENTITY,
            CURRENCIES,
        )
    }
)
