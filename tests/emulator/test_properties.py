"""Random bodies, field values, strings and dates against every entity the demo portal registers:
never a 5xx, and a 4xx leaves the store byte-for-byte as it was.

The entities come from the emulator's registry, each with its own bounded run, so an entity added
later is covered without touching this file. The examples are derandomized so the suite is
repeatable (profiles in conftest.py); `HYPOTHESIS_PROFILE=explore` runs many more, randomly.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.emulator import Portal, families_req, registry
from server.emulator.api import CUSTOM_PATHS
from server.emulator.families_tasks import NESTED
from server.emulator.registry import ENTITIES
from server.emulator.schema import Entity, Field
from server.emulator.userfields import SUPPORTED
from server.emulator.values import NUMERIC_TYPES

from .conftest import FIXED_NOW, KEY

ALL = sorted(ENTITIES)
WRITABLE = [name for name in ALL if {"create", "update"} & ENTITIES[name].operations]
SEARCHABLE = [name for name in ALL if "search" in ENTITIES[name].operations]
ROWS_PER_TABLE = 4  # enough to hit existing records; the reference lists are kept whole
WHOLE_TABLES = frozenset({"statuses", "deal-categories", "currencies", "users", "smart-processes"})
# Examples per entity and test: 6 in the suite profile (about 40 entities x 6 tests in seconds), 50 when
# exploring (HYPOTHESIS_PROFILE=explore).
PER_ENTITY = settings(max_examples=max(6, settings().max_examples // 40))


@cache
def _data() -> dict[str, list[dict[str, object]]]:
    """A few seeded records of every entity (the registry's own generator, clock pinned)."""
    seeded = registry.generate(seed=42, scale=0.3, now=FIXED_NOW)
    data = {
        name: [dict(row) for row in rows] if name in WHOLE_TABLES else [dict(row) for row in rows[:ROWS_PER_TABLE]]
        for name, rows in seeded.items()
    }
    tasks = {row["id"] for row in data["tasks"]}  # a task's comments and time records: of the tasks kept
    for name in NESTED:
        data[name] = [dict(row) for row in seeded[name] if row["taskId"] in tasks][:ROWS_PER_TABLE]
    return data


# --- values -----------------------------------------------------------------------------------------------

NASTY = st.sampled_from(
    [
        "\ud800",
        "a\udfffb",
        "\x00",
        "\x1b[31m",
        "\u202e",
        "\ufeff",
        "' OR 1=1 --",
        "%s%n",
        "C9:NEW",
        "Cx:NEW",
        "C999999999999999999999:NEW",
        "x" * 70_000,
        "9" * 5000,
        "1e999",
        "NaN",
        "-0",
        "",
        " ",
    ]
)
TEXT = st.one_of(st.text(st.characters(exclude_categories=[]), max_size=12), NASTY)
INSTANT = st.builds(
    lambda moment, minutes: moment.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat(),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    st.integers(-14 * 60, 14 * 60),
)
DATES = st.one_of(
    INSTANT,
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+01:00", "2026-02-30", "2026-04-14T25:00:00"]),
    TEXT,
)
NUMBERS = st.one_of(
    st.integers(-1000, 10**6),
    st.integers(),
    st.sampled_from([2**53, -(2**63), 10**400, 1e15, 1e300]),
    st.floats(allow_nan=False, allow_infinity=False),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT, DATES)
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8
)


def typed(field: Field) -> st.SearchStrategy[object]:
    """Mostly plausible values of the field's type (so writes get past the first check), some junk."""
    kind = field.type
    if kind in NUMERIC_TYPES:
        value: st.SearchStrategy[object] = NUMBERS
    elif kind in ("date", "datetime"):
        value = DATES
    elif kind == "boolean":
        value = st.one_of(st.booleans(), st.sampled_from(["Y", "N", "yes"]))
    elif kind == "money":
        value = st.one_of(NUMBERS, NUMBERS.map(lambda n: f"{n}|RUB"), TEXT)
    elif kind == "crm_multifield":
        value = st.lists(st.fixed_dictionaries({"value": TEXT, "valueType": st.sampled_from(["WORK", "MOBILE"])}))
    elif field.items:
        value = st.one_of(st.sampled_from([item_id for item_id, _ in field.items]), TEXT)
    else:
        value = TEXT
    if field.multiple and kind != "crm_multifield":
        value = st.lists(value, max_size=3)
    return st.one_of(value, value, value, JSON)


