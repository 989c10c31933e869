"""The docs' entity table (tests/data/docs_entities.txt: the entity index's rows) against what we
serve: every row is a catalog entity with those operations and that scope, the demo portal routes
each of those operations, and some toolset gives typed tools for them. A gap is named below with its
reason, or the row fails."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from portal_rig import CATALOG

from server import discovery, specs
from server.catalog import EntitySpec
from server.client import VibeCodeClient
from server.cursor import CursorCodec
from server.emulator import DEMO_API_KEY, EmulatorTransport, Portal
from server.emulator.chats import CHATS
from server.errors import VibeCodeError
from server.operations import Operations, mapping
from server.tools import build_tools

pytestmark = pytest.mark.anyio

TABLE = Path(__file__).parent / "data" / "docs_entities.txt"


@dataclass(frozen=True)
class Row:
    path: str  # as the index writes it: "items/:entityTypeId"
    operations: tuple[str, ...]
    scopes: tuple[str, ...]  # the scope, or its alternatives ("tasks (also task)")


def table() -> list[Row]:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            path, ops, scopes = (part.strip() for part in line.split("|"))
            rows.append(Row(path, () if ops == "-" else tuple(ops.split()), tuple(scopes.split())))
    return rows


ROWS = table()

# Operations of the index that the catalog names otherwise: one timeline tool changes pins, bindings
# and notes (timelines_act); the docs give each its own route.
SPELLED = {"pin": "act", "unpin": "act", "bind": "act", "unbind": "act", "note": "act"}
# The documented routes of the operations that have no single route in tool_specs/operations.json.
ROUTES = {
    "pin": ("POST", "{id}/pin"),
    "unpin": ("POST", "{id}/unpin"),
    "bind": ("POST", "{id}/bind"),
    "unbind": ("POST", "{id}/unbind"),
    "bindings": ("GET", "{id}/bindings"),
    "note": ("GET", "{id}/note"),
}
# The chats' routes name a dialog, a chat, a message or a file in their paths: seeded ones.
CHAT_PATH = {"dialogId": "chat1", "chatId": 1, "messageId": 1, "fileId": 1}

ENTITY_PAGE = (
    "the index lists it, but the entity's own page (Entity: …) lists only list, get, create, update, delete "
    "and fields, and the demo portal follows the entity page"
)
CALENDAR_PAGE = "the entity page lists get, create, update and delete only"
# Operations of the index that neither the catalog nor the demo portal has, and why.
ABSENT = {
    ("deal-categories", "search"): ENTITY_PAGE,
    ("deal-categories", "aggregate"): ENTITY_PAGE,
    ("statuses", "search"): ENTITY_PAGE,
    ("statuses", "aggregate"): ENTITY_PAGE,
    ("currencies", "search"): ENTITY_PAGE,
    ("currencies", "aggregate"): ENTITY_PAGE,
    ("calendar-events", "list"): "the entity page disables it (Disabled operations: list): events are read by id",
    ("calendar-events", "search"): CALENDAR_PAGE,
    ("calendar-events", "aggregate"): CALENDAR_PAGE,
}
# Rows (or operations of a row) not served yet: expected to fail while they are not in the catalog;
# once they are, the row is checked like any other.
NOT_YET = {
    "requisite-presets/:presetId/fields": "the fields of one requisite preset are not a catalog entity with tools yet",
    "timelines": "pins, bindings and notes of timeline comments (pin … note in the row) are not served yet",
}


def entity_of(row: Row) -> EntitySpec:
    """The catalog entity whose REST path is the row's ({taskId} written :taskId as in the docs)."""
    for entity in CATALOG.entities.values():
        if re.sub(r"{(\w+)}", r":\1", entity.path or entity.name) == row.path:
            return entity
    raise AssertionError(f"no entity of tool_specs/entities.json has the documented path {row.path!r}")


def documented(row: Row) -> list[str]:
    """The row's operations less the named exceptions (a row that lists none: the catalog's)."""
    ops = row.operations or entity_of(row).operations
    return [op for op in ops if (row.path, op) not in ABSENT]


def pending(row: Row) -> bool:
    """Whether the catalog still lacks the row's entity or one of its operations."""
    try:
        entity = entity_of(row)
    except AssertionError:
        return True
    return any(SPELLED.get(op, op) not in entity.operations for op in documented(row))


def rows() -> list[object]:
    """The rows as test parameters, those named in NOT_YET expected to fail while still pending."""
    return [
        pytest.param(row, id=row.path, marks=[pytest.mark.xfail(reason=NOT_YET[row.path])])
        if row.path in NOT_YET and pending(row)
        else pytest.param(row, id=row.path)
        for row in ROWS
    ]


