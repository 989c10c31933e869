"""The emulator's own reading of VibeCode filters: three syntaxes, mixable, into one predicate.

1. `{"amount": {"$gte": 1}}`   2. `{">=amount": 1, "!stageId": "LOSE"}`   3. `{"amount": {">=": 1}}`
plus the operator-outermost form the optimisation page shows: `{"$gte": {"createdAt": "2026-01-01"}}`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .errors import echo, invalid_filter, unknown_filter_field, unknown_operator
from .schema import Entity, Field
from .values import BadValue, Key, lenient_normalizer, strict_normalizer, type_name

DOLLAR_OPS: Mapping[str, str] = {
    "$gt": "gt",
    "$gte": "gte",
    "$lt": "lt",
    "$lte": "lte",
    "$ne": "ne",
    "$contains": "contains",
    "$in": "in",
    "$nin": "nin",
}
KEY_OPS: Mapping[str, str] = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "!": "ne", "!=": "ne", "%": "contains"}
PREFIXES = (">=", "<=", "!=", ">", "<", "!", "%")
LIST_OPS = frozenset({"in", "nin"})

Row = Mapping[str, object]
Predicate = Callable[[Row], bool]


@dataclass(frozen=True, slots=True)
class Condition:
    """One canonical condition: `field op value` (value is a list for in/nin)."""

    field: str
    op: str
    value: object


def parse_filter(raw: object, entity: Entity) -> list[Condition]:
    """Any of the three syntaxes (mixed) into canonical conditions, validated against the fields."""
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise invalid_filter(f"filter must be an object, received {type_name(raw)}")
    conditions: list[Condition] = []
    for key, value in raw.items():
        if not isinstance(key, str) or not key:
            raise invalid_filter("filter keys must be non-empty strings")
        if key.startswith("$"):
            conditions.extend(_operator_outermost(key, value, entity))
            continue
        prefix = next((p for p in PREFIXES if key.startswith(p)), None)
        if prefix is not None:
            field = _check_field(key[len(prefix) :], entity)
            conditions.append(_condition(field, KEY_OPS[prefix], value))
            continue
        key = _check_field(key, entity)
        if isinstance(value, dict):
            for op_key, operand in value.items():
                op = DOLLAR_OPS.get(op_key) or KEY_OPS.get(op_key)
                if op is None:
                    raise unknown_operator(str(op_key))
                conditions.append(_condition(key, op, operand))
        else:
            conditions.append(_condition(key, "eq", value))
    return conditions


def _operator_outermost(op_key: str, value: object, entity: Entity) -> list[Condition]:
    op = DOLLAR_OPS.get(op_key)
    if op is None:
        raise unknown_operator(op_key)
    if not isinstance(value, dict):
        received = type_name(value)
        raise invalid_filter(f"'{echo(op_key)}' at the top level needs an object of fields, received {received}")
    out = []
    for name, operand in value.items():
        out.append(_condition(_check_field(name, entity), op, operand))
    return out


def _check_field(name: str, entity: Entity) -> str:
    """The stored field name (either user-field spelling is accepted), or INVALID_FILTER_FIELD."""
    stored = entity.field_name(name)
    if stored not in entity.fields:
        raise unknown_filter_field(name, list(entity.fields))
    return stored


def _condition(field: str, op: str, value: object) -> Condition:
    """Normalises the bare-array forms: eq+[..] is IN, ne+[..] is NOT IN."""
    if isinstance(value, list):
        if op == "eq":
            op = "in"
        elif op == "ne":
            op = "nin"
        elif op not in LIST_OPS:
            raise invalid_filter(f"Operator for field '{echo(field)}' expects a single value, received an array")
    elif op in LIST_OPS:
        raise invalid_filter(f"Operator ${op} for field '{echo(field)}' expects an array, received {type_name(value)}")
    if isinstance(value, dict):
        raise invalid_filter(f"Invalid value for filter field '{echo(field)}': nested objects are not allowed here")
    return Condition(field, op, value)


def compile_filter(conditions: list[Condition], entity: Entity) -> Predicate | None:
    """One predicate ANDing every condition, or None when there is nothing to test."""
    if not conditions:
        return None
    tests = [_compile(c, entity.fields[c.field]) for c in conditions]
    if len(tests) == 1:
        return tests[0]

    def every(row: Row) -> bool:
        for test in tests:  # noqa: SIM110 - twice as fast as all() over a generator on this hot path
            if not test(row):
                return False
        return True

    return every


def operand(cond: Condition, field: Field) -> Key | None | list[Key | None]:
    """The condition's value as row values normalise (the case-folded needle for contains)."""
    if cond.op == "contains":
        return str(cond.value).casefold()
    strict = strict_normalizer(field)

    def read(value: object) -> Key | None:
        if value is None or value == "":
            return None
        try:
            return strict(value)
        except BadValue as exc:
            raise invalid_filter(f"Invalid value for filter field '{echo(cond.field)}': {exc}") from None

    if isinstance(cond.value, list):
        return [read(v) for v in cond.value]
    return read(cond.value)


