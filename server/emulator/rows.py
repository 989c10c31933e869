"""Product rows of deals, leads, quotes, invoices and smart process items (`/v1/{entity}/:id/products`).

The "{Entity}: Products Add/Delete/Fields/Get/Get Single/Set/Update" pages (2026-05-05): rows are
listed whole (`id` is the row id, not the catalog's productId), `PUT` replaces every row, `POST` adds
one and answers its `{id}`, `PATCH`/`DELETE` address one row by `:rowId`. A delete answers 204,
except on smart process items, whose page answers `{"data": true}`. Rows are kept in one internal
table (not an entity of the API), keyed by Bitrix's owner type: D, L, Q, SI, or T{hex typeId}.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .errors import ApiError, invalid_params, not_found, validation_error
from .schema import Entity, ro, rw
from .store import Row, Store, copy_row
from .validate import check_write, fields_of
from .values import plain_number

TABLE = "product-rows"
OPERATION = "products"  # what the routes need of an entity: product rows
OWNER_TYPES: Mapping[str, str] = MappingProxyType({"deals": "D", "leads": "L", "quotes": "Q", "invoices": "SI"})
MEASURES: Mapping[int, str] = MappingProxyType({796: "шт", 356: "ч", 9: "км"})
SET_REQUIRED = ("productId", "price", "quantity")  # Products Set: items[].productId, price, quantity "да"
AMOUNT_FIELDS = ("amount", "opportunity")  # the owner's sum: amount (deals, leads, quotes), opportunity (SPA)


# Writable fields first: the body of add, update and each item of set.
ROW = Entity(
    name=TABLE,
    scope="crm",
    operations=frozenset(),
    fields={
        "id": ro("integer", "ID"),
        "productId": rw("integer", "Товар", required=True),
        "productName": rw("string", "Название товара"),
        "price": rw("double", "Цена"),
        "quantity": rw("double", "Количество"),
        "discount": rw("double", "Сумма скидки"),
        "discountRate": rw("double", "Величина скидки"),
        "discountTypeId": rw("integer", "Тип скидки"),
        "taxRate": rw("double", "Налог"),
        "taxIncluded": rw("boolean", "Налог включен в цену"),
        "measureCode": rw("integer", "Код единицы измерения"),
        "measureName": rw("string", "Единица измерения"),
        "sort": rw("integer", "Сортировка"),
        "priceAccount": ro("double", "Цена в валюте отчётов"),
        "priceExclusive": ro("double", "Цена без налога со скидкой"),
        "priceNetto": ro("double", "PRICE_NETTO"),
        "priceBrutto": ro("double", "PRICE_BRUTTO"),
        "customized": ro("char", "Изменен"),
        "xmlId": ro("string", "Внешний код"),
        "type": ro("integer", "TYPE"),
        "storeId": ro("integer", "STORE_ID"),
        "ownerId": ro("integer", "ID владельца"),
        "ownerType": ro("string", "Тип владельца"),
    },
    batch_actions=(),
)
TABLES: Mapping[str, Entity] = MappingProxyType({TABLE: ROW})
# The docs' Fields table order and flags (ownerId and ownerType are required and immutable there).
DESCRIBED = ("id", "ownerId", "ownerType", "productId", "productName", "price", "priceExclusive", "priceNetto",
             "priceBrutto", "quantity", "discountTypeId", "discountRate", "discount", "taxRate", "taxIncluded",
             "customized", "measureCode", "measureName", "sort", "type", "storeId")  # fmt: skip
# What leaves the portal: the row without its owner keys (the Get Single example).
SHOWN = ("id", "productId", "productName", "price", "priceAccount", "priceExclusive", "priceNetto", "priceBrutto",
         "quantity", "discountTypeId", "discountRate", "discount", "taxRate", "taxIncluded", "customized",
         "measureCode", "measureName", "sort", "xmlId", "type")  # fmt: skip


def deletes_with_true(entity: Entity) -> bool:
    """Items: Products Delete answers 200 `{"data": true}`; the other owners' pages answer 204."""
    return entity.name.startswith("items/")


def owner_type(entity: Entity) -> str | None:
    """Bitrix's owner type of an entity's rows, or None for entities without product rows."""
    if entity.name in OWNER_TYPES:
        return OWNER_TYPES[entity.name]
    family, _, raw = entity.name.partition("/")
    return f"T{int(raw):x}" if family == "items" and raw.isdigit() else None


