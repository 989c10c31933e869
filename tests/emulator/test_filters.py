"""The three filter syntaxes and their matching, from the examples on the docs page `# Фильтрация и поиск`."""

from __future__ import annotations

import pytest

from .conftest import Api

# SMALL_DATA deals: 1 NEW 50000 (2026-01-15), 2 WON 250000 (2026-02-01), 3 LOSE 100000 (2026-01-31T21:30Z),
# 4 C1:NEW 75000 (2025-12-31T23:59:59Z).


@pytest.mark.parametrize(
    "flt",
    [{"stageId": {"$ne": "LOSE"}}, {"!stageId": "LOSE"}, {"stageId": {"!": "LOSE"}}, {"stageId": {"!=": "LOSE"}}],
)
def test_the_three_not_forms_find_the_same_records(small: Api, flt: dict[str, object]) -> None:
    """Фильтрация, "NOT-фильтры": `$ne`, the `!` prefix and the `!` key are equivalent."""
    assert small.ids("deals", {"filter": flt}) == [1, 2, 4]


@pytest.mark.parametrize(
    "flt",
    [
        {"amount": {"$gte": 75000, "$lte": 200000}},
        {">=amount": 75000, "<=amount": 200000},
        {"amount": {">=": 75000, "<=": 200000}},
        {"amount": {"$gte": 75000}, "<=amount": 200000},
    ],
)
def test_a_range_reads_the_same_in_every_syntax(small: Api, flt: dict[str, object]) -> None:
    """Фильтрация, Синтаксис 1–3 and "Комбинирование": several operators on one field are ANDed."""
    assert small.ids("deals", {"filter": flt}) == [3, 4]


def test_syntaxes_mix_in_one_filter(small: Api) -> None:
    """Фильтрация, "Смешивание синтаксисов" example (dates from 2026-01-01, amount ≥ 50000, not LOST)."""
    flt = {"amount": {"$gte": 50000}, "!stageId": "LOSE", "createdAt": {">=": "2026-01-01T00:00:00"}}
    assert small.ids("deals", {"filter": flt}) == [1, 2]


def test_strict_comparisons_exclude_the_bound(small: Api) -> None:
    """Фильтрация, operator table: `$gt` is >, `<` is <."""
    assert small.ids("deals", {"filter": {"amount": {"$gt": 75000}}}) == [2, 3]
    assert small.ids("deals", {"filter": {"<amount": 75000}}) == [1]


def test_bare_value_is_equality_and_array_is_in(small: Api) -> None:
    """Фильтрация: exact match is a bare value; `$in` takes an array, and so does a bare array."""
    assert small.ids("deals", {"filter": {"stageId": "NEW"}}) == [1]
    assert small.ids("deals", {"filter": {"stageId": ["NEW", "WON"]}}) == [1, 2]
    assert small.ids("deals", {"filter": {"stageId": {"$in": ["NEW", "WON"]}}}) == [1, 2]


def test_nin_excludes_every_listed_value(small: Api) -> None:
    """vibecode-api.md §1.2: `$nin` is listed as supported by the live error message."""
    assert small.ids("deals", {"filter": {"stageId": {"$nin": ["NEW", "WON"]}}}) == [3, 4]
    assert small.ids("deals", {"filter": {"!stageId": ["NEW", "WON"]}}) == [3, 4]


def test_contains_is_a_case_insensitive_substring(small: Api) -> None:
    """Фильтрация: `$contains` is a substring (LIKE), `%` the prefix form; LIKE ignores case."""
    assert small.ids("deals", {"filter": {"title": {"$contains": "поставка"}}}) == [1, 4]
    assert small.ids("deals", {"filter": {"%title": "ПОСТАВКА"}}) == [1, 4]
    assert small.ids("deals", {"filter": {"title": {"%": "crm"}}}) == [3]


@pytest.mark.parametrize(
    ("bound", "expected"),
    [
        ("2026-01-31", [2, 3]),
        ("2026-01-31T00:00:00", [2, 3]),
        ("2026-01-31T00:00:00Z", [2, 3]),
        ("2026-02-01T00:30:00+03:00", [2, 3]),
        ("2026-02-01T03:00:00+03:00", [2]),
    ],
)
def test_dates_compare_as_instants_in_any_iso_form(small: Api, bound: str, expected: list[int]) -> None:
    """Фильтрация, "Фильтрация по дате": ISO 8601 strings; date-only was accepted live (vibecode-api §1.4)."""
    assert small.ids("deals", {"filter": {"createdAt": {"$gte": bound}}}) == expected


def test_the_operator_outermost_form_from_the_optimisation_page(small: Api) -> None:
    """Лимиты и оптимизация: `{"$gte": {"createdAt": "2026-01-01"}, "$lte": {"createdAt": "..."}}`."""
    flt = {"$gte": {"createdAt": "2026-01-01"}, "$lte": {"createdAt": "2026-01-31"}}
    assert small.ids("deals", {"filter": flt}) == [1]