def fields_for(entity: Entity) -> st.SearchStrategy[dict[str, object]]:
    names = sorted(entity.fields)
    return st.one_of(
        st.fixed_dictionaries({}, optional={name: typed(entity.fields[name]) for name in names}),
        st.dictionaries(st.one_of(st.sampled_from(names), TEXT), JSON, max_size=4),
    )


@st.composite
def write_body(draw: st.DrawFn, entity: Entity) -> object:
    body = draw(fields_for(entity))
    return draw(st.sampled_from([body, {"fields": body}, [body], None]))


def record_id(entity: Entity) -> st.SearchStrategy[object]:
    key = "entityTypeId" if entity.name == "smart-processes" else "id"  # types are addressed by entityTypeId
    existing = [row[key] for row in _data().get(entity.name, []) if key in row]
    return st.one_of(st.sampled_from(existing or [1]), st.integers(-5, 10**20), TEXT)


OPERATORS = st.sampled_from(["$gt", "$gte", "$lt", "$lte", "$ne", "$contains", "$in", "$nin", ">=", "%", "$bad"])


@st.composite
def filters(draw: st.DrawFn, entity: Entity) -> object:
    out: dict[str, object] = {}
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.one_of(st.sampled_from(sorted(entity.fields)), TEXT))
        value = draw(st.one_of(typed(entity.fields[name]) if name in entity.fields else JSON, st.lists(SCALARS)))
        style = draw(st.integers(0, 3))
        if style == 0:
            out[name] = value
        elif style == 1:
            out[name] = {draw(OPERATORS): value}
        elif style == 2:
            out[draw(st.sampled_from([">=", "<", "!", "%"])) + name] = value
        else:
            out[draw(OPERATORS)] = {name: value}
    return draw(st.one_of(st.just(out), JSON))


@st.composite
def read_params(draw: st.DrawFn, entity: Entity) -> dict[str, object]:
    names = sorted(entity.fields)
    optional: dict[str, st.SearchStrategy[Any]] = {
        "filter": filters(entity),
        "sort": st.one_of(st.sampled_from(names), st.dictionaries(st.sampled_from(names), SCALARS), JSON),
        "select": st.one_of(st.lists(st.sampled_from(names), max_size=4), JSON),
        "limit": st.one_of(st.integers(-1, 6000), JSON),
        "offset": st.one_of(st.integers(-1, 10**6), JSON),
        "include": st.one_of(st.lists(st.sampled_from([*entity.relations, "bogus"]), max_size=4), JSON),
        "autoWindow": st.one_of(st.booleans(), JSON),
    }
    return draw(st.fixed_dictionaries({}, optional=optional))


# --- the property -----------------------------------------------------------------------------------------


def base(name: str, row: dict[str, object] | None = None) -> str:
    """An entity's path: a nested one's under the row's task (else task 1), user fields' under the row's
    CRM entity (else deals)."""
    if name not in CUSTOM_PATHS:
        return f"/v1/{name}"
    row = row or {}
    crm = next((e for e, code in SUPPORTED.items() if code == row.get("entityId")), "deals")
    return CUSTOM_PATHS[name].replace(":taskId", str(row.get("taskId", 1))).replace(":entity", crm)


def _portal() -> Portal:
    return Portal(data=_data(), clock=lambda: FIXED_NOW)


