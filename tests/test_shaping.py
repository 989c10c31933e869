"""Names, concise includes, money, key spelling, fields paging and exact cheap paging, on the demo portal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from server.__main__ import Assembled, assemble
from server.budget import enforce, result_tokens, shrink_record
from server.catalog import load_catalog
from server.emulator import EmulatorTransport, Portal
from server.records import money_summary, normalise_keys
from server.settings import Settings
from tests.mcp_rig import CountingTransport

pytestmark = pytest.mark.anyio
CATALOG = load_catalog()


@pytest.fixture
def recorder() -> CountingTransport:
    return CountingTransport(EmulatorTransport(Portal(seed=42)))


@pytest.fixture
async def built(recorder: CountingTransport) -> AsyncIterator[Assembled]:
    async with assemble(Settings(toolsets=("all",)), transport=recorder) as b:
        yield b


async def run(built: Assembled, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    out = await built.dispatcher.call(tool, args)
    assert result_tokens(out.structured, out.text) <= built.dispatcher.budget
    return out.structured


async def test_concise_pages_name_every_id_their_key_fields_hold_with_one_batch_per_page(
    built: Assembled, recorder: CountingTransport
) -> None:
    page = await run(built, "deals_search", {"limit": 20})
    # Field metadata (with the smart process types) comes in batches of its own (cached 5 minutes); names
    # come in one batch per page.
    metadata = [b for b in recorder.bodies("/v1/batch") if any(c["action"] == "fields" for c in b["calls"])]
    batches = [
        b for b in recorder.bodies("/v1/batch") if b not in metadata and any(c["action"] == "list" for c in b["calls"])
    ]
    assert len(batches) == 1 and {c["entity"] for c in batches[0]["calls"]} >= {"users", "companies", "contacts"}
    for rec in page["items"]:
        assert rec["stage"] and rec["assignedBy"]
        if "companyId" in rec:
            assert rec["company"]
    won = await run(built, "deals_search", {"filter": {"stageId": "WON"}, "limit": 1})
    assert won["items"][0]["stage"] == "Сделка успешна"
    recorder.requests.clear()
    await run(built, "deals_search", {"limit": 20})  # the same names again come from the cache
    assert not [b for b in recorder.bodies("/v1/batch") if any(c["action"] == "list" for c in b["calls"])]


async def test_task_enumerations_and_groups_are_named(built: Assembled) -> None:
    page = await run(built, "tasks_search", {"filter": {"status": "5"}, "limit": 5})
    assert {r["statusName"] for r in page["items"]} == {"Завершена"}
    assert all(r["responsible"] for r in page["items"])
    user = await run(built, "users_get", {"id": 3})
    assert user["item"]["department"] and user["summary"].startswith("User #3")


async def test_the_get_summary_uses_the_singular_title(built: Assembled) -> None:
    assert (await run(built, "companies_get", {"id": 5}))["summary"].startswith("Company #5 «")


async def test_included_records_are_concise(built: Assembled) -> None:
    page = await run(built, "deals_search", {"limit": 10, "include": ["company", "contact"]})
    with_company = [r for r in page["items"] if r.get("_included", {}).get("company")]
    assert with_company
    for rec in with_company:
        assert set(rec["_included"]["company"]) == {"id", "title"}
        for contact in rec["_included"]["contacts"]:
            assert {"id", "name"} <= set(contact) <= {"id", "name", "lastName", "phone", "email"}
    assert page["returned"] >= 9


async def test_a_money_sort_over_mixed_currencies_says_so_and_totals_are_per_currency(built: Assembled) -> None:
    page = await run(built, "deals_search", {"sort": {"amount": "desc"}, "limit": 30, "select": ["amount", "currency"]})
    assert "currencies not converted" in page["summary"]
    assert "RUB" in page["summary"] and "by currency" in page["summary"]
    one = await run(built, "deals_search", {"sort": {"amount": "desc"}, "filter": {"currency": "EUR"}, "limit": 5})
    assert "not converted" not in one["summary"] and "EUR" in one["summary"]


def test_money_totals_are_never_added_across_currencies() -> None:
    deals = CATALOG.entities["deals"]
    recs = [{"amount": 100, "currency": "RUB"}, {"amount": 5.5, "currency": "EUR"}, {"amount": 50, "currency": "RUB"}]
    assert money_summary(deals, recs, None) == "amount on this page by currency: 150 RUB; 5.50 EUR."


def test_upper_case_keys_are_spelled_as_the_catalog_spells_them() -> None:
    tasks = CATALOG.entities["tasks"].fields
    raw = {"ID": 4, "TITLE": "Позвонить", "RESPONSIBLE_ID": 6, "CLOSED_DATE": None, "UF_AUTO_1": "x"}
    assert normalise_keys(raw, tasks) == {
        "id": 4, "title": "Позвонить", "responsibleId": 6, "closedDate": None, "UF_AUTO_1": "x"
    }  # fmt: skip


async def test_fields_are_filtered_by_name_and_paged_to_the_budget(built: Assembled) -> None:
    some = await run(built, "deals_fields", {"names": ["STAGEID", "amount"]})
    assert set(some["fields"]) == {"stageId", "amount"}
    uf = await run(built, "deals_fields", {"only_user_fields": True})
    assert uf["fields"] and all(n.upper().startswith("UF_") for n in uf["fields"])
    async with assemble(replace(Settings(toolsets=("all",)), max_result_tokens=1000)) as small:
        names: list[str] = []
        args: dict[str, Any] = {}
        for _ in range(40):
            out = await small.dispatcher.call("deals_fields", args)
            assert result_tokens(out.structured, out.text) <= 1000
            names += list(out.structured["fields"])
            if "offset=" not in out.structured["summary"]:
                break
            args = {"offset": len(names)}
        full = await run(built, "deals_fields", {})
        assert names == list(full["fields"])


async def test_keyset_pages_send_the_id_sort_and_later_pages_fetch_about_what_fits(
    built: Assembled, recorder: CountingTransport
) -> None:
    async with assemble(replace(Settings(toolsets=("all",)), max_result_tokens=2000), transport=recorder) as small:
        first = (await small.dispatcher.call("deals_search", {"limit": 5000})).structured
        second = (await small.dispatcher.call("deals_search", {"cursor": first["next_cursor"]})).structured
    bodies = recorder.bodies("/v1/deals/search")
    assert bodies[0]["sort"] == "id" and bodies[0]["limit"] == 5000
    assert bodies[-1]["limit"] <= first["returned"] * 2 and bodies[-1]["filter"] == {
        "id": {"$gt": first["items"][-1]["id"]}
    }
    assert [r["id"] for r in first["items"] + second["items"]] == list(
        range(1, first["returned"] + second["returned"] + 1)
    )
    recorder.requests.clear()
    await built.dispatcher.call("deals_list", {"limit": 3})
    listed = next(r for r in recorder.requests if r.url.path == "/v1/deals")
    assert listed.url.params["order[id]"] == "asc"


async def test_offset_searches_turn_windowing_off_on_every_page(built: Assembled, recorder: CountingTransport) -> None:
    page = await run(built, "deals_search", {"sort": {"amount": "desc"}, "limit": 5})
    await run(built, "deals_search", {"cursor": page["next_cursor"]})
    bodies = recorder.bodies("/v1/deals/search")
    assert [b.get("autoWindow") for b in bodies] == [False, False] and bodies[1]["offset"] == 5


def test_a_record_too_big_alone_drops_non_key_fields_first_then_cuts_strings() -> None:
    record = {"id": 1, "title": "T" * 3000, **{f"UF_CRM_{i}": "значение " * 20 for i in range(600)}}
    shrunk = shrink_record(record, 300, keep=("title",))
    assert shrunk.record["id"] == 1 and "title" in shrunk.record and len(shrunk.dropped) == 600
    assert shrunk.cut == ["title"] and shrunk.record["title"].endswith("chars]")


def test_enforce_trims_any_result_and_rebuilds_its_text() -> None:
    result = {"me": {"id": 1, "entities": [f"entity-{i}" for i in range(3000)]}, "summary": "Portal x."}
    structured, text = enforce(result, "whatever", 1000, allowed_keys={"me", "summary", "truncation"})
    assert result_tokens(structured, text) <= 1000
    assert structured["truncation"]["trimmed"] and "Trimmed to fit" in structured["summary"]
    assert text.startswith(structured["summary"]) and "entity-0" in text
    small = {"me": {"id": 1}, "summary": "ok"}
    assert enforce(small, "ok", 1000)[0] is small
