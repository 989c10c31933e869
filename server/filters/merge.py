"""AND of conditions on each field into one canonical clause, with contradictions found.

A clause maps field → {op: value} with at most one value per operator, so it can be written
in syntax 1 (`{"amount": {"$gte": 1, "$lte": 9}}`); equality alone is a bare value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .problems import CONTRADICTION, SYNTAX, problem, show

Clause = dict[str, dict[str, Any]]
OP_ORDER = ("eq", "in", "ne", "nin", "gt", "gte", "lt", "lte", "contains")
SYMBOLS = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "contains": "contains"}


@dataclass(frozen=True, slots=True)
class Condition:
    """One typed condition on a resolved field (`value` is a tuple for in/nin)."""

    field: str
    op: str
    value: Any
    key: str = ""  # the filter key as written, for messages


class Contradiction(Exception):
    """No record can match: the conditions on one field exclude each other."""

    def __init__(self, field: str, key: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.key = key
        self.reason = reason

    def as_problem(self) -> Exception:
        return problem(
            CONTRADICTION,
            self.key or self.field,
            f"{self.reason}, so no record can match",
            "Check the values; for either of two values use $in; the conditions on a field are ANDed.",
        )


def order_key(kind: str) -> Callable[[Any], Any] | None:
    """How values of a kind compare, or None when they do not (codes, text)."""
    if kind in ("int", "float"):
        return float
    if kind in ("date", "datetime"):
        return _epoch
    return None


def _epoch(text: str) -> float:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # a zone-less instant compares as UTC, as upstream reads it
    return moment.timestamp()


def merge(conditions: Iterable[Condition], kinds: Mapping[str, str], multiple: Mapping[str, bool]) -> Clause:
    """The canonical clause for the AND of `conditions`.

    Raises:
        Contradiction: the conditions on a field exclude each other.
        FilterProblem: a combination syntax 1 cannot express (two substrings on one field).
    """
    by_field: dict[str, list[Condition]] = {}
    for cond in conditions:
        by_field.setdefault(cond.field, []).append(cond)
    clause: Clause = {}
    for field, conds in by_field.items():
        clause[field] = _field(field, conds, order_key(kinds.get(field, "")), multiple.get(field, False))
    return clause


def _field(field: str, conds: list[Condition], key: Callable[[Any], Any] | None, multiple: bool) -> dict[str, Any]:
    first_key = conds[0].key
    eqs = _unique(c.value for c in conds if c.op == "eq")
    ins = [set(c.value) for c in conds if c.op == "in"]
    excluded = _unique([c.value for c in conds if c.op == "ne"] + [v for c in conds if c.op == "nin" for v in c.value])
    lower = _bound([c for c in conds if c.op in ("gt", "gte")], key, high=False)
    upper = _bound([c for c in conds if c.op in ("lt", "lte")], key, high=True)
    needles = _needles(field, [c for c in conds if c.op == "contains"])

    def contradiction(reason: str) -> Contradiction:
        return Contradiction(field, first_key, reason)

    if lower and upper and key is not None:
        lo, hi = key(lower[1]), key(upper[1])
        if lo > hi or (lo == hi and (lower[0] == "gt" or upper[0] == "lt")):
            low_sym, high_sym = SYMBOLS[lower[0]], SYMBOLS[upper[0]]
            raise contradiction(f"{field} {low_sym} {show(lower[1])} and {field} {high_sym} {show(upper[1])}")
    out: dict[str, Any] = {}
    if multiple:
        # Each condition tests the field's elements: several memberships cannot be folded into one.
        if len(eqs) > 1 or len(ins) > 1:
            raise problem(
                SYNTAX,
                first_key,
                f"{field} holds several values; one filter can require only one of them here",
                f'For records having any of them use $in: {{"{field}": {{"$in": [...]}}}}.',
            )
        if eqs and ins and eqs[0] not in ins[0]:
            raise problem(
                SYNTAX,
                first_key,
                f"{field} holds several values; requiring {show(eqs[0])} and one of the $in values cannot be sent",
                "Keep one of the two conditions.",
            )
        if eqs:  # having this value implies having one of the $in values
            out["eq"] = eqs[0]
        elif ins:
            out["in"] = conds_in_order(conds, "in")
        _exclusions(out, excluded)
        _bounds(out, lower, upper)
        if needles:
            out["contains"] = needles
        return out
    if len(eqs) > 1:
        raise contradiction(f"{field} = {show(eqs[0])} and {field} = {show(eqs[1])}")
    if eqs:
        value = eqs[0]
        if any(value not in s for s in ins):
            raise contradiction(f"{field} = {show(value)} but not among the $in values")
        if value in excluded:
            raise contradiction(f"{field} = {show(value)} and {field} ≠ {show(value)}")
        if (lower or upper) and (value is None or not _within(value, lower, upper, key)):
            raise contradiction(f"{field} = {show(value)} is outside the range given")
        if needles and (value is None or needles.casefold() not in str(value).casefold()):
            raise contradiction(f"{field} = {show(value)} does not contain {show(needles)}")
        return {"eq": value}
    if ins:
        allowed = set.intersection(*ins)
        values = tuple(v for v in conds_in_order(conds, "in") if v in allowed and v not in excluded)
        if key is not None and (lower or upper):
            values = tuple(v for v in values if v is not None and _within(v, lower, upper, key))
            lower = upper = None  # every remaining value lies within the bounds
        if not values:
            raise contradiction(f"no value of {field} satisfies every $in/$nin/range condition")
        out = {"eq": values[0]} if len(values) == 1 else {"in": values}
        excluded = []
    _exclusions(out, excluded)
    _bounds(out, lower, upper)
    if needles:
        out["contains"] = needles
    return out


def conds_in_order(conds: list[Condition], op: str) -> tuple[Any, ...]:
    return tuple(dict.fromkeys(v for c in conds if c.op == op for v in c.value))


def _unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def _exclusions(out: dict[str, Any], excluded: list[Any]) -> None:
    if len(excluded) == 1:
        out["ne"] = excluded[0]
    elif excluded:
        out["nin"] = tuple(excluded)


def _bounds(out: dict[str, Any], lower: tuple[str, Any] | None, upper: tuple[str, Any] | None) -> None:
    for bound in (lower, upper):
        if bound is not None:
            out[bound[0]] = bound[1]


def _bound(conds: list[Condition], key: Callable[[Any], Any] | None, *, high: bool) -> tuple[str, Any] | None:
    """The tightest of several lower (or upper) bounds; strict wins a tie."""
    if not conds:
        return None
    if key is None:
        strict = [c for c in conds if c.op in ("gt", "lt")]
        pick = (strict or conds)[-1]
        return pick.op, pick.value
    best = conds[0]
    for cond in conds[1:]:
        a, b = key(cond.value), key(best.value)
        tighter = a < b if high else a > b
        if tighter or (a == b and cond.op in ("gt", "lt")):
            best = cond
    return best.op, best.value


def _within(value: Any, lower: tuple[str, Any] | None, upper: tuple[str, Any] | None, key: Any) -> bool:
    if key is None:
        return True
    v = key(value)
    if lower is not None:
        lo = key(lower[1])
        if v < lo or (v == lo and lower[0] == "gt"):
            return False
    if upper is not None:
        hi = key(upper[1])
        if v > hi or (v == hi and upper[0] == "lt"):
            return False
    return True


def _needles(field: str, conds: list[Condition]) -> str | None:
    """One substring: of two where one contains the other the longer holds both; else unsupported."""
    needles = _unique(c.value for c in conds)
    if not needles:
        return None
    longest = max(needles, key=len)
    if all(n.casefold() in longest.casefold() for n in needles):
        return str(longest)
    raise problem(
        SYNTAX,
        conds[0].key,
        f"{field} has two substrings ({', '.join(show(n) for n in needles)}); only one per field can be sent",
        'Keep one $contains; for records containing either, use {"$or": [{...}, {...}]}.',
    )


def emit(clause: Clause) -> dict[str, Any]:
    """Syntax 1: a bare value for equality alone, else `{"$op": value}` (lists for in/nin)."""
    out: dict[str, Any] = {}
    for field, ops in clause.items():
        if list(ops) == ["eq"]:
            out[field] = ops["eq"]
            continue
        body: dict[str, Any] = {}
        for op in OP_ORDER:
            if op in ops:
                value = ops[op]
                if op == "eq":  # beside other operators equality rides as a one-value $in
                    body["$in"] = [value]
                else:
                    body[f"${op}"] = list(value) if op in ("in", "nin") else value
        out[field] = body
    return out


def conditions_of(clause: Clause) -> list[Condition]:
    return [Condition(field, op, value) for field, ops in clause.items() for op, value in ops.items()]
