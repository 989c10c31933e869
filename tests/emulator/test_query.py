"""Sort in its three forms, select, limit/offset — from `# Обзор API` and the Deals List/Search pages."""

from __future__ import annotations

import pytest

from .conftest import Api

# SMALL_DATA amounts: 1 → 50000, 2 → 250000, 3 → 100000, 4 → 75000; assignedById 1, 2, 1, 3.


@pytest.mark.parametrize(
    "sort",
    [
        "assignedById,-amount",
        {"assignedById": "asc", "amount": "desc"},
        {"assignedById": 1, "amount": -1},
        ["assignedById", "-amount"],
    ],
)
def test_the_three_sort_forms_order_alike(small: Api, sort: object) -> None:
    """Обзор API, search `sort`: string, object (asc/desc or 1/-1, key order) and array forms."""
    assert small.ids("deals", {"sort": sort}) == [3, 1, 2, 4]


def test_object_sort_keys_keep_their_insertion_order(small: Api) -> None:
    """Фильтрация, search params: object keys are applied in insertion order."""
    assert small.ids("deals", {"sort": {"amount": "desc", "assignedById": "asc"}}) == [2, 3, 4, 1]


def test_search_accepts_order_as_the_entity_pages_document(small: Api) -> None:
    """Choice: Deals: Search documents `order`, the filtering page `sort`; a live `order` call worked — both
    are accepted, `sort` wins when both are given."""
    assert small.ids("deals", {"order": {"amount": "desc"}}) == [2, 3, 4, 1]
    assert small.ids("deals", {"order": {"amount": "desc"}, "sort": "amount"}) == [1, 4, 3, 2]


def test_default_order_is_id_ascending(small: Api) -> None:
    """Фильтрация, "Своя пагинация": pages must be stable; the emulator's default is id ascending."""
    assert small.ids("deals", {}) == [1, 2, 3, 4]


def test_list_order_and_sort_query_parameters(small: Api) -> None:
    """Deals: List `?limit=10&order[amount]=desc&filter[stageId]=NEW`; entities index `?sort=-id`."""
    assert [r["id"] for r in small.ok("GET", "/v1/deals", "order[amount]=desc")["data"]] == [2, 3, 4, 1]
    assert [r["id"] for r in small.ok("GET", "/v1/deals", "sort=-id")["data"]] == [4, 3, 2, 1]
    only_new = small.ok("GET", "/v1/deals", "limit=10&order[amount]=desc&filter[stageId]=NEW")["data"]
    assert [r["id"] for r in only_new] == [1]


def test_dates_sort_as_instants_and_empty_values_first(small: Api) -> None:
    """Sorting reads values by field type; records without a value sort first ascending."""
    assert small.ids("deals", {"sort": "createdAt"}) == [4, 1, 3, 2]
    assert small.ids("deals", {"sort": "companyId"})[:2] == [3, 4]


@pytest.mark.parametrize("sort", [5, True, [1, 2], [["id", "asc"]]])
def test_sort_of_a_bad_type_is_invalid_sort_type(small: Api, sort: object) -> None:
    """Обзор API: "Невалидный тип → 400 INVALID_SORT_TYPE"."""
    assert small.error("POST", "/v1/deals/search", body={"sort": sort})[1]["code"] == "INVALID_SORT_TYPE"


@pytest.mark.parametrize("sort", [{"id": "up"}, {"id": 2}, {"id": None}])
def test_sort_with_a_bad_direction_is_invalid_sort_direction(small: Api, sort: object) -> None:
    """Фильтрация, search `sort`: an unknown direction → INVALID_SORT_DIRECTION."""
    status, error = small.error("POST", "/v1/deals/search", body={"sort": sort})
    assert (status, error["code"]) == (400, "INVALID_SORT_DIRECTION")


def test_sort_by_an_unknown_field_is_unknown_sort_field(small: Api) -> None:
    """Коды ошибок: UNKNOWN_SORT_FIELD."""
    status, error = small.error("POST", "/v1/deals/search", body={"sort": "-foo"})
    assert (status, error["code"], error["message"]) == (400, "UNKNOWN_SORT_FIELD", "Unknown sort field 'foo'")


def test_select_keeps_the_named_fields_and_always_id(small: Api) -> None:
    """Обзор API `?select=id,title,amount`; Deals: Search `"select": ["id", "title", "amount"]`."""
    assert small.ok("GET", "/v1/deals", "select=title,amount&limit=1")["data"] == [
        {"id": 1, "title": "Поставка оборудования", "amount": 50000.0}
    ]
    assert small.ok("GET", "/v1/deals", "select[]=title&select[]=stageId&limit=1")["data"] == [
        {"id": 1, "title": "Поставка оборудования", "stageId": "NEW"}
    ]
    assert small.search("deals", {"select": ["stageId"], "limit": 1})["data"] == [{"id": 1, "stageId": "NEW"}]


def test_select_of_an_unknown_field_is_invalid_params(small: Api) -> None:
    """Коды ошибок INVALID_PARAMS: "для filter использовать список полей из GET /v1/<entity>/fields"."""
    status, error = small.error("POST", "/v1/deals/search", body={"select": ["id", "nope"]})
    assert (status, error["code"], error["message"]) == (400, "INVALID_PARAMS", "Unknown select field 'nope'")


def test_offset_pages_through_with_has_more(small: Api) -> None:
    """Фильтрация, pagination patterns: `offset += data.length` until `offset >= meta.total`."""
    seen: list[int] = []
    offset = 0
    while True:
        body = small.search("deals", {"sort": "id", "limit": 3, "offset": offset})
        seen += [r["id"] for r in body["data"]]
        offset += len(body["data"])
        if offset >= body["meta"]["total"]:
            assert body["meta"]["hasMore"] is False
            break
        assert body["meta"]["hasMore"] is True
    assert seen == [1, 2, 3, 4]


def test_total_counts_the_filter_not_the_page(small: Api) -> None:
    """Deals: List: `total` — all records matching the filter."""
    body = small.search("deals", {"filter": {"categoryId": 0}, "limit": 1})
    assert (len(body["data"]), body["total"], body["meta"]["hasMore"]) == (1, 3, True)


@pytest.mark.parametrize("query", ["limit=abc", "offset=-1", "limit=0"])
def test_bad_page_parameters_are_invalid_params(small: Api, query: str) -> None:
    """Коды ошибок INVALID_PARAMS: a bad parameter value."""
    assert small.error("GET", "/v1/deals", query)[1]["code"] == "INVALID_PARAMS"
