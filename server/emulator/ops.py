"""Entity operations over the store (list/search, get, create, update, delete, fields), transport-free.

The HTTP handlers and both batch endpoints call these with raw JSON-ish parameters.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from . import families_a, families_b, families_c, families_req, families_smart, families_tasks, rows
from .derive import apply_defaults, derive
from .errors import ApiError, echo, invalid_params, not_found, validation_error
from .filters import compile_filter, parse_filter
from .include import attach, parse_include
from .index import matching, ordered
from .lists import Lists, build, live_entity
from .query import MAX_LIMIT, page_params, parse_select, parse_sort, project
from .schema import Entity, Field
from .store import RecordId, Row, Store, copy_row
from .validate import check_write, fields_of
from .values import format_instant
from .window import auto_window_flag, unstable_offset, window_count

CREATED_AT = ("createdAt", "createdTime", "createdDate", "dateCreate", "dateInsert", "createTime")
UPDATED_AT = ("updatedAt", "updatedTime", "changedDate", "dateUpdate", "updateTime", "dateModify", "modified")
CREATED_BY = ("createdBy", "createdById")
UPDATED_BY = ("updatedBy", "modifiedBy")
# Users: "readonly fields ... are rejected up front with 400 READONLY_FIELD" (the Users entity page).
READONLY_FIELD_ENTITIES = frozenset({"users"})
# Users: "Delete (soft-delete)" answers `{id, active: false, deactivated: true, user}`; PATCH active=true restores.
SOFT_DELETE_ENTITIES = frozenset({"users"})
MAX_ID_DIGITS = 18  # ids are 64-bit at most; longer digit strings are not ids


@dataclass(frozen=True, slots=True)
class Page:
    """A list/search result: the page, how many matched, and the flags for `meta`."""

    records: list[dict[str, object]]
    total: int
    offset: int
    limit: int
    include_skipped: bool = False
    rows: tuple[Row, ...] = ()  # the stored rows, when records are whole rows (no select, no include)
    windows: int = 0  # date windows of a windowed search, 0 when it ran flat

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.records) < self.total

    @property
    def truncated(self) -> bool:
        """More than 5000 match and the rest is out of reach of this request (Лимиты и оптимизация)."""
        if self.windows:
            return self.total > MAX_LIMIT
        return self.has_more and len(self.records) >= MAX_LIMIT

    def meta(self) -> dict[str, object]:
        meta: dict[str, object] = {"hasMore": self.has_more, "total": self.total, "truncated": self.truncated}
        if self.windows:
            meta.update(autoWindowed=True, windowCount=self.windows, windowErrors=0)
        if self.include_skipped:
            meta["includeSkipped"] = True
        return meta


class Operations:
    def __init__(self, store: Store, clock: Callable[[], float], owner_id: int) -> None:
        self.store = store
        self.clock = clock
        self.owner_id = owner_id
        self._lists: tuple[tuple[object, ...], Lists] | None = None

    def lists(self) -> Lists:
        """The store's reference lists, rebuilt only after one of their tables changed (a write
        replaces a table's `scan()` list, so the lists seen last are the version key)."""
        version = tuple(
            self.store.tables[name].scan() if name in self.store.tables else None
            for name in ("statuses", "deal-categories", "currencies")
        ) + tuple(table.scan() for name, table in self.store.tables.items() if name.startswith("categories/"))
        cached = self._lists
        if cached is None or len(cached[0]) != len(version) or any(map(operator.is_not, cached[0], version)):
            cached = self._lists = (version, build(self.store))
        return cached[1]

    def live(self, entity: Entity) -> Entity:
        """`entity` with the allowed stages, statuses, pipelines and currencies the store holds now."""
        return live_entity(self.lists(), entity)

    def list(
        self,
        entity: Entity,
        *,
        filter: object = None,
        sort: object = None,
        select: object = None,
        limit: object = None,
        offset: object = None,
        include: object = None,
        auto_window: object = False,
    ) -> Page:
        """One page; `auto_window` (the search body's `autoWindow`, default true there) may window it."""
        page_limit, page_offset = page_params(limit, offset)
        conditions = parse_filter(filter, entity)
        windows = window_count(conditions, entity, self.clock()) if auto_window_flag(auto_window) else 0
        if windows and page_offset > 0:
            raise unstable_offset(page_offset, windows)
        compile_filter(conditions, entity)  # operands are checked before anything is read
        keys = parse_sort(sort, entity)
        chosen = parse_select(select, entity)
        relations = parse_include(include, entity)
        table = self.store.table(entity.name)
        positions = matching(table, conditions, entity)
        total = len(positions)
        stored = table.scan()
        rows = [stored[i] for i in ordered(table, positions, keys, entity)[page_offset : page_offset + page_limit]]
        records = [families_req.public(entity, project(row, chosen), self.store) for row in rows]
        attached = attach(records, rows, relations, entity, self.store)
        whole = (
            tuple(rows)
            if chosen is None and not relations and entity.id_kind != "composite" and entity.name != "requisites"
            else ()
        )  # a composite-keyed record drops its id, a requisite the fields outside its preset
        return Page(records, total, page_offset, page_limit, not attached, whole, windows)

    def get(
        self, entity: Entity, raw_id: object, *, include: object = None, select: object = None
    ) -> dict[str, object]:
        key = self.parse_id(entity, raw_id)
        relations = parse_include(include, entity)
        chosen = parse_select(select, entity)
        row = self.store.table(entity.name).peek(key)
        if row is None:
            raise _missing(entity, key)
        record = families_req.public(entity, project(row, chosen), self.store)
        attach([record], [row], relations, entity, self.store)
        return record

    def create(self, entity: Entity, body: object) -> dict[str, object]:
        table = self.store.table(entity.name)
        values = check_write(self.live(entity), fields_of(body, entity), create=True)
        row: dict[str, object] = {name: _default(field) for name, field in entity.fields.items()}
        row.update(values)
        families_b.prepare(entity, row, self.store)
        families_req.prepare(entity, row, values, self.store, None)
        _check_unique(entity, row, table.scan())
        if entity.id_kind != "int" and row["id"] in table:
            raise ApiError(409, "ALREADY_EXISTS", f"Record with id '{echo(row['id'])}' already exists")
        currency = self.base_currency()  # read once: it scans the currencies table
        apply_defaults(entity, row, values, owner_id=self.owner_id, base_currency=currency)
        families_a.apply_defaults(entity, row, values, owner_id=self.owner_id)
        families_smart.apply_defaults(entity, row, values, owner_id=self.owner_id)
        families_c.apply_defaults(entity, row, values, owner_id=self.owner_id, base_currency=currency)
        families_a.link(entity, row, self.store)
        families_a.check_timeline(entity, row, None)
        now = format_instant(self.clock())  # one instant for the whole write
        derive(entity, row, None, values, now, self.lists())
        families_c.derive(entity, row, None, values, now)
        families_tasks.derive_nested(entity, row, now, self.owner_id)
        if entity.id_kind == "int":
            row["id"] = table.next_id()  # taken last, so a rejected create leaves the sequence alone
        self._stamp(entity, row, now, created=True)
        table.insert(row)
        return copy_row(row)

    def update(self, entity: Entity, raw_id: object, body: object) -> dict[str, object]:
        key = self.parse_id(entity, raw_id)
        table = self.store.table(entity.name)
        given = fields_of(body, entity)
        if entity.name in READONLY_FIELD_ENTITIES:
            readonly = [name for name in given if name in entity.fields and entity.fields[name].readonly]
            if readonly:
                raise ApiError(400, "READONLY_FIELD", f"Read-only fields cannot be updated: {', '.join(readonly)}")
        values = check_write(self.live(entity), given, create=False)
        if "id" in values and values["id"] != key:
            raise validation_error(["fields.id: Cannot be changed"])
        current = table.peek(key)
        if current is None:
            raise _missing(entity, key)
        row = dict(current)
        row.update(values)
        families_req.prepare(entity, row, values, self.store, current)
        families_a.check_timeline(entity, row, current)
        now = format_instant(self.clock())  # one instant for the whole write
        derive(entity, row, current, values, now, self.lists())
        families_c.derive(entity, row, current, values, now)
        families_tasks.derive_nested(entity, row, now, self.owner_id)
        self._stamp(entity, row, now, created=False)
        table.replace(key, row)
        return copy_row(row)

    def delete(self, entity: Entity, raw_id: object) -> dict[str, object] | None:
        """Removes the record; users are deactivated instead and the answer's `data` is returned."""
        key = self.parse_id(entity, raw_id)
        table = self.store.table(entity.name)
        if entity.name in SOFT_DELETE_ENTITIES:
            user = self.update(entity, key, {"active": False})
            return {"id": key, "active": False, "deactivated": True, "user": user}
        legacy = entity.legacy
        if legacy is not None:
            row = table.peek(key)
            if row is None:
                raise ApiError(*legacy.delete_missing)
            if row.get(legacy.protected_field) == legacy.protected_value:
                raise ApiError(422, "BITRIX_ERROR", legacy.protected_message)
        if not table.delete(key):
            raise families_req.missing(entity, key) or not_found()
        families_req.cascade(entity, key, self.store)
        rows.drop_owned(entity, key, self.store)  # its product rows
        families_tasks.drop_owned(entity, key, self.store)  # a task's comments and time records
        return None

    def created(self, entity: Entity, record: dict[str, object]) -> object:
        """A create's `data`: the record, or `{id}` where the entity's page shows only that."""
        if entity.legacy is not None and entity.legacy.create_returns_id:
            return {"id": record["id"]}
        return families_req.public(entity, record, self.store)

    def updated(self, entity: Entity, record: dict[str, object]) -> object:
        """An update's `data`: the record, or `true` for the legacy reference entities."""
        return (
            True
            if entity.legacy is not None and entity.legacy.update_returns_true
            else families_req.public(entity, record, self.store)
        )

    def parse_id(self, entity: Entity, raw: object) -> RecordId:
        if entity.id_kind == "composite":
            return families_req.parse_key(entity, raw)
        if entity.id_kind != "int":
            if isinstance(raw, str) and raw:
                return raw
            raise invalid_params("Path parameter :id must be a non-empty string")
        if isinstance(raw, int) and not isinstance(raw, bool):
            key = raw
        elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= MAX_ID_DIGITS:
            key = int(raw)
        else:
            raise invalid_params("Path parameter :id must be a positive integer")
        if key <= 0 and key not in self.store.table(entity.name):  # deal-categories keeps id 0
            raise invalid_params("Path parameter :id must be a positive integer")
        return key

    def base_currency(self) -> str:
        """The portal's base currency (`base: true` in currencies), RUB when none is marked."""
        table = self.store.tables.get("currencies")
        for row in table.scan() if table is not None else ():
            if row.get("base") is True and isinstance(row.get("id"), str):
                return str(row["id"])
        return "RUB"

    def _stamp(self, entity: Entity, row: dict[str, object], now: str, *, created: bool) -> None:
        names = (CREATED_AT + UPDATED_AT) if created else UPDATED_AT
        for name in names:
            if name in entity.fields:
                row[name] = now
        for name in (CREATED_BY + UPDATED_BY) if created else UPDATED_BY:
            if name in entity.fields:
                row[name] = self.owner_id


