"""In-memory tables: rows keyed by id, kept in id order, id sequences, copy-on-read, undo on error."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TypeVar

from .schema import Entity
from .values import dump

RecordId = int | str
Row = Mapping[str, object]


def copy_row(row: Row) -> dict[str, object]:
    """A caller-owned copy: the dict and its list values are new, scalars are immutable anyway."""
    return {k: (list(v) if isinstance(v, list) else v) for k, v in row.items()}


class Derived:
    """Something computed from a table's rows (an index) that can follow single-row writes.

    Each hook answers whether it kept itself up to date; one that answers False is dropped and
    rebuilt on next use. Positions are indexes into `Table.scan()`."""

    def replaced(self, position: int, old: Row, new: Row) -> bool:
        return False

    def appended(self, position: int, row: Row) -> bool:
        return False


D = TypeVar("D", bound=Derived)


class Journal:
    """Undo steps of the writes inside `Store.atomic()`; `steps` is None outside any."""

    __slots__ = ("steps",)

    def __init__(self) -> None:
        self.steps: list[Callable[[], None]] | None = None

    def record(self, undo: Callable[[], None]) -> None:
        if self.steps is not None:
            self.steps.append(undo)


class Table:
    """One entity's rows.

    Stored rows are never mutated in place: a write replaces the row's dict. So `scan()` and
    `peek()` may hand out the stored dicts without copying, and a reader holding them sees a
    consistent version; anything that leaves the emulator goes through `copy_row` or JSON.
    """

    __slots__ = ("_cache", "_derived", "_encoded", "_journal", "_keys", "_last_id", "_rows", "entity")

    def __init__(
        self, entity: Entity, rows: Iterable[Mapping[str, object]] = (), journal: Journal | None = None
    ) -> None:
        self.entity = entity
        self._journal = journal if journal is not None else Journal()
        self._rows: dict[RecordId, Row] = {}
        # Whole numbers in number fields are stored as ints, as writes store them: JSON then shows 150000,
        # not 150000.0, as the live API (JavaScript) does, whatever the data was loaded from.
        numbers = [name for name, field in entity.fields.items() if field.type == "double" and not field.multiple]
        for row in rows:
            stored = dict(row)
            for name in numbers:
                value = stored.get(name)
                if isinstance(value, float) and value.is_integer():
                    stored[name] = int(value)
            self._rows[self._key_of(row)] = stored
        self._keys: list[RecordId] = sorted(self._rows)
        ints = [k for k in self._keys if isinstance(k, int)]
        self._last_id = max(ints, default=0)
        self._cache: list[Row] | None = None
        self._derived: dict[object, Derived] = {}
        self._encoded: dict[RecordId, tuple[Row, bytes]] = {}

    def _key_of(self, row: Mapping[str, object]) -> RecordId:
        key = row.get("id")
        if self.entity.id_kind == "int":
            if not isinstance(key, int) or isinstance(key, bool):
                raise ValueError(f"{self.entity.name}: row without an integer id: {row!r}")
            return key
        if not isinstance(key, str):
            raise ValueError(f"{self.entity.name}: row without a string id: {row!r}")
        return key

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def scan(self) -> list[Row]:
        """All rows in id order (shared, read-only)."""
        if self._cache is None:
            rows = self._rows
            self._cache = [rows[k] for k in self._keys]
        return self._cache

    def derived(self, key: object, build: Callable[[], D]) -> D:
        """A value computed from the rows (an index), kept up to date by replace and append-at-end
        writes and dropped by any other write."""
        found = self._derived.get(key)
        if found is None:
            found = self._derived[key] = build()
        return found  # type: ignore[return-value]

    def peek(self, key: RecordId) -> Row | None:
        """The stored row (shared, read-only) or None."""
        return self._rows.get(key)

    def encoded(self, row: Row) -> bytes:
        """The row's JSON, cached while the stored version is unchanged (writes replace the dict)."""
        key = self._key_of(row)
        hit = self._encoded.get(key)
        if hit is not None and hit[0] is row:
            return hit[1]
        data = dump(row)
        self._encoded[key] = (row, data)
        return data

    def get(self, key: RecordId) -> dict[str, object] | None:
        row = self._rows.get(key)
        return None if row is None else copy_row(row)

    @property
    def last_id(self) -> int:
        """The highest integer id handed out or stored so far."""
        return self._last_id

    def next_id(self) -> int:
        self._journal.record(self._restore_last_id(self._last_id))
        self._last_id += 1
        return self._last_id

    def insert(self, row: Mapping[str, object]) -> RecordId:
        key = self._key_of(row)
        if key in self._rows:
            raise KeyError(key)
        self._journal.record(self._restore_last_id(self._last_id))
        self._put(key, dict(row))
        if isinstance(key, int):
            self._last_id = max(self._last_id, key)
        self._journal.record(lambda: self._remove(key))
        return key

    def rewrite(self, change: Callable[[Row], Mapping[str, object]]) -> None:
        """Every row replaced by `change(row)` at once: a field added to or dropped from all records."""
        previous, encoded = self._rows, self._encoded
        self._rows = {key: dict(change(row)) for key, row in previous.items()}
        self._encoded = {}
        self._changed()

        def undo() -> None:
            self._rows, self._encoded = previous, encoded
            self._changed()

        self._journal.record(undo)

    def replace(self, key: RecordId, row: Mapping[str, object]) -> None:
        previous = self._rows.get(key)
        if previous is None:
            raise KeyError(key)
        self._swap(key, dict(row))
        self._journal.record(lambda: self._swap(key, previous))

    def delete(self, key: RecordId) -> bool:
        previous = self._rows.get(key)
        if previous is None:
            return False
        self._remove(key)
        self._journal.record(lambda: self._put(key, previous))
        return True

    # The primitives below never journal: undo steps are built from them.

    def _put(self, key: RecordId, row: Row) -> None:
        self._rows[key] = row
        if not self._keys or self._keys[-1] < key:  # type: ignore[operator]
            self._keys.append(key)  # the usual case: a new highest id, so no position moves
            position = len(self._keys) - 1
            if self._cache is not None:
                self._cache = [*self._cache, row]  # a new list: earlier readers keep their version
            self._derived = {k: d for k, d in self._derived.items() if d.appended(position, row)}
        else:
            bisect.insort(self._keys, key)
            self._changed()

    def _swap(self, key: RecordId, row: Row) -> None:
        old = self._rows[key]
        self._rows[key] = row
        position = bisect.bisect_left(self._keys, key)
        if self._cache is not None:
            self._cache = self._cache.copy()  # a pointer copy (fast): earlier readers keep their version
            self._cache[position] = row
        self._derived = {k: d for k, d in self._derived.items() if d.replaced(position, old, row)}

    def _remove(self, key: RecordId) -> None:
        del self._rows[key]
        self._encoded.pop(key, None)
        del self._keys[bisect.bisect_left(self._keys, key)]
        self._changed()

    def _changed(self) -> None:
        self._cache = None
        self._derived.clear()

    def _restore_last_id(self, value: int) -> Callable[[], None]:
        def restore() -> None:
            self._last_id = value

        return restore


