"""Demo-portal entities beyond the CRM core: drive, calendar events and CRM activities.

Field lists, operations and scopes follow each entity's page in the VibeCode docs (2026-05-05);
where the page and the docs' entity index disagree on operations, see the comment at the entity.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .errors import ApiError
from .schema import Entity, Field, Relation, ro
from .store import Store

_ID = ro("integer", "ID")


# Storages: read-only ("Disabled operations: create, update, delete"); search and aggregate from the index.
STORAGES = Entity(
    name="storages",
    scope="disk",
    operations=frozenset({"list", "get", "fields", "search", "aggregate"}),
    fields={
        "id": _ID,
        "name": ro("string", "Название"),
        "entityType": ro("string", "Тип владельца"),  # common, user, group
        "entityId": ro("integer", "ID владельца"),
        "rootObjectId": ro("integer", "Корневая папка"),
    },
    aggregatable=("entityType",),
    batch_actions=(),
)

FOLDERS = Entity(
    name="folders",
    scope="disk",
    operations=frozenset({"list", "get", "create", "update", "delete", "fields", "search", "aggregate"}),
    fields={
        "id": _ID,
        "name": Field("string", required=True, label="Название"),
        "parentId": Field("integer", required=True, label="Родительская папка"),
        "storageId": ro("integer", "Хранилище"),
        "code": Field("string", label="Символьный код"),
        "createdBy": ro("user", "Кем создана"),
        "createdAt": ro("datetime", "Дата создания"),
    },
    relations={"storage": Relation("storages", "storageId")},
    aggregatable=("storageId", "parentId", "createdBy"),
    batch_actions=(),
)

# Files: "Disabled operations: create" (no upload through the Entity API); PATCH is disk.file.rename.
FILES = Entity(
    name="files",
    scope="disk",
    operations=frozenset({"list", "get", "update", "delete", "fields", "search", "aggregate"}),
    fields={
        "id": _ID,
        "name": Field("string", label="Имя файла"),
        "size": ro("integer", "Размер в байтах"),
        "folderId": ro("integer", "Папка"),
        "storageId": ro("integer", "Хранилище"),
        "type": ro("string", "Тип"),
        "downloadUrl": ro("url", "URL для скачивания"),
        "createdBy": ro("user", "Кем создан"),
        "updatedBy": ro("user", "Кем изменён"),
        "createdAt": ro("datetime", "Дата создания"),
        "updatedAt": ro("datetime", "Дата изменения"),
    },
    relations={"folder": Relation("folders", "folderId")},
    aggregatable=("folderId", "storageId", "createdBy", "size"),
    batch_actions=(),
)

CALENDAR_TYPES: tuple[tuple[str, str], ...] = (
    ("user", "Личный"),
    ("group", "Группа"),
    ("company_calendar", "Компания"),
)
IMPORTANCE_ITEMS: tuple[tuple[str, str], ...] = (("high", "Высокая"), ("normal", "Обычная"), ("low", "Низкая"))
ACCESSIBILITY_ITEMS: tuple[tuple[str, str], ...] = (
    ("busy", "Занят"),
    ("quest", "Под вопросом"),
    ("free", "Свободен"),
    ("absent", "Отсутствую"),
)

# Calendar events: the entity page lists get/create/update/delete and "Disabled operations: list"
# (the docs' index also names list, search and aggregate; the entity page, the newer text, wins).
CALENDAR_EVENTS = Entity(
    name="calendar-events",
    scope="calendar",
    operations=frozenset({"get", "create", "update", "delete"}),
    fields={
        "id": _ID,
        "name": Field("string", required=True, label="Название события"),
        "description": Field("text", label="Описание"),
        "type": Field("string", required=True, label="Тип календаря", items=CALENDAR_TYPES),
        "ownerId": Field("integer", required=True, label="Владелец календаря"),
        "ownerType": Field("string", label="Тип владельца"),
        "from": Field("datetime", required=True, label="Начало"),
        "to": Field("datetime", required=True, label="Окончание"),
        "skipTime": Field("boolean", label="Весь день"),
        "importance": Field("string", label="Важность", items=IMPORTANCE_ITEMS),
        "accessibility": Field("string", label="Занятость", items=ACCESSIBILITY_ITEMS),
        "location": Field("string", label="Место проведения"),
        "color": Field("string", label="Цвет"),
        "textColor": Field("string", label="Цвет текста"),
        "sectionId": Field("integer", label="Секция календаря"),
        "isPrivate": Field("boolean", label="Частное событие"),
        "isMeeting": Field("boolean", label="Встреча"),
        "attendees": Field("user", multiple=True, label="Участники"),
        "remind": Field("string", multiple=True, label="Напоминания"),
        "rrule": Field("string", label="Правило повторения"),
        "createdBy": ro("user", "Кем создано"),
        "createdAt": ro("datetime", "Дата создания"),
        "updatedAt": ro("datetime", "Дата изменения"),
    },
    batch_actions=(),
)

ACTIVITY_TYPE_ITEMS: tuple[tuple[str, str], ...] = (("1", "Звонок"), ("2", "Встреча"), ("3", "Задача"), ("6", "Email"))
OWNER_TYPE_ITEMS: tuple[tuple[str, str], ...] = (("1", "Лид"), ("2", "Сделка"), ("3", "Контакт"), ("4", "Компания"))
ACTIVITY_PRIORITY_ITEMS: tuple[tuple[str, str], ...] = (("1", "Низкий"), ("2", "Средний"), ("3", "Высокий"))
DIRECTION_ITEMS: tuple[tuple[str, str], ...] = (("1", "Входящее"), ("2", "Исходящее"))

ACTIVITIES = Entity(
    name="activities",
    scope="crm",
    operations=frozenset({"list", "get", "create", "update", "delete", "fields", "search", "aggregate"}),
    fields={
        "id": _ID,
        "typeId": Field("integer", label="Тип", items=ACTIVITY_TYPE_ITEMS),
        "ownerTypeId": Field("integer", required=True, label="Тип владельца", items=OWNER_TYPE_ITEMS),
        "ownerId": Field("integer", required=True, label="ID владельца"),
        "subject": Field("string", label="Тема"),
        "description": Field("text", label="Описание"),
        "responsibleId": Field("user", label="Ответственный"),
        "priority": Field("integer", label="Приоритет", items=ACTIVITY_PRIORITY_ITEMS),
        "direction": Field("integer", label="Направление", items=DIRECTION_ITEMS),
        "completed": Field("boolean", label="Завершено"),
        "startTime": Field("datetime", label="Начало"),
        "endTime": Field("datetime", label="Окончание"),
        "deadline": Field("datetime", label="Крайний срок"),
        "createdAt": ro("datetime", "Дата создания"),
        "updatedAt": ro("datetime", "Дата изменения"),
    },
    aggregatable=("typeId", "ownerTypeId", "responsibleId", "completed", "priority", "direction"),
    batch_actions=(),
)

# Timeline comments: only in the context of one CRM record (entityType + entityId, both fixed at create).
TIMELINES = Entity(
    name="timelines",
    scope="crm",
    operations=frozenset({"list", "get", "create", "update", "delete", "fields"}),
    fields={
        "id": _ID,
        "entityType": Field("string", required=True, label="Тип записи CRM"),
        "entityId": Field("integer", required=True, label="ID записи CRM"),
        "comment": Field("text", required=True, label="Комментарий"),
        "authorId": ro("user", "Автор"),
        "createdAt": ro("datetime", "Дата создания"),
    },
    batch_actions=(),
)
TIMELINE_TYPES = ("deal", "lead", "contact", "company")

ENTITIES: Mapping[str, Entity] = MappingProxyType(
    {e.name: e for e in (STORAGES, FOLDERS, FILES, CALENDAR_EVENTS, ACTIVITIES, TIMELINES)}
)


def check_list(entity: Entity, flt: object) -> None:
    """Timelines list only one record's comments: 400 MISSING_REQUIRED_FILTER without entityType + entityId."""
    if entity.name != "timelines":
        return
    given = set(flt) if isinstance(flt, Mapping) else set()
    if not {"entityType", "entityId"} <= given:
        raise ApiError(
            400, "MISSING_REQUIRED_FILTER", "filter[entityType] and filter[entityId] are required for /v1/timelines"
        )


