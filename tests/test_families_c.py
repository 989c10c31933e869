"""Quotes and invoices as typed tools over the demo portal: their toolset, stage enums from the
status lists, stage names in concise results, reference lists, writes through the guard, and the
`quote` include on deals."""

from __future__ import annotations

from typing import Any

import pytest
from portal_rig import CATALOG, consenting, rig

from server.emulator import Portal
from server.errors import InvalidArguments

pytestmark = pytest.mark.anyio

SALES = list(CATALOG.toolsets["crm_sales"])


def test_sales_entities_are_in_their_own_toolset_not_in_default() -> None:
    assert "quotes" in SALES
    assert not set(SALES) & set(CATALOG.toolsets["default"])
    assert {e.name for e in CATALOG.select(["all"], [])} >= set(SALES)
    assert all(CATALOG.entities[name].toolset == "crm_sales" for name in SALES)


async def test_entities_lists_quotes_with_their_scope_and_toolset() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["deals"])
    out = await r.dispatcher.call("entities", {"of": "crm_sales"})
    rows = {row["entity"]: row for row in out.structured["entities"]}
    assert set(rows) == set(SALES)
    assert rows["quotes"]["toolsets"] == ["crm_sales"] and rows["quotes"]["allowed"] is True
    assert rows["quotes"]["enabled"] is False and "aggregate" in rows["quotes"]["operations"]


def test_quote_status_is_an_enum_of_the_quote_status_list() -> None:
    tools = rig(entities=["quotes"]).dispatcher.tools
    stage = tools["quotes_create"].input_schema["properties"]["fields"]["properties"]["stageId"]
    assert stage["enum"] == ["DRAFT", "SENT", "RECEIVED", "APPROVED", "DECLAINED"]
    assert tools["quotes_get"].input_schema["properties"]["include"]["items"]["enum"] == ["deal", "contact", "company"]


async def test_quotes_search_names_statuses_deals_and_people_in_concise_rows() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["quotes"])
    out = await r.dispatcher.call("quotes_search", {"filter": {"stageId": "APPROVED"}, "limit": 3})
    items = out.structured["items"]
    assert items and all(i["stageId"] == "APPROVED" and i["stage"] == "Утверждено" for i in items)
    assert all(i["deal"] and i["assignedBy"] for i in items)
    with pytest.raises(InvalidArguments, match="not an allowed value of stageId"):
        await r.dispatcher.call("quotes_search", {"filter": {"stageId": "WON"}})


async def test_reference_lists_quote_statuses_with_semantics() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["quotes"])
    out = await r.dispatcher.call("reference", {"kind": "statuses", "name": "QUOTE_STATUS"})
    entries = out.structured["lists"]["QUOTE_STATUS"]
    assert [e["id"] for e in entries] == ["DRAFT", "SENT", "RECEIVED", "APPROVED", "DECLAINED"]
    assert [e["semantics"] for e in entries] == ["in_progress"] * 3 + ["success", "failure"]


async def test_quotes_aggregate_by_status_is_labelled_and_split_by_currency() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["quotes"])
    out = await r.dispatcher.call(
        "quotes_aggregate", {"aggregate": [{"field": "amount", "function": "sum"}], "groupBy": ["stageId"]}
    )
    assert "Утверждено" in out.text and "per currency" in out.structured["summary"]


async def test_quote_writes_go_through_the_guard() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["quotes"])
    made = await r.dispatcher.call("quotes_create", {"fields": {"title": "КП: сервер", "amount": 99000, "dealId": 2}})
    quote_id = made.structured["item"]["id"]
    dry = await r.dispatcher.call("quotes_update", {"id": quote_id, "fields": {"stageId": "SENT"}, "dry_run": True})
    assert dry.structured["plan"]["items"][0]["changes"] == {"stageId": {"from": "DRAFT", "to": "SENT"}}
    await r.dispatcher.call("quotes_update", {"id": quote_id, "fields": {"stageId": "SENT"}})
    deleted = await r.dispatcher.call("quotes_delete", {"id": quote_id}, consenting())
    assert "Deleted quote" in deleted.structured["summary"]
    assert [(a["action"], a["result"]) for a in r.audit] == [
        ("create", "done"), ("update", "dry_run"), ("update", "done"), ("delete", "done"),
    ]  # fmt: skip


async def test_deals_get_includes_the_deals_quote() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["deals", "quotes"])
    quote: dict[str, Any] = (await r.dispatcher.call("quotes_get", {"id": 1})).structured["item"]
    deal = await r.dispatcher.call("deals_get", {"id": quote["dealId"], "include": ["quote"]})
    included = deal.structured["item"]["_included"]["quote"]
    assert included["id"] >= 1 and set(included) <= {"id", "title", "amount", "currency"}


def test_invoice_stage_is_an_enum_of_dt31_stages() -> None:
    tools = rig(entities=["invoices"]).dispatcher.tools
    fields = tools["invoices_create"].input_schema["properties"]["fields"]["properties"]
    assert fields["stageId"]["enum"][:4] == ["DT31_5:N", "DT31_5:S", "DT31_5:P", "DT31_5:D"]
    assert fields["categoryId"]["enum"] == [5, 8]


async def test_invoices_search_names_stages_and_validates_stage_filters() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["invoices"])
    out = await r.dispatcher.call("invoices_search", {"filter": {"stageId": "DT31_5:P"}, "limit": 3})
    items = out.structured["items"]
    assert items and all(i["stage"] == "Оплачен" and i["company"] for i in items)
    with pytest.raises(InvalidArguments, match="not an allowed value of stageId") as refused:
        await r.dispatcher.call("invoices_search", {"filter": {"stageId": "PAID"}})
    assert "DT31_5:P" in str(refused.value.hint)  # the hint lists the allowed stages


async def test_reference_lists_invoice_stages_with_semantics() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["invoices"])
    out = await r.dispatcher.call("reference", {"kind": "statuses", "name": "SMART_INVOICE_STAGE_5"})
    entries = out.structured["lists"]["SMART_INVOICE_STAGE_5"]
    assert [(e["id"], e["semantics"]) for e in entries] == [
        ("DT31_5:N", "in_progress"), ("DT31_5:S", "in_progress"), ("DT31_5:P", "success"), ("DT31_5:D", "failure"),
    ]  # fmt: skip


async def test_unpaid_invoices_by_stage_in_one_aggregate() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["invoices"])
    out = await r.dispatcher.call(
        "invoices_aggregate",
        {"aggregate": [{"field": "opportunity", "function": "sum"}], "groupBy": ["stageId"],
         "filter": {"!stageId": ["DT31_5:P", "DT31_8:P"]}},
    )  # fmt: skip
    stages = {g["stageId"] for g in out.structured["groups"]}
    assert stages and not stages & {"DT31_5:P", "DT31_8:P"} and "DT31_5:N Новый" in out.text
    moved = await r.dispatcher.call("invoices_update", {"id": 1, "fields": {"stageId": "DT31_8:N", "categoryId": 8}})
    assert moved.structured["item"]["stageId"] == "DT31_8:N"