class Store:
    """All tables of one portal."""

    def __init__(self, entities: Mapping[str, Entity], data: Mapping[str, Iterable[Mapping[str, object]]]):
        self._journal = Journal()
        self.tables: dict[str, Table] = {
            name: Table(entity, data.get(name, ()), self._journal) for name, entity in entities.items()
        }

    def table(self, name: str) -> Table:
        return self.tables[name]

    def add_table(self, entity: Entity, rows: Iterable[Mapping[str, object]] = ()) -> Table:
        """A table for an entity that appears at runtime (a new smart process type's items)."""
        table = self.tables[entity.name] = Table(entity, rows, self._journal)
        return table

    def on_undo(self, undo: Callable[[], None]) -> None:
        """Run `undo` if the enclosing `atomic()` block fails (state kept beside the tables)."""
        self._journal.record(undo)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """All writes inside the block, or none: an exception undoes them in reverse order.

        Blocks nest (an inner one is a savepoint). Writes must not interleave with another
        request's while a block is open: the portal runs each request's writes without awaiting.
        """
        journal = self._journal
        outer = journal.steps
        steps: list[Callable[[], None]] = []
        journal.steps = steps
        try:
            yield
        except BaseException:
            journal.steps = None  # undo steps must not journal themselves
            for undo in reversed(steps):
                undo()
            raise
        finally:
            journal.steps = outer
        if outer is not None:
            outer.extend(steps)