def test_the_table_is_read_whole() -> None:
    assert len(ROWS) == 50 and len({r.path for r in ROWS}) == len(ROWS)
    assert {path for path, _ in ABSENT} <= {r.path for r in ROWS} and set(NOT_YET) <= {r.path for r in ROWS}


@pytest.mark.parametrize("row", rows())
def test_the_catalog_has_the_entity_with_its_operations_and_scope(row: Row) -> None:
    entity = entity_of(row)
    missing = [op for op in documented(row) if SPELLED.get(op, op) not in entity.operations]
    assert not missing, f"{row.path}: the catalog lacks {missing}"
    stale = [op for (path, op) in ABSENT if path == row.path and op in entity.operations]
    assert not stale, f"{row.path}: {stale} are in the catalog now; drop them from ABSENT"
    scope = specs.load("entities.json")["entities"][entity.name].get("scope")
    assert scope in row.scopes, f"{row.path}: scope {scope!r}, the docs say {' or '.join(row.scopes)}"


def portal_client() -> VibeCodeClient:
    """A client of a fresh demo portal: each row's probes (deletes among them) touch their own."""
    return VibeCodeClient(DEMO_API_KEY, transport=EmulatorTransport(Portal(seed=11, scale=0.1)))


async def path_values(client: VibeCodeClient) -> dict[str, object]:
    """Path arguments that name real records: a smart process type, a task, a requisite preset."""
    types = (await client.request("GET", "/v1/smart-processes")).data
    return {"entityTypeId": mapping(types[0])["entityTypeId"], "taskId": 1, "presetId": 1, "entity": "deals"}


@pytest.mark.parametrize("row", rows())
async def test_the_demo_portal_routes_every_operation(row: Row) -> None:
    client = portal_client()
    entity = entity_of(row)
    base = entity.rest_path(await path_values(client))
    record = "/".join("1" for _ in entity.composite_key) or "1"
    unrouted, probed = [], []
    for op in documented(row):
        spec = CATALOG.operation(entity, op)
        if op in ROUTES:
            method, tail = ROUTES[op]
            path = f"/v1/{base}/{tail.format(id=record)}"
        elif spec is not None:
            method, path = spec.method, spec.path.format(entity=base, id=record, **CHAT_PATH)
        else:
            unrouted.append(f"{op} (no route known)")
            continue
        body = {} if method in ("POST", "PUT", "PATCH") else None
        try:
            await client.request(method, path, json_body=body)
        except VibeCodeError as err:
            if err.code == "ROUTE_NOT_FOUND":
                unrouted.append(f"{op} ({method} {path})")
        probed.append(op)
    assert probed and not unrouted, f"{row.path}: the demo portal has no route for {unrouted}"


@cache
def tool_names(toolset: str) -> frozenset[str]:
    ops = Operations(portal_client(), CursorCodec(b"s"), 6000)
    return frozenset(build_tools(CATALOG, CATALOG.select([toolset], []), ops))


@pytest.mark.parametrize("row", rows())
def test_some_toolset_gives_typed_tools_for_every_operation(row: Row) -> None:
    entity = entity_of(row)
    wanted = {f"{entity.tool_prefix}_{SPELLED.get(op, op)}" for op in documented(row)}
    toolsets = [name for name, members in discovery.groups().items() if entity.name in members]
    assert toolsets, f"{row.path}: no toolset holds {entity.name}"
    shortfall = {name: sorted(wanted - tool_names(name)) for name in toolsets}
    assert any(not gap for gap in shortfall.values()), f"{row.path}: typed tools missing per toolset: {shortfall}"


# The chats' documented routes that a catalog operation serves under another name: search is
# chats_recent with search, a chat's PATCH is chats_rename, its folder is chats_files, read is chats_mark_read.
CHAT_SPELLED = {"search": "recent", "update": "rename", "folder": "files", "read": "mark_read"}


def test_every_documented_chat_route_is_a_tool_or_not_offered_for_a_reason() -> None:
    """The chats row lists no operations, so the demo portal's routes stand for the docs' page: each is a
    catalog operation, or entities.json names it under not_offered with the reason."""
    raw = specs.load("entities.json")["entities"]["chats"]
    offered = set(CATALOG.entities["chats"].operations)
    not_offered = raw.get("not_offered", {})
    unserved = {op for op in CHATS.operations if CHAT_SPELLED.get(op, op) not in offered}
    assert unserved == set(not_offered) == {"subscribe", "unsubscribe"}
    assert all("no tool" in reason and len(reason) > 60 for reason in not_offered.values())
    assert {CHAT_SPELLED.get(op, op) for op in CHATS.operations} - set(not_offered) == offered
    assert not {f"chats_{op}" for op in not_offered} & tool_names("chats")