def _encode(body: object, ascii_only: bool) -> bytes:
    if body is None:
        return b""
    # ensure_ascii sends a surrogate as a \ud800 escape; without it the UTF-8 bytes are invalid.
    return json.dumps(body, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def _tables(portal: Portal) -> dict[str, bytes]:
    """Each table's rows and id sequence as bytes, to prove a refused request changed nothing."""
    return {
        name: json.dumps(
            {"rows": [dict(row) for row in table.scan()], "next": table.last_id},
            ensure_ascii=True,
            sort_keys=True,
            default=repr,
        ).encode()
        for name, table in portal.store.tables.items()
    }


def check(portal: Portal, method: str, path: str, body: object = None, query: str = "", ascii_only: bool = True) -> int:
    """Sends one request; asserts the property; returns the status."""
    before = _tables(portal)
    raw = body if isinstance(body, bytes) else _encode(body, ascii_only)
    response = asyncio.run(portal.handle(method, path, query, KEY, raw))
    assert response.status < 500, (response.status, response.body[:500])
    if response.status != 204:
        payload = json.loads(response.body)
        assert isinstance(payload, dict)
        assert payload["success"] is (response.status < 400)
    after = _tables(portal)
    if response.status >= 400:
        assert after == before, "a refused request changed the store"
    else:
        _readable(portal, [name for name in after if after[name] != before[name]])
    return response.status


def _readable(portal: Portal, changed: list[str]) -> None:
    """What was written can be read back: no stored value breaks a later get or list."""
    for name in changed:
        table = portal.store.table(name)
        # Timelines list one record's only, a task's comments and time records one task's; user fields
        # have a list of their own; product rows (no entity: read per owner) go with a deleted owner.
        if name not in ENTITIES:
            continue
        if "list" in ENTITIES[name].operations and name != "timelines" and name not in CUSTOM_PATHS:
            listed = asyncio.run(portal.handle("GET", f"/v1/{name}", "limit=5000", KEY, b""))
            assert listed.status == 200, listed.body[:500]
            assert json.loads(listed.body)["total"] == len(table)
        if "get" in ENTITIES[name].operations and name != "smart-processes":
            key = families_req.KEYS.get(name)  # addresses, requisite links: the path names the composite key
            for row in table.scan()[-3:]:
                ref = "/".join(str(row[k]) for k in key) if key else row["id"]
                got = asyncio.run(portal.handle("GET", f"{base(name, dict(row))}/{ref}", "", KEY, b""))
                assert got.status == 200, got.body[:500]


@pytest.mark.parametrize("name", WRITABLE)
@PER_ENTITY
@given(data=st.data(), ascii_only=st.booleans())
def test_create(name: str, data: st.DataObject, ascii_only: bool) -> None:
    check(_portal(), "POST", base(name), data.draw(write_body(ENTITIES[name])), ascii_only=ascii_only)


@pytest.mark.parametrize("name", WRITABLE)
@PER_ENTITY
@given(data=st.data(), ascii_only=st.booleans())
def test_update(name: str, data: st.DataObject, ascii_only: bool) -> None:
    entity = ENTITIES[name]
    key, body = data.draw(record_id(entity)), data.draw(write_body(entity))
    path_id = key if isinstance(key, str) and "/" not in key and key.isprintable() else str(key)
    check(_portal(), "PATCH", f"{base(name)}/{path_id}", body, ascii_only=ascii_only)


@st.composite
def entity_batch(draw: st.DrawFn, entity: Entity) -> object:
    action = draw(st.sampled_from(["create", "update", "delete", "list", "get", "fields", "merge"]))
    item = st.one_of(
        fields_for(entity),
        st.builds(lambda key, fields: {"id": key, **fields}, record_id(entity), fields_for(entity)),
        record_id(entity),
        JSON,
    )
    call = st.fixed_dictionaries(
        {}, optional={"id": TEXT, "entityId": record_id(entity), "params": read_params(entity)}
    )
    body: dict[str, object] = {"action": action}
    key = draw(st.sampled_from(["items", "ids", "calls"]))
    body[key] = draw(st.one_of(st.lists(item, max_size=6), st.lists(call, max_size=4), JSON))
    return draw(st.one_of(st.just(body), JSON))


@pytest.mark.parametrize("name", ALL)
@PER_ENTITY
@given(data=st.data(), ascii_only=st.booleans())
def test_entity_batch(name: str, data: st.DataObject, ascii_only: bool) -> None:
    check(_portal(), "POST", f"{base(name)}/batch", data.draw(entity_batch(ENTITIES[name])), ascii_only=ascii_only)


@st.composite
def batch_call(draw: st.DrawFn, name: str) -> object:
    entity = ENTITIES[name]
    action = draw(st.sampled_from(["list", "get", "create", "update", "delete", "fields", "search", "nope"]))
    params = draw(read_params(entity) if action in ("list", "search", "get") else write_body(entity))
    call = {"entity": draw(st.one_of(st.just(name), st.just(name), TEXT)), "action": action, "params": params}
    optional = {"id": st.one_of(TEXT, st.integers()), "entityId": record_id(entity)}
    call.update(draw(st.fixed_dictionaries({}, optional=optional)))
    return draw(st.one_of(st.just(call), st.just(call), JSON))


@pytest.mark.parametrize("name", ALL)
@PER_ENTITY
@given(data=st.data(), ascii_only=st.booleans())
def test_cross_entity_batch(name: str, data: st.DataObject, ascii_only: bool) -> None:
    """Calls on this entity, mixed with calls on random others."""
    calls = data.draw(st.lists(st.one_of(batch_call(name), st.sampled_from(ALL).flatmap(batch_call)), max_size=6))
    check(_portal(), "POST", "/v1/batch", {"calls": calls}, ascii_only=ascii_only)


@pytest.mark.parametrize("name", SEARCHABLE)
@PER_ENTITY
@given(data=st.data(), ascii_only=st.booleans())
def test_search_and_aggregate(name: str, data: st.DataObject, ascii_only: bool) -> None:
    params = data.draw(read_params(ENTITIES[name]))
    portal = _portal()
    check(portal, "POST", f"/v1/{name}/search", params, ascii_only=ascii_only)
    aggregate = {
        "filter": params.get("filter"),
        "groupBy": params.get("select"),
        "aggregate": [{"field": params.get("sort"), "function": data.draw(st.sampled_from(["sum", "avg", "x"]))}],
    }
    check(portal, "POST", f"/v1/{name}/aggregate", aggregate, ascii_only=ascii_only)


QUERY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=10)
QUERY_PAIRS = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(["limit", "offset", "select", "sort", "include", "filter[id]", "filter[>=amount]"]),
            QUERY_TEXT.map(lambda t: f"filter[{t}]"),
            QUERY_TEXT,
        ),
        st.one_of(QUERY_TEXT, st.sampled_from(["9" * 5000, "-1", "%ED%A0%80", "%FF"])),
    ),
    max_size=4,
)


