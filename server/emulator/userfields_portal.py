"""The demo portal's `/v1/userfields/:entity` routes: the definitions in the store, and the CRM
entities they shape (a created field is added to every record, a deleted one taken from all)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .errors import ApiError
from .schema import Entity
from .store import Row, Store
from .userfields import (
    FIXED,
    RECORD_TYPE,
    SUPPORTED,
    USERFIELDS,
    crm_entity,
    entity_with,
    full_name,
    normalise,
    sort_key,
    values_list,
)


def route(method: str, segments: tuple[str, ...]) -> tuple[str, str, str | None] | None:
    """(handler, :entity, :id) of a `/v1/userfields/...` request, or None when no route fits."""
    if len(segments) == 3 and method in ("GET", "POST"):
        return ("uf_list" if method == "GET" else "uf_create"), segments[2], None
    if len(segments) == 4:
        if segments[3] == "types":
            return ("uf_types", segments[2], None) if method == "GET" else None
        name = {"GET": "uf_get", "PATCH": "uf_update", "DELETE": "uf_delete"}.get(method)
        return (name, segments[2], segments[3]) if name else None
    return None


class UserFields:
    """The user-field definitions of one portal and the entities they shape."""

    def __init__(self, store: Store, entities: dict[str, Entity], clock: Callable[[], float]) -> None:
        self.store = store
        self.entities = entities
        self.clock = clock
        self.table = store.table(USERFIELDS.name)
        for crm in SUPPORTED:
            self._apply(crm)

    def listed(self, crm: str, query: Mapping[str, str]) -> list[dict[str, object]]:
        """The entity's definitions by sort, filtered by `userTypeId` and `fieldName` if given."""
        wanted_type, wanted_name = query.get("userTypeId"), query.get("fieldName")
        rows = [
            dict(row)
            for row in self._rows(crm_entity(crm))
            if (wanted_type is None or row.get("userTypeId") == wanted_type)
            and (wanted_name is None or str(row.get("fieldName")).upper() == wanted_name.upper())
        ]
        return sorted(rows, key=lambda r: (sort_key(r), int(str(r["id"]))))

    def get(self, crm: str, raw_id: str | None) -> dict[str, object]:
        return dict(self._row(crm_entity(crm), raw_id))

    def create(self, crm: str, body: object) -> int:
        crm = crm_entity(crm)
        given = normalise(body)
        kind = given.get("userTypeId")
        if kind is None or kind == "":
            raise ApiError(400, "MISSING_FIELD", "userTypeId is required")
        if kind not in RECORD_TYPE:
            raise ApiError(422, "BITRIX_ERROR", f"Unknown user field type '{kind}'; see GET /v1/userfields/{crm}/types")
        taken = {str(r.get("fieldName")) for r in self._rows(crm)}
        stamp = int(self.clock() * 1000)  # Bitrix names an unnamed field by the time: UF_CRM_1545731745470
        while f"UF_CRM_{stamp}" in taken:
            stamp += 1
        name = full_name(given.get("fieldName"), str(stamp))
        if name in taken:
            raise ApiError(422, "BITRIX_ERROR", f"Field {name} already exists")
        row: dict[str, object] = dict.fromkeys(k for k in USERFIELDS.fields if k != "label")  # write-only
        row.update(
            sort="100", multiple="N", mandatory="N", showFilter="N", showInList="Y", editInList="Y",
            isSearchable="N", settings={}, list=[],
        )  # fmt: skip
        row.update(given)
        row.update(entityId=SUPPORTED[crm], fieldName=name, userTypeId=kind, id=self.table.next_id())
        labels = {"ru": name, "en": name}
        for key in ("editFormLabel", "listColumnLabel", "listFilterLabel"):
            row[key] = row.get(key) or labels
        if kind == "enumeration" and given.get("list") is not None:
            row["list"] = values_list(given["list"], [], next_value_id(self.store))
        elif given.get("list"):
            raise ApiError(400, "VALIDATION_ERROR", "list: only an enumeration field has list values")
        self.table.insert(row)
        self._apply(crm)
        return int(str(row["id"]))

    def update(self, crm: str, raw_id: str | None, body: object) -> None:
        crm = crm_entity(crm)
        current = self._row(crm, raw_id)
        given = normalise(body)
        for key in FIXED:
            if key in given and given[key] is not None and given.get(key) != current.get(key):
                fixed = given[key] if key != "fieldName" else full_name(given[key], "")
                if fixed != current.get(key):
                    raise ApiError(422, "BITRIX_ERROR", f"{key} of {current['fieldName']} cannot be changed")
        row = dict(current)
        row.update({k: v for k, v in given.items() if k not in FIXED})
        if "list" in given:
            if current.get("userTypeId") != "enumeration":
                raise ApiError(400, "VALIDATION_ERROR", "list: only an enumeration field has list values")
            row["list"] = values_list(given["list"], current.get("list"), next_value_id(self.store))
        self.table.replace(row["id"], row)  # type: ignore[arg-type]
        self._apply(crm)

    def delete(self, crm: str, raw_id: str | None) -> None:
        crm = crm_entity(crm)
        row = self._row(crm, raw_id)
        self.table.delete(row["id"])  # type: ignore[arg-type]
        self._apply(crm)

    def _rows(self, crm: str) -> list[Row]:
        return [row for row in self.table.scan() if row.get("entityId") == SUPPORTED[crm]]

    def _row(self, crm: str, raw_id: str | None) -> Row:
        if raw_id is None or not (raw_id.isascii() and raw_id.isdigit()) or len(raw_id) > 18:
            raise ApiError(400, "INVALID_PARAMS", "Path parameter :id must be a positive integer")
        row = self.table.peek(int(raw_id))
        if row is None or row.get("entityId") != SUPPORTED[crm]:
            raise ApiError(404, "NOT_FOUND", f"User field {raw_id} not found for {crm}")
        return row

    def _apply(self, crm: str) -> None:
        """The entity's fields follow its definitions; records gain new fields (empty) and lose deleted ones."""
        entity = self.entities.get(crm)
        if entity is None:
            return  # an entity this portal does not serve (its definitions are kept all the same)
        changed = entity_with(entity, self._rows(crm))
        if changed.fields == entity.fields:
            return
        table = self.store.table(crm)
        gone = [n for n, f in entity.fields.items() if f.user_field and n not in changed.fields]
        added = [n for n in changed.fields if n not in entity.fields]
        multiple = {n for n in added if changed.fields[n].multiple}

        def reshaped(row: Row) -> dict[str, object]:
            out = {k: v for k, v in row.items() if k not in gone}
            for name in added:
                out.setdefault(name, [] if name in multiple else None)
            return out

        if gone or added:
            table.rewrite(reshaped)
        self._swap(crm, changed)

    def _swap(self, crm: str, entity: Entity) -> None:
        before = self.entities[crm]
        table = self.store.table(crm)

        def undo() -> None:
            self.entities[crm] = before
            table.entity = before

        self.entities[crm] = entity
        table.entity = entity
        self.store.on_undo(undo)


def next_value_id(store: Store) -> int:
    """The next enumeration value id: above every id any list holds."""
    top = 0
    for row in store.table(USERFIELDS.name).scan():
        listed = row.get("list")
        for value in listed if isinstance(listed, list) else []:
            if isinstance(value, dict) and str(value.get("ID", "")).isdigit():
                top = max(top, int(value["ID"]))
    return top + 1
