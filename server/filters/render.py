"""The applied filter in one short line, with item names: `stageId = Сделка успешна (WON)`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.catalog import FieldSpec

from .merge import OP_ORDER, SYMBOLS, Clause
from .problems import show

MAX_VALUES = 4
MAX_CHARS = 300


def _value(spec: FieldSpec | None, value: Any) -> str:
    if spec is not None and spec.items:
        text = str(value)
        label = next((lab for i, lab in spec.items if i == text), None)
        if label:
            return f"{label} ({text})"
    if isinstance(value, str) and (spec is None or spec.type not in _QUOTED):
        return value  # codes and dates read plainly: stageId = WON, closedAt ≥ 2026-01-01
    return show(value)


_QUOTED = frozenset({"string", "text", "char", "url", "crm_multifield"})


def _values(spec: FieldSpec | None, values: tuple[Any, ...]) -> str:
    shown = [_value(spec, v) for v in values[:MAX_VALUES]]
    if len(values) > MAX_VALUES:
        shown.append(f"+{len(values) - MAX_VALUES} more")
    return "(" + ", ".join(shown) + ")"


def clause_text(clause: Clause, fields: Mapping[str, FieldSpec]) -> str:
    parts: list[str] = []
    for field, ops in clause.items():
        spec = fields.get(field)
        for op in OP_ORDER:
            if op not in ops:
                continue
            value = ops[op]
            if op in ("in", "nin"):
                parts.append(f"{field} {'in' if op == 'in' else 'not in'} {_values(spec, value)}")
            elif value is None:
                parts.append(f"{field} {'is empty' if op == 'eq' else 'is not empty'}")
            else:
                parts.append(f"{field} {SYMBOLS[op]} {_value(spec, value)}")
    return ", ".join(parts)


def describe(clause: Clause, branches: tuple[Clause, ...], fields: Mapping[str, FieldSpec]) -> str:
    """`a, b` for an AND; `(a) or (b)` for the branches of an OR (each already holding the common part)."""
    text = " or ".join(f"({clause_text(b, fields)})" for b in branches) if branches else clause_text(clause, fields)
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"