def test_a_multiple_field_matches_when_any_element_matches(small: Api) -> None:
    """Bitrix multiple fields (observers, multi-value UF) match on any element; `$ne` means none equals."""
    assert small.ids("deals", {"filter": {"observers": 3}}) == [1, 3]
    assert small.ids("deals", {"filter": {"UF_CRM_PRODUCTS": {"$in": ["52", "99"]}}}) == [2]
    assert small.ids("deals", {"filter": {"observers": {"$ne": 3}}}) == [2, 4]


def test_phone_multifield_matches_on_its_values(small: Api) -> None:
    """Фильтрация, "Контакты — по телефону": `{"phone": {"$contains": "+7916"}}`."""
    assert small.ids("contacts", {"filter": {"phone": {"$contains": "+7916"}}}) == [71]


def test_user_fields_filter_like_standard_fields(small: Api) -> None:
    """Deals: Aggregate, "Фильтрация по UF работает": any UF, any type, in `filter`."""
    assert small.ids("deals", {"filter": {"UF_CRM_PRIORITY": "45"}}) == [1, 3]
    assert small.ids("deals", {"filter": {"UF_CRM_BUDGET": {"$gt": 1600}}}) == [2]


def test_numbers_given_as_strings_are_read_by_the_field_type(small: Api) -> None:
    """Query strings carry text; the same coercion applies to JSON strings."""
    assert small.ids("deals", {"filter": {"amount": {"$gte": "100000"}}}) == [2, 3]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("filter[stageId]=WON", [2]),
        ("filter[>=amount]=100000", [2, 3]),
        ("filter[amount][$gte]=100000", [2, 3]),
        ("filter[amount][>=]=100000&filter[amount][$lt]=200000", [3]),
        ("filter[stageId][$in][]=NEW&filter[stageId][$in][]=LOSE", [1, 3]),
        ("filter[stageId][$in]=NEW,LOSE", [1, 3]),
        ("filter[stageId][]=NEW&filter[stageId][]=WON", [1, 2]),
        ("filter[!stageId]=NEW", [2, 3, 4]),
        ("filter[%25title]=crm", [3]),
        ("filter[$gte][amount]=250000", [2]),
        ("filter[categoryId]=1", [4]),
    ],
)
def test_list_query_string_filters(small: Api, query: str, expected: list[int]) -> None:
    """Deals: List `?filter[stageId]=NEW`; entities index `?filter[$gte][amount]=1000`; bracket arrays."""
    assert [r["id"] for r in small.ok("GET", "/v1/deals", query)["data"]] == expected


def test_unknown_operator_answers_the_live_message(small: Api) -> None:
    """vibecode-api.md §1.6 [LIVE]: `from`/`to` keys are rejected with this exact message."""
    assert small.error("POST", "/v1/deals/search", body={"filter": {"createdAt": {"to": "2026-01-01"}}}) == (
        400,
        {
            "code": "INVALID_FILTER_OPERATOR",
            "message": "Unknown filter operator: to. Supported: $gt, $gte, $lt, $lte, $ne, $contains, $in, $nin, "
            ">, >=, <, <=, !, %, !=",
        },
    )
    assert small.error("POST", "/v1/deals/search", body={"filter": {"$or": {"amount": 1}}})[1]["code"] == (
        "INVALID_FILTER_OPERATOR"
    )


@pytest.mark.parametrize("flt", [{"foo": 1}, {">=foo": 1}, {"foo": {"$gt": 1}}, {"$gte": {"foo": 1}}])
def test_unknown_field_is_invalid_filter_field(small: Api, flt: dict[str, object]) -> None:
    """Коды ошибок: INVALID_FILTER_FIELD — filter on a field the entity does not have."""
    status, error = small.error("POST", "/v1/deals/search", body={"filter": flt})
    assert (status, error["code"], error["message"]) == (400, "INVALID_FILTER_FIELD", "Unknown filter field 'foo'")


@pytest.mark.parametrize(
    "flt",
    [
        [["amount", ">=", 1]],
        "stageId=NEW",
        {"stageId": {"$in": "NEW"}},
        {"amount": {"$gte": "lots"}},
        {"createdAt": {"$gte": "yesterday"}},
    ],
)
def test_malformed_filters_are_invalid_filter(small: Api, flt: object) -> None:
    """vibecode-api.md §1.6: INVALID_FILTER for filter syntax errors (array of triples is not VibeCode)."""
    assert small.error("POST", "/v1/deals/search", body={"filter": flt})[1]["code"] == "INVALID_FILTER"


def test_aggregate_and_batch_use_the_same_filters(small: Api) -> None:
    """vibecode-api.md §1.1: the filter syntax is the same in list, search, aggregate and batch."""
    flt = {"!stageId": "LOSE", "amount": {">=": 60000}}
    assert small.ok("POST", "/v1/deals/aggregate", body={"filter": flt})["data"]["count"] == 2
    calls = [{"id": "x", "entity": "deals", "action": "list", "params": {"filter": flt}}]
    assert small.ok("POST", "/v1/batch", body={"calls": calls})["data"]["totals"] == {"x": 2}