class ProductRows:
    """Row operations for one portal's store (the HTTP routes call these)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _owner(self, entity: Entity, raw_id: str | None) -> tuple[str, int]:
        kind = owner_type(entity)
        key = int(raw_id) if raw_id is not None and raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 19 else 0
        if kind is None or key <= 0:
            raise invalid_params("Path parameter :id must be a positive integer")
        if self.store.table(entity.name).peek(key) is None:
            raise not_found()
        return kind, key

    def _rows(self, kind: str, owner: int) -> list[Row]:
        rows = [r for r in self.store.table(TABLE).scan() if r.get("ownerType") == kind and r.get("ownerId") == owner]
        return sorted(rows, key=lambda r: (int(str(r.get("sort") or 0)), int(str(r["id"]))))

    def _row(self, kind: str, owner: int, raw_row: str | None) -> Row:
        key = (
            int(raw_row) if raw_row is not None and raw_row.isascii() and raw_row.isdigit() and len(raw_row) < 19 else 0
        )
        row = self.store.table(TABLE).peek(key) if key > 0 else None
        if row is None or row.get("ownerType") != kind or row.get("ownerId") != owner:
            raise not_found()
        return row

    def listed(self, entity: Entity, raw_id: str | None) -> list[dict[str, object]]:
        kind, owner = self._owner(entity, raw_id)
        return [shown(r) for r in self._rows(kind, owner)]

    def get(self, entity: Entity, raw_id: str | None, raw_row: str | None) -> dict[str, object]:
        kind, owner = self._owner(entity, raw_id)
        return shown(self._row(kind, owner, raw_row))

    def fields(self, entity: Entity, raw_id: str | None) -> dict[str, object]:
        self._owner(entity, raw_id)
        out: dict[str, object] = {}
        for name in DESCRIBED:
            field = ROW.fields[name]
            owner_key = name in ("ownerId", "ownerType")
            item: dict[str, object] = {"type": "char" if name == "taxIncluded" else field.type,
                                       "isRequired": field.required or owner_key,
                                       "isReadOnly": field.readonly and not owner_key}  # fmt: skip
            if owner_key:
                item["isImmutable"] = True
            item["title"] = field.label
            out[name] = item
        return out

    def add(self, entity: Entity, raw_id: str | None, body: object) -> dict[str, object]:
        kind, owner = self._owner(entity, raw_id)
        row = self._insert(kind, owner, self._checked(body, create=True), len(self._rows(kind, owner)))
        self._recount(entity, kind, owner)
        return {"id": row["id"]}

    def replace(self, entity: Entity, raw_id: str | None, body: object) -> list[dict[str, object]]:
        kind, owner = self._owner(entity, raw_id)
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise invalid_params("items must be an array")
        checked = []
        for index, item in enumerate(items):
            missing = [n for n in SET_REQUIRED if not isinstance(item, dict) or item.get(n) is None]
            if missing:
                raise validation_error([f"items.{index}.{n}: Required" for n in missing])
            # "Get the rows, add one, PUT them all" (Products Set): what GET added (id, derived prices) is dropped.
            writable = {k: v for k, v in item.items() if k not in ROW.fields or not ROW.fields[k].readonly}
            checked.append(self._checked(writable, create=True, where=f"items.{index}"))
        table = self.store.table(TABLE)
        for row in self._rows(kind, owner):
            table.delete(row["id"])  # type: ignore[arg-type]
        added = [shown(self._insert(kind, owner, values, n)) for n, values in enumerate(checked)]
        self._recount(entity, kind, owner)
        return added

    def update(self, entity: Entity, raw_id: str | None, raw_row: str | None, body: object) -> dict[str, object]:
        kind, owner = self._owner(entity, raw_id)
        current = self._row(kind, owner, raw_row)
        values = self._checked(body, create=False)
        merged = {**current, **values, "customized": "Y"}
        if values.get("productId", current.get("productId")) != current.get("productId"):
            for name in ("productName", "price", "measureCode", "measureName"):  # the new product's, unless given
                merged[name] = values.get(name)
        row = priced(merged, self._product(merged.get("productId")))
        self.store.table(TABLE).replace(current["id"], row)  # type: ignore[arg-type]
        self._recount(entity, kind, owner)
        return shown(row)

    def delete(self, entity: Entity, raw_id: str | None, raw_row: str | None) -> None:
        kind, owner = self._owner(entity, raw_id)
        self.store.table(TABLE).delete(self._row(kind, owner, raw_row)["id"])  # type: ignore[arg-type]
        self._recount(entity, kind, owner)

    def _recount(self, entity: Entity, kind: str, owner: int) -> None:
        """The owner's amount after a change of its rows: Bitrix sums the rows into it (price × quantity,
        plus tax where the price excludes it). The documented owner fields have no manual-amount flag
        (isManualOpportunity), so the sum always follows the rows, as it does in Bitrix while that flag is off."""
        field = next((name for name in AMOUNT_FIELDS if name in entity.fields), None)
        table = self.store.table(entity.name)
        record = table.peek(owner)
        if field is None or record is None:
            return
        total = round(sum(row_total(r) for r in self._rows(kind, owner)), 2)
        table.replace(owner, {**copy_row(record), field: plain_number(total)})

    def _checked(self, body: object, *, create: bool, where: str = "fields") -> dict[str, object]:
        try:
            values = check_write(ROW, fields_of(body, ROW), create=create)
        except ApiError as exc:
            raise ApiError(exc.status, exc.code, exc.message.replace("fields.", f"{where}.")) from None
        product = values.get("productId")
        if isinstance(product, int) and product != 0 and self.store.table("products").peek(product) is None:
            raise invalid_params(f"Product {product} not found. Catalog: GET /v1/products")
        if not create and not values:
            raise validation_error([f"{where}: Expected at least one field"])
        return values

    def _product(self, product_id: object) -> Row | None:
        return self.store.table("products").peek(product_id) if isinstance(product_id, int) and product_id else None

    def _insert(self, kind: str, owner: int, values: Mapping[str, object], position: int) -> Row:
        table = self.store.table(TABLE)
        row = priced({**blank(kind, owner, position), **values}, self._product(values.get("productId")))
        row["id"] = table.next_id()
        table.insert(row)
        return row


def blank(kind: str, owner: int, position: int) -> dict[str, object]:
    return {"ownerType": kind, "ownerId": owner, "productId": 0, "productName": None, "price": None,
            "quantity": 1, "discount": 0, "discountRate": 0, "discountTypeId": 2, "taxRate": None,
            "taxIncluded": False, "measureCode": None, "measureName": None, "sort": 10 * (position + 1),
            "customized": "Y", "xmlId": None, "type": 1, "storeId": None}  # fmt: skip


def priced(row: dict[str, object], product: Mapping[str, object] | None) -> dict[str, object]:
    """Catalog defaults (name, price, unit) for what a new or re-pointed row leaves out, and the prices
    Bitrix derives: exclusive (without tax, after discount), netto (before discount), brutto (with tax)."""
    if product is not None:
        if row.get("productName") is None:
            row["productName"] = product.get("name")
        if row.get("price") is None:
            row["price"] = product.get("price")
        measure = product.get("measure")
        if row.get("measureCode") is None and isinstance(measure, int):
            row["measureCode"], row["measureName"] = measure, MEASURES.get(measure, "шт")
    price = _num(row.get("price"))
    rate = _num(row.get("taxRate"))
    exclusive = price / (1 + rate / 100) if row.get("taxIncluded") and rate else price
    row["price"] = plain_number(price)
    row["priceAccount"] = plain_number(price)
    row["priceExclusive"] = plain_number(round(exclusive, 2))
    row["priceNetto"] = plain_number(round(exclusive + _num(row.get("discount")), 2))
    row["priceBrutto"] = plain_number(round((exclusive + _num(row.get("discount"))) * (1 + rate / 100), 2))
    return row


def row_total(row: Row) -> float:
    """What a row adds to its owner's amount: its price with tax, times its quantity."""
    price, rate = _num(row.get("price")), _num(row.get("taxRate"))
    with_tax = price if row.get("taxIncluded") or not rate else price * (1 + rate / 100)
    return with_tax * _num(row.get("quantity"))


def drop_owned(entity: Entity, key: object, store: Store) -> None:
    """A deleted owner's rows go with it (nothing could reach them any more)."""
    kind = owner_type(entity)
    if kind is None or TABLE not in store.tables:
        return
    table = store.table(TABLE)
    for row in [r for r in table.scan() if r.get("ownerType") == kind and r.get("ownerId") == key]:
        table.delete(row["id"])  # type: ignore[arg-type]


def _num(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def shown(row: Row) -> dict[str, object]:
    out = copy_row(row)
    return {name: out.get(name) for name in SHOWN}
