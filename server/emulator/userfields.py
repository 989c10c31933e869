"""`/v1/userfields/:entity`: the user fields of deals, leads, contacts, companies, quotes and requisites.

The Userfields page (docs 2026-05-05): list (sorted by `sort`, filtered by `userTypeId` and
`fieldName`), the 16 types, get, create (`UF_CRM_<FIELD_NAME>`, HTTP 201 with the id), update (the
type cannot change) and delete (the field and every value of it, irreversibly). Requests take
camelCase or Bitrix's UPPER_CASE keys. A definition is the source of its entity's field: creating
one adds the field to `/fields`, to every record (empty) and to what filters and writes accept;
deleting one removes it and its values from every record.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from types import MappingProxyType

from .errors import ApiError
from .schema import Entity, Field
from .store import Row
from .values import type_name

# :entity → (Bitrix ENTITY_ID, the demo portal's entity)
SUPPORTED: Mapping[str, str] = MappingProxyType(
    {
        "deals": "CRM_DEAL",
        "leads": "CRM_LEAD",
        "contacts": "CRM_CONTACT",
        "companies": "CRM_COMPANY",
        "quotes": "CRM_QUOTE",
        "requisites": "CRM_REQUISITE",
    }
)
PATH = "/v1/userfields/:entity"
TYPES: tuple[tuple[str, str], ...] = (
    ("string", "Строка"),
    ("integer", "Целое число"),
    ("double", "Дробное число"),
    ("boolean", "Да/Нет"),
    ("datetime", "Дата и время"),
    ("date", "Дата"),
    ("money", "Денежное значение"),
    ("url", "Ссылка"),
    ("address", "Адрес"),
    ("enumeration", "Список (выпадающий)"),
    ("file", "Файл"),
    ("employee", "Привязка к сотруднику"),
    ("crm_status", "Статус CRM"),
    ("iblock_section", "Раздел инфоблока"),
    ("iblock_element", "Элемент инфоблока"),
    ("crm", "Привязка к CRM-сущности"),
)
# userTypeId → the field type records and `/fields` use (the CRM's own types where Bitrix maps them).
RECORD_TYPE: Mapping[str, str] = MappingProxyType(
    {
        "string": "string",
        "integer": "integer",
        "double": "double",
        "boolean": "boolean",
        "datetime": "datetime",
        "date": "date",
        "money": "money",
        "url": "url",
        "address": "string",
        "enumeration": "enumeration",
        "file": "file",
        "employee": "user",
        "crm_status": "crm_status",
        "iblock_section": "integer",
        "iblock_element": "integer",
        "crm": "string",
    }
)
USER_TYPE = {v: k for k, v in RECORD_TYPE.items() if k not in ("address", "iblock_section", "iblock_element", "crm")}
# camelCase ↔ UPPER_CASE, as the page's mapping table lists them (plus Bitrix's other keys).
KEYS: Mapping[str, str] = MappingProxyType(
    {
        "FIELD_NAME": "fieldName",
        "USER_TYPE_ID": "userTypeId",
        "EDIT_FORM_LABEL": "editFormLabel",
        "LIST_COLUMN_LABEL": "listColumnLabel",
        "LIST_FILTER_LABEL": "listFilterLabel",
        "SHOW_FILTER": "showFilter",
        "SHOW_IN_LIST": "showInList",
        "EDIT_IN_LIST": "editInList",
        "IS_SEARCHABLE": "isSearchable",
        "XML_ID": "xmlId",
        "SORT": "sort",
        "MULTIPLE": "multiple",
        "MANDATORY": "mandatory",
        "SETTINGS": "settings",
        "LIST": "list",
        "LABEL": "label",
    }
)
FLAGS = ("multiple", "mandatory", "showFilter", "showInList", "editInList", "isSearchable")
FIXED = ("userTypeId", "fieldName", "multiple")  # set at creation; Bitrix cannot change them later
NAME = re.compile(r"^UF_CRM_[A-Z0-9_]{1,43}$")

USERFIELDS = Entity(
    name="userfields",
    scope="crm",
    operations=frozenset({"list", "get", "create", "update", "delete", "types"}),
    fields={
        "id": Field("integer", readonly=True, label="ID"),
        "entityId": Field("string", readonly=True, label="Сущность (CRM_DEAL …)"),
        "fieldName": Field("string", label="Имя поля"),
        "userTypeId": Field("string", required=True, label="Тип", items=TYPES),
        "label": Field("string", label="Подпись (при записи: во все формы сразу)"),
        "xmlId": Field("string", label="Внешний код"),
        "sort": Field("string", label="Сортировка"),
        "multiple": Field("char", label="Множественное"),
        "mandatory": Field("char", label="Обязательное"),
        "showFilter": Field("char", label="Показывать в фильтре"),
        "showInList": Field("char", label="Показывать в списке"),
        "editInList": Field("char", label="Редактировать в списке"),
        "isSearchable": Field("char", label="Участвует в поиске"),
        "editFormLabel": Field("object", label="Подпись в форме"),
        "listColumnLabel": Field("object", label="Заголовок в списке"),
        "listFilterLabel": Field("object", label="Подпись фильтра"),
        "settings": Field("object", label="Настройки"),
        "list": Field("object", multiple=True, label="Значения списка"),
    },
    batch_actions=(),
)
ENTITIES: Mapping[str, Entity] = MappingProxyType({USERFIELDS.name: USERFIELDS})


def crm_entity(name: str | None) -> str:
    """The `:entity` of the path, if supported.

    Raises:
        ApiError: 400 UNKNOWN_ENTITY naming the supported ones.
    """
    if name not in SUPPORTED:
        raise ApiError(400, "UNKNOWN_ENTITY", f"Unsupported entity '{name}'. Supported: {', '.join(SUPPORTED)}")
    return str(name)


def definitions(entity: Entity, first_id: int) -> list[dict[str, object]]:
    """The definition rows of an entity's user fields as the portal starts with them."""
    rows: list[dict[str, object]] = []
    for name, field in entity.fields.items():
        if not field.user_field or not name.startswith("UF_CRM_"):
            continue
        items = [
            {"ID": ident, "SORT": str((n + 1) * 10), "VALUE": value, "DEF": "N"}
            for n, (ident, value) in enumerate(field.items)
        ]
        label = {"ru": field.label, "en": field.label}
        rows.append(
            {
                "id": first_id + len(rows),
                "entityId": SUPPORTED[entity.name],
                "fieldName": name,
                "userTypeId": USER_TYPE.get(field.type, "string"),
                "xmlId": None,
                "sort": "100",
                "multiple": "Y" if field.multiple else "N",
                "mandatory": "Y" if field.required else "N",
                "showFilter": "Y",
                "showInList": "Y",
                "editInList": "Y",
                "isSearchable": "N",
                "editFormLabel": label,
                "listColumnLabel": label,
                "listFilterLabel": label,
                "settings": {},
                "list": items if field.type == "enumeration" else [],
            }
        )
    return rows


