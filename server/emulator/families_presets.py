"""The field set of each requisite preset: `/v1/requisite-presets/:presetId/fields` (crm.requisite.preset.field.*).

The entities index lists the operations list, get, create, update, delete, available and schema; the
records follow Bitrix's preset field (ID, FIELD_NAME, FIELD_TITLE, IN_SHORT_LIST, SORT) camel-cased the
way requisites are. A field is named as requisites name it (`rqInn`, `RQ_EDRPOU`); Bitrix's own spelling
(`RQ_INN`) is taken too. What a preset holds is what its requisites keep ("Реквизит хранит только поля,
которые определены в его пресете"): adding a field makes new writes keep it, removing one makes them drop it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from .errors import ApiError, invalid_params
from .families_req import PRESET_FIELD_TABLE, PRESET_FIELDS, REQUISITES, SERVICE
from .schema import Entity, Field, ro, rw
from .store import Store

PATH = "/v1/requisite-presets/:presetId/fields"
ENTITY_NAME = PRESET_FIELD_TABLE
PRESET_FIELDS_ENTITY = Entity(
    name=PRESET_FIELD_TABLE,
    scope="crm",
    operations=frozenset({"list", "get", "create", "update", "delete", "available", "schema"}),
    fields={
        "id": ro("integer", "ID поля в пресете"),
        "presetId": rw("integer", "ID пресета (из пути)"),
        "fieldName": rw("string", "Поле реквизита", required=True),
        "fieldTitle": rw("string", "Название поля в пресете"),
        "inShortList": rw("boolean", "Показывать в кратком списке"),
        "sort": rw("integer", "Сортировка"),
    },
    batch_actions=(),
)
ENTITIES: Mapping[str, Entity] = MappingProxyType({PRESET_FIELDS_ENTITY.name: PRESET_FIELDS_ENTITY})
# Shown in a requisite's short card by default (Bitrix marks the name and the tax numbers).
_SHORT = frozenset({"rqName", "rqInn", "rqKpp", "rqOgrn", "rqOgrnip", "rqLastName", "rqFirstName", "rqVatId"})


def addable() -> tuple[str, ...]:
    """Every field a preset may hold: the requisite's own fields beyond the service ones, in schema order."""
    return tuple(name for name in REQUISITES.fields if name not in SERVICE)


_BY_KEY = MappingProxyType({name.replace("_", "").lower(): name for name in addable()})


def seed(presets: Iterable[Mapping[str, object]]) -> list[dict[str, object]]:
    """The field sets of the seeded presets, each field titled as requisites label it."""
    rows: list[dict[str, object]] = []
    for preset in presets:
        held = PRESET_FIELDS.get(int(str(preset["id"])), frozenset())
        for n, name in enumerate(n for n in addable() if n in held):
            rows.append(_row(len(rows) + 1, int(str(preset["id"])), name, (n + 1) * 10))
    return rows


def _row(row_id: int, preset: int, name: str, sort: int) -> dict[str, object]:
    label = REQUISITES.fields[name].label
    return {"id": row_id, "presetId": preset, "fieldName": name, "fieldTitle": label,
            "inShortList": name in _SHORT, "sort": sort}  # fmt: skip


def route(method: str, segments: tuple[str, ...]) -> tuple[str, str, str | None] | None:
    """(handler, :presetId, :id or None) of a `/v1/requisite-presets/:presetId/fields…` request, else None."""
    if len(segments) not in (4, 5) or segments[:2] != ("v1", "requisite-presets") or segments[3] != "fields":
        return None
    if len(segments) == 4:
        name = {"GET": "pf_list", "POST": "pf_create"}.get(method)
        return (name, segments[2], None) if name else None
    tail = segments[4]
    if tail in ("available", "schema"):
        return (f"pf_{tail}", segments[2], None) if method == "GET" else None
    name = {"GET": "pf_get", "PATCH": "pf_update", "DELETE": "pf_delete"}.get(method)
    return (name, segments[2], tail) if name else None


