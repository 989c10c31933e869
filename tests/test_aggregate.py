"""`{entity}_aggregate` against the demo portal: labelled, sorted groups and money kept per currency."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx
import pytest
from portal_rig import CATALOG, rig

from server.__main__ import assemble
from server.aggregate import pinned_currencies, with_currency
from server.emulator import Portal
from server.emulator.seed import generate
from server.errors import InvalidArguments
from server.settings import Settings

pytestmark = pytest.mark.anyio

OPEN_BY_STAGE = {
    "aggregate": [{"function": "sum", "field": "amount"}],
    "groupBy": ["stageId"],
    "filter": {"stageSemanticId": "P"},
}


def expected_sums(portal: Portal, flt: Any) -> dict[tuple[str, str], tuple[int, float]]:
    """(stage, currency) → (count, sum of amount), computed straight from the portal's rows."""
    out: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for row in portal.store.table("deals").scan():
        if flt(row) and row.get("currency"):
            acc = out[(str(row["stageId"]), str(row["currency"]))]
            acc[0] += 1
            acc[1] += float(row.get("amount") or 0)
    return {k: (int(v[0]), round(v[1], 2)) for k, v in out.items()}


async def test_open_deals_by_stage_with_names_and_totals_per_currency_in_one_call() -> None:
    r = rig()
    out = await r.dispatcher.call("deals_aggregate", OPEN_BY_STAGE)
    data = out.structured
    want = expected_sums(r.portal, lambda row: row.get("stageSemanticId") == "P")
    got = {(g["stageId"], g["currency"]): (g["count"], g["amount"]["sum"]) for g in data["groups"]}
    assert got == want
    assert len({c for _, c in want}) > 1  # the demo data really mixes currencies
    # Every group says its currency and its stage's name; no row mixes currencies.
    assert all(g["currency"] in {"RUB", "USD", "EUR"} and g["stageName"] for g in data["groups"])
    names = {s.get("id"): s for s in r.portal.store.table("statuses").scan()}
    assert {g["stageName"] for g in data["groups"]} <= {str(s["name"]) for s in names.values()}
    # Totals per currency, base currency first, equal to the sums of their groups.
    assert [t["currency"] for t in data["totals"]] == ["RUB", "USD", "EUR"]
    for total in data["totals"]:
        groups = [g for g in data["groups"] if g["currency"] == total["currency"]]
        assert total["amount"]["sum"] == pytest.approx(sum(g["amount"]["sum"] for g in groups))
    assert data["currency_field"] == "currency" and "per currency" in data["summary"]
    lines = out.text.splitlines()
    assert "never add them up" in lines[0] and lines[1] == "figures: currency count, amount.sum"
    new_rub = want[("NEW", "RUB")]
    assert any(line.startswith(f"NEW Новая (Общая): RUB {new_rub[0]}, ") for line in lines)  # currencies side by side