@pytest.mark.parametrize("name", ALL)
@PER_ENTITY
@given(data=st.data())
def test_list_get_and_delete_from_query_strings(name: str, data: st.DataObject) -> None:
    entity = ENTITIES[name]
    portal = _portal()
    pairs = data.draw(QUERY_PAIRS)
    query = "&".join(f"{k}={v}" for k, v in pairs)
    check(portal, "GET", base(name), query=query)
    key = data.draw(record_id(entity))
    path_id = str(key).replace("/", "%2F").encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    check(portal, "GET", f"{base(name)}/{path_id}", query=query)
    check(portal, "GET", f"{base(name)}/fields", query=query)
    check(portal, "DELETE", f"{base(name)}/{path_id}")


@given(
    st.sampled_from(["/v1/deals", "/v1/deals/1", "/v1/deals/batch", "/v1/batch", "/v1/tasks/search"]),
    st.sampled_from(["POST", "PATCH"]),
    st.one_of(
        st.binary(max_size=64),
        st.sampled_from([b"NaN", b'{"title": Infinity}', b"[" * 5000, b'{"title":"\\udc00"}', b"\xef\xbb\xbf{}"]),
        JSON.map(lambda v: json.dumps(v).encode()),
    ),
)
def test_raw_bodies(path: str, method: str, body: bytes) -> None:
    if method == "PATCH" and not path[-1].isdigit():
        method = "POST"
    check(_portal(), method, path, body)
