"""`POST /v1/{entity}/aggregate`: count, sum/avg/min/max and groupBy over the first 5000 matches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .errors import echo, invalid_params
from .filters import compile_filter, parse_filter
from .index import matching
from .schema import Entity, Field
from .store import Table
from .values import NUMERIC_TYPES, BadValue, lenient_normalizer, plain_number, strict_normalizer, type_name

FUNCTIONS = ("count", "sum", "avg", "min", "max")
NUMERIC_FUNCTIONS = frozenset({"sum", "avg", "min", "max"})
UF_NUMERIC_TYPES = frozenset({"integer", "double", "money"})
MAX_GROUP_FIELDS = 5
MAX_RECORDS = 5000
MAX_GROUPS = 1000

Row = Mapping[str, object]
Spec = tuple[str, str]  # (field, function)


def aggregate(entity: Entity, table: Table, body: object) -> dict[str, object]:
    """The `data` of an aggregate response over the entity's table."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise invalid_params(f"Body must be an object, received {type_name(body)}")
    specs = _parse_specs(body.get("aggregate"), entity)
    group_by = _parse_group_by(body.get("groupBy"), entity)
    conditions = parse_filter(body.get("filter"), entity)
    compile_filter(conditions, entity)  # operands are checked before anything is read
    positions = matching(table, conditions, entity)
    total = len(positions)
    needs_rows = bool(group_by) or any(fn != "count" for _, fn in specs) or any(f != "*" for f, _ in specs)
    stored = table.scan()
    processed = [stored[i] for i in positions[:MAX_RECORDS]] if needs_rows else []
    data: dict[str, object] = {"count": total, "aggregates": _compute(entity, processed, specs)}
    meta: dict[str, object] = {
        "totalRecords": total,
        "recordsProcessed": len(processed),
        "truncated": needs_rows and total > MAX_RECORDS,
    }
    if group_by:
        groups = _groups(entity, processed, specs, group_by)
        meta["groupTotal"] = len(groups)
        meta["groupsTruncated"] = len(groups) > MAX_GROUPS
        data["groups"] = groups[:MAX_GROUPS]
    data["meta"] = meta
    return data


def _parse_specs(raw: object, entity: Entity) -> list[Spec]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid_params(f"aggregate must be an array of {{field, function}}, received {type_name(raw)}")
    specs: list[Spec] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("field"), str):
            raise invalid_params("Each aggregate item must be an object {field, function}")
        field, function = entity.field_name(item["field"]), item.get("function")
        if function not in FUNCTIONS:
            raise invalid_params(f"Invalid aggregate function '{echo(function)}'. Supported: {', '.join(FUNCTIONS)}")
        if function == "count":
            if field != "*" and field not in entity.fields:
                raise _field_not_found(field, entity)
        else:
            _check_numeric(field, function, entity)
        specs.append((field, str(function)))
    return specs


def _check_numeric(name: str, function: object, entity: Entity) -> None:
    field = entity.fields.get(name)
    if field is None or (not field.user_field and name not in entity.aggregatable):
        raise _field_not_found(name, entity)
    if field.user_field:
        if field.type not in UF_NUMERIC_TYPES:
            raise invalid_params(
                f"Field '{echo(name)}' has type '{field.type}'; {function} supports only UF types integer, double, "
                "money"
            )
    elif field.type not in NUMERIC_TYPES and field.type != "money":
        raise invalid_params(
            f"Field '{echo(name)}' is not numeric (type '{field.type}'); {function} needs a numeric field"
        )


def _field_not_found(name: str, entity: Entity) -> Exception:
    numeric_uf = [n for n, f in entity.fields.items() if f.user_field and f.type in UF_NUMERIC_TYPES]
    available = ", ".join([*entity.aggregatable, *numeric_uf])
    return invalid_params(f"Field '{echo(name)}' not found. Available numeric fields: {available}")


def _parse_group_by(raw: object, entity: Entity) -> list[str]:
    if raw is None:
        return []
    names = [raw] if isinstance(raw, str) else raw
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise invalid_params(f"groupBy must be a field name or an array of them, received {type_name(raw)}")
    if len(names) > MAX_GROUP_FIELDS:
        raise invalid_params(f"groupBy accepts at most {MAX_GROUP_FIELDS} fields, received {len(names)}")
    names = [entity.field_name(name) for name in names]
    for name in names:
        field = entity.fields.get(name)
        if field is not None and field.user_field:
            continue
        if name not in entity.aggregatable:
            raise invalid_params(
                f"groupBy field '{echo(name)}' is not aggregatable on this entity. "
                f"Available: {', '.join(entity.aggregatable)}."
            )
    return list(names)


def _numbers(field: Field, rows: Sequence[Row], name: str) -> list[float]:
    read = strict_normalizer(field)
    out: list[float] = []
    for row in rows:
        value = row.get(name)
        for item in value if isinstance(value, list) else [value]:
            if item is None or item == "":
                continue
            try:
                number = read(item)  # money "1500.50|RUB" reads as 1500.5
            except BadValue:
                continue
            if isinstance(number, int | float) and not isinstance(number, bool):
                out.append(number)
    return out


def _compute(entity: Entity, rows: Sequence[Row], specs: list[Spec]) -> dict[str, dict[str, object]]:
    result: dict[str, dict[str, object]] = {}
    for name, function in specs:
        if name == "*":
            continue
        if function == "count":
            value: object = sum(1 for row in rows if row.get(name) not in (None, "", []))
        else:
            numbers = _numbers(entity.fields[name], rows, name)
            value = _reduce(function, numbers)
        result.setdefault(name, {})[function] = value
    return result


def _reduce(function: str, numbers: list[float]) -> object:
    if function == "sum":
        return plain_number(round(sum(numbers), 2))
    if not numbers:
        return None
    if function == "avg":
        return plain_number(round(sum(numbers) / len(numbers), 2))
    return plain_number(min(numbers) if function == "min" else max(numbers))


def _groups(entity: Entity, rows: Sequence[Row], specs: list[Spec], group_by: list[str]) -> list[dict[str, object]]:
    buckets: dict[tuple[object, ...], list[Row]] = {}
    for row in rows:
        key = tuple(_group_value(row.get(name)) for name in group_by)
        buckets.setdefault(key, []).append(row)
    groups = []
    for key, members in buckets.items():
        group: dict[str, object] = {
            name: list(value) if isinstance(value, tuple) else value for name, value in zip(group_by, key, strict=True)
        }
        group["count"] = len(members)
        group["aggregates"] = _compute(entity, members, specs)
        groups.append(group)
    norms = [lenient_normalizer(entity.fields[name]) for name in group_by]

    def order(group: dict[str, object]) -> tuple[object, ...]:
        count = group["count"]
        parts: list[object] = [-count if isinstance(count, int) else 0]
        for name, norm in zip(group_by, norms, strict=True):
            value = group[name]
            key = norm(value) if not isinstance(value, list) else str(value)
            parts.append((key is not None, str(key)))
        return tuple(parts)

    groups.sort(key=order)
    return groups


def _group_value(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value
