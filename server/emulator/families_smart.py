"""Demo-portal smart processes: their types (`smart-processes`), items (`items/:entityTypeId`) and
pipelines (`categories/:entityTypeId`), with stages as `DYNAMIC_{typeId}_STAGE_{cat}` statuses.

The demo company runs two smart processes; each type's items and pipelines are served as entities
of their own (`items/1032`), so every type has its own field metadata and user fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .errors import ApiError, echo
from .schema import CURRENCY_ITEMS, Entity, Field, _items, ro

_ID = ro("integer", "ID")
# entityTypeIds with an API of their own (Items: Aggregate, "Пример ответа при ошибке").
DEDICATED: Mapping[int, str] = MappingProxyType(
    {1: "leads", 2: "deals", 3: "contacts", 4: "companies", 7: "quotes", 31: "invoices"}
)
PATH_FAMILIES = ("items", "categories")


@dataclass(frozen=True)
class SmartType:
    id: int
    entity_type_id: int
    title: str
    code: str
    pipelines: tuple[tuple[int, str, tuple[tuple[str, str, str], ...]], ...]  # (categoryId, name, stages)
    user_fields: tuple[tuple[str, str, str], ...]  # (name suffix, type, label)

    def stage_id(self, category: int, code: str) -> str:
        return f"DT{self.entity_type_id}_{category}:{code}"

    def uf(self, suffix: str) -> str:
        return f"ufCrm{self.id}_{suffix}"


def status_record(
    id_: int, list_id: str, status_id: str, name: str, n: int, semantics: str, category: int | None, system: str = "N"
) -> dict[str, object]:
    """The `n`-th status of a list; a stage in progress ("P") has no semantics and the default colour."""
    return {
        "id": id_,
        "entityId": list_id,
        "statusId": status_id,
        "name": name,
        "nameInit": name,
        "sort": 10 * n,
        "color": {"S": "7BD500", "F": "FF5752"}.get(semantics, "39A8EF"),
        "semantics": semantics if semantics != "P" else None,
        "categoryId": category,
        "system": system,
    }


TYPES: tuple[SmartType, ...] = (
    SmartType(
        3,
        1032,
        "Договоры",
        "contracts",
        (
            (
                5,
                "Договоры с клиентами",
                (
                    ("NEW", "Черновик", "P"),
                    ("PREPARATION", "Согласование", "P"),
                    ("CLIENT", "Подписание", "P"),
                    ("SUCCESS", "Подписан", "S"),
                    ("FAIL", "Отменён", "F"),
                ),
            ),
            (
                6,
                "Договоры с поставщиками",
                (("NEW", "Черновик", "P"), ("SUCCESS", "Подписан", "S"), ("FAIL", "Отменён", "F")),
            ),
        ),  # fmt: skip
        (("1712000001", "string", "Номер договора"), ("1712000002", "date", "Действует до")),
    ),
    SmartType(
        4,
        1036,
        "Проекты внедрения",
        "implementation",
        (
            (
                7,
                "Внедрение",
                (
                    ("NEW", "Старт", "P"),
                    ("PREPARATION", "Настройка", "P"),
                    ("CLIENT", "Обучение", "P"),
                    ("SUCCESS", "Сдан", "S"),
                    ("FAIL", "Остановлен", "F"),
                ),
            ),
        ),  # fmt: skip
        (("1712000101", "double", "Часы по плану"), ("1712000102", "string", "Ссылка на проектную папку")),
    ),
)


def _flag(label: str) -> Field:
    return Field("boolean", label=label)


SMART_PROCESSES = Entity(
    name="smart-processes",
    scope="crm",
    # Written through `smart_types` (entityTypeId in the path, BITRIX_ERROR answers), not the generic writes.
    operations=frozenset({"list", "get", "create", "update", "delete", "fields", "search"}),
    fields={
        "id": _ID,
        "entityTypeId": Field("integer", readonly=True, label="ID типа"),
        "title": Field("string", required=True, label="Название"),
        "code": Field("string", label="Символьный код"),
        "customSectionId": Field("integer", readonly=True, label="Цифровое рабочее место"),
        "isCategoriesEnabled": _flag("Свои воронки"),
        "isStagesEnabled": _flag("Свои стадии"),
        "isClientEnabled": _flag("Поле «Клиент»"),
        "isLinkWithProductsEnabled": _flag("Привязка товаров"),
        "isObserversEnabled": _flag("Наблюдатели"),
        "isSourceEnabled": _flag("Источник"),
        "isAutomationEnabled": _flag("Роботы и триггеры"),
        "isBizProcEnabled": _flag("Бизнес-процессы"),
        "isDocumentsEnabled": _flag("Документы"),
        "isRecyclebinEnabled": _flag("Корзина"),
        "isSetOpenPermissions": _flag("Открытые права"),
        "isUseInUserfieldEnabled": _flag("В пользовательских полях"),
        "isBeginCloseDatesEnabled": _flag("Даты начала и завершения"),
        "isMycompanyEnabled": _flag("Реквизиты моей компании"),
        "isRecurringEnabled": _flag("Повторяющиеся элементы"),
        "isPaymentsEnabled": _flag("Оплата"),
        "isCountersEnabled": _flag("Счётчики"),
        "isInitialized": Field("boolean", readonly=True, label="Инициализирован"),
        "createdBy": Field("user", readonly=True, label="Кем создан"),
        "updatedBy": Field("user", readonly=True, label="Кем изменён"),
        "createdTime": Field("datetime", readonly=True, label="Дата создания"),
        "updatedTime": Field("datetime", readonly=True, label="Дата изменения"),
    },
    aggregatable=(),
    batch_actions=(),
)


def _stages(t: SmartType) -> tuple[tuple[str, str], ...]:
    return tuple((t.stage_id(cat, code), name) for cat, _, stages in t.pipelines for code, name, _ in stages)


def item_entity(t: SmartType) -> Entity:
    """`/v1/items/{entityTypeId}`: the crm.item fields (SPA names: opportunity, currencyId, createdTime…)."""
    fields = {
        "id": _ID,
        "title": Field("string", label="Название"),
        "stageId": Field(
            "crm_status", label="Стадия", items=_stages(t), status_type=f"DYNAMIC_{t.entity_type_id}_STAGE"
        ),
        "categoryId": Field("crm_category", label="Воронка", items=tuple((str(c), n) for c, n, _ in t.pipelines)),
        "opportunity": Field("double", label="Сумма"),
        "currencyId": Field("crm_currency", label="Валюта", items=CURRENCY_ITEMS),
        "companyId": Field("crm_company", label="Компания"),
        "contactId": Field("crm_contact", label="Контакт"),
        "assignedById": Field("user", label="Ответственный"),
        "observers": Field("user", multiple=True, label="Наблюдатели"),
        "sourceId": Field("crm_status", label="Источник", status_type="SOURCE", items=_items("SOURCE")),
        "begindate": Field("date", label="Дата начала"),
        "closedate": Field("date", label="Дата завершения"),
        "createdBy": Field("user", readonly=True, label="Кем создан"),
        "updatedBy": Field("user", readonly=True, label="Кем изменён"),
        "movedBy": Field("user", readonly=True, label="Кем перемещён"),
        "createdTime": Field("datetime", readonly=True, label="Дата создания"),
        "updatedTime": Field("datetime", readonly=True, label="Дата изменения"),
        "movedTime": Field("datetime", readonly=True, label="Дата перемещения"),
        "entityTypeId": Field("integer", readonly=True, label="ID типа"),
    }
    for suffix, kind, label in t.user_fields:
        fields[t.uf(suffix)] = Field(kind, label=label, user_field=True)
    return Entity(
        name=f"items/{t.entity_type_id}",
        scope="crm",
        operations=frozenset({"list", "get", "create", "update", "delete", "fields", "search", "aggregate"}),
        fields=fields,
        aggregatable=("opportunity", "stageId", "categoryId", "assignedById", "sourceId"),
        batch_actions=(),
    )


def category_entity(t: SmartType) -> Entity:
    """`/v1/categories/{entityTypeId}`: the type's pipelines (crm.category)."""
    return Entity(
        name=f"categories/{t.entity_type_id}",
        scope="crm",
        operations=frozenset({"list", "get", "create", "update", "delete", "fields"}),
        fields={
            "id": _ID,
            "entityTypeId": Field("integer", readonly=True, label="ID типа"),
            "name": Field("string", required=True, label="Название"),
            "sort": Field("integer", label="Сортировка"),
            "isDefault": Field("boolean", label="Воронка по умолчанию"),
        },
        batch_actions=(),
    )