async def test_groups_follow_the_funnel_and_name_the_pipeline_when_several_appear() -> None:
    out = await rig().dispatcher.call("deals_aggregate", {"groupBy": ["stageId"]})
    stages = [g["stageId"] for g in out.structured["groups"]]
    funnel = ["NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "WON", "LOSE"]
    main = [s for s in stages if ":" not in s]
    assert main == [s for s in funnel if s in main]  # funnel order, not by count
    assert stages.index("LOSE") < stages.index("C1:NEW")  # pipelines in portal order
    tender = next(g for g in out.structured["groups"] if g["stageId"] == "C1:WON")
    assert tender["stageName"] == "Тендер выигран" and tender["pipelineName"] == "Тендеры"
    assert out.structured["currency_field"] is None  # a plain count needs no currency split
    one = await rig().dispatcher.call("deals_aggregate", {"groupBy": ["stageId"], "filter": {"categoryId": 1}})
    assert all("pipelineName" not in g for g in one.structured["groups"])


async def test_a_filter_that_pins_one_currency_needs_one_upstream_aggregate() -> None:
    r = rig()
    out = await r.dispatcher.call(
        "deals_aggregate", {"aggregate": [{"function": "avg", "field": "amount"}], "filter": {"currency": "USD"}}
    )
    assert r.seen == [("POST", "/v1/deals/aggregate")]
    usd = [row for row in r.portal.store.table("deals").scan() if row.get("currency") == "USD"]
    (total,) = out.structured["totals"]
    assert total["currency"] == "USD" and total["count"] == len(usd)
    assert total["amount"]["avg"] == pytest.approx(sum(float(d["amount"] or 0) for d in usd) / len(usd), abs=0.01)


async def test_per_currency_calls_and_cached_reference_data() -> None:
    r = rig()
    await r.dispatcher.call("deals_aggregate", OPEN_BY_STAGE)
    first = list(r.seen)
    assert first.count(("POST", "/v1/batch")) == 1  # counts in all and per currency, one request
    assert first.count(("POST", "/v1/deals/aggregate")) == 3  # RUB, USD, EUR
    assert ("GET", "/v1/currencies") in first and ("GET", "/v1/deal-categories") in first
    r.seen.clear()
    await r.dispatcher.call("deals_aggregate", OPEN_BY_STAGE)
    # Currencies and stage names come from the cache.
    assert r.seen == [("POST", "/v1/batch")] + [("POST", "/v1/deals/aggregate")] * 3


async def test_a_currency_no_matching_record_uses_costs_no_aggregate() -> None:
    r = rig()
    r.portal.store.table("currencies").insert({"id": "KZT", "amount": 0.19, "amountCnt": 1, "base": False, "sort": 400})
    r.seen.clear()
    out = await r.dispatcher.call("deals_aggregate", OPEN_BY_STAGE)
    assert [t["currency"] for t in out.structured["totals"]] == ["RUB", "USD", "EUR"]
    assert r.seen.count(("POST", "/v1/deals/aggregate")) == 3  # none for KZT: no open deal uses it


async def test_without_batch_counts_every_currency_is_aggregated_and_the_total_counted() -> None:
    r = rig()
    inner = r.transport.handle_async_request

    async def no_batch(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/batch":
            r.seen.append((request.method, request.url.path))
            return httpx.Response(403, json={"success": False, "error": {"code": "SCOPE_DENIED", "message": "no"}})
        return await inner(request)

    r.transport.handle_async_request = no_batch  # type: ignore[method-assign]
    out = await r.dispatcher.call("deals_aggregate", OPEN_BY_STAGE)
    assert r.seen.count(("POST", "/v1/deals/aggregate")) == 4  # RUB, USD, EUR and the plain count
    want = expected_sums(r.portal, lambda row: row.get("stageSemanticId") == "P")
    assert out.structured["count"] == sum(c for c, _ in want.values())
    assert sum(t["count"] for t in out.structured["totals"]) == out.structured["count"]


async def test_records_without_a_currency_are_counted_and_reported_not_mixed_in() -> None:
    data = generate(42, 0.2)
    data["deals"][0] = {**data["deals"][0], "currency": None, "amount": 777}  # imported before currencies existed
    r = rig(Portal(data=data))
    first = data["deals"][0]["id"]
    out = await r.dispatcher.call(
        "deals_aggregate", {"aggregate": [{"function": "sum", "field": "amount"}], "filter": {"id": [first, first + 1]}}
    )
    assert out.structured["count"] == 2 and sum(t["count"] for t in out.structured["totals"]) == 1
    assert all(t["amount"]["sum"] != 777 for t in out.structured["totals"])
    assert "1 matching record(s) have no currency" in out.structured["summary"]


async def test_numeric_functions_need_a_numeric_field_and_nothing_is_sent() -> None:
    r = rig()
    with pytest.raises(InvalidArguments) as exc:
        await r.dispatcher.call("deals_aggregate", {"aggregate": [{"function": "sum", "field": "stageId"}]})
    assert "Numeric fields: amount" in str(exc.value.hint)
    with pytest.raises(InvalidArguments, match="groupBy/0"):
        await r.dispatcher.call("deals_aggregate", {"groupBy": ["currency"]})  # not groupable upstream
    assert r.seen == []


async def test_enumeration_groups_are_labelled_in_their_own_order_and_users_by_name() -> None:
    r = rig()
    out = await r.dispatcher.call("tasks_aggregate", {"groupBy": ["status"]})
    groups = out.structured["groups"]
    assert [g["status"] for g in groups] == sorted(g["status"] for g in groups)  # 2 waiting … 6 deferred
    assert {g["statusName"] for g in groups} <= {
        "Ждёт выполнения",
        "Выполняется",
        "Ожидает контроля",
        "Завершена",
        "Отложена",
    }
    people = await r.dispatcher.call("deals_aggregate", {"groupBy": ["assignedById"]})
    users = {u["id"]: f"{u['name']} {u['lastName']}" for u in r.portal.store.table("users").scan()}
    rows = people.structured["groups"]
    assert all(g["assignedByName"] == users[g["assignedById"]] for g in rows)
    assert [g["count"] for g in rows] == sorted((g["count"] for g in rows), reverse=True)  # no natural order


async def test_users_aggregate_counts_and_takes_no_group_by() -> None:
    r = rig()
    tool = r.dispatcher.tools["users_aggregate"]
    assert "groupBy" not in tool.input_schema["properties"]
    out = await r.dispatcher.call("users_aggregate", {"filter": {"active": True}})
    active = [u for u in r.portal.store.table("users").scan() if u.get("active")]
    assert out.structured["count"] == len(active) and out.structured["groups"] is None


def test_schemas_enumerate_the_aggregatable_fields() -> None:
    tools = rig().dispatcher.tools
    props = tools["deals_aggregate"].input_schema["properties"]
    assert props["groupBy"]["items"]["enum"] == ["stageId", "stageSemanticId", "categoryId", "assignedById", "sourceId"]
    assert props["aggregate"]["items"]["properties"]["field"]["enum"][:2] == ["*", "amount"]
    assert props["aggregate"]["items"]["properties"]["function"]["enum"] == ["count", "sum", "avg", "min", "max"]
    assert tools["deals_aggregate"].annotations["readOnlyHint"] is True
    aggregatable = {e.tool_prefix for e in CATALOG.entities.values() if "aggregate" in e.operations}
    assert aggregatable == {n.removesuffix("_aggregate") for n in tools if n.endswith("_aggregate")}


async def test_more_than_5000_matches_are_flagged_as_truncated_as_documented() -> None:
    data = generate(42, 0.05)
    base = data["deals"][0]
    data["deals"] = [{**base, "id": i, "currency": "RUB", "amount": 10} for i in range(1, 5102)]
    r = rig(Portal(data=data))
    count = await r.dispatcher.call("deals_aggregate", {})
    assert count.structured["count"] == 5101 and count.structured["truncated"] is False  # count is exact
    total = await r.dispatcher.call(
        "deals_aggregate", {"aggregate": [{"function": "sum", "field": "amount"}], "filter": {"currency": "RUB"}}
    )
    assert total.structured["truncated"] is True
    assert total.structured["totals"][0]["amount"]["sum"] == 50000  # the first 5000 only
    assert "first 5000" in total.structured["summary"]


@pytest.mark.parametrize(
    ("flt", "pinned", "merged"),
    [
        ({}, None, {"currency": "RUB"}),
        ({"currency": "USD"}, ["USD"], {"currency": "RUB"}),
        ({"currency": ["USD", "EUR"]}, ["USD", "EUR"], {"currency": "RUB"}),
        ({"currency": {"$in": ["EUR"]}}, ["EUR"], {"currency": {"$in": ["RUB"]}}),
        ({"currency": {"!=": "EUR"}}, None, {"currency": {"$ne": "EUR", "$in": ["RUB"]}}),
        ({"!currency": "EUR", "amount": 5}, None, {"!currency": "EUR", "amount": 5, "currency": "RUB"}),
    ],
)
def test_currency_terms_are_read_and_anded_without_losing_the_callers(
    flt: dict[str, Any], pinned: list[str] | None, merged: dict[str, Any]
) -> None:
    assert pinned_currencies(flt, "currency") == pinned
    assert with_currency(flt, "currency", "RUB") == {**flt, **merged}


@pytest.mark.parametrize("entity", [e.tool_prefix for e in CATALOG.entities.values() if "aggregate" in e.operations])
async def test_every_field_the_schema_offers_is_accepted_by_the_portal(entity: str) -> None:
    r = rig()
    tool = r.dispatcher.tools[f"{entity}_aggregate"]
    props = tool.input_schema["properties"]
    typed = {"entityTypeId": 1032} if "entityTypeId" in props else {}  # smart process items name their type
    for name in props.get("groupBy", {}).get("items", {}).get("enum", []):
        out = await r.dispatcher.call(tool.name, {"groupBy": [name], **typed})
        assert out.structured["groups"] is not None, name
    numeric = [f for f in props["aggregate"]["items"]["properties"]["field"]["enum"] if f != "*"]
    for name in numeric:
        await r.dispatcher.call(tool.name, {"aggregate": [{"function": "count", "field": name}], **typed})
    for name in [f for f in numeric if f not in props.get("groupBy", {}).get("items", {}).get("enum", [])]:
        out = await r.dispatcher.call(
            tool.name, {"aggregate": [{"function": fn, "field": name} for fn in ("sum", "avg", "min", "max")], **typed}
        )
        assert out.structured["totals"], name


async def test_money_user_fields_are_flagged_as_possibly_mixing_currencies() -> None:
    async with assemble(Settings()) as built:  # live metadata: the portal's user fields are offered
        args = {"aggregate": [{"function": "sum", "field": "UF_CRM_BUDGET"}]}
        out = await built.dispatcher.call("deals_aggregate", args)
    assert "UF_CRM_BUDGET hold 'amount|CURRENCY' values" in out.structured["summary"]
    assert "may mix currencies" in out.text.splitlines()[0]