def seed(entities: Mapping[str, Entity]) -> list[dict[str, object]]:
    """Definitions of every user field the demo portal's CRM entities start with."""
    rows: list[dict[str, object]] = []
    for name in SUPPORTED:
        if name in entities:
            rows += definitions(entities[name], 100 + len(rows))
    return rows


def field_of(row: Row) -> Field:
    """The record field a definition describes."""
    labels = row.get("editFormLabel")
    label = (labels.get("ru") or labels.get("en")) if isinstance(labels, dict) else None
    values = row.get("list") if row.get("userTypeId") == "enumeration" else None
    listed = values if isinstance(values, list) else []
    items = tuple((str(v["ID"]), str(v.get("VALUE", ""))) for v in listed if isinstance(v, dict) and "ID" in v)
    return Field(
        RECORD_TYPE.get(str(row.get("userTypeId")), "string"),
        multiple=row.get("multiple") == "Y",
        required=row.get("mandatory") == "Y",
        label=str(label or row.get("fieldName")),
        items=items,
        user_field=True,
    )


def entity_with(entity: Entity, rows: list[Row]) -> Entity:
    """`entity` with exactly the user fields `rows` define (its own fields first, then by sort and id)."""
    own = {name: f for name, f in entity.fields.items() if not (f.user_field and name.startswith("UF_CRM_"))}
    ordered = sorted(rows, key=lambda r: (sort_key(r), int(str(r["id"]))))
    return dataclasses.replace(entity, fields={**own, **{str(r["fieldName"]): field_of(r) for r in ordered}})


