"""Reading a filter object: three syntaxes (mixable), operator-outermost, `$and`/`$or`, into terms.

    1. {"amount": {"$gte": 1}}      2. {">=amount": 1, "!stageId": "LOSE"}      3. {"amount": {">=": 1}}
    outermost: {"$gte": {"createdAt": "2026-01-01"}}     bare value = equals, array = any of

Only the shape is read here; field names, types and values are checked by `validate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .problems import OPERATOR, SYNTAX, THREE_FORMS, FilterProblem, problem, show

DOLLAR_OPS: Mapping[str, str] = {
    "$eq": "eq",
    "$gt": "gt",
    "$gte": "gte",
    "$lt": "lt",
    "$lte": "lte",
    "$ne": "ne",
    "$contains": "contains",
    "$in": "in",
    "$nin": "nin",
}
KEY_OPS: Mapping[str, str] = {
    "=": "eq",
    ">": "gt",
    ">=": "gte",
    "<": "lt",
    "<=": "lte",
    "!": "ne",
    "!=": "ne",
    "%": "contains",
    "@": "in",
    "!@": "nin",
}
PREFIXES = tuple(sorted(KEY_OPS, key=len, reverse=True))  # longest first: ">=" before ">"
LIST_OPS = frozenset({"in", "nin"})
MAX_BRANCHES = 5

OPERATORS_TEXT = "$gt $gte $lt $lte $ne $contains $in $nin, prefixes/keys >= > <= < ! != %"
# Spellings models reach for that VibeCode has no operator for, with the honest alternative.
UNSUPPORTED: Mapping[str, str] = {
    "$regex": "VibeCode has no regular expressions or starts-with; $contains matches a substring anywhere.",
    "$startswith": "VibeCode has no starts-with; $contains matches a substring anywhere in the value.",
    "$endswith": "VibeCode has no ends-with; $contains matches a substring anywhere in the value.",
    "$like": 'Use $contains for a substring: {"title": {"$contains": "text"}}.',
    "=%": "VibeCode has no starts-with; % / $contains match a substring anywhere in the value.",
    "%=": "VibeCode has no ends-with; % / $contains match a substring anywhere in the value.",
    "!%": 'VibeCode has no "does not contain"; filter by another field, or use $nin for whole values.',
    "$exists": 'Use null: {"closedAt": null} finds empty values, {"closedAt": {"$ne": null}} filled ones.',
    "$not": 'Negate with $ne / $nin or the ! prefix: {"stageId": {"$ne": "LOSE"}}, {"!stageId": "LOSE"}.',
    "$between": 'Give both bounds: {"amount": {"$gte": 100, "$lte": 500}}.',
    "from": 'Give both bounds: {"createdAt": {"$gte": "2026-01-01", "$lte": "2026-01-31"}}.',
    "to": 'Give both bounds: {"createdAt": {"$gte": "2026-01-01", "$lte": "2026-01-31"}}.',
    "$or": 'OR applies to whole conditions at the top level: {"$or": [{"stageId": "WON"}, {"amount": {"$gt": 5}}]}; '
    'for several values of one field use $in: {"stageId": {"$in": ["NEW", "WON"]}}.',
    "logic": 'Write OR as {"$or": [{...}, {...}]} at the top level; for one field use $in.',
}


@dataclass(frozen=True, slots=True)
class Term:
    """One condition as written: its key (for messages), field name as written, operator, raw value."""

    key: str
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Parsed:
    """Terms ANDed together, plus the branches of one `$or` (each a list of terms)."""

    terms: list[Term]
    branches: list[list[Term]]


def parse(raw: Any) -> tuple[Parsed, list[FilterProblem]]:
    """Read `raw` into terms; problems are returned (not raised) so all can be reported together."""
    errors: list[FilterProblem] = []
    if raw is None:
        return Parsed([], []), errors
    if not isinstance(raw, Mapping):
        errors.append(_not_an_object(raw))
        return Parsed([], []), errors
    terms: list[Term] = []
    branches: list[list[Term]] = []
    for key, value in raw.items():
        if not isinstance(key, str) or not key.strip():
            errors.append(problem(SYNTAX, str(key), "an empty key", THREE_FORMS))
            continue
        try:
            if key == "$or":
                branches = _branches(value, errors)
            elif key == "$and":
                for sub in _objects("$and", value, minimum=1):
                    terms.extend(_flat(sub, errors, "$and"))
            else:
                terms.extend(_entry(key, value))
        except FilterProblem as exc:
            errors.append(exc)
    return Parsed(terms, branches), errors


def _not_an_object(raw: Any) -> FilterProblem:
    if isinstance(raw, list) and raw and all(isinstance(t, list) and len(t) == 3 for t in raw):
        wrong = "an array of [field, operator, value] triples is not a VibeCode filter"
    else:
        wrong = f"expected an object of conditions, received {show(raw)}"
    return problem(SYNTAX, "", wrong, THREE_FORMS)


def _objects(key: str, value: Any, *, minimum: int) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or len(value) < minimum or not all(isinstance(v, Mapping) for v in value):
        raise problem(
            SYNTAX,
            key,
            f"needs an array of at least {minimum} condition object(s), received {show(value)}",
            f'Example: {{"{key}": [{{"stageId": "WON"}}, {{"amount": {{"$gt": 100000}}}}]}}.',
        )
    return list(value)


def _branches(value: Any, errors: list[FilterProblem]) -> list[list[Term]]:
    subs = _objects("$or", value, minimum=1)
    if len(subs) > MAX_BRANCHES:
        raise problem(
            SYNTAX,
            "$or",
            f"has {len(subs)} branches; at most {MAX_BRANCHES} are supported",
            'Merge branches on the same field with $in: {"stageId": {"$in": ["NEW", "WON"]}}, or split the search.',
        )
    return [_flat(sub, errors, "$or") for sub in subs]


def _flat(sub: Mapping[str, Any], errors: list[FilterProblem], parent: str) -> list[Term]:
    """Terms of a nested condition object, which may not hold another `$or`."""
    out: list[Term] = []
    for key, value in sub.items():
        if not isinstance(key, str) or not key.strip():
            errors.append(problem(SYNTAX, str(key), "an empty key", THREE_FORMS))
            continue
        try:
            if key in ("$or", "$and"):
                raise problem(
                    SYNTAX, key, f"cannot be nested inside {parent}", "Use one $or at the top level of the filter."
                )
            out.extend(_entry(key, value))
        except FilterProblem as exc:
            errors.append(exc)
    return out


def _entry(key: str, value: Any) -> list[Term]:
    """The terms of one top-level key."""
    if key in DOLLAR_OPS or key in KEY_OPS:  # operator outermost: {"$gte": {"amount": 1}}
        if not isinstance(value, Mapping) or not value:
            raise problem(
                SYNTAX,
                key,
                f"an operator at the top level needs an object of fields, received {show(value)}",
                f'Put the operator inside the field: {{"amount": {{"{key}": ...}}}}. {THREE_FORMS}',
            )
        op = DOLLAR_OPS.get(key) or KEY_OPS[key]
        return [_term(f"{key}.{field}", str(field), op, operand) for field, operand in value.items()]
    if key.startswith("$") or key.lower() == "logic":  # a field may be called "from"; an operator never "$x"
        _reject_unsupported(key, key)
    if key.startswith("$"):
        raise _unknown_operator(key, key)
    prefix = next((p for p in PREFIXES if key.startswith(p)), None)
    if prefix is not None:
        field = key[len(prefix) :]
        if not field:
            raise problem(SYNTAX, key, "an operator with no field name after it", THREE_FORMS)
        if field[0] in "<>=!%@$":
            _reject_unsupported(key, key[: len(prefix) + 1])
            raise _unknown_operator(key, key[: len(key) - len(field.lstrip("<>=!%@$"))])
        if isinstance(value, Mapping):
            raise problem(
                SYNTAX,
                key,
                f"the prefix form takes a plain value, received an object {show(value)}",
                f'Write {{"{key}": 100}}, or {{"{field}": {{"$gte": 100}}}} without the prefix.',
            )
        return [_term(key, field, KEY_OPS[prefix], value)]
    if isinstance(value, Mapping):
        if not value:
            raise problem(
                SYNTAX, key, "an empty condition object", f'Give a value ({{"{key}": ...}}) or leave the key out.'
            )
        out = []
        for op_key, operand in value.items():
            op_name = str(op_key)
            found = DOLLAR_OPS.get(op_name) or KEY_OPS.get(op_name)
            if found is None:
                _reject_unsupported(key, op_name)
                if op_name.startswith("$") or op_name[:1] in "<>=!%@":
                    raise _unknown_operator(key, op_name)
                raise problem(
                    SYNTAX,
                    key,
                    f"nested object {show(value)} is not a condition (no operator {show(op_name)})",
                    f'Operators go inside the field: {{"{key}": {{"$gte": 1}}}} ({OPERATORS_TEXT}).',
                )
            out.append(_term(key, key, found, operand))
        return out
    return [_term(key, key, "eq", value)]


def _reject_unsupported(key: str, op_name: str) -> None:
    fix = UNSUPPORTED.get(op_name.lower())
    if fix is not None:
        raise problem(OPERATOR, key, f"{show(op_name)} is not a VibeCode filter operator", fix)


def _unknown_operator(key: str, op_name: str) -> FilterProblem:
    return problem(
        OPERATOR,
        key,
        f"unknown operator {show(op_name)}",
        f"Operators: {OPERATORS_TEXT}. A bare value means equals, an array means any of.",
    )


def _term(key: str, field: str, op: str, value: Any) -> Term:
    """A term with the array forms read: equals + array = in, not-equals + array = not in."""
    if isinstance(value, list):
        if op == "eq":
            op = "in"
        elif op == "ne":
            op = "nin"
        elif op not in LIST_OPS:
            raise problem(
                SYNTAX,
                key,
                f"this operator takes one value, received an array {show(value)}",
                f'Give one value, e.g. {{"{field}": {{"$gte": 100}}}}; for any of several values use $in.',
            )
    elif isinstance(value, Mapping):
        raise problem(
            SYNTAX,
            key,
            f"a condition value cannot be an object, received {show(value)}",
            f"Give a plain value (text, number, true/false, null) or an array for $in/$nin. {THREE_FORMS}",
        )
    return Term(key, field, op, value)