def describe_fields(entity: Entity) -> dict[str, object]:
    """`GET /v1/{entity}/fields` data in the Vibe-schema shape (`{type, readonly, label}`)."""
    return {
        "fields": {name: describe_field(field) for name, field in entity.fields.items()},
        "include": list(entity.relations),
        "batch": list(entity.batch_actions),
    }


def describe_field(field: Field) -> dict[str, object]:
    """One field: `type` (with `[]` for several values, as the entity pages' tables write `number[]`),
    `readonly`, `label`, and `items` for fields with a fixed list of values (entities index)."""
    out: dict[str, object] = {
        "type": field.type + "[]" if field.multiple else field.type,
        "readonly": field.readonly,
    }
    if field.label:
        out["label"] = field.label
    if field.items:
        out["items"] = [{"ID": item_id, "VALUE": value} for item_id, value in field.items]
    return out


def _missing(entity: Entity, key: RecordId) -> ApiError:
    if entity.legacy is not None:
        return ApiError(404, "NOT_FOUND", entity.legacy.not_found)
    if entity.name in families_c.MISSING:
        return ApiError(404, *families_c.MISSING[entity.name])
    return families_req.missing(entity, key) or not_found()


def _check_unique(entity: Entity, row: Mapping[str, object], rows: Iterable[Mapping[str, object]]) -> None:
    legacy = entity.legacy
    if legacy is None or not legacy.duplicate_key:
        return
    key = tuple(row.get(name) for name in legacy.duplicate_key)
    if any(tuple(other.get(name) for name in legacy.duplicate_key) == key for other in rows):
        raise ApiError(422, "BITRIX_ERROR", legacy.duplicate_message)


def _default(field: Field) -> object:
    if field.multiple:
        return []
    return False if field.type == "boolean" else None
