"""Windowed search, `meta.truncated` and duplicate batch call ids, from the optimisation and filtering pages."""

from __future__ import annotations

from collections.abc import Callable

from server.emulator.filters import parse_filter
from server.emulator.schema import ENTITIES
from server.emulator.window import window_count

from .conftest import Api

WIDE = {"createdAt": {"$gte": "2026-01-01T00:00:00Z", "$lte": "2026-04-30T00:00:00Z"}}


def test_a_range_over_fourteen_days_is_split_into_seven_day_windows(seeded: Api) -> None:
    """Лимиты и оптимизация L2487-2507: > 14 days -> 7-day windows, `meta.windowCount`."""
    body = seeded.search("deals", {"filter": WIDE, "limit": 5000})
    assert body["meta"]["windowCount"] == 17  # 119 days / 7
    assert body["meta"]["autoWindowed"] is True and body["meta"]["windowErrors"] == 0
    assert body["meta"]["truncated"] is False
    flat = seeded.search("deals", {"filter": WIDE, "limit": 5000, "autoWindow": False})
    assert "windowCount" not in flat["meta"]
    assert [r["id"] for r in flat["data"]] == [r["id"] for r in body["data"]]


def test_fourteen_days_or_less_runs_flat_and_an_open_range_runs_to_now(seeded: Api) -> None:
    narrow = {"createdAt": {"$gte": "2026-04-01T00:00:00Z", "$lte": "2026-04-15T00:00:00Z"}}
    assert "windowCount" not in seeded.search("deals", {"filter": narrow})["meta"]
    conditions = parse_filter({">=closedAt": "2026-03-14T08:23:59Z"}, ENTITIES["deals"])
    assert window_count(conditions, ENTITIES["deals"], 1_776_155_039.0) == 5  # 31 days to the pinned now


def test_offset_pages_of_a_windowed_search_are_refused(seeded: Api) -> None:
    """Фильтрация, «Что НЕ работает» (L1018-1032): offset > 0 over a wide range -> 400 UNSTABLE_OFFSET_PAGINATION."""
    status, error = seeded.error("POST", "/v1/deals/search", body={"filter": WIDE, "offset": 50, "limit": 50})
    assert (status, error["code"]) == (400, "UNSTABLE_OFFSET_PAGINATION")
    assert "autoWindow" in error["hint"]
    assert seeded.search("deals", {"filter": WIDE, "offset": 50, "limit": 50, "autoWindow": False})["data"]


def test_the_manual_paging_pattern_with_auto_window_off_visits_every_record_once(seeded: Api) -> None:
    """Фильтрация, «Своя пагинация с autoWindow: false» (L993-1016): sort 'id', offset += data.length."""
    flt = {"closedAt": {"$gte": "2025-03-22T00:00:00Z", "$lte": "2026-04-22T00:00:00Z"}}
    offset, seen = 0, []
    while True:
        body = {"filter": flt, "sort": "id", "limit": 50, "offset": offset, "autoWindow": False}
        page = seeded.search("deals", body)
        seen += [r["id"] for r in page["data"]]
        offset += len(page["data"])
        if offset >= page["meta"]["total"]:
            break
    assert len(seen) == len(set(seen)) == page["meta"]["total"] > 50
    assert seen == sorted(seen)


def test_auto_window_must_be_a_boolean(seeded: Api) -> None:
    status, error = seeded.error("POST", "/v1/deals/search", body={"filter": WIDE, "autoWindow": "no"})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")


def test_more_than_5000_matches_set_meta_truncated(make_api: Callable[..., Api]) -> None:
    """Лимиты и оптимизация L2422: above 5000 records the response is cut and `meta.truncated` is true."""
    api = make_api(
        {"deals": [{"id": i, "title": f"D{i}", "createdAt": "2026-02-01T00:00:00.000Z"} for i in range(1, 5103)]}
    )
    full = api.ok("GET", "/v1/deals", "limit=5000")
    assert len(full["data"]) == 5000 and full["meta"]["truncated"] is True and full["meta"]["total"] == 5102
    assert api.ok("GET", "/v1/deals", "limit=50")["meta"]["truncated"] is False
    assert api.ok("GET", "/v1/deals", "limit=5000&offset=5000")["meta"]["truncated"] is False
    windowed = api.search("deals", {"filter": WIDE, "limit": 100})
    assert windowed["meta"]["truncated"] is True and windowed["meta"]["windowCount"] == 17


def test_duplicate_call_ids_in_a_batch_are_an_error_and_nothing_runs(small: Api) -> None:
    calls = [
        {"id": "a", "entity": "deals", "action": "create", "params": {"title": "first"}},
        {"id": "a", "entity": "deals", "action": "create", "params": {"title": "second"}},
    ]
    status, error = small.error("POST", "/v1/batch", body={"calls": calls})
    assert (status, error["code"]) == (400, "INVALID_REQUEST")
    assert "'a'" in error["message"]
    assert small.ok("GET", "/v1/deals")["total"] == 4
    positional = [{"entity": "deals", "action": "fields"}, {"id": "0", "entity": "deals", "action": "fields"}]
    assert small.error("POST", "/v1/batch", body={"calls": positional})[1]["code"] == "INVALID_REQUEST"
