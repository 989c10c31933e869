"""Tables: id order, id sequences, copy-on-read and replace-on-write."""

from __future__ import annotations

from server.emulator.schema import ENTITIES
from server.emulator.store import Store, Table


def _table() -> Table:
    return Table(ENTITIES["deals"], [{"id": 3, "title": "c", "observers": [1]}, {"id": 1, "title": "a"}])


def test_rows_scan_in_id_order_and_new_ids_follow_the_highest() -> None:
    table = _table()
    assert [row["id"] for row in table.scan()] == [1, 3]
    assert table.next_id() == 4
    table.insert({"id": 2, "title": "b"})
    assert [row["id"] for row in table.scan()] == [1, 2, 3]


def test_get_hands_out_a_copy_the_caller_may_mutate() -> None:
    table = _table()
    copy = table.get(3)
    assert copy is not None
    copy["title"] = "changed"
    observers = copy["observers"]
    assert isinstance(observers, list)
    observers.append(99)
    assert table.get(3) == {"id": 3, "title": "c", "observers": [1]}


def test_a_write_replaces_the_row_so_earlier_readers_keep_their_version() -> None:
    table = _table()
    before = table.scan()
    table.replace(3, {"id": 3, "title": "new"})
    assert before[1]["title"] == "c"
    assert table.scan()[1]["title"] == "new"
    assert table.encoded(table.scan()[1]) == b'{"id":3,"title":"new"}'


def test_delete_removes_the_row_from_order_and_lookups() -> None:
    table = _table()
    assert table.delete(1) is True
    assert table.delete(1) is False
    assert [row["id"] for row in table.scan()] == [3]
    assert table.peek(1) is None


def test_an_atomic_block_undoes_every_write_when_it_raises_and_nests_as_savepoints() -> None:
    store = Store(ENTITIES, {"deals": [{"id": 1, "title": "a"}, {"id": 2, "title": "b"}]})
    table = store.table("deals")
    before = (list(table.scan()), table.last_id)
    try:
        with store.atomic():
            table.insert({"id": table.next_id(), "title": "new"})
            table.replace(1, {"id": 1, "title": "changed"})
            try:
                with store.atomic():
                    table.delete(2)
                    raise KeyError("inner")
            except KeyError:
                pass
            assert [row["title"] for row in table.scan()] == ["changed", "b", "new"]  # only the inner undone
            raise RuntimeError("outer")
    except RuntimeError:
        pass
    assert (list(table.scan()), table.last_id) == before
    assert table.encoded(table.scan()[0]) == b'{"id":1,"title":"a"}'
    with store.atomic():
        table.delete(1)
    assert [row["id"] for row in table.scan()] == [2]