def _compile(cond: Condition, field: Field) -> Predicate:
    target = operand(cond, field)
    norm = lenient_normalizer(field)
    name = cond.field
    op = cond.op
    matches = _value_test(op, target, norm)
    negative = op in ("ne", "nin")
    positive = _value_test("eq" if op == "ne" else "in", target, norm) if negative else matches

    if field.multiple:
        # A list field matches when any element matches; ne/nin mean "no element equals".
        if negative:
            return lambda row: not any(positive(v) for v in _elements(row.get(name)))
        if op == "eq" and target is None:
            return lambda row: not _elements(row.get(name))
        return lambda row: any(matches(v) for v in _elements(row.get(name)))
    if op == "eq":
        return lambda row: norm(row.get(name)) == target
    if op == "in":
        options = set(target) if isinstance(target, list) else {target}
        return lambda row: norm(row.get(name)) in options
    return lambda row: matches(row.get(name))


def _elements(value: object) -> list[object]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def _value_test(op: str, target: object, norm: Callable[[object], Key | None]) -> Callable[[object], bool]:
    if op == "contains":
        needle = str(target)

        def contains(value: object) -> bool:
            if value is None:
                return False
            text = value.get("value", value.get("VALUE")) if isinstance(value, dict) else value
            return needle in str(text).casefold()

        return contains
    if op in LIST_OPS:
        options = set(target) if isinstance(target, list) else {target}
        if op == "in":
            return lambda value: norm(value) in options
        return lambda value: norm(value) not in options
    if op == "eq":
        return lambda value: norm(value) == target
    if op == "ne":
        return lambda value: norm(value) != target
    compare = _COMPARATORS[op]

    def ordered(value: object) -> bool:
        key = norm(value)
        if key is None or target is None:
            return False
        try:
            return compare(key, target)
        except TypeError:
            return False

    return ordered


_COMPARATORS: Mapping[str, Callable[[object, object], bool]] = {
    "gt": lambda a, b: a > b,  # type: ignore[operator]
    "gte": lambda a, b: a >= b,  # type: ignore[operator]
    "lt": lambda a, b: a < b,  # type: ignore[operator]
    "lte": lambda a, b: a <= b,  # type: ignore[operator]
}


def query_filter(pairs: list[tuple[str, str]]) -> dict[str, object]:
    """`filter[...]` query parameters (bracket paths, `[]` lists) into the JSON filter object."""
    root: dict[str, object] = {}
    for name, value in pairs:
        path = _bracket_path(name)
        if path is None or not path:
            raise invalid_filter(f"Malformed filter parameter '{echo(name)}'")
        _put(root, path, value)
    _split_lists(root)
    return root


def _bracket_path(name: str) -> list[str] | None:
    rest = name[len("filter") :]
    segments = []
    while rest:
        if not rest.startswith("[") or "]" not in rest:
            return None
        end = rest.index("]")
        segments.append(rest[1:end])
        rest = rest[end + 1 :]
    return segments


def _put(root: dict[str, object], path: list[str], value: str) -> None:
    append = path[-1] == ""
    keys = path[:-1] if append else path
    if not keys or "" in keys:
        raise invalid_filter("Malformed filter parameter: empty key")
    node = root
    for key in keys[:-1]:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise invalid_filter(f"Conflicting filter parameters for '{echo(key)}'")
        node = child
    last = keys[-1]
    current = node.get(last)
    if append or current is not None:
        if isinstance(current, dict):
            raise invalid_filter(f"Conflicting filter parameters for '{echo(last)}'")
        items = current if isinstance(current, list) else ([] if current is None else [current])
        items.append(value)
        node[last] = items
    else:
        node[last] = value


def _split_lists(node: dict[str, object]) -> None:
    """`filter[stageId][$in]=NEW,WON` is the comma form of an array."""
    for key, value in node.items():
        if isinstance(value, dict):
            _split_lists(value)
        elif key in ("$in", "$nin") and isinstance(value, str):
            node[key] = [part for part in value.split(",") if part != ""]
