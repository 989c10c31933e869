"""Contract tests over every spec file and every tool the catalog can produce."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from server.catalog import load_catalog
from server.client import VibeCodeClient
from server.cursor import CursorCodec
from server.errors import ConfigError
from server.operations import Operations
from server.tools import build_tools

CATALOG = load_catalog()
FIELD_TYPES = {
    "integer", "double", "string", "text", "boolean", "char", "date", "datetime", "enumeration", "user",
    "crm_status", "crm_currency", "crm_category", "crm_company", "crm_contact", "crm_lead", "crm_multifield",
    "money", "url", "file", "object",
}  # fmt: skip
# The entity operations of SPEC §4, plus `types`: the user fields API's own route (GET /v1/userfields/:entity/types).
OPERATIONS = {"list", "get", "create", "update", "delete", "search", "aggregate", "fields", "batch", "types"}
OPERATIONS |= {"available", "schema"}  # a requisite preset's field set (entities index L10139)
ROW_OWNERS = {"deals", "leads", "quotes", "invoices", "items"}  # the docs' "{Entity}: Products *" pages
LINK_OPERATIONS = {"register", "unregister"}  # requisite links, as the entities index names them
# The IM Chat API's routes (Chats page): no list/get/search of records, dialogs and messages of their own.
CHAT_OPERATIONS = {"recent", "find", "dialog", "messages", "history", "members", "file", "send", "edit_message",
                   "delete_message", "create", "rename", "leave", "add_members", "remove_member", "attach", "files",
                   "mark_read"}  # fmt: skip
MARKS = {"bindings", "act"}  # timeline comments' pins, bindings and note (Комментарии таймлайна)


def all_tools() -> dict[str, Any]:
    ops = Operations(VibeCodeClient("k"), CursorCodec(b"s"), 6000)
    return build_tools(CATALOG, list(CATALOG.entities.values()), ops)


@pytest.mark.parametrize("entity", CATALOG.entities.values(), ids=lambda e: e.name)
def test_entity_specs_are_consistent(entity: Any) -> None:
    rows = {"products", "products_edit"} if entity.name in ROW_OWNERS else set()
    rows |= MARKS if entity.name in ("timelines", "timeline-logs") else set()
    own = CHAT_OPERATIONS if entity.name == "chats" else set()
    assert set(entity.operations) <= OPERATIONS | LINK_OPERATIONS | rows | own and rows <= set(entity.operations)
    assert entity.toolset in CATALOG.toolsets
    # Records without an id (addresses) lead with their composite key instead.
    assert set(entity.key_fields) <= set(entity.fields)
    assert list(entity.key_fields[: len(entity.composite_key) or 1]) == (list(entity.composite_key) or ["id"])
    assert set(entity.composite_key) <= set(entity.fields) and ("id" in entity.fields) != bool(entity.composite_key)
    assert entity.name_field in entity.fields
    assert set(entity.aggregatable) <= set(entity.fields)
    for f in entity.fields.values():
        assert f.type in FIELD_TYPES, f.name
        assert not (f.required and f.readonly), f.name


def test_toolsets_name_only_known_entities() -> None:
    for name, members in CATALOG.toolsets.items():
        assert set(members) <= set(CATALOG.entities), name


@pytest.mark.parametrize("tool", all_tools().values(), ids=lambda t: t.name)
def test_every_tool_is_well_formed_for_every_client(tool: Any) -> None:
    assert re.fullmatch(r"[a-z0-9_]{1,64}", tool.name)
    assert tool.description and len(tool.description) < 1024
    schema = tool.input_schema
    assert schema["type"] == "object" and not {"anyOf", "oneOf", "allOf"} & set(schema)
    Draft202012Validator.check_schema(schema)
    Draft202012Validator.check_schema(tool.output_schema)
    assert tool.output_schema["type"] == "object"
    assert set(tool.annotations) == {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}
    for prop, frag in schema["properties"].items():
        assert frag.get("description"), f"{tool.name}.{prop} lacks a description"


def test_tool_names_follow_entity_underscore_operation() -> None:
    names = set(all_tools())
    assert {"deals_list", "deals_get", "deals_search", "deals_fields", "me"} <= names
    assert "users_delete" not in names


def test_toolset_and_entity_selection() -> None:
    assert [e.name for e in CATALOG.select(["crm"], [])] == ["deals", "contacts", "companies", "leads"]
    assert [e.name for e in CATALOG.select([], ["tasks"])] == ["tasks"]
    assert len(CATALOG.select(["all"], [])) == len(CATALOG.entities)
    with pytest.raises(ConfigError, match="unknown toolset 'crmm'"):
        CATALOG.select(["crmm"], [])
    with pytest.raises(ConfigError, match="unknown entity 'deal'"):
        CATALOG.select([], ["deal"])


@pytest.mark.parametrize("tool", all_tools().values(), ids=lambda t: t.name)
def test_output_schemas_admit_error_results_and_reject_partial_results(tool: Any) -> None:
    v = Draft202012Validator(tool.output_schema)
    error = {"error": {"code": "ENTITY_NOT_FOUND", "message": "m", "hint": "h", "retryable": False, "status": 404}}
    assert v.is_valid(error)
    first = next(iter(tool.output_schema["dependentRequired"]))
    kind = tool.output_schema["properties"][first]["type"]
    sample = {"array": [], "object": {}, "string": "x", "integer": 1}[kind[0] if isinstance(kind, list) else kind]
    assert not v.is_valid({first: sample}), "a result missing its other required keys must be rejected"
    assert not v.is_valid({})