def preset_id(store: Store, raw: object, what: str = "Path parameter :presetId") -> int:
    """The path's preset, which must exist.

    Raises:
        ApiError: 400 INVALID_PARAMS for a non-numeric id, 404 ENTITY_NOT_FOUND for a missing preset.
    """
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or int(text) <= 0 or len(text) > 12:
        raise invalid_params(f"{what} must be a positive integer")
    key = int(text)
    if store.table("requisite-presets").peek(key) is None:
        raise ApiError(404, "ENTITY_NOT_FOUND", f"The Preset with ID '{key}' is not found")
    return key


def field_name(raw: object) -> str:
    """The requisite field `raw` names, in the spelling requisites answer (`RQ_INN` → `rqInn`).

    Raises:
        ApiError: 422 BITRIX_ERROR for a name no preset can hold.
    """
    found = _BY_KEY.get(str(raw).replace("_", "").lower()) if isinstance(raw, str) else None
    if found is None:
        raise ApiError(
            422,
            "BITRIX_ERROR",
            f"Field '{raw}' cannot be added to a preset; GET {PATH}/available lists those that can",
        )
    return found


def held(store: Store, preset: int) -> list[Mapping[str, object]]:
    return [r for r in store.table(PRESET_FIELD_TABLE).scan() if r.get("presetId") == preset]


def owned(store: Store, preset: int, raw_id: object) -> int:
    """The id of a field of this preset (another preset's field is not found here)."""
    text = str(raw_id)
    if not (text.isascii() and text.isdigit()) or int(text) <= 0 or len(text) > 12:
        raise invalid_params("Path parameter :id must be a positive integer")
    row = store.table(PRESET_FIELD_TABLE).peek(int(text))
    if row is None or row.get("presetId") != preset:
        raise ApiError(404, "ENTITY_NOT_FOUND", f"The preset field with ID '{text}' is not found in preset {preset}")
    return int(text)


def scoped_body(store: Store, preset: int, body: object, current: Mapping[str, object] | None) -> object:
    """A create (`current` None) or update body bound to the path's preset, the field named as requisites do.

    Raises:
        ApiError: 400 VALIDATION_ERROR for another preset in the body; 422 BITRIX_ERROR for a field the preset
            already holds, or a changed fieldName (delete the field and add the other one).
    """
    if not isinstance(body, dict):
        return body  # the generic validation names the problem
    out = dict(body["fields"]) if set(body) == {"fields"} and isinstance(body["fields"], dict) else dict(body)
    given = out.pop("presetId", None)
    if given is not None and str(given) != str(preset):
        raise ApiError(400, "VALIDATION_ERROR", f"fields.presetId: the path names preset {preset}, the body {given}")
    if current is not None:
        if out.get("fieldName") is not None and field_name(out["fieldName"]) != current.get("fieldName"):
            raise ApiError(
                422, "BITRIX_ERROR", "fieldName of a preset field cannot be changed; delete it and add the other field"
            )
        out.pop("fieldName", None)
        return out
    if out.get("fieldName") is None:
        return out  # "fieldName: Required" from the generic validation
    name = out["fieldName"] = field_name(out["fieldName"])
    if any(r.get("fieldName") == name for r in held(store, preset)):
        raise ApiError(422, "BITRIX_ERROR", f"Field '{name}' is already in preset {preset}")
    out["presetId"] = preset
    out.setdefault("fieldTitle", REQUISITES.fields[name].label)
    out.setdefault("inShortList", False)
    out.setdefault("sort", 10 * (len(held(store, preset)) + 1))
    return out


def available(store: Store, preset: int) -> list[str]:
    """crm.requisite.preset.field.availabletoadd: the fields the preset does not hold yet."""
    taken = {r.get("fieldName") for r in held(store, preset)}
    return [name for name in addable() if name not in taken]


def of_preset(entity: Entity, store: Store, raw: str) -> Entity:
    """`GET /v1/requisites/fields?presetId=N`: the service fields, the preset's own and the user fields."""
    preset = preset_id(store, raw, "Query parameter presetId")
    keep = SERVICE | {str(r.get("fieldName")) for r in held(store, preset)}
    fields: dict[str, Field] = {n: f for n, f in entity.fields.items() if n in keep or f.user_field}
    return dataclasses.replace(entity, fields=fields)
