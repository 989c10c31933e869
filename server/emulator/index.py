"""Indexes for the common filters, so a search at 100k records does not test every row.

Per table and field (see columns.py): equality buckets (`eq`, `$in`), sorted keys (`$gt`…`$lte`,
bounds on one field combined) and case-folded text for `$contains`. The index narrows the rows to
the most selective condition's exact matches; the remaining conditions are then tested row by row,
as without an index.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from .columns import SEPARATOR, buckets, sort_column, sorted_keys, text, text_column
from .filters import Condition, compile_filter, operand
from .query import SortKey
from .schema import Entity, Field
from .store import Table
from .values import Key

RANGE_OPS = frozenset({"gt", "gte", "lt", "lte"})


def matching(table: Table, conditions: Sequence[Condition], entity: Entity) -> Sequence[int]:
    """Positions (in `table.scan()`, so id order) of the rows meeting every condition, exactly as a
    row-by-row test finds them."""
    rows = table.scan()
    narrowed = _narrow(table, conditions, entity)
    if narrowed is None:
        predicate = compile_filter(list(conditions), entity)
        if predicate is None:
            return range(len(rows))
        return [i for i, row in enumerate(rows) if predicate(row)]
    positions, rest = narrowed
    predicate = compile_filter(rest, entity)
    return positions if predicate is None else [i for i in positions if predicate(rows[i])]


def ordered(table: Table, positions: Sequence[int], keys: tuple[SortKey, ...], entity: Entity) -> Sequence[int]:
    """The positions sorted as `query.sort_rows` sorts rows, by cached per-row sort keys."""
    if keys[-1] == SortKey("id"):
        keys = keys[:-1]  # positions are in id order and list.sort is stable: the tiebreak is free
    if not keys:
        return positions
    out = list(positions)
    for key in reversed(keys):
        field = entity.fields[key.field]
        try:
            out.sort(key=sort_column(table, key.field, field).__getitem__, reverse=key.desc)
        except TypeError:  # mixed stored types: fall back to text order
            out.sort(key=text_column(table, key.field).__getitem__, reverse=key.desc)
    return out


def _narrow(table: Table, conditions: Sequence[Condition], entity: Entity) -> tuple[list[int], list[Condition]] | None:
    """The smallest exact match set one field's conditions give, and the conditions left to test."""
    best: tuple[int, str] | None = None
    by_field: dict[str, list[Condition]] = {}
    for cond in conditions:
        field = entity.fields[cond.field]
        if field.multiple or cond.op not in ("eq", "in", "contains", *RANGE_OPS):
            continue
        by_field.setdefault(cond.field, []).append(cond)
    if not by_field:
        return None
    estimates: dict[str, int] = {}
    for name, conds in by_field.items():
        size = _estimate(table, name, entity.fields[name], conds)
        if size is not None:
            estimates[name] = size
            if best is None or size < best[0]:
                best = (size, name)
    if best is None:
        return None
    name = best[1]
    field = entity.fields[name]
    positions: list[int] | None = None
    used: list[Condition] = []
    for cond in by_field[name]:
        found = _exact(table, name, field, cond, by_field[name])
        if found is None:
            continue
        used.append(cond)
        positions = found if positions is None else _intersect(positions, found)
        if cond.op in RANGE_OPS:  # one lookup answers every bound on the field
            used.extend(c for c in by_field[name] if c.op in RANGE_OPS and c is not cond)
            break
    if positions is None:
        return None
    rest = [cond for cond in conditions if all(cond is not u for u in used)]
    return positions, rest


def _estimate(table: Table, name: str, field: Field, conds: list[Condition]) -> int | None:
    """How many rows the field's cheapest condition keeps (contains counts as every row)."""
    sizes: list[int] = []
    for cond in conds:
        if cond.op in ("eq", "in"):
            index = buckets(table, name, field)
            targets = _targets(cond, field)
            sizes.append(sum(len(index.map.get(t, ())) for t in targets))
        elif cond.op in RANGE_OPS:
            span = _range(table, name, field, conds)
            if span is not None:
                sizes.append(len(span))
        elif cond.op == "contains":
            sizes.append(len(table))
    return min(sizes) if sizes else None


def _exact(table: Table, name: str, field: Field, cond: Condition, conds: list[Condition]) -> list[int] | None:
    if cond.op in ("eq", "in"):
        index = buckets(table, name, field)
        targets = _targets(cond, field)
        if len(targets) == 1:
            return list(index.map.get(targets[0], ()))
        return sorted({i for t in targets for i in index.map.get(t, ())})
    if cond.op in RANGE_OPS:
        span = _range(table, name, field, conds)
        return None if span is None else sorted(span)
    return _contains(table, name, str(operand(cond, field)))


def _targets(cond: Condition, field: Field) -> list[Key | None]:
    target = operand(cond, field)
    values = target if isinstance(target, list) else [target]
    return list(dict.fromkeys(values))


def _intersect(a: list[int], b: list[int]) -> list[int]:
    keep = set(b)
    return [i for i in a if i in keep]


# --- the indexes ------------------------------------------------------------------------------------------


def _range(table: Table, name: str, field: Field, conds: list[Condition]) -> list[int] | None:
    """Positions (in key order) meeting every range bound on the field, or None to scan."""
    index = sorted_keys(table, name, field)
    if not index.usable:
        return None
    low, high = 0, len(index.keys)
    try:
        for cond in conds:
            if cond.op not in RANGE_OPS:
                continue
            target = operand(cond, field)
            if target is None or isinstance(target, list):
                return []  # a missing bound matches nothing, as the row test says
            if cond.op == "gt":
                low = max(low, bisect.bisect_right(index.keys, target))
            elif cond.op == "gte":
                low = max(low, bisect.bisect_left(index.keys, target))
            elif cond.op == "lt":
                high = min(high, bisect.bisect_left(index.keys, target))
            else:
                high = min(high, bisect.bisect_right(index.keys, target))
    except TypeError:  # a bound of another type than the stored keys: leave it to the row test
        return None
    return index.positions[low:high] if low < high else []


def _contains(table: Table, name: str, needle: str) -> list[int] | None:
    if SEPARATOR in needle:
        return None
    index = text(table, name)
    if not needle:
        return list(index.present)
    found: list[int] = []
    (joined, starts), texts = index.joined(), index.texts
    last = len(starts) - 1
    # Jumping from match to match wins while matches are rare; once they are common a row-by-row
    # test of the rest costs less than one jump per match.
    budget = max(64, len(starts) // 32)
    at = joined.find(needle)
    while at >= 0:
        position = bisect.bisect_right(starts, at) - 1
        found.append(position)
        if position == last:
            break
        if len(found) > budget:
            found.extend([i for i in range(position + 1, last + 1) if needle in texts[i]])
            break
        at = joined.find(needle, starts[position + 1])
    return found
