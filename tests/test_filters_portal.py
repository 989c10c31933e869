"""Filters against the demo portal: every syntax finds the same records, list and search agree,
bad filters never go upstream, phones are matched in the stored form, and $or pages exactly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from server.__main__ import Assembled, assemble
from server.emulator import EmulatorTransport, Portal
from server.errors import InvalidArguments
from server.settings import Settings

pytestmark = pytest.mark.anyio


class Counting(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def transport() -> Counting:
    return Counting(EmulatorTransport(Portal(seed=7, scale=1.0)))


@pytest.fixture(scope="module")
async def built(transport: Counting) -> AsyncIterator[Assembled]:
    async with assemble(Settings(toolsets=("all",)), transport=transport) as b:
        yield b


async def ids(built: Assembled, tool: str, flt: Any, **extra: Any) -> tuple[list[int], int | None]:
    """Every matching id (following cursors) and the reported total."""
    args: dict[str, Any] = {"filter": flt, "select": ["id"], "limit": 200, **extra}
    out = await built.dispatcher.call(tool, args)
    total = out.structured["total"]
    found = [r["id"] for r in out.structured["items"]]
    while out.structured["next_cursor"]:
        out = await built.dispatcher.call(tool, {"cursor": out.structured["next_cursor"]})
        found += [r["id"] for r in out.structured["items"]]
    return found, total


SAME = {
    "range and exclusion": ("deals", [
        {"amount": {"$gte": 100000}, "stageId": {"$ne": "LOSE"}},
        {">=amount": 100000, "!stageId": "LOSE"},
        {"amount": {">=": 100000}, "stageId": {"!": "LOSE"}},
        {"$gte": {"amount": 100000}, "$ne": {"stageId": "LOSE"}},
        {"amount": {"$gte": "100000"}, "!=stageId": "LOSE"},
    ]),
    "any of": ("deals", [
        {"stageId": ["NEW", "WON"]},
        {"stageId": {"$in": ["NEW", "WON"]}},
        {"@stageId": ["NEW", "WON"]},
        {"$or": [{"stageId": "NEW"}, {"stageId": "WON"}]},
    ]),
    "none of": ("deals", [
        {"stageId": {"$nin": ["NEW", "WON"]}},
        {"!stageId": ["NEW", "WON"]},
        {"stageId": {"!": ["NEW", "WON"]}},
        {"!stageId": "NEW", "stageId": {"$ne": "WON"}},
    ]),
    "date range": ("deals", [
        {"createdAt": {"$gte": "2026-01-01T00:00:00", "$lt": "2026-04-01"}},
        {">=createdAt": "2026-01-01", "<createdAt": "2026-04-01T00:00:00Z"},
        {"createdAt": {">=": "2026-01-01", "<": "2026-04-01"}},
    ]),
    "empty value": ("deals", [{"companyId": None}, {"companyId": ""}]),
    "filled value": ("deals", [{"companyId": {"$ne": None}}, {"!companyId": None}, {"companyId": {"!": None}}]),
    "substring": ("deals", [{"title": {"$contains": "а"}}, {"%title": "а"}, {"title": {"%": "а"}}]),
    "flag": ("deals", [{"opened": True}, {"opened": "Y"}, {"opened": {"!": False}}]),
    "open tasks (docs)": ("tasks", [{"status": {"$ne": 5}}, {"!status": "5"}, {"status": {"$nin": [5]}}]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(SAME), ids=list(SAME))
async def test_every_syntax_finds_the_same_records_on_list_and_search(built: Assembled, case: str) -> None:
    entity, forms = SAME[case]
    expected, total = await ids(built, f"{entity}_search", forms[0])
    assert expected and total == len(expected), "the reference query finds records"
    for flt in forms:
        for op in ("search", "list"):
            found, count = await ids(built, f"{entity}_{op}", flt)
            assert (found, count) == (expected, total), (op, flt)


@pytest.mark.parametrize(
    "flt",
    [
        {"stage": "WON"},
        {"amount": "abc"},
        {"closedAt": "31.01.2026"},
        {"stageId": {"$in": "NEW,WON"}},
        {"stageId": []},
        [["amount", ">=", 1]],
        {"title": {"$regex": "^a"}},
        {">=amount": 200000, "<=amount": 100000},
        {"amount": {"$contains": 5}},
        {"opened": {"$gt": True}},
    ],
)
async def test_bad_filters_are_answered_before_any_upstream_call(
    built: Assembled, transport: Counting, flt: Any
) -> None:
    for tool in ("deals_search", "deals_list"):
        before = len(transport.paths)
        with pytest.raises(InvalidArguments) as exc:
            await built.dispatcher.call(tool, {"filter": flt})
        assert exc.value.hint and len(transport.paths) == before


async def test_unknown_task_status_is_an_error_not_an_empty_answer(built: Assembled) -> None:
    with pytest.raises(InvalidArguments) as exc:
        await built.dispatcher.call("tasks_search", {"filter": {"status": 99}})
    assert "5 (Завершена)" in str(exc.value.hint)


async def test_null_and_empty_arrays_mean_the_same_on_list_and_search(built: Assembled) -> None:
    empty_list, n_list = await ids(built, "deals_list", {"companyId": None})
    empty_search, n_search = await ids(built, "deals_search", {"companyId": None})
    assert empty_list == empty_search and n_list == n_search and n_list
    for tool in ("deals_list", "deals_search"):
        with pytest.raises(InvalidArguments, match="empty array"):
            await built.dispatcher.call(tool, {"filter": {"stageId": []}})


async def test_phones_are_matched_in_the_stored_form(built: Assembled) -> None:
    resp = await built.client.request(
        "POST",
        "/v1/contacts",
        json_body={"name": "Фильтр", "phone": [{"value": "+79161234567", "valueType": "MOBILE"}]},
    )
    new_id = resp.data["id"]
    for written in ("+7916123", "+7 916 123", "+7 (916) 123-45", "+7-916-123-45-67"):
        out = await built.dispatcher.call("contacts_search", {"filter": {"phone": {"$contains": written}}})
        assert new_id in [r["id"] for r in out.structured["items"]], written
        if written != "+7916123":
            assert "sent as" in out.structured["summary"]


async def test_seed_phones_are_found_however_the_number_is_spaced(built: Assembled) -> None:
    expected, total = await ids(built, "contacts_search", {"phone": {"$contains": "+7916"}})  # the docs' example
    assert expected and total == len(expected)
    for written in ("+7 916", "+7 (916)", "+7-916"):
        assert await ids(built, "contacts_search", {"phone": {"$contains": written}}) == (expected, total)
    out = await built.dispatcher.call("contacts_search", {"filter": {"phone": {"$contains": "8 916"}}})
    assert "write +7 for the leading 8" in out.structured["summary"]


async def test_the_summary_echoes_the_applied_filter_with_names(built: Assembled) -> None:
    out = await built.dispatcher.call("tasks_search", {"filter": {"!status": "5", "priority": "2"}, "limit": 1})
    summary = out.structured["summary"]
    assert "Filter: status ≠ Завершена (5), priority = Высокий (2)" in summary
    read = await built.dispatcher.call("deals_search", {"filter": {"amount": {"$gte": "100000"}}, "limit": 1})
    assert 'Filter: amount ≥ 100000 ("100000" read as 100000).' in read.structured["summary"]
    none = await built.dispatcher.call("deals_search", {"filter": {"amount": {"$gt": 10**12}}})
    assert none.structured["summary"] == "No deals match amount > 1000000000000."


async def test_or_across_fields_pages_exactly_through_the_union(built: Assembled, transport: Counting) -> None:
    won, _ = await ids(built, "deals_search", {"stageId": "WON"})
    mine, _ = await ids(built, "deals_search", {"amount": {"$gte": 200000}, "!currency": "EUR"})
    union = sorted(set(won) | set(mine))
    assert set(won) & set(mine) and set(won) - set(mine) and set(mine) - set(won), "the branches overlap"
    flt = {"$or": [{"stageId": "WON"}, {"amount": {"$gte": 200000}, "!currency": "EUR"}]}
    for tool in ("deals_search", "deals_list"):
        before = len(transport.paths)
        first = await built.dispatcher.call(tool, {"filter": flt, "select": ["id"], "limit": 7})
        assert transport.paths[before:] == ["/v1/batch"], "one batch call per page"
        assert first.structured["total"] == len(union)
        found, total = await ids(built, tool, flt, limit=7)
        assert found == union and total == len(union)


async def test_or_with_three_branches_counts_by_inclusion_exclusion(built: Assembled) -> None:
    branches = [{"stageId": "WON"}, {"currency": "USD"}, {"amount": {"$lt": 20000}}]
    union: set[int] = set()
    for b in branches:
        union |= set((await ids(built, "deals_search", b))[0])
    found, total = await ids(built, "deals_search", {"$or": branches}, limit=11)
    assert found == sorted(union) and total == len(union)


async def test_or_refuses_a_custom_order_and_offset(built: Assembled) -> None:
    flt = {"$or": [{"stageId": "WON"}, {"assignedById": 1}]}
    with pytest.raises(InvalidArguments, match=r"\$or"):
        await built.dispatcher.call("deals_search", {"filter": flt, "sort": {"amount": "desc"}})
    with pytest.raises(InvalidArguments, match=r"\$or"):
        await built.dispatcher.call("deals_search", {"filter": flt, "offset": 5})


async def test_aggregate_checks_its_filter_and_counts_alike_in_every_syntax(
    built: Assembled, transport: Counting
) -> None:
    counts = []
    for flt in ({"amount": {"$gte": 100000}}, {">=amount": "100000"}, {"$gte": {"amount": 100000}}):
        out = await built.dispatcher.call("deals_aggregate", {"filter": flt, "aggregate": [{"function": "count"}]})
        counts.append(out.structured["count"])
        assert "Filter: amount ≥ 100000" in out.structured["summary"]
    _, total = await ids(built, "deals_search", {"amount": {"$gte": 100000}})
    assert counts == [total] * 3 and total
    before = len(transport.paths)
    for flt, expect in (({"closedAt": "31.01.2026"}, "2026-01-31"), ({"$or": [{"amount": 1}, {"title": "x"}]}, "$in")):
        with pytest.raises(InvalidArguments) as exc:
            await built.dispatcher.call("deals_aggregate", {"filter": flt, "aggregate": [{"function": "count"}]})
        assert expect in f"{exc.value.message} {exc.value.hint}"
    assert len(transport.paths) == before


async def test_batch_calls_check_their_filters_and_send_syntax_1(built: Assembled, transport: Counting) -> None:
    before = len(transport.paths)
    bad = {"entity": "deals", "action": "search", "params": {"filter": {"stage": "WON"}}}
    with pytest.raises(InvalidArguments) as exc:
        await built.dispatcher.call("batch", {"calls": [{"entity": "deals", "action": "fields"}, bad]})
    assert exc.value.message.startswith('calls[1].params.filter key "stage"') and "stageId" in str(exc.value.hint)
    assert len(transport.paths) == before
    flt = {">=amount": 100000, "stageId": {"!": "LOSE"}}
    call = {"entity": "deals", "action": "search", "params": {"filter": flt, "select": ["id"], "limit": 500}}
    out = await built.dispatcher.call("batch", {"calls": [call]})
    expected, _ = await ids(built, "deals_search", flt)
    assert [r["id"] for r in out.structured["calls"][0]["items"]] == expected


async def test_the_filter_argument_offers_or_only_where_it_runs(built: Assembled) -> None:
    def described(tool: str) -> str:
        return str(built.tools[tool].input_schema["properties"]["filter"]["description"])

    for tool in ("deals_search", "deals_list"):
        assert "$or" in described(tool) and '{">=amount": 1000}' in described(tool)
    assert "$or" not in described("deals_aggregate") and '{">=amount": 1000}' in described("deals_aggregate")
    assert len(described("deals_search")) < 400, "the tools/list budget is shared"


@pytest.mark.parametrize(
    ("tool", "flt", "fix"),
    [
        ("deals_search", {"stageId": "DONE"}, "WON (Сделка успешна)"),
        ("deals_search", {"stageId": "won"}, 'Use "WON"'),
        ("deals_list", {"categoryId": 7}, "1 (Тендеры)"),
        ("tasks_search", {"status": 99}, "5 (Завершена)"),
        ("deals_search", {"UF_CRM_PRIORITY": "Высокий"}, "Use 45"),
        ("contacts_search", {"ufCrmLoyalty": "VIP"}, "Use 62"),
        ("deals_search", {"sourceId": "Звонок"}, 'Use "CALL"'),
        ("deals_search", {"currency": "rub"}, 'Use "RUB"'),
        ("deals_search", {"categoryId": 1, "stageId": "WON"}, "C1:WON"),
    ],
)
async def test_list_values_are_checked_against_the_portals_live_metadata(
    built: Assembled, transport: Counting, tool: str, flt: dict[str, Any], fix: str
) -> None:
    """What once answered "No deals match." is now an error naming the value to use."""
    await built.dispatcher.call(tool, {"limit": 1})  # metadata is loaded by now
    before = len(transport.paths)
    with pytest.raises(InvalidArguments) as exc:
        await built.dispatcher.call(tool, {"filter": flt})
    assert fix in f"{exc.value.message} {exc.value.hint}"
    assert len(transport.paths) == before