def check_timeline(entity: Entity, row: dict[str, object], before: Mapping[str, object] | None) -> None:
    """entityType is a CRM type name (numeric codes are refused, as upstream), kept in lower case; the
    record a comment belongs to cannot change after create."""
    if entity.name != "timelines":
        return
    kind = str(row.get("entityType") or "")
    if before is not None:
        if kind.lower() != str(before.get("entityType")) or row.get("entityId") != before.get("entityId"):
            raise ApiError(400, "VALIDATION_ERROR", "entityType and entityId cannot be changed after create")
        return
    if not str(row.get("comment") or "").strip():  # Timelines: Create, "Empty comment message"
        raise ApiError(422, "BITRIX_ERROR", "Empty comment message")
    if not (kind.lower() in TIMELINE_TYPES or (kind.upper().startswith("DYNAMIC_") and kind[8:].isdigit())):
        raise ApiError(422, "BITRIX_ERROR", "Access denied.")
    row["entityType"] = kind.lower()


def apply_defaults(entity: Entity, row: dict[str, object], given: Mapping[str, object], *, owner_id: int) -> None:
    """What Bitrix fills in on create for these entities."""

    def default(name: str, value: object) -> None:
        if name in entity.fields and given.get(name) is None:
            row[name] = value

    if entity.name == "calendar-events":
        default("ownerType", "")
        default("skipTime", False)
        default("importance", "normal")
        default("accessibility", "busy")
        default("isPrivate", False)
        default("isMeeting", bool(given.get("attendees")))
        default("sectionId", 1)
        default("color", "#9dcf00")
        default("createdBy", owner_id)
    elif entity.name == "activities":
        default("typeId", 3)
        default("priority", 2)
        default("direction", 2)
        default("completed", False)
        default("responsibleId", owner_id)
    elif entity.name == "folders":
        default("createdBy", owner_id)
    elif entity.name == "timelines":
        row["authorId"] = owner_id


def link(entity: Entity, row: dict[str, object], store: Store) -> None:
    """A new folder lives in its parent's storage; a parent that does not exist is refused."""
    if entity.name != "folders":
        return
    parent_id = row.get("parentId")
    parent = store.table("folders").peek(parent_id) if isinstance(parent_id, int) else None
    if parent is None:
        raise ApiError(404, "NOT_FOUND", f"Parent folder {row.get('parentId')} not found")
    row["storageId"] = parent.get("storageId")
