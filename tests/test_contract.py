"""Every generated tool, against a fresh demo portal: well-formed for every client, callable, and
never promising in its schema what the portal refuses."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import pytest
from jsonschema import Draft202012Validator

from server.__main__ import Assembled, assemble
from server.app import to_mcp_tool
from server.catalog import EntitySpec, load_catalog
from server.emulator import EmulatorTransport, Portal
from server.safety import ALIASES
from server.settings import Settings

pytestmark = pytest.mark.anyio
CATALOG = load_catalog()
ALL = Settings(toolsets=("all",))


async def _listed() -> tuple[dict[str, dict[str, Any]], dict[str, EntitySpec]]:
    """The served tools/list, and the entity of every tool prefix (one smart process type's included)."""
    async with assemble(ALL, transport=EmulatorTransport(Portal(seed=5, scale=0.2))) as built:
        listed = [to_mcp_tool(t) for t in built.tools.values()]
        targets = [t.target for t in built.tools.values() if t.target is not None]
    dumped = [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in listed]
    entities = {t.entity.tool_prefix: t.entity for t in targets if t.entity is not None}
    return {t["name"]: t for t in dumped}, entities


LISTED, ENTITY_OF = anyio.run(_listed)
ERROR = {"error": {"code": "ENTITY_NOT_FOUND", "message": "m", "hint": "h", "retryable": False}}


@pytest.fixture
async def built(tmp_path: Path) -> AsyncIterator[Assembled]:
    # Confirmation is tested on its own (test_safety.py): here every write runs, and is audited.
    settings = replace(ALL, allow_unconfirmed_writes=True, audit_log=str(tmp_path / "audit.jsonl"))
    async with assemble(settings, transport=EmulatorTransport(Portal(seed=5, scale=0.2))) as b:
        yield b


def sample(schema: dict[str, Any], name: str) -> Any:
    """A valid value for a field schema (the first allowed value, or one of the right type)."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "array":
        return [sample(schema.get("items", {}), name)] if "items" in schema else []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if schema.get("format") == "date":
        return "2026-03-01"
    if schema.get("format") == "date-time":
        return "2026-03-01T10:00:00Z"
    if name == "email":
        return "smoke@example.com"
    if name == "entityType":  # timelines: a CRM type name
        return "deal"
    if name == "fieldName":  # a requisite preset's new field: one no seeded preset holds
        return "RQ_USRLE"
    return f"Smoke {name}"


def create_fields(tool: dict[str, Any]) -> dict[str, Any]:
    fields = tool["inputSchema"]["properties"]["fields"]
    return {name: sample(fields["properties"][name], name) for name in fields.get("required", [])} or {
        "title" if "title" in fields["properties"] else "name": "Smoke record"
    }


OPERATIONS = sorted(CATALOG.operations, key=len, reverse=True)  # products_edit before products


def split(name: str) -> tuple[str, str]:
    """(entity prefix, operation) of a tool name; ("", name) for a cross-entity tool."""
    op = next((o for o in OPERATIONS if name.endswith("_" + o) and name[: -len(o) - 1] in ENTITY_OF), None)
    return (name[: -len(op) - 1], op) if op else ("", name)


# A smart process type; a task with comments and time; the CRM entity of user fields; a requisite preset.
PATH_ARGUMENTS = {"entityTypeId": 1032, "taskId": 3, "entity": "deals", "presetId": 1}


def typed(prefix: str) -> dict[str, Any]:
    """The path arguments a tool family needs: smart process items and pipelines name their type, the
    comments and time records of a task name the task, user fields their CRM entity."""
    if prefix in ENTITY_OF and ENTITY_OF[prefix].composite_key:
        return {}  # entityTypeId there is a part of the record's key, not the family's type
    tool = LISTED.get(f"{prefix}_get") or LISTED.get(f"{prefix}_list") or {"inputSchema": {"properties": {}}}
    return {k: v for k, v in PATH_ARGUMENTS.items() if k in tool["inputSchema"]["properties"]}


def entity_of(built: Assembled, tool: str) -> EntitySpec:
    """The entity a tool is bound to (one smart process type's tools are not in the catalog)."""
    target = built.tools[tool].target
    assert target is not None and target.entity is not None
    return target.entity


def key_args(prefix: str, record: dict[str, Any]) -> dict[str, Any]:
    """How a tool names `record`: its id, or (addresses, requisite links) the fields of its composite key."""
    entity = ENTITY_OF[prefix]
    return {k: record[k] for k in entity.composite_key} if entity.composite_key else {"id": record[entity.id_field]}


async def some_ref(built: Assembled, prefix: str) -> dict[str, Any]:
    """An existing record as the get/update/delete arguments name it (id, or a composite key)."""
    if not ENTITY_OF[prefix].composite_key:
        return {"id": await some_id(built, prefix)}
    page = await built.dispatcher.call(f"{prefix}_list", {"limit": 1})
    return key_args(prefix, page.structured["items"][0])


async def some_id(built: Assembled, prefix: str) -> int | str:
    """An existing record's id (string ids stay strings): searched, listed, or (calendar events) created."""
    reader = next((f"{prefix}_{op}" for op in ("search", "list") if f"{prefix}_{op}" in LISTED), None)
    if reader is None or "filter" in LISTED[reader]["inputSchema"].get("required", []):
        made = await built.dispatcher.call(f"{prefix}_create", {"fields": create_fields(LISTED[f"{prefix}_create"])})
        found = made.structured["item"]["id"]
    else:
        page = await built.dispatcher.call(reader, {"limit": 1, **typed(prefix)})
        key = "entityTypeId" if prefix == "smart_processes" else "id"  # types are addressed by entityTypeId
        found = page.structured["items"][0][key]
    return found if isinstance(found, str) else int(found)


async def smoke_args(built: Assembled, name: str) -> dict[str, Any]:
    """Valid arguments for one call of `name` (creating the records a write needs first)."""
    prefix = split(name)[0]
    return {**typed(prefix), **await _smoke_args(built, name)} if prefix else await _smoke_args(built, name)


async def _smoke_args(built: Assembled, name: str) -> dict[str, Any]:
    prefix, op = split(name)
    tool = LISTED[name]
    if op in ("list", "search"):
        schema = tool["inputSchema"]
        if "filter" not in schema.get("required", []):
            return {"limit": 2}
        fields = LISTED[f"{prefix}_create"]["inputSchema"]["properties"]["fields"]["properties"]
        return {"limit": 2, "filter": {k: sample(fields[k], k) for k in schema["properties"]["filter"]["required"]}}
    if op == "get":
        return await some_ref(built, prefix)
    if op == "create":
        return {"fields": create_fields(tool)}
    if op == "register":  # a link needs a deal and a requisite of its client: re-register a seeded one
        link = (await built.dispatcher.call(f"{prefix}_list", {"limit": 1})).structured["items"][0]
        return {"fields": {k: v for k, v in link.items() if k in ("entityTypeId", "entityId", "requisiteId")}}
    if op == "unregister":
        return await some_ref(built, prefix)
    if op in ("update", "delete"):
        if f"{prefix}_create" in LISTED and ENTITY_OF[prefix].composite_key:
            made = await built.dispatcher.call(
                f"{prefix}_create", {"fields": create_fields(LISTED[f"{prefix}_create"])}
            )
            ref = key_args(prefix, made.structured["item"])
            if op == "delete":
                return ref
            return {**ref, "fields": {ENTITY_OF[prefix].name_field: "Smoke renamed"}}
        if f"{prefix}_create" in LISTED:
            made = await built.dispatcher.call(
                f"{prefix}_create", {"fields": create_fields(LISTED[f"{prefix}_create"]), **typed(prefix)}
            )
            record_id = made.structured["item"][entity_of(built, name).id_field]  # types: by entityTypeId
        else:  # files: no create upstream, so a seeded one is renamed or deleted
            record_id = await some_id(built, prefix)
        if op == "delete":
            return {"id": record_id}
        writable = tool["inputSchema"]["properties"]["fields"]["properties"]
        name_field = entity_of(built, name).name_field
        if name_field not in writable:  # a read-only name (a payment's number): any writable string
            name_field = next(n for n, f in writable.items() if f.get("type") == "string" and "format" not in f)
        schema = writable[name_field]
        renamed = (
            "Smoke renamed" if schema.get("type") == "string" and "format" not in schema else sample(schema, name_field)
        )
        return {"id": record_id, "fields": {name_field: renamed}}
    if op == "products":
        return {"id": await some_id(built, prefix)}
    if op == "products_edit":
        return {"id": await some_id(built, prefix), "edit": "add", "row": {"productId": 1, "quantity": 2}}
    if op == "bindings":
        return {"id": await some_id(built, prefix)}
    if op == "act":
        return {"id": await some_id(built, prefix), "change": "note", "text": "Smoke note"}
    if op == "batch" and prefix:
        return {"action": "create", "items": [create_fields(LISTED[f"{prefix}_create"])] * 2}
    if op == "aggregate":
        return {"aggregate": [{"function": "count"}]} if "aggregate" in tool["inputSchema"]["properties"] else {}
    if prefix == "chats":
        return await chat_args(built, op)
    return CROSS_ENTITY.get(name, {})


async def chat_args(built: Assembled, op: str) -> dict[str, Any]:
    """A chat tool's arguments on the demo portal's deal 12 chat (chat7), its members and messages."""
    sent = await built.dispatcher.call("chats_send", {"dialogId": "chat7", "message": "Smoke message"})
    chat = {"dialogId": "chat7"}
    return {
        "recent": {"limit": 2},
        "find": {"record": "DEAL|12"},
        "dialog": chat,
        "messages": {**chat, "limit": 2},
        "history": {"dialogs": [{"dialogId": "chat7", "limit": 2}, {"dialogId": "3", "limit": 1}]},
        "members": chat,
        "file": {"fileId": 1},
        "send": {**chat, "message": "Smoke message"},
        "edit_message": {**chat, "messageId": sent.structured["item"]["id"], "message": "Smoke edited"},
        "delete_message": {**chat, "messageId": sent.structured["item"]["id"]},
        "rename": {**chat, "title": "Smoke renamed"},
        "leave": {"dialogId": "chat2"},
        "add_members": {**chat, "users": [5]},
        "remove_member": {**chat, "userId": 3},
        "attach": {**chat, "filename": "smoke.txt", "content": "U21va2U="},
        "files": {**chat, "limit": 2},
        "mark_read": {"dialogId": "chat9"},  # a dialog with unread messages
    }[op]


CROSS_ENTITY: dict[str, dict[str, Any]] = {
    "reference": {"kind": "pipelines"},
    "batch": {"calls": [{"entity": "deals", "action": "get", "entityId": 1},
                        {"entity": "deals", "action": "create", "params": {"title": "Smoke batch"}}]},
}  # fmt: skip


@pytest.mark.parametrize("name", LISTED)
def test_every_tool_is_well_formed_for_every_client(name: str) -> None:
    tool = LISTED[name]
    assert re.fullmatch(r"[a-z][a-z0-9_]{0,63}", name)
    assert tool["description"] and len(tool["description"]) < 1024
    schema = tool["inputSchema"]
    assert schema["type"] == "object" and not {"anyOf", "oneOf", "allOf", "$ref"} & set(schema)
    Draft202012Validator.check_schema(schema)
    Draft202012Validator.check_schema(tool["outputSchema"])
    assert all(frag.get("description") for frag in schema.get("properties", {}).values()), name
    a = tool["annotations"]
    assert set(a) == {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}
    assert all(isinstance(v, bool) for v in a.values())
    # Registering a link replaces the record's current one (as an update would); unregistering deletes it;
    # a chat message sent is a create, leaving a chat a delete (server.safety.ALIASES).
    # Marking a dialog read is an update that only moves the user's own read mark: nothing is lost.
    op = ALIASES.get(split(name)[1], split(name)[1])
    if op in ("create", "update", "delete", "batch", "products_edit", "act"):
        assert a["readOnlyHint"] is False
        assert a["destructiveHint"] is (op != "create" and split(name)[1] != "mark_read")
        assert a["idempotentHint"] is (op in ("update", "delete"))
    else:
        assert a["readOnlyHint"] is True and a["destructiveHint"] is False


@pytest.mark.parametrize("name", LISTED)
async def test_every_tool_answers_a_smoke_call_that_its_output_schema_admits(built: Assembled, name: str) -> None:
    out = await built.dispatcher.call(name, await smoke_args(built, name))
    validator = Draft202012Validator(LISTED[name]["outputSchema"])
    assert validator.is_valid(out.structured), list(validator.iter_errors(out.structured))[:1]
    assert validator.is_valid(ERROR)
    assert out.text and out.structured.get("summary")
    if name.endswith("_batch"):
        assert out.structured["failed"] == 0, out.structured


def enum_values(schema: dict[str, Any], key: str) -> list[Any]:
    prop = schema["properties"].get(key)
    if prop is None:
        return []
    return list(prop.get("items", {}).get("enum") or prop.get("propertyNames", {}).get("enum") or [])


@pytest.mark.parametrize("name", [n for n in LISTED if n.endswith(("_search", "_list", "_get"))])
async def test_every_include_select_and_sort_value_in_a_schema_is_accepted_upstream(
    built: Assembled, name: str
) -> None:
    schema = LISTED[name]["inputSchema"]
    base = await smoke_args(built, name)
    for relation in enum_values(schema, "include"):
        out = await built.dispatcher.call(name, {**base, "include": [relation]})
        assert out.structured["summary"], relation
    names = enum_values(schema, "select")
    assert names, name
    await built.dispatcher.call(name, {**base, "select": names, "response_format": "detailed"})
    key = "sort" if "sort" in schema["properties"] else "order" if "order" in schema["properties"] else None
    for field in enum_values(schema, key) if key else []:
        await built.dispatcher.call(name, {**base, key: {field: "desc"}})


@pytest.mark.parametrize("name", [n for n in LISTED if n.endswith("_update")])
async def test_every_allowed_value_of_every_field_is_accepted_upstream(built: Assembled, name: str) -> None:
    prefix = split(name)[0]
    fields = LISTED[name]["inputSchema"]["properties"]["fields"]["properties"]
    ref = await some_ref(built, prefix)
    tried = 0
    for field, schema in fields.items():
        values = schema.get("enum") or schema.get("items", {}).get("enum") or []
        for value in values:
            body = {field: [value] if schema.get("type") == "array" else value}
            if field == "stageId" and "categoryId" in fields:  # a stage travels with its pipeline (C1:…, DT1032_5:…)
                pipeline = re.match(r"(?:C|DT\d+_)(\d+):", str(value))
                body["categoryId"] = int(pipeline.group(1)) if pipeline else 0
            out = await built.dispatcher.call(name, {**ref, "fields": body, **typed(prefix)})
            assert key_args(prefix, out.structured["item"]) == ref
            tried += 1
    # Users, folders, files, the per-type smart process entities (whose values vary by type) and some
    # families (sites' pages, telephony lines) list none; every core CRM and task entity has some.
    assert tried or entity_of(built, name).toolset not in ("crm", "tasks"), "no field has allowed values"
