"""`POST /v1/{entity}/aggregate` from `# Deals: Aggregate` and `# Обзор API` (UF section)."""

from __future__ import annotations

from collections.abc import Callable

from .conftest import Api, deal


def test_the_deals_page_example_sums_and_averages_by_stage(small: Api) -> None:
    """Deals: Aggregate main example: sum+avg of amount, filter categoryId 0, groupBy stageId."""
    body = {
        "aggregate": [{"field": "amount", "function": "sum"}, {"field": "amount", "function": "avg"}],
        "filter": {"categoryId": 0},
        "groupBy": "stageId",
    }
    data = small.ok("POST", "/v1/deals/aggregate", body=body)["data"]
    assert data["count"] == 3
    assert data["aggregates"] == {"amount": {"sum": 400000, "avg": 133333.33}}
    assert data["groups"] == [
        {"stageId": "LOSE", "count": 1, "aggregates": {"amount": {"sum": 100000, "avg": 100000}}},
        {"stageId": "NEW", "count": 1, "aggregates": {"amount": {"sum": 50000, "avg": 50000}}},
        {"stageId": "WON", "count": 1, "aggregates": {"amount": {"sum": 250000, "avg": 250000}}},
    ]
    assert data["meta"] == {
        "totalRecords": 3,
        "recordsProcessed": 3,
        "truncated": False,
        "groupTotal": 3,
        "groupsTruncated": False,
    }


def test_without_aggregate_only_count_and_no_groups(small: Api) -> None:
    """Deals: Aggregate "Только count": `{ "filter": { "stageId": "NEW" } }`; no groupBy → no `groups`."""
    data = small.ok("POST", "/v1/deals/aggregate", body={"filter": {"stageId": "NEW"}})["data"]
    assert data["count"] == 1
    assert data["aggregates"] == {}
    assert "groups" not in data
    assert data["meta"]["recordsProcessed"] == 0


def test_count_star_and_min_max(small: Api) -> None:
    """vibecode-api.md §7.1: `{ "field": "*", "function": "count" }`; functions count|sum|avg|min|max."""
    body = {
        "aggregate": [
            {"field": "*", "function": "count"},
            {"field": "amount", "function": "min"},
            {"field": "amount", "function": "max"},
        ]
    }
    data = small.ok("POST", "/v1/deals/aggregate", body=body)["data"]
    assert data["count"] == 4
    assert data["aggregates"] == {"amount": {"min": 50000, "max": 250000}}


def test_groups_count_when_only_counting(small: Api) -> None:
    """vibecode-api.md §7.2: groups carry `aggregates: {}` when only counting; largest groups first."""
    data = small.ok("POST", "/v1/deals/aggregate", body={"groupBy": ["assignedById"]})["data"]
    assert data["groups"][0] == {"assignedById": 1, "count": 2, "aggregates": {}}
    assert [g["count"] for g in data["groups"]] == [2, 1, 1]


def test_money_user_fields_aggregate_on_their_numeric_part(small: Api) -> None:
    """Обзор API, "Агрегация POST — UF-поля": money `"1500.50|RUB"` → numeric part; groupBy any UF."""
    body = {"aggregate": [{"function": "sum", "field": "UF_CRM_BUDGET"}], "groupBy": "UF_CRM_PRIORITY"}
    data = small.ok("POST", "/v1/deals/aggregate", body=body)["data"]
    assert data["aggregates"] == {"UF_CRM_BUDGET": {"sum": 3500.5}}
    by_priority = {g["UF_CRM_PRIORITY"]: g["aggregates"]["UF_CRM_BUDGET"]["sum"] for g in data["groups"]}
    assert by_priority == {45: 1500.5, 46: 2000, None: 0}


def test_group_by_a_field_outside_aggregatable_answers_the_live_message(small: Api) -> None:
    """vibecode-api.md §7.3 [LIVE]: `currency` is not groupable on deals."""
    assert small.error("POST", "/v1/deals/aggregate", body={"groupBy": "currency"}) == (
        400,
        {
            "code": "INVALID_PARAMS",
            "message": "groupBy field 'currency' is not aggregatable on this entity. "
            "Available: amount, stageId, stageSemanticId, categoryId, assignedById, sourceId.",
        },
    )


def test_unknown_numeric_field_lists_the_available_ones(small: Api) -> None:
    """Deals: Aggregate error example "Field 'foo' not found. Available numeric fields: ..." (+ numeric UF)."""
    status, error = small.error(
        "POST", "/v1/deals/aggregate", body={"aggregate": [{"field": "foo", "function": "sum"}]}
    )
    assert status == 400 and error["code"] == "INVALID_PARAMS"
    assert error["message"] == (
        "Field 'foo' not found. Available numeric fields: amount, stageId, stageSemanticId, categoryId, "
        "assignedById, sourceId, UF_CRM_BUDGET, UF_CRM_SCORE"
    )


def test_numeric_function_on_a_text_user_field_names_its_type(small: Api) -> None:
    """Обзор API UF errors: "UF-тип не из списка integer/double/money — в message указан фактический тип"."""
    body = {"aggregate": [{"field": "ufCrm_1712345678", "function": "avg"}]}
    status, error = small.error("POST", "/v1/deals/aggregate", body=body)
    assert (status, error["code"]) == (400, "INVALID_PARAMS")
    assert "'string'" in error["message"]


def test_bad_function_and_too_many_group_fields_are_invalid_params(small: Api) -> None:
    """Deals: Aggregate errors: invalid function name; more than 5 groupBy fields."""
    bad_function = {"aggregate": [{"field": "amount", "function": "median"}]}
    assert small.error("POST", "/v1/deals/aggregate", body=bad_function)[1]["code"] == "INVALID_PARAMS"
    six = ["stageId", "categoryId", "assignedById", "sourceId", "stageSemanticId", "UF_CRM_PRIORITY"]
    assert small.error("POST", "/v1/deals/aggregate", body={"groupBy": six})[1]["code"] == "INVALID_PARAMS"


def test_numeric_functions_cover_only_the_first_5000_matches(make_api: Callable[..., Api]) -> None:
    """Deals: Aggregate "count vs числовые функции": count is exact, sum over the first 5000, truncated."""
    api = make_api({"deals": [deal(i, amount=1.0) for i in range(1, 5004)]})
    body = {"aggregate": [{"field": "amount", "function": "sum"}]}
    data = api.ok("POST", "/v1/deals/aggregate", body=body)["data"]
    assert data["count"] == 5003
    assert data["aggregates"] == {"amount": {"sum": 5000}}
    assert data["meta"] == {"totalRecords": 5003, "recordsProcessed": 5000, "truncated": True}
    count_only = api.ok("POST", "/v1/deals/aggregate", body={})["data"]["meta"]
    assert count_only["truncated"] is False
