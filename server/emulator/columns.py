"""Per-field indexes of one table, built on first use and kept up to date by single-row writes.

Equality buckets, sorted keys, case-folded text and sort-key columns. A replace or a new
highest-id row updates them in place (a write at 100k rows must not cost a rebuild); anything
they cannot follow drops them (see `store.Derived`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from .query import row_sort_key, row_text_key
from .schema import Field
from .store import Derived, Row, Table
from .values import Key, lenient_normalizer

SEPARATOR = "\x00"  # between rows in the joined text; a needle holding it is searched row by row


class Buckets(Derived):
    """Positions of the rows by normalised value, each list ascending."""

    def __init__(self, rows: list[Row], name: str, field: Field) -> None:
        self.name = name
        self.norm = lenient_normalizer(field)
        self.map: dict[Key | None, list[int]] = {}
        for position, row in enumerate(rows):
            self.map.setdefault(self.norm(row.get(name)), []).append(position)

    def replaced(self, position: int, old: Row, new: Row) -> bool:
        before, after = self.norm(old.get(self.name)), self.norm(new.get(self.name))
        if before == after:
            return True
        bucket = self.map.get(before)
        index = bisect.bisect_left(bucket, position) if bucket else 0
        if not bucket or index == len(bucket) or bucket[index] != position:
            return False
        del bucket[index]
        if not bucket:
            del self.map[before]
        bisect.insort(self.map.setdefault(after, []), position)
        return True

    def appended(self, position: int, row: Row) -> bool:
        self.map.setdefault(self.norm(row.get(self.name)), []).append(position)
        return True


class SortedKeys(Derived):
    """Rows with a value, by value (ties by position): `keys[i]` is the row at `positions[i]`.

    `usable` is False when stored values of mixed types have no order; filters then scan."""

    def __init__(self, rows: list[Row], name: str, field: Field) -> None:
        self.name = name
        self.norm = lenient_normalizer(field)
        keyed = ((self.norm(row.get(name)), position) for position, row in enumerate(rows))
        pairs = [(key, position) for key, position in keyed if key is not None]
        self.usable = True
        try:
            pairs.sort(key=lambda pair: pair[0])  # stable: ties stay in position order
        except TypeError:
            self.usable = False
        self.keys: list[Key] = [key for key, _ in pairs]
        self.positions: list[int] = [position for _, position in pairs]

    def replaced(self, position: int, old: Row, new: Row) -> bool:
        before, after = self.norm(old.get(self.name)), self.norm(new.get(self.name))
        if not self.usable:
            return False
        if before == after and type(before) is type(after):
            return True
        try:
            if before is not None:
                low, high = bisect.bisect_left(self.keys, before), bisect.bisect_right(self.keys, before)
                index = bisect.bisect_left(self.positions, position, low, high)
                if index == high or self.positions[index] != position:
                    return False
                del self.keys[index], self.positions[index]
            if after is not None:
                self._insert(after, position)
        except TypeError:  # a value of another type: the order no longer holds
            return False
        return True

    def appended(self, position: int, row: Row) -> bool:
        key = self.norm(row.get(self.name))
        if not self.usable:
            return False
        try:
            if key is not None:
                self._insert(key, position)
        except TypeError:
            return False
        return True

    def _insert(self, key: Key, position: int) -> None:
        low, high = bisect.bisect_left(self.keys, key), bisect.bisect_right(self.keys, key)
        index = bisect.bisect_left(self.positions, position, low, high)
        self.keys.insert(index, key)
        self.positions.insert(index, position)


class Text(Derived):
    """Every row's case-folded text ("" without a value); `joined()` is them all, SEPARATOR between."""

    def __init__(self, rows: list[Row], name: str) -> None:
        self.name = name
        values = [row.get(name) for row in rows]
        self.texts: list[str] = [_casefolded(value) for value in values]
        self.present = [i for i, value in enumerate(values) if value is not None]  # what "" matches
        self._joined: tuple[str, list[int]] | None = None

    def joined(self) -> tuple[str, list[int]]:
        """The joined text and where each row starts in it (rebuilt lazily after writes)."""
        if self._joined is None:
            starts = list(accumulate((len(text) + 1 for text in self.texts), initial=0))
            self._joined = SEPARATOR.join(self.texts), starts[:-1]
        return self._joined

    def replaced(self, position: int, old: Row, new: Row) -> bool:
        index = bisect.bisect_left(self.present, position)
        if index < len(self.present) and self.present[index] == position:
            del self.present[index]
        value = new.get(self.name)
        if value is not None:
            bisect.insort(self.present, position)
        self.texts[position] = _casefolded(value)
        self._joined = None
        return True

    def appended(self, position: int, row: Row) -> bool:
        value = row.get(self.name)
        if value is not None:
            self.present.append(position)
        self.texts.append(_casefolded(value))
        self._joined = None
        return True


def _casefolded(value: object) -> str:
    """What `$contains` looks in: a multifield's value, anything else as text."""
    if value is None:
        return ""
    inner = value.get("value", value.get("VALUE")) if isinstance(value, dict) else value
    return str(inner).casefold()


class Column(Derived):
    """One value per row, in position order (sort keys)."""

    def __init__(self, rows: list[Row], key: Callable[[Row], Any]) -> None:
        self.key = key
        self.values = [key(row) for row in rows]

    def replaced(self, position: int, old: Row, new: Row) -> bool:
        self.values[position] = self.key(new)
        return True

    def appended(self, position: int, row: Row) -> bool:
        self.values.append(self.key(row))
        return True


def buckets(table: Table, name: str, field: Field) -> Buckets:
    return table.derived(("eq", name), lambda: Buckets(table.scan(), name, field))


def sorted_keys(table: Table, name: str, field: Field) -> SortedKeys:
    return table.derived(("range", name), lambda: SortedKeys(table.scan(), name, field))


def text(table: Table, name: str) -> Text:
    return table.derived(("text", name), lambda: Text(table.scan(), name))


def sort_column(table: Table, name: str, field: Field) -> list[Any]:
    key = row_sort_key(name, lenient_normalizer(field), field.multiple)
    return table.derived(("sort", name), lambda: Column(table.scan(), key)).values


def text_column(table: Table, name: str) -> list[Any]:
    return table.derived(("text-sort", name), lambda: Column(table.scan(), row_text_key(name))).values
