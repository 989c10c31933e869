"""`include`: related records under `_included`, at most 3 relations and 200 records."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import ApiError, echo
from .schema import Entity, Relation
from .store import RecordId, Row, Store, copy_row
from .values import type_name

MAX_RELATIONS = 3
MAX_RECORDS = 200


def parse_include(raw: object, entity: Entity) -> tuple[str, ...]:
    """Comma string (query) or array (body) of relation names, validated."""
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):
        names = [part.strip() for part in raw.split(",") if part.strip()]
    elif isinstance(raw, list) and all(isinstance(n, str) for n in raw):
        names = [n.strip() for n in raw if n.strip()]
    else:
        raise ApiError(400, "INVALID_INCLUDE", f"include must be an array of strings, received {type_name(raw)}")
    names = list(dict.fromkeys(names))
    if len(names) > MAX_RELATIONS:
        raise ApiError(
            400,
            "INCLUDE_LIMIT_EXCEEDED",
            f"Maximum {MAX_RELATIONS} includes per request, received {len(names)}",
        )
    for name in names:
        if name not in entity.relations:
            raise ApiError(
                400,
                "INVALID_INCLUDE",
                f"Unknown include '{echo(name)}'. Available: {', '.join(entity.relations)}",
            )
    return tuple(names)


def plural(name: str) -> str:
    """How VibeCode names a to-many relation in `_included` (`contact` -> `contacts`)."""
    if name.endswith("y") and name[-2:-1] not in "aeiou":
        return name[:-1] + "ies"
    return name if name.endswith("s") else name + "s"


def attach(
    outputs: Sequence[dict[str, object]], rows: Sequence[Row], names: tuple[str, ...], entity: Entity, store: Store
) -> bool:
    """Adds `_included` to each output (FKs read from the stored rows). False when skipped (>200)."""
    if not names or not outputs:
        return True
    if len(outputs) > MAX_RECORDS:
        return False
    fetched: dict[tuple[str, RecordId], dict[str, object] | None] = {}

    def related(target: str, key: object) -> dict[str, object] | None:
        if key is None or key == 0 or key == "" or isinstance(key, bool):
            return None
        if not isinstance(key, int | str):
            return None
        cache_key = (target, key)
        if cache_key not in fetched:
            table = store.tables.get(target)
            row = table.peek(key) if table is not None else None
            fetched[cache_key] = None if row is None else copy_row(row)
        found = fetched[cache_key]
        return None if found is None else dict(found)

    owned = {name: _owned(store, entity.relations[name]) for name in names if entity.relations[name].owner_type}
    latest: dict[str, dict[object, Row]] = {}  # reverse relations: key value -> the latest row holding it
    for name in names:
        relation = entity.relations[name]
        if relation.reverse and relation.entity not in latest:
            table = store.tables.get(relation.entity)
            latest[relation.entity] = {row.get(relation.key): row for row in (table.scan() if table else ())}

    for output, row in zip(outputs, rows, strict=True):
        included: dict[str, object] = {}
        for name in names:
            relation = entity.relations[name]
            if name in owned:
                included[plural(name)] = [copy_row(r) for r in owned[name].get(row.get("id"), ())]
                continue
            if relation.reverse:
                found = latest[relation.entity].get(row.get("id"))
                included[name] = None if found is None else copy_row(found)
                continue
            value = row.get(relation.key)
            if relation.many:
                keys = value if isinstance(value, list) else ([] if value in (None, 0, "") else [value])
                linked = []
                for position, key in enumerate(keys):
                    record = related(relation.entity, key)
                    if record is not None:
                        record.update(isPrimary=position == 0, sort=10 * (position + 1), roleId=0)
                        linked.append(record)
                included[plural(name)] = linked
            else:
                included[name] = related(relation.entity, value)
        output["_included"] = included
    return True


def _owned(store: Store, relation: Relation) -> dict[object, list[Row]]:
    """The related records by owner id, for a relation found from the other side (one scan per request)."""
    by_owner: dict[object, list[Row]] = {}
    table = store.tables.get(relation.entity)
    for row in table.scan() if table is not None else ():
        if row.get("entityTypeId") == relation.owner_type:
            by_owner.setdefault(row.get(relation.key), []).append(row)
    return by_owner
