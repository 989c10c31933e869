"""Creating, changing and deleting smart process types (`/v1/smart-processes`, crm.type.*).

A new type gets an entityTypeId (the next even number from 1030 that no type has ever had, or a free
one given in 128–192 or even ≥ 1030), and its items and pipelines become entities of their own
(`items/{entityTypeId}`, `categories/{entityTypeId}`). Where Bitrix creates the default pipeline and
its stages on the type's first use, the demo portal creates them at once, so the new type's items
can be written straight away. A type with items cannot be deleted; deleting one drops its pipelines,
stages and routes, and its entityTypeId is never handed out again.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

from .errors import ApiError
from .families_smart import SmartType, category_entity, item_entity, status_record
from .ops import Operations
from .schema import Entity
from .store import Row, Table
from .validate import check_write, fields_of
from .values import format_instant

TYPES = "smart-processes"
FIRST_AUTO_ID = 1030
EXPLICIT_RANGE = (128, 192)
FLAGS_ON_BY_DEFAULT = frozenset({"isSetOpenPermissions"})  # "единственный флаг с положительным дефолтом"
# Accepted on create and update and kept, though `/fields` does not describe them (Create page).
UNDESCRIBED = ("relations", "linkedUserFields")
DEFAULT_PIPELINE = "Общая"
DEFAULT_STAGES = (
    ("NEW", "Начало", "P"),
    ("PREPARATION", "Подготовка", "P"),
    ("CLIENT", "В работе", "P"),
    ("SUCCESS", "Успех", "S"),
    ("FAIL", "Провал", "F"),
)


def bitrix_error(message: str) -> ApiError:
    return ApiError(422, "BITRIX_ERROR", message)


def not_found(raw: object) -> ApiError:
    return ApiError(404, "SMART_PROCESS_NOT_FOUND", f"Smart process with entityTypeId={raw} not found")


class SmartTypes:
    """The portal's smart process types and the entities each one brings."""

    def __init__(self, ops: Operations, entities: MutableMapping[str, Entity]) -> None:
        self.ops = ops
        self.entities = entities
        self.used = {int(str(r["entityTypeId"])) for r in self._table().scan()}  # ids are never reused

    def _table(self) -> Table:
        return self.ops.store.table(TYPES)

    def find(self, raw: object) -> Row:
        """The stored type whose entityTypeId is `raw` (the path id)."""
        for row in self._table().scan():
            if str(row.get("entityTypeId")) == str(raw):
                return row
        raise not_found(raw)

    def create(self, body: object) -> dict[str, object]:
        entity = self.entities[TYPES]
        given = fields_of(body, entity)
        type_id = self._type_id(given.pop("entityTypeId", None))
        extra = {k: given.pop(k) for k in UNDESCRIBED if k in given}
        relations = extra.pop("relations", None)
        if not str(given.get("title") or "").strip():
            raise bitrix_error('Не заполнено обязательное поле "Название"')
        values = check_write(entity, given, create=False)
        now = format_instant(self.ops.clock())
        flags = {n: n in FLAGS_ON_BY_DEFAULT for n, f in entity.fields.items() if f.type == "boolean"}
        table = self._table()
        row: dict[str, object] = {
            **dict.fromkeys(entity.fields),
            **flags,
            **values,
            "id": table.next_id(),
            "entityTypeId": type_id,
            "isInitialized": False,  # as Bitrix answers a type just made; the demo pipeline exists already
            "relations": self._relations(relations, values),
            "createdBy": self.ops.owner_id,
            "updatedBy": self.ops.owner_id,
            "createdTime": now,
            "updatedTime": now,
            **extra,
        }
        table.insert(row)
        self.used.add(type_id)
        self._register(row)  # last: nothing after it can fail, so the request stays all or nothing
        return dict(row)

    def update(self, raw: object, body: object) -> dict[str, object]:
        entity = self.entities[TYPES]
        current = self.find(raw)
        given = fields_of(body, entity)
        new_id = given.pop("entityTypeId", current["entityTypeId"])
        if str(new_id) != str(current["entityTypeId"]):
            raise bitrix_error("entityTypeId cannot be changed")
        extra = {k: given.pop(k) for k in UNDESCRIBED if k in given}  # replaced whole, as the Update page says
        if "title" in given and not str(given.get("title") or "").strip():
            raise bitrix_error('Не заполнено обязательное поле "Название"')
        values = check_write(entity, given, create=False)
        if not values and not extra:
            return dict(current)  # an empty body answers the type as it is
        row = {**current, **values, **extra, "updatedBy": self.ops.owner_id}
        row["updatedTime"] = format_instant(self.ops.clock())
        self._table().replace(current["id"], row)  # type: ignore[arg-type]
        return dict(row)

    def delete(self, raw: object) -> None:
        current = self.find(raw)
        type_id = int(str(current["entityTypeId"]))
        if len(self.ops.store.table(f"items/{type_id}")):
            raise bitrix_error("Вы не можете удалить тип сущности, у которого есть элементы")
        self._table().delete(current["id"])  # type: ignore[arg-type]
        statuses = self.ops.store.table("statuses")
        prefix = f"DYNAMIC_{type_id}_STAGE_"
        for status in [s for s in statuses.scan() if str(s.get("entityId", "")).startswith(prefix)]:
            statuses.delete(status["id"])  # type: ignore[arg-type]
        for family in ("items", "categories"):
            self.entities.pop(f"{family}/{type_id}", None)
            self.ops.store.tables.pop(f"{family}/{type_id}", None)

    def _type_id(self, raw: object) -> int:
        """The given entityTypeId if it is free and in range, else the next automatic one."""
        if raw is None:
            return max([FIRST_AUTO_ID - 2, *(i for i in self.used if i >= FIRST_AUTO_ID)]) // 2 * 2 + 2
        low, high = EXPLICIT_RANGE
        ok = isinstance(raw, int) and not isinstance(raw, bool) and (low <= raw <= high or raw >= 1030 and raw % 2 == 0)
        if not ok:
            raise bitrix_error(f"EntityTypeId should be more or equal than {low} and less than {high}")
        assert isinstance(raw, int)
        if raw in self.used:
            raise bitrix_error(f"Смарт-процесс с entityTypeId {raw} уже существует")
        return raw

    @staticmethod
    def _relations(given: object, values: Mapping[str, object]) -> object:
        """The relations as given; a client field adds the predefined links to contacts and companies."""
        relations = dict(given) if isinstance(given, Mapping) else {"parent": [], "child": []}
        if values.get("isClientEnabled"):
            parents = [p for p in relations.get("parent") or [] if isinstance(p, Mapping)]
            linked = {p.get("entityTypeId") for p in parents}
            parents += [
                {"entityTypeId": t, "isChildrenListEnabled": "Y", "isPredefined": "Y"}
                for t in (3, 4)
                if t not in linked
            ]
            relations["parent"] = parents
        return relations

    def _register(self, row: Row) -> None:
        """The new type's items and pipelines routes, its default pipeline and the pipeline's stages."""
        type_id = int(str(row["entityTypeId"]))
        store = self.ops.store
        taken = [r.get("id") for name, t in store.tables.items() if name.startswith("categories/") for r in t.scan()]
        taken += (
            [r.get("id") for r in store.table("deal-categories").scan()] if "deal-categories" in store.tables else []
        )
        category = max([0, *(i for i in taken if isinstance(i, int))]) + 1
        t = SmartType(
            int(str(row["id"])), type_id, str(row["title"]), str(row.get("code") or ""),
            ((category, DEFAULT_PIPELINE, DEFAULT_STAGES),), (),
        )  # fmt: skip
        statuses = store.table("statuses")
        list_id = f"DYNAMIC_{type_id}_STAGE_{category}"
        for n, (code, name, sem) in enumerate(DEFAULT_STAGES, start=1):
            status_id = t.stage_id(category, code)
            statuses.insert(status_record(statuses.next_id(), list_id, status_id, name, n, sem, category))
        items, categories = item_entity(t), category_entity(t)
        pipeline = {"id": category, "entityTypeId": type_id, "name": DEFAULT_PIPELINE, "sort": 100, "isDefault": True}
        store.add_table(categories, [pipeline])
        store.add_table(items, [])
        self.entities[items.name] = items
        self.entities[categories.name] = categories