ENTITIES: Mapping[str, Entity] = MappingProxyType(
    {e.name: e for e in (SMART_PROCESSES, *map(item_entity, TYPES), *map(category_entity, TYPES))}
)


def fold_path(segments: tuple[str, ...], entities: Mapping[str, Entity]) -> tuple[str, ...]:
    """`v1/items/1032/5` → `v1/items/1032`, `5`: a type's items and pipelines are entities of their own.

    Raises:
        ApiError: a reserved entityTypeId (400 INVALID_DYNAMIC_PARAM, naming the dedicated API), or a
            type the portal does not have (404 SMART_PROCESS_NOT_FOUND).
    """
    if len(segments) < 3 or segments[0] != "v1" or segments[1] not in PATH_FAMILIES:
        return segments
    raw = segments[2]
    if not (raw.isascii() and raw.isdigit()) or int(raw) <= 0 or len(raw) > 9:
        raise ApiError(400, "INVALID_DYNAMIC_PARAM", "entityTypeId must be a positive integer")
    type_id = int(raw)
    if type_id in DEDICATED:
        raise ApiError(
            400,
            "INVALID_DYNAMIC_PARAM",
            f"entityTypeId {type_id} has a dedicated API: use /v1/{DEDICATED[type_id]} instead",
        )
    name = f"{segments[1]}/{type_id}"
    if name not in entities:
        raise ApiError(404, "SMART_PROCESS_NOT_FOUND", f"Smart process with entityTypeId {type_id} not found")
    return ("v1", name, *segments[3:])


