"""Requisites, presets, bank details, addresses and requisite links as typed tools over the demo
portal: the composite key of addresses and links as typed arguments, fields fixed for life left
out of updates, writes through the guard (dry run, confirmation, audit), the `requisite` include
in concise form, and the assistant's question "what are the INN and bank account of company X"."""

from __future__ import annotations

from typing import Any

import pytest
from portal_rig import CATALOG, Recording, consenting, rig

from server.client import VibeCodeClient
from server.cursor import CursorCodec
from server.emulator import DEMO_API_KEY, Portal
from server.errors import NotConfirmed, VibeCodeError
from server.operations import Operations
from server.safety import WritePolicy
from server.tools import build_tools

pytestmark = pytest.mark.anyio

FAMILY = list(CATALOG.toolsets["requisites"])


def test_the_family_is_a_toolset_of_its_own_in_all_but_not_default() -> None:
    assert FAMILY == [
        "requisites", "requisite-presets", "requisite-preset-fields", "bank-details", "addresses", "requisite-links"
    ]  # fmt: skip
    assert not set(FAMILY) & set(CATALOG.toolsets["default"])
    assert {e.name for e in CATALOG.select(["all"], [])} >= set(FAMILY)
    assert all(CATALOG.entities[name].toolset == "requisites" for name in FAMILY)


def test_composite_keys_are_typed_arguments_and_fixed_fields_stay_out_of_updates() -> None:
    tools = rig(entities=FAMILY).dispatcher.tools
    get = tools["addresses_get"].input_schema
    assert get["required"] == ["typeId", "entityTypeId", "entityId"] and "id" not in get["properties"]
    assert get["properties"]["typeId"]["enum"] == [1, 4, 6, 8, 9, 11]
    assert get["properties"]["entityTypeId"]["enum"] == [1, 8]
    assert get["properties"]["entityId"] == {"type": "integer", "minimum": 1, "description": "Key part entityId."}
    update = tools["addresses_update"].input_schema
    assert update["required"][:3] == ["typeId", "entityTypeId", "entityId"]
    assert not {"typeId", "entityTypeId", "entityId"} & set(update["properties"]["fields"]["properties"])
    assert tools["requisite_links_unregister"].input_schema["required"] == ["entityTypeId", "entityId"]
    assert "addresses_search" not in tools and "requisite_links_create" not in tools  # only what the docs list
    create = tools["requisites_create"].input_schema["properties"]["fields"]
    assert {"entityTypeId", "entityId", "presetId"} <= set(create["required"])
    changed = tools["requisites_update"].input_schema["properties"]["fields"]["properties"]
    assert not {"entityTypeId", "entityId", "presetId"} & set(changed) and "rqInn" in changed


async def test_every_read_tool_of_the_family_answers() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=FAMILY)
    for name, tool in r.dispatcher.tools.items():
        if tool.writes or tool.target is None or tool.target.entity is None:
            continue
        prefix, op = tool.target.ent.tool_prefix, tool.target.spec.name
        args: dict[str, Any] = {"presetId": 1} if tool.target.ent.path_args == ("presetId",) else {}
        if op == "get":
            first = (await r.dispatcher.call(f"{prefix}_list", {"limit": 1, **args})).structured["items"][0]
            key = tool.target.ent.composite_key or ("id",)
            args = {**args, **{k: first[k] for k in key}}
        out = await r.dispatcher.call(name, args)
        assert "error" not in out.structured, (name, out.text)
        if op in ("list", "search"):
            assert out.structured["items"], name


async def test_inn_and_bank_account_of_a_company_in_three_calls() -> None:
    """The assistant's question: find the company, its requisite (INN, KPP), its bank account."""
    r = rig(Portal(seed=42, scale=0.2), entities=["companies", *FAMILY])
    company = (await r.dispatcher.call("companies_get", {"id": 1, "include": ["requisite"]})).structured["item"]
    (requisite,) = company["_included"]["requisites"][:1]
    assert set(requisite) == {"id", "rqName", "rqInn", "rqKpp"}  # concise: enough to name and reach it
    assert requisite["rqInn"] == (await r.dispatcher.call("companies_get", {"id": 1, "response_format": "detailed"})
                                  ).structured["item"]["UF_CRM_INN"]  # fmt: skip
    banks = await r.dispatcher.call("bank_details_search", {"filter": {"entityId": requisite["id"]}})
    account = banks.structured["items"][0]
    assert len(account["rqAccNum"]) == 20 and len(account["rqBik"]) == 9 and account["rqBankName"]
    assert len(r.seen) <= 4  # two gets (one for the check above), one search, at most one name lookup


def test_include_requisite_is_offered_where_requisites_are_enabled() -> None:
    def include_of(toolsets: list[str], tool: str) -> list[str]:
        r = rig(entities=[e.name for e in CATALOG.select(toolsets, [])])
        return list(
            r.dispatcher.tools[tool].input_schema["properties"].get("include", {}).get("items", {}).get("enum", [])
        )

    assert include_of(["default"], "contacts_get") == ["company"]
    assert include_of(["default"], "companies_get") == []
    assert include_of(["crm", "requisites"], "contacts_get") == ["company", "requisite"]
    assert include_of(["crm", "requisites"], "companies_search") == ["requisite"]


