"""Indexed search finds exactly what a row-by-row test finds, in the same order, and follows writes."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from server.emulator.errors import ApiError
from server.emulator.filters import compile_filter, parse_filter
from server.emulator.index import matching, ordered
from server.emulator.query import SortKey, parse_sort, row_sort_key, row_text_key
from server.emulator.schema import ENTITIES
from server.emulator.store import Row, Store, Table
from server.emulator.values import lenient_normalizer

from .conftest import Api

DEALS = ENTITIES["deals"]
STAGES = ["NEW", "WON", "LOSE", "C1:NEW", "", None, 7]
DATES = ["2026-01-15T10:00:00.000Z", "2026-01-15", "2025-12-31T23:59:59+03:00", "", None, "not a date", 5]
TITLES = ["Поставка", "поставка оборудования", "ПОСТАВКА", "Внедрение CRM", "", None, 42, {"value": "x"}, "a\x00b"]

ROW = st.fixed_dictionaries(
    {},
    optional={
        "title": st.sampled_from(TITLES),
        "stageId": st.sampled_from(STAGES),
        "amount": st.one_of(st.sampled_from([0, 0.0, 1, 1.5, -3, 100000, None, "", "12", True]), st.integers()),
        "createdAt": st.sampled_from(DATES),
        "assignedById": st.sampled_from([1, 2, 3, None, "2", 2.0]),
        "opened": st.sampled_from([True, False, None, "Y"]),
        "observers": st.lists(st.sampled_from([1, 2, 3]), max_size=2),
        "UF_CRM_BUDGET": st.sampled_from(["1500.50|RUB", "2000|RUB", "", None]),
    },
)
NUMBERS = [0, 1, 2, 1.5, -3, 100000, "2", "", None]
OPERANDS = {
    "title": ["поставка", "ПОСТ", "crm", "x", "a", "\x00", "", None, 42],
    "stageId": ["NEW", "WON", "C1:NEW", "", None],
    "amount": NUMBERS,
    "createdAt": ["2026-01-15T10:00:00.000Z", "2026-01-15", "2025-12-31T23:59:59+03:00", "", None],
    "assignedById": NUMBERS,
    "opened": [True, False, "Y", "n", None],
    "observers": NUMBERS,
    "UF_CRM_BUDGET": NUMBERS,
    "id": NUMBERS,
}
OPS = ["$gt", "$gte", "$lt", "$lte", "$ne", "$contains", "$in", "$nin", "eq"]


@st.composite
def filter_bodies(draw: st.DrawFn) -> dict[str, object]:
    body: dict[str, object] = {}
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(OPERANDS)))
        op = draw(st.sampled_from(OPS))
        pool = st.sampled_from(OPERANDS[name])
        value = draw(st.lists(pool, max_size=3) if op in ("$in", "$nin") else pool)
        if op == "eq":
            body[name] = value
        else:
            existing = body.get(name)
            conditions = existing if isinstance(existing, dict) else {}
            conditions[op] = value
            body[name] = conditions
    return body


def _reference_order(rows: list[Row], keys: tuple[SortKey, ...]) -> list[Row]:
    out = list(rows)
    for key in reversed(keys):
        field = DEALS.fields[key.field]
        try:
            out.sort(key=row_sort_key(key.field, lenient_normalizer(field), field.multiple), reverse=key.desc)
        except TypeError:
            out.sort(key=row_text_key(key.field), reverse=key.desc)
    return out


@settings(max_examples=300)  # tiny tables: a few hundred cases cost about a second
@given(
    st.lists(ROW, max_size=40),
    filter_bodies(),
    st.lists(st.sampled_from(["title", "-amount", "createdAt", "-stageId", "observers", "-id"]), max_size=2),
)
def test_indexed_search_equals_a_row_by_row_scan(rows: list[dict[str, object]], body: object, sort: list[str]) -> None:
    table = Table(DEALS, [{**row, "id": i + 1} for i, row in enumerate(rows)])
    try:
        conditions = parse_filter(body, DEALS)
        predicate = compile_filter(conditions, DEALS)
    except ApiError:
        assume(False)
        return
    keys = parse_sort(sort or None, DEALS)
    scanned = [row for row in table.scan() if predicate is None or predicate(row)]
    found = matching(table, conditions, DEALS)
    assert [table.scan()[i] for i in found] == scanned
    assert [table.scan()[i]["id"] for i in ordered(table, found, keys, DEALS)] == [
        row["id"] for row in _reference_order(scanned, keys)
    ]


Write = tuple[str, int, dict[str, object]]
WRITES = st.lists(
    st.one_of(
        st.tuples(st.just("replace"), st.integers(0, 60), ROW),
        st.tuples(st.just("append"), st.just(0), ROW),
        st.tuples(st.just("insert"), st.integers(0, 60), ROW),  # an id below the highest: positions move
        st.tuples(st.just("delete"), st.integers(0, 60), ROW),
        st.tuples(st.just("undone"), st.integers(0, 60), ROW),  # a replace and an append, then undone
    ),
    max_size=8,
)


def _write(store: Store, table: Table, kind: str, pick: int, row: dict[str, object]) -> None:
    keys = [stored["id"] for stored in table.scan()]
    key = keys[pick % len(keys)] if keys else None
    if kind == "append" or key is None:
        table.insert({**row, "id": table.next_id()})
    elif kind == "replace":
        table.replace(key, {**row, "id": key})
    elif kind == "insert":
        free = next((k for k in range(1, table.last_id) if k not in table), None)
        if free is not None:
            table.insert({**row, "id": free})
    elif kind == "delete":
        table.delete(key)
    else:
        try:
            with store.atomic():
                table.replace(key, {**row, "id": key})
                table.insert({**row, "id": table.next_id()})
                raise RuntimeError("undo")
        except RuntimeError:
            pass


@settings(max_examples=150)
@given(st.lists(ROW, max_size=30), filter_bodies(), st.sampled_from(["title", "-amount", "createdAt", "-id"]), WRITES)
def test_indexes_follow_writes_and_undo(
    rows: list[dict[str, object]], body: object, sort: str, writes: list[Write]
) -> None:
    store = Store(ENTITIES, {"deals": [{**row, "id": i + 1} for i, row in enumerate(rows)]})
    table = store.table("deals")
    try:
        conditions = parse_filter(body, DEALS)
        compile_filter(conditions, DEALS)
    except ApiError:
        assume(False)
        return
    keys = parse_sort(sort, DEALS)
    for write in [None, *writes]:  # the first query builds the indexes, the writes must keep them right
        if write is not None:
            _write(store, table, *write)
        predicate = compile_filter(conditions, DEALS)
        scanned = [row for row in table.scan() if predicate is None or predicate(row)]
        found = matching(table, conditions, DEALS)
        assert [table.scan()[i] for i in found] == scanned
        assert [table.scan()[i]["id"] for i in ordered(table, found, keys, DEALS)] == [
            r["id"] for r in _reference_order(scanned, keys)
        ]


def test_an_index_follows_writes_and_their_undo(small: Api) -> None:
    by_stage = {"filter": {"stageId": "WON"}, "select": ["id"]}
    assert small.search("deals", by_stage)["data"] == [{"id": 2}]
    small.ok("PATCH", "/v1/deals/1", body={"stageId": "WON"})
    assert small.search("deals", by_stage)["data"] == [{"id": 1}, {"id": 2}]
    small.ok("POST", "/v1/deals", body={"title": "Новая", "stageId": "WON", "amount": 7}, status=201)
    assert small.call("DELETE", "/v1/deals/2").status == 204
    assert small.search("deals", by_stage)["data"] == [{"id": 1}, {"id": 5}]
    by_amount = {"filter": {"amount": {"$lte": 50000}}, "sort": {"amount": "asc"}, "select": ["id"]}
    assert small.search("deals", by_amount)["data"] == [{"id": 5}, {"id": 1}]
    items = [{"id": 5, "amount": 60000}, {"id": 1, "closedAt": "9999-12-31T23:59:59-14:00"}]
    small.ok("POST", "/v1/deals/batch", body={"action": "update", "items": items})
    assert small.search("deals", by_amount)["data"] == [{"id": 1}]
    contains = {"filter": {"title": {"$contains": "нов"}}, "select": ["id"]}
    assert small.search("deals", contains)["data"] == [{"id": 5}]


def test_contains_on_a_large_table_switches_to_row_tests_and_finds_the_same_rows() -> None:
    """Frequent needles stop jumping from match to match after a budget; rare ones never do."""
    words = ["Поставка", "внедрение CRM", "аудит", None, "", {"value": "поставка"}, 7]
    table = Table(DEALS, [{"id": i + 1, "title": words[(i * 7919) % len(words)]} for i in range(5000)])
    for needle in ("поставка", "crm", "а", "7", "zzz", ""):
        conditions = parse_filter({"title": {"$contains": needle}}, DEALS)
        predicate = compile_filter(conditions, DEALS)
        assert predicate is not None
        expected = [i for i, row in enumerate(table.scan()) if predicate(row)]
        assert list(matching(table, conditions, DEALS)) == expected, needle
