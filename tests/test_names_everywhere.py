"""Concise results carry a name next to every id their key fields hold, for every entity in the catalog.

Which key fields hold ids of stages, pipelines, users, companies, contacts, currencies or
enumeration items is worked out here from the catalog's field types, the portal's own field
metadata and the field names, not from the server's naming rules, so a field the rules miss is
found. Currency codes are the one kind left as they are: an ISO code already is the name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from test_contract import ALL, LISTED, smoke_args, typed
from test_filters_portal import Counting

from server.__main__ import Assembled, assemble
from server.catalog import EntitySpec, load_catalog
from server.emulator import DEMO_API_KEY, EmulatorTransport, Portal

pytestmark = pytest.mark.anyio
CATALOG = load_catalog()
RECORD_TYPES = {"user": "users", "crm_company": "companies", "crm_contact": "contacts"}
VALUE_TYPES = ("crm_status", "crm_category", "enumeration")
BY_NAME = {
    **dict.fromkeys(("assignedById", "responsibleId", "createdBy", "authorId", "agentId", "userId"), "users"),
    **dict.fromkeys(("attendees",), "users"),
    **dict.fromkeys(("companyId",), "companies"),
    **dict.fromkeys(("contactId", "contactIds"), "contacts"),
    **dict.fromkeys(("stageId", "statusId", "categoryId"), "values"),
}
# Key fields that are the record's own code, not a reference to something named elsewhere.
OWN_CODES = {("statuses", "statusId")}


async def live_fields(transport: Counting, base: str) -> Mapping[str, Any]:
    """The portal's own field metadata for the entity's path (what allowed values it lists)."""
    async with httpx.AsyncClient(transport=transport.inner, base_url="https://x") as http:
        answer = (await http.get(f"{base}/fields", headers={"X-Api-Key": DEMO_API_KEY})).json()
    data = answer.get("data") if answer.get("success") else None
    inner = data.get("fields", data) if isinstance(data, dict) else {}
    return inner if isinstance(inner, dict) else {}


def kinds(entity: EntitySpec, live: Mapping[str, Any]) -> dict[str, str]:
    """Key field → what its ids point at: users, companies, contacts, values (stages, pipelines, lists), currency."""
    out: dict[str, str] = {}
    for name in entity.key_fields:
        spec = entity.fields.get(name)
        kind = spec.type if spec else ""
        meta = live.get(name) if isinstance(live.get(name), dict) else {}
        if kind == "crm_currency" or meta.get("type") == "crm_currency":
            out[name] = "currency"
        elif kind in RECORD_TYPES:
            out[name] = RECORD_TYPES[kind]
        elif kind in VALUE_TYPES or (spec is not None and spec.items) or meta.get("items"):
            out[name] = "values"
        elif name in BY_NAME and (entity.name, name) not in OWN_CODES:
            out[name] = BY_NAME[name]
    return out


async def page_of(built: Assembled, entity: EntitySpec, portal: Portal) -> tuple[str, list[dict[str, Any]]] | None:
    """A concise page of the entity's records (or one record where it has only get)."""
    prefix = entity.tool_prefix
    reader = next((f"{prefix}_{op}" for op in ("search", "list") if f"{prefix}_{op}" in LISTED), None)
    if reader is not None:
        args = await smoke_args(built, reader)
        required = LISTED[reader]["inputSchema"].get("required", [])
        if "filter" in required:  # one record's children (timelines): a record that has some
            rows = list(portal.store.table(entity.name).scan())
            wanted = LISTED[reader]["inputSchema"]["properties"]["filter"]["required"]
            args["filter"] = {k: rows[0][k] for k in wanted} if rows else args["filter"]
        out = await built.dispatcher.call(reader, {**args, "limit": 50, "response_format": "concise"})
        return reader, out.structured["items"]
    if f"{prefix}_get" in LISTED:
        out = await built.dispatcher.call(f"{prefix}_get", await smoke_args(built, f"{prefix}_get"))
        return f"{prefix}_get", [out.structured["item"]]
    return None


# Entities whose key fields hold no ids of named things: ids of their own records, codes, folders,
# sites, templates, departments, requisites, presets and bank accounts. A new entity lands here only when that is
# true of it too.
WITHOUT_NAMED_IDS = (
    "bank-details",
    "bizproc-activities",
    "bizproc-robots",
    "bizproc-templates",
    "bookings",
    "catalog-sections",
    "categories",
    "chats",
    "currencies",
    "deal-categories",
    "doc-templates",
    "documents",
    "files",
    "folders",
    "list-elements",
    "pages",
    "product-sections",
    "requisite-links",
    "requisite-preset-fields",
    "requisite-presets",
    "smart-processes",
    "storages",
    "telephony-lines",
    "users",
    "warehouses",
)
NAMED = sorted(name for name, entity in CATALOG.entities.items() if kinds(entity, {}))


def test_only_entities_without_named_ids_are_left_out() -> None:
    left_out = sorted(set(CATALOG.entities) - set(NAMED))
    assert left_out == sorted(WITHOUT_NAMED_IDS), (
        "WITHOUT_NAMED_IDS lists the entities whose key fields hold no ids of users, companies, contacts, "
        "stages, pipelines, currencies or list values; add a new such entity there, or give kinds() its field"
    )


@pytest.mark.parametrize("name", NAMED)
async def test_concise_results_name_every_id_their_key_fields_hold(name: str) -> None:
    entity = CATALOG.entities[name]
    portal = Portal(seed=5, scale=0.2)
    transport = Counting(EmulatorTransport(portal))
    async with assemble(ALL, transport=transport) as built:
        base = "/v1/" + entity.rest_path(typed(entity.tool_prefix))
        expected = kinds(entity, await live_fields(transport, base))
        assert expected, name
        before = len(transport.paths)
        got = await page_of(built, entity, portal)
        assert got is not None, f"{name}: no tool reads its records"
        tool, records = got
        calls = transport.paths[before:]
        # Names cost at most one batched request per page (and a typed entity's own field list).
        assert calls.count("/v1/batch") <= 1, (tool, calls)
        assert len(calls) <= 3, (tool, calls)
        checked = 0
        for record in records:
            keys = list(record)
            for field, kind in expected.items():
                value = record.get(field)
                if value in (None, "", [], 0, "0"):
                    continue
                if kind == "currency":
                    assert isinstance(value, str) and re.fullmatch(r"[A-Z]{3}", value), (tool, field, value)
                    checked += 1
                    continue
                after = keys[keys.index(field) + 1] if keys.index(field) + 1 < len(keys) else None
                assert after is not None and after not in entity.fields, (tool, field, "no name after it", record)
                named = record[after]
                assert named not in (None, "", []) and named != value, (tool, field, after, named)
                checked += 1
        assert checked or all(record.get(f) in (None, "", [], 0, "0") for record in records for f in expected), tool