def normalise(body: object) -> dict[str, object]:
    """A create/update body in camelCase, flags as "Y"/"N".

    Raises:
        ApiError: 400 INVALID_REQUEST when the body is not an object.
    """
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_REQUEST", f"Тело запроса должно быть объектом, received {type_name(body)}")
    out: dict[str, object] = {}
    for key, value in body.items():
        out[KEYS.get(str(key), str(key))] = value
    for flag in FLAGS:
        if isinstance(out.get(flag), bool):
            out[flag] = "Y" if out[flag] else "N"
        if flag in out and out[flag] not in ("Y", "N"):
            raise ApiError(400, "VALIDATION_ERROR", f"{flag}: Expected 'Y' | 'N', received {out[flag]!r}")
    if "sort" in out:
        out["sort"] = _sort_text(out["sort"])
    label = out.pop("label", None)
    if label is not None:
        if not isinstance(label, str):
            raise ApiError(400, "VALIDATION_ERROR", f"label: Expected string, received {type_name(label)}")
        for key in ("editFormLabel", "listColumnLabel", "listFilterLabel"):
            out.setdefault(key, {"ru": label, "en": label})
    for key in ("editFormLabel", "listColumnLabel", "listFilterLabel", "settings"):
        if key in out and not isinstance(out[key], dict):
            raise ApiError(400, "VALIDATION_ERROR", f"{key}: Expected object, received {type_name(out[key])}")
    return {k: v for k, v in out.items() if k in USERFIELDS.fields and k not in ("id", "entityId")}


def full_name(raw: object, fallback: str) -> str:
    """`UF_CRM_<FIELD_NAME>` from the given suffix (or a generated one).

    Raises:
        ApiError: 422 BITRIX_ERROR for a name Bitrix would refuse.
    """
    if raw is None or raw == "":
        return f"UF_CRM_{fallback}"
    if not isinstance(raw, str):
        raise ApiError(400, "VALIDATION_ERROR", f"fieldName: Expected string, received {type_name(raw)}")
    name = raw.strip().upper()
    name = name if name.startswith("UF_CRM_") else f"UF_CRM_{name}"
    if not NAME.match(name):
        raise ApiError(
            422, "BITRIX_ERROR", f"Invalid FIELD_NAME '{raw}': Latin letters, digits and _ only, at most 50 characters"
        )
    return name


def values_list(given: object, current: object, next_id: int) -> list[dict[str, object]]:
    """An enumeration's values after a write: `{ID, VALUE}` changes one, `{ID, DEL: "Y"}` removes it,
    one without ID is new (Bitrix's LIST semantics)."""
    if not isinstance(given, list):
        raise ApiError(400, "VALIDATION_ERROR", f"list: Expected array, received {type_name(given)}")
    values: dict[str, dict[str, object]] = {
        str(v["ID"]): dict(v)
        for v in (current if isinstance(current, list) else [])
        if isinstance(v, dict) and "ID" in v
    }
    for raw in given:
        if not isinstance(raw, dict):
            raise ApiError(400, "VALIDATION_ERROR", f"list: Expected objects, received {type_name(raw)}")
        item = {str(k).upper(): v for k, v in raw.items()}
        ident = str(item["ID"]) if item.get("ID") is not None else None
        if ident is not None and ident not in values:
            raise ApiError(422, "BITRIX_ERROR", f"List value ID {ident} does not belong to this field")
        if ident is not None and item.get("DEL") == "Y":
            del values[ident]
            continue
        if ident is None:
            if not isinstance(item.get("VALUE"), str) or not item["VALUE"].strip():
                raise ApiError(400, "VALIDATION_ERROR", "list: each new value needs a non-empty VALUE")
            ident = str(next_id)
            next_id += 1
            values[ident] = {"ID": ident, "SORT": str((len(values) + 1) * 10), "VALUE": "", "DEF": "N"}
        value = values[ident]
        if "VALUE" in item:
            value["VALUE"] = str(item["VALUE"])
        if "SORT" in item:
            value["SORT"] = _sort_text(item["SORT"])
        if item.get("DEF") in ("Y", "N"):
            value["DEF"] = item["DEF"]
    return sorted(values.values(), key=lambda v: (int(str(v["SORT"])), int(str(v["ID"]))))


def sort_key(row: Row) -> int:
    text = str(row.get("sort") or "100")
    return int(text) if text.lstrip("-").isdigit() else 100


def _sort_text(raw: object) -> str:
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).strip().lstrip("-").isdigit():
        raise ApiError(400, "VALIDATION_ERROR", f"sort: Expected an integer, received {raw!r}")
    return str(int(str(raw).strip()))
