"""The cross-entity `batch` tool's dry run names each write with its own verb, and its results read like
the entity tools' results: concise records with the names of the ids they carry."""

from __future__ import annotations

import pytest
from portal_rig import rig

from server.context import CallContext

pytestmark = pytest.mark.anyio


async def test_a_dry_run_of_creates_says_create() -> None:
    r = rig()
    calls = [
        {"entity": "deals", "action": "create", "params": {"title": "Dry one"}},
        {"entity": "leads", "action": "create", "params": {"title": "Dry two"}},
    ]
    out = await r.dispatcher.call("batch", {"calls": calls, "dry_run": True}, CallContext(tool="batch"))
    summary = out.structured["summary"]
    assert "It would create 2 deals,leads record(s)" in summary and "update" not in summary
    assert out.structured["plan"]["action"] == "create"
    assert not any(d["title"] in ("Dry one", "Dry two") for d in r.portal.store.table("deals").scan())


async def test_a_mixed_dry_run_lists_each_write_with_its_verb() -> None:
    r = rig()
    deal, lead = r.portal.store.table("deals").get(1), r.portal.store.table("leads").get(2)
    calls = [
        {"entity": "deals", "action": "create", "params": {"title": "Brand new"}},
        {"entity": "deals", "action": "update", "entityId": 1, "params": {"title": "Renamed"}},
        {"entity": "leads", "action": "delete", "entityId": 2},
    ]
    out = await r.dispatcher.call("batch", {"calls": calls, "dry_run": True}, CallContext(tool="batch"))
    lines = out.structured["summary"].splitlines()
    assert lines[0].startswith("DRY RUN, nothing was written. It would create 1, update 1 and DELETE 1 record(s)")
    assert lines[1] == "- create new «deals: Brand new»: title ∅ → Brand new"
    assert lines[2].startswith(f"- update #1 «deals: {deal['title']}»: title ") and lines[2].endswith(" → Renamed")
    assert lines[3] == f"- DELETE #2 «leads: {lead['title']}»"
    plan = out.structured["plan"]
    assert plan["action"] == "delete"  # any delete makes the whole batch ask a human first
    assert [i["action"] for i in plan["items"]] == ["create", "update", "delete"]
    # The batch tool takes no expect argument: its dry run does not offer one.
    assert "expect" not in out.structured["summary"] and "fingerprints" not in plan
    assert r.portal.store.table("leads").get(2)["title"] == lead["title"]


async def test_results_are_concise_and_named_like_the_entity_tools() -> None:
    r = rig()
    calls = [
        {"id": "open", "entity": "deals", "action": "list", "params": {"limit": 3}},
        {"id": "picked", "entity": "deals", "action": "list", "params": {"limit": 2, "select": ["title", "companyId"]}},
        {"id": "co", "entity": "companies", "action": "get", "entityId": 2},
        {"id": "new", "entity": "leads", "action": "create", "params": {"title": "Named lead", "assignedById": 1}},
    ]
    out = await r.dispatcher.call("batch", {"calls": calls}, CallContext(tool="batch"))
    rows = {row["id"]: row for row in out.structured["calls"]}
    searched = await r.dispatcher.call("deals_search", {"limit": 3})
    assert rows["open"]["items"] == searched.structured["items"]  # key fields and names, as deals_search gives
    assert all("stage" in d and "assignedBy" in d for d in rows["open"]["items"])
    one = await r.dispatcher.call("companies_get", {"id": 2})
    assert rows["co"]["result"] == one.structured["item"]
    for deal in rows["picked"]["items"]:
        company = r.portal.store.table("companies").get(deal["companyId"])["title"]
        assert deal == {"id": deal["id"], "title": deal["title"], "companyId": deal["companyId"], "company": company}
    boss = r.portal.store.table("users").get(1)
    assert rows["new"]["result"]["assignedBy"] == f"{boss['name']} {boss['lastName']}"
    assert "key fields with names" in out.structured["summary"]
