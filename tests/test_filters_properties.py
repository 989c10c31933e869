"""Property tests: random filters written in any of the syntaxes normalise alike, and the
validator answers any JSON whatsoever with a result or its own InvalidArguments, nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.catalog import FieldSpec
from server.errors import InvalidArguments
from server.filters import compile_filter
from server.filters.fields import OPS_BY_KIND, kind_of
from tests.filter_fields import entity_fields

FIELDS = entity_fields()["deals"]
NAMES = sorted(FIELDS)

# How each operator may be written: ($ operator, prefix, operator key); None where a form does not exist.
SPELLINGS: Mapping[str, tuple[str, list[str], list[str]]] = {
    "eq": ("$eq", ["="], ["="]),
    "ne": ("$ne", ["!", "!="], ["!", "!="]),
    "gt": ("$gt", [">"], [">"]),
    "gte": ("$gte", [">="], [">="]),
    "lt": ("$lt", ["<"], ["<"]),
    "lte": ("$lte", ["<="], ["<="]),
    "contains": ("$contains", ["%"], ["%"]),
    "in": ("$in", ["@"], []),
    "nin": ("$nin", ["!@", "!"], ["!"]),
}


def values_for(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Valid operands for one field (items where it has them)."""
    kind = kind_of(spec)
    if spec.items:
        ids = [int(i) if i.isdigit() else i for i, _ in spec.items]
        return st.sampled_from(ids)
    if kind == "int":
        return st.integers(0, 1000)
    if kind == "float":
        return st.one_of(st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: round(f, 2)))
    if kind == "bool":
        return st.booleans()
    if kind in ("date", "datetime"):
        day = st.dates().filter(lambda d: d.year >= 1000).map(lambda d: d.isoformat())
        return st.one_of(day, day.map(lambda d: d + "T10:30:00"), day.map(lambda d: d + "T00:00:00Z"))
    return st.text("абвгдabc +-79", min_size=1, max_size=8).filter(lambda t: t.strip() != "")


@st.composite
def condition(draw: st.DrawFn) -> tuple[str, str, Any]:
    name = draw(st.sampled_from(NAMES))
    spec = FIELDS[name]
    op = draw(st.sampled_from(sorted(OPS_BY_KIND[kind_of(spec)])))
    value = draw(values_for(spec))
    if op in ("in", "nin"):
        value = draw(st.lists(values_for(spec), min_size=1, max_size=4))
    return name, op, value


def forms(name: str, op: str, value: Any) -> list[tuple[str, Any, str | None]]:
    """Every way of writing one condition: (top-level key, value, inner key or None)."""
    dollar, prefixes, keys = SPELLINGS[op]
    out: list[tuple[str, Any, str | None]] = [(name, value, dollar), (dollar, value, name)]  # outermost
    out += [(p + name, value, None) for p in prefixes]
    out += [(name, value, k) for k in keys]
    if op == "eq":
        out.append((name, value, None))
    if op == "in":
        out.append((name, value, None))
    return out


@st.composite
def written(draw: st.DrawFn, conds: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """One filter object holding `conds`, each in a randomly chosen form; clashes go into `$and`."""
    out: dict[str, Any] = {}
    rest: list[dict[str, Any]] = []
    for name, op, value in conds:
        key, val, inner = draw(st.sampled_from(forms(name, op, value)))
        piece: dict[str, Any] = {key: {inner: val}} if inner is not None else {key: val}
        slot = out.get(key)
        if slot is None:
            out.update(piece)
        elif inner is not None and isinstance(slot, dict) and inner not in slot and draw(st.booleans()):
            slot[inner] = val  # share the field's (or operator's) object, as people write ranges
        else:
            rest.append(piece)
    if rest:
        out["$and"] = rest
    return out


def outcome(flt: Any) -> tuple[str, Any]:
    try:
        return "ok", compile_filter(flt, FIELDS).canonical()
    except InvalidArguments as exc:
        return exc.code, None


@settings(max_examples=200, deadline=None)
@given(st.lists(condition(), min_size=1, max_size=5).flatmap(lambda cs: st.tuples(written(cs), written(cs))))
def test_any_two_writings_of_the_same_conditions_normalise_alike(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    first, second = pair
    assert outcome(first) == outcome(second), (first, second)


@settings(max_examples=100, deadline=None)
@given(st.lists(condition(), min_size=1, max_size=4))
def test_the_canonical_form_is_a_fixed_point(conds: list[tuple[str, str, Any]]) -> None:
    """Syntax 1 as sent reads back to itself: what goes upstream is what was checked."""
    flt = {"$and": [{name: {SPELLINGS[op][0]: value}} for name, op, value in conds]}
    status, canonical = outcome(flt)
    if status == "ok":
        assert outcome(canonical) == ("ok", canonical)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=5,
)
KEYS = st.one_of(
    st.sampled_from(NAMES),
    st.builds(
        lambda p, n: p + n,
        st.sampled_from(["", ">", ">=", "<", "<=", "!", "!=", "%", "@", "!@", "=%", "$"]),
        st.sampled_from([*NAMES, "UF_CRM_X", "ufCrmPriority", ""]),
    ),  # fmt: skip
    st.sampled_from(["$or", "$and", "$gte", "$in", "$eq", "$regex", "LOGIC", "from", ""]),
    st.text(max_size=8),
)
OPERATORS = st.sampled_from(
    ["$gt", "$gte", "$lt", "$lte", "$ne", "$contains", "$in", "$nin", ">", "!", "%", "$x", "to"]
)
FILTERS = st.recursive(
    st.dictionaries(KEYS, JSON, max_size=4),
    lambda inner: st.dictionaries(
        KEYS, inner | st.lists(inner, max_size=2) | st.dictionaries(OPERATORS, JSON), max_size=3
    ),
    max_leaves=4,
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(FILTERS, JSON))
def test_the_validator_raises_nothing_but_its_own_error(raw: Any) -> None:
    try:
        flt = compile_filter(raw, FIELDS)
    except InvalidArguments as exc:
        assert exc.code.startswith(("INVALID_FILTER", "CONTRADICTORY_FILTER")) and exc.hint
        return
    flt.summary()
    for branch in flt.branch_filters():
        assert isinstance(branch, dict)
