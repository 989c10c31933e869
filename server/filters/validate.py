"""From the model's filter to one checked, canonical `Filter` (or one error naming every mistake)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from server.catalog import FieldSpec

from .fields import ANY, KIND_NAMES, OPS_BY_KIND, RANGE, kind_of, resolve
from .merge import Clause, Condition, Contradiction, conditions_of, emit, merge
from .pipelines import check_stages
from .problems import OPERATOR, SYNTAX, VALUE, FilterProblem, Problem, problem, show, to_error
from .render import describe
from .syntax import Term, parse
from .values import coerce

OP_NAMES = {
    "eq": "=",
    "ne": "$ne",
    "gt": "$gt",
    "gte": "$gte",
    "lt": "$lt",
    "lte": "$lte",
    "contains": "$contains",
    "in": "$in",
    "nin": "$nin",
}


@dataclass(frozen=True)
class Filter:
    """A checked filter: one AND clause, or the branches of an OR (each with the common part in it)."""

    clause: Clause
    branches: tuple[Clause, ...] = ()
    notes: tuple[str, ...] = ()
    fields: Mapping[str, FieldSpec] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.clause and not self.branches

    def upstream(self) -> dict[str, Any]:
        """Syntax 1 for one upstream call (an OR needs one call per branch: see `branch_filters`)."""
        if self.branches:
            raise ValueError("an OR filter is sent as one filter per branch")
        return emit(self.clause)

    def canonical(self) -> dict[str, Any]:
        """Syntax 1, with `$or` holding each branch in full: equal meaning, equal form."""
        if self.branches:
            return {"$or": [emit(b) for b in self.branches]}
        return emit(self.clause)

    def branch_filters(self) -> list[dict[str, Any]]:
        return [emit(b) for b in self.branches] if self.branches else [emit(self.clause)]

    def summary(self) -> str:
        return describe(self.clause, self.branches, self.fields)

    def and_also(self, cond: Condition) -> Filter | None:
        """This filter with one more condition (e.g. id > last seen), or None when nothing can match."""
        kinds = {f: kind_of(self.fields.get(f)) for f in (cond.field,)}
        multiple = {cond.field: bool(self.fields.get(cond.field) and self.fields[cond.field].multiple)}

        def add(clause: Clause) -> Clause | None:
            try:
                return merge([*conditions_of(clause), cond], kinds, multiple)
            except Contradiction:
                return None

        if not self.branches:
            clause = add(self.clause)
            return None if clause is None else Filter(clause, (), self.notes, self.fields)
        branches = tuple(b for b in (add(b) for b in self.branches) if b is not None)
        return Filter(self.clause, branches, self.notes, self.fields) if branches else None


def compile_filter(raw: Any, fields: Mapping[str, FieldSpec], *, allow_or: bool = True) -> Filter:
    """Parse, check and normalise a filter against an entity's fields.

    Raises:
        InvalidArguments: every problem found, each naming its key, what was wrong and the fix.
    """
    parsed, syntax_errors = parse(raw)
    problems: list[Problem] = [e.problem for e in syntax_errors]
    notes: list[str] = []
    common = _conditions(parsed.terms, fields, problems, notes)
    branches = [_conditions(terms, fields, problems, notes) for terms in parsed.branches]
    if branches and not allow_or:
        problems.append(
            problem(
                SYNTAX,
                "$or",
                "OR is not available here",
                'For several values of one field use $in: {"stageId": {"$in": ["NEW", "WON"]}}.',
            ).problem
        )
    if problems:
        raise to_error(problems)
    kinds = {name: kind_of(fields.get(name)) for name in {c.field for c in common}}
    kinds.update({c.field: kind_of(fields.get(c.field)) for b in branches for c in b})
    multiple = {name: bool(fields.get(name) and fields[name].multiple) for name in kinds}
    one_field = _one_field_or(branches)
    if one_field is not None:
        common.append(one_field)
        notes.append(f"$or on {one_field.field} alone sent as $in")
        branches = []
    try:
        clause = merge(common, kinds, multiple)
        full_branches = [merge([*common, *b], kinds, multiple) for b in branches]
        for each in (clause, *full_branches):
            check_stages(each, fields)
    except FilterProblem as exc:
        raise to_error([exc.problem]) from None
    except Contradiction as exc:
        raise to_error([_contradiction(exc)]) from None
    unique: dict[Any, Clause] = {}
    for branch in full_branches:
        unique.setdefault(_frozen(branch), branch)  # equal branches (fields in another order) run once
    full = tuple(unique.values())
    if len(full) == 1:
        clause, full = full[0], ()
    return Filter(clause, full, tuple(dict.fromkeys(notes)), fields)


def _contradiction(exc: Contradiction) -> Problem:
    err = exc.as_problem()
    assert isinstance(err, FilterProblem)
    return err.problem


def _frozen(clause: Clause) -> tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]:
    """A hashable form in which the order fields were written in does not count."""
    return tuple(sorted((f, tuple(sorted(ops.items(), key=lambda kv: kv[0]))) for f, ops in clause.items()))


def _one_field_or(branches: list[list[Condition]]) -> Condition | None:
    """`$or` of equalities on one field is `$in`: one call instead of several."""
    if len(branches) < 2 or not all(b for b in branches):
        return None
    names = {c.field for b in branches for c in b}
    if len(names) != 1 or any(c.op not in ("eq", "in") for b in branches for c in b):
        return None
    if any(len(b) != 1 for b in branches):
        return None
    values: list[Any] = []
    for b in branches:
        values.extend(b[0].value if b[0].op == "in" else (b[0].value,))
    return Condition(names.pop(), "in", tuple(dict.fromkeys(values)), branches[0][0].key)


def _conditions(
    terms: list[Term], fields: Mapping[str, FieldSpec], problems: list[Problem], notes: list[str]
) -> list[Condition]:
    out: list[Condition] = []
    for term in terms:
        try:
            out.append(_condition(term, fields, notes))
        except FilterProblem as exc:
            problems.append(exc.problem)
    return out


def _condition(term: Term, fields: Mapping[str, FieldSpec], notes: list[str]) -> Condition:
    name, spec = resolve(term.field, fields, term.key)
    if name != term.field:
        notes.append(f"{term.field} read as {name}")
    kind = kind_of(spec)
    if term.op not in OPS_BY_KIND[kind]:
        raise _bad_operator(term, name, spec, kind)
    if term.op in ("in", "nin"):
        values = _list(term, name)
        coerced = [coerce(kind, spec, name, term.key, term.op, v) for v in values]
        notes.extend(c.note for c in coerced if c.note)
        return Condition(name, term.op, tuple(dict.fromkeys(c.value for c in coerced)), term.key)
    got = coerce(kind, spec, name, term.key, term.op, term.value)
    if got.note:
        notes.append(got.note)
    return Condition(name, term.op, got.value, term.key)


def _list(term: Term, name: str) -> list[Any]:
    op = OP_NAMES[term.op]
    value = term.value
    if not isinstance(value, list):
        parts = [p.strip() for p in value.split(",")] if isinstance(value, str) and "," in value else [value]
        fix = json_list(parts)
        raise problem(
            VALUE, term.key, f"{op} needs an array, received {show(value)}", f'Write {{"{name}": {{"{op}": {fix}}}}}.'
        )
    if not value:
        raise problem(
            VALUE,
            term.key,
            f"{op} with an empty array",
            f'An empty list matches nothing: give values, use {{"{name}": null}} for empty ones, or leave the key out.',
        )
    bad = next((v for v in value if isinstance(v, list | dict)), None)
    if bad is not None:
        raise problem(VALUE, term.key, f"{op} holds a nested value {show(bad)}", f"Give plain values: {op}: [1, 2].")
    return value


def json_list(parts: list[Any]) -> str:
    return "[" + ", ".join(show(p) for p in parts) + "]"


def _bad_operator(term: Term, name: str, spec: FieldSpec | None, kind: str) -> FilterProblem:
    allowed = " ".join(
        OP_NAMES[o] for o in ("eq", "ne", "gt", "gte", "lt", "lte", "contains", "in", "nin") if o in OPS_BY_KIND[kind]
    )
    type_name = spec.type if spec is not None else "unknown"
    wrong = f"{OP_NAMES[term.op]} does not apply to {name} ({type_name}: {KIND_NAMES[kind]})"
    fix = f"Allowed for {name}: {allowed}."
    if term.op in RANGE and spec is not None and spec.items and kind != ANY:
        chosen = _items_in_range(spec, term.op, term.value)
        if chosen:
            fix = f'Name the values instead: {{"{name}": {{"$in": {json_list(chosen)}}}}}. {fix}'
    elif term.op == "contains" and kind in ("int", "float", "enum"):
        fix = f"$contains is for text; compare numbers with $gte/$lte or list values with $in. {fix}"
    return problem(OPERATOR, term.key, wrong, fix)


def _items_in_range(spec: FieldSpec, op: str, value: Any) -> list[Any]:
    """For `status < 5` on a numbered list: the item ids it means, so the fix is one copy away."""
    try:
        bound = float(value)
        ids = [int(i) for i, _ in spec.items]
    except (TypeError, ValueError):
        return []
    tests = {"gt": bound.__lt__, "gte": bound.__le__, "lt": bound.__gt__, "lte": bound.__ge__}
    return [i for i in ids if tests[op](i)]