async def test_address_update_by_key_through_the_guard_with_dry_run_and_expect() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=FAMILY)
    key = {"typeId": 6, "entityTypeId": 8, "entityId": 1}
    dry = await r.dispatcher.call("addresses_update", {**key, "fields": {"address2": "офис 7"}, "dry_run": True})
    plan = dry.structured["plan"]
    assert dry.structured["dry_run"] is True and plan["items"][0]["changes"]["address2"]["to"] == "офис 7"
    assert (await r.dispatcher.call("addresses_get", key)).structured["item"]["address2"] != "офис 7"
    expect = plan["fingerprints"]
    done = await r.dispatcher.call("addresses_update", {**key, "fields": {"address2": "офис 7"}, "expect": expect})
    assert done.structured["item"]["address2"] == "офис 7"
    assert "typeId 6, entityTypeId 8, entityId 1" in done.structured["summary"]
    assert ("PATCH", "/v1/addresses/6/8/1") in r.seen
    assert [a["result"] for a in r.audit] == ["dry_run", "done"]
    missing = {"typeId": 11, "entityTypeId": 8, "entityId": 1}
    with pytest.raises(VibeCodeError) as err:
        await r.dispatcher.call("addresses_update", {**missing, "fields": {"city": "Казань"}})
    assert err.value.code == "ENTITY_NOT_FOUND" and "typeId 11" in err.value.message


async def test_address_delete_asks_a_human_and_is_audited() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=FAMILY)
    key = {"typeId": 6, "entityTypeId": 8, "entityId": 2}
    with pytest.raises(NotConfirmed):
        await r.dispatcher.call("addresses_delete", key)  # this client cannot ask: nothing is deleted
    assert (await r.dispatcher.call("addresses_get", key)).structured["item"]["typeId"] == 6
    out = await r.dispatcher.call("addresses_delete", key, consenting())
    assert out.structured["id"] == "6/8/2" and "Deleted address typeId 6" in out.structured["summary"]
    with pytest.raises(VibeCodeError) as err:
        await r.dispatcher.call("addresses_get", key)
    assert err.value.code == "ENTITY_NOT_FOUND"
    assert [a["result"] for a in r.audit] == ["refused", "done"] and r.audit[1]["ids"] == ["6/8/2"]


async def test_register_and_unregister_a_deal_s_requisite_link() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["deals", *FAMILY])
    link = (await r.dispatcher.call("requisite_links_list", {"limit": 1})).structured["items"][0]
    key = {"entityTypeId": link["entityTypeId"], "entityId": link["entityId"]}
    banks = (await r.dispatcher.call("bank_details_search", {"filter": {"entityId": link["requisiteId"]}})).structured
    fields = {**key, "requisiteId": link["requisiteId"], "bankDetailId": banks["items"][0]["id"]}
    made = await r.dispatcher.call("requisite_links_register", {"fields": fields})
    assert made.structured["item"]["bankDetailId"] == fields["bankDetailId"]
    dry = await r.dispatcher.call("requisite_links_unregister", {**key, "dry_run": True})
    assert dry.structured["plan"]["action"] == "delete" and dry.structured["plan"]["count"] == 1
    await r.dispatcher.call("requisite_links_unregister", key, consenting())
    with pytest.raises(VibeCodeError) as err:
        await r.dispatcher.call("requisite_links_get", key)
    assert err.value.code == "ENTITY_NOT_FOUND"


def test_safe_write_hides_unregister_as_it_hides_deletes() -> None:
    client = VibeCodeClient(DEMO_API_KEY, transport=Recording(Portal(seed=42, scale=0.2)))
    ops = Operations(client, CursorCodec(b"s"), 6000)
    tools = build_tools(CATALOG, CATALOG.select([], FAMILY), ops, policy=WritePolicy("safe-write"))
    assert "requisite_links_register" in tools and "requisite_links_unregister" not in tools
    assert "addresses_delete" not in tools and "addresses_update" in tools


async def test_requisite_create_needs_its_preset_and_a_key_without_crm_is_refused() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=FAMILY)
    presets = (await r.dispatcher.call("requisite_presets_search", {})).structured["items"]
    assert [p["name"] for p in presets] == ["Организация", "ИП", "Физ. лицо", "Иностранное юрлицо"]
    fields = {"entityTypeId": 4, "entityId": 3, "presetId": 1, "rqName": "ООО «Ромашка»", "rqInn": "7701234567"}
    made = (await r.dispatcher.call("requisites_create", {"fields": fields})).structured["item"]
    assert made["rqInn"] == "7701234567" and "ООО «Ромашка»" in (await r.dispatcher.call(
        "requisites_get", {"id": made["id"]})).structured["summary"]  # fmt: skip
    with pytest.raises(VibeCodeError) as err:
        await r.dispatcher.call("requisites_create", {"fields": {"entityTypeId": 4, "entityId": 3}})
    assert err.value.code == "INVALID_ARGUMENTS" and "presetId" in err.value.message
    no_crm = rig(Portal(seed=42, scale=0.2, key_scopes={DEMO_API_KEY: ["task"]}), entities=FAMILY)
    with pytest.raises(VibeCodeError) as err:
        await no_crm.dispatcher.call("requisites_search", {})
    assert err.value.code == "SCOPE_DENIED"
    rows = {
        row["entity"]: row
        for row in (await no_crm.dispatcher.call("entities", {"of": "requisites"})).structured["entities"]
    }
    assert list(rows) == FAMILY
    assert all(rows[name]["allowed"] is False and rows[name]["toolsets"] == ["requisites"] for name in FAMILY)
    rows = {
        row["entity"]: row for row in (await r.dispatcher.call("entities", {"of": "requisites"})).structured["entities"]
    }
    assert list(rows) == FAMILY and all(rows[name]["allowed"] is True and rows[name]["enabled"] for name in FAMILY)