def batch_entity(
    name: str, params: Mapping[str, object], entities: Mapping[str, Entity]
) -> tuple[str, Mapping[str, object]]:
    """A /v1/batch call's entity: `items` with `params.entityTypeId` (as the batch page documents) is the
    type's own entity, and the type leaves the params; every other name is kept as it is.

    Raises:
        ApiError: no entityTypeId, a reserved one, or a type the portal does not have.
    """
    if name not in PATH_FAMILIES:
        return name, params
    raw = params.get("entityTypeId")
    if raw is None or isinstance(raw, bool):
        raise ApiError(400, "VALIDATION_ERROR", f'params.entityTypeId: Required for entity "{name}"')
    folded = fold_path(("v1", name, str(raw)), entities)
    return folded[1], {k: v for k, v in params.items() if k != "entityTypeId"}


def apply_defaults(entity: Entity, row: dict[str, object], given: Mapping[str, object], *, owner_id: int) -> None:
    """A new item starts in its pipeline's first stage; the pipeline follows a given stage."""
    family, _, raw = entity.name.partition("/")
    if family == "categories":
        row["entityTypeId"] = int(raw)
        if given.get("isDefault") is None:
            row["isDefault"] = False
        return
    if family != "items":
        return
    row["entityTypeId"] = int(raw)
    if given.get("assignedById") is None:
        row["assignedById"] = owner_id
    if given.get("currencyId") is None:
        row["currencyId"] = "RUB"
    stage = given.get("stageId")
    if isinstance(stage, str) and stage.startswith("DT") and "_" in stage and ":" in stage:
        row["categoryId"] = int(stage[stage.index("_") + 1 : stage.index(":")])
    # The type's pipelines and stages, in order, are the allowed values of its own fields.
    pipelines = [int(c) for c, _ in entity.fields["categoryId"].items]
    category = row.get("categoryId")
    row["categoryId"] = category if category in pipelines else pipelines[0] if pipelines else None
    if not stage:
        first = f"DT{raw}_{row['categoryId']}:"
        row["stageId"] = next((s for s, _ in entity.fields["stageId"].items if s.startswith(first)), None)


def type_row(rows: Iterable[Mapping[str, object]], raw: str | None) -> str:
    """The stored id of the type whose entityTypeId is `raw`.

    Raises:
        ApiError: 404 SMART_PROCESS_NOT_FOUND when no type has it.
    """
    for row in rows:
        if str(row.get("entityTypeId")) == raw:
            return str(row["id"])
    raise ApiError(404, "SMART_PROCESS_NOT_FOUND", f"Smart process with entityTypeId {echo(raw)} not found")
