"""The docs' general pages, example by example: Обзор API, Фильтрация, Коды ошибок, Пакетные вызовы,
Лимиты и оптимизация, Связанные данные (include). Each test names the doc line of its example
(vibecode docs dump of 2026-05-05). Examples that cannot hold as written say which choice was made.
"""

from __future__ import annotations

import pytest

from .conftest import Api
from .docs_portal import docs_api


@pytest.fixture
def api() -> Api:
    return docs_api()


def _ids(body: dict[str, object]) -> list[int]:
    data = body["data"]
    assert isinstance(data, list)
    return [int(r["id"]) for r in data]


# --- Обзор API -----------------------------------------------------------------------------------------


def test_L429_list_with_limit_and_offset(api: Api) -> None:
    """`GET /v1/deals?limit=100&offset=0`: up to 100 records with the total (auto-pagination above 50, L443)."""
    body = api.ok("GET", "/v1/deals", "limit=100&offset=0")
    assert len(body["data"]) == 100 and body["total"] == 402 and body["meta"]["hasMore"] is True


def test_L439_select_and_order_in_the_query_string(api: Api) -> None:
    """`?select=id,title,amount` and `?order[createdAt]=desc`."""
    body = api.ok("GET", "/v1/deals", "select=id,title,amount&order[createdAt]=desc&limit=5")
    assert all(set(r) == {"id", "title", "amount"} for r in body["data"])
    created = [r["createdAt"] for r in api.ok("GET", "/v1/deals", "order[createdAt]=desc&limit=20")["data"]]
    assert created == sorted(created, reverse=True)


def test_L447_get_by_id(api: Api) -> None:
    """`GET /v1/deals/123` -> `{ success: true, data: { id: 123, title: "...", ... } }` (L452)."""
    body = api.ok("GET", "/v1/deals/123")
    assert body["success"] is True and body["data"]["id"] == 123 and body["data"]["title"]


def test_L456_create_answers_201_with_the_new_id(api: Api) -> None:
    """`POST /v1/deals {"title": "Новая сделка", "stageId": "NEW", "amount": 150000}` -> 201 (L462)."""
    response = api.call("POST", "/v1/deals", body={"title": "Новая сделка", "stageId": "NEW", "amount": 150000})
    assert response.status == 201
    data = response.json()["data"]
    assert data["id"] == 743 and data["amount"] == 150000 and data["stageId"] == "NEW"


def test_L466_update(api: Api) -> None:
    """`PATCH /v1/deals/123 {"stageId": "WON", "amount": 200000}`."""
    data = api.ok("PATCH", "/v1/deals/742", body={"stageId": "WON", "amount": 200000})["data"]
    assert (data["stageId"], data["amount"], data["closed"]) == ("WON", 200000, True)


def test_L474_delete_answers_204_empty(api: Api) -> None:
    """`DELETE /v1/deals/123` -> 204 with an empty body."""
    response = api.call("DELETE", "/v1/deals/123")
    assert (response.status, response.body) == (204, b"")
    assert api.error("GET", "/v1/deals/123")[0] == 404


def test_L483_search_with_filter_sort_and_limit(api: Api) -> None:
    """`{"filter": {"stageId": "NEW", "amount": {"$gte": 100000}}, "sort": {"createdAt": "desc"}, "limit": 200}`."""
    body = api.search(
        "deals", {"filter": {"stageId": "NEW", "amount": {"$gte": 100000}}, "sort": {"createdAt": "desc"}, "limit": 200}
    )
    rows = body["data"]
    assert rows and all(r["stageId"] == "NEW" and r["amount"] >= 100000 for r in rows)
    assert [r["createdAt"] for r in rows] == sorted((r["createdAt"] for r in rows), reverse=True)


@pytest.mark.parametrize(
    "sort",
    ["id", "-amount", "id,-createdAt", {"id": "asc", "amount": "desc"}, {"id": 1, "amount": -1}, ["id", "-amount"]],
)
def test_L494_every_documented_sort_form(api: Api, sort: object) -> None:
    """Search `sort`: string, object (asc/desc or 1/-1) or array forms."""
    rows = api.search("deals", {"sort": sort, "limit": 30, "select": ["amount"]})["data"]
    if sort == "-amount":
        assert [r["amount"] for r in rows] == sorted((r["amount"] for r in rows), reverse=True)
    else:
        assert [r["id"] for r in rows] == list(range(1, 31))


def test_L494_a_sort_of_the_wrong_type_is_invalid_sort_type(api: Api) -> None:
    """ "Невалидный тип → `400 INVALID_SORT_TYPE`"."""
    status, error = api.error("POST", "/v1/deals/search", body={"sort": 5})
    assert (status, error["code"]) == (400, "INVALID_SORT_TYPE")


def test_L505_aggregate_sum_and_avg_of_won_deals(api: Api) -> None:
    """`{"aggregate": [sum amount, avg amount], "filter": {"stageId": "WON"}}`."""
    body = {
        "aggregate": [{"field": "amount", "function": "sum"}, {"field": "amount", "function": "avg"}],
        "filter": {"stageId": "WON"},
    }
    data = api.ok("POST", "/v1/deals/aggregate", body=body)["data"]
    won = api.search("deals", {"filter": {"stageId": "WON"}, "limit": 5000})["data"]
    assert data["count"] == len(won) > 0
    assert data["aggregates"]["amount"]["sum"] == sum(r["amount"] for r in won)
    assert "groups" not in data


def test_L535_aggregate_over_user_fields_grouped_by_a_user_field(api: Api) -> None:
    """sum amount, sum UF_CRM_BUDGET (money "1500.50|RUB": the part before `|`), avg UF_CRM_SCORE,
    groupBy UF_CRM_PRIORITY."""
    body = {
        "aggregate": [
            {"function": "sum", "field": "amount"},
            {"function": "sum", "field": "UF_CRM_BUDGET"},
            {"function": "avg", "field": "UF_CRM_SCORE"},
        ],
        "groupBy": "UF_CRM_PRIORITY",
    }
    data = api.ok("POST", "/v1/deals/aggregate", body=body)["data"]
    assert {g["UF_CRM_PRIORITY"] for g in data["groups"]} >= {45, 46, 47}
    budgets = [r["UF_CRM_BUDGET"] for r in api.ok("GET", "/v1/deals", "limit=5000")["data"] if r["UF_CRM_BUDGET"]]
    assert data["aggregates"]["UF_CRM_BUDGET"]["sum"] == pytest.approx(sum(float(b.split("|")[0]) for b in budgets))


def test_L553_numeric_functions_on_a_non_numeric_user_field_name_its_type(api: Api) -> None:
    """UF rules: sum/avg/min/max only on integer/double/money; the message names the actual type."""
    body = {"aggregate": [{"function": "sum", "field": "UF_CRM_PRIORITY"}]}
    status, error = api.error("POST", "/v1/deals/aggregate", body=body)
    assert (status, error["code"]) == (400, "INVALID_PARAMS") and "enumeration" in error["message"]


def test_L562_an_unknown_aggregate_field_lists_the_available_ones(api: Api) -> None:
    status, error = api.error("POST", "/v1/deals/aggregate", body={"aggregate": [{"function": "sum", "field": "foo"}]})
    assert (status, error["code"]) == (400, "INVALID_PARAMS")
    assert "'foo'" in error["message"] and "amount" in error["message"] and "UF_CRM_SCORE" in error["message"]


def test_L571_fields(api: Api) -> None:
    """`GET /v1/deals/fields`."""
    data = api.ok("GET", "/v1/deals/fields")["data"]
    assert {"id", "title", "stageId", "UF_CRM_PRIORITY"} <= set(data["fields"])


def test_L580_entity_batch_creates_several_records(api: Api) -> None:
    """`{ "action": "create", "items": [{ "title": "Сделка 1" }, { "title": "Сделка 2" }] }`."""
    body = {"action": "create", "items": [{"title": "Сделка 1"}, {"title": "Сделка 2"}]}
    data = api.ok("POST", "/v1/deals/batch", body=body)["data"]
    assert [r["success"] for r in data["results"]] == [True, True]
    assert [api.ok("GET", f"/v1/deals/{r['id']}")["data"]["title"] for r in data["results"]] == ["Сделка 1", "Сделка 2"]


def test_L590_the_list_envelope(api: Api) -> None:
    """`{ "success": true, "data": [ ... ], "total": 150, "meta": { "hasMore": true } }`."""
    body = api.ok("GET", "/v1/deals")
    assert body["success"] is True and isinstance(body["data"], list)
    assert body["total"] == 402 and body["meta"]["hasMore"] is True


def test_L610_requests_use_camel_case_names(api: Api) -> None:
    """`{ "title": "Сделка", "stageId": "NEW", "assignedById": 1 }`."""
    data = api.ok("POST", "/v1/deals", body={"title": "Сделка", "stageId": "NEW", "assignedById": 1}, status=201)
    assert (data["data"]["stageId"], data["data"]["assignedById"]) == ("NEW", 1)


def test_L618_response_casing_is_camel_case_for_every_entity(api: Api) -> None:
    """Choice: the overview's table says tasks, users, departments, workgroups answer UPPER_CASE
    (`{ "ID": 1, "TITLE": "Задача", "STATUS": "2" }`), but every one of those entity pages says names "are
    automatically converted to camelCase" and the live captures of users/statuses are camelCase: the
    emulator answers camelCase everywhere."""
    for entity in ("tasks", "users", "departments", "workgroups"):
        record = api.ok("GET", f"/v1/{entity}/1")["data"]
        assert "id" in record and "ID" not in record, entity
    assert isinstance(api.ok("GET", "/v1/tasks/1")["data"]["status"], int)


def test_L628_user_fields_keep_their_names(api: Api) -> None:
    """`{ "UF_CRM_1234567890": "значение" }`; both `UF_CRM_*` and `ufCrm_*` are supported (L624-626)."""
    data = api.ok("PATCH", "/v1/deals/741", body={"UF_CRM_1712345678": "значение"})["data"]
    assert data["ufCrm_1712345678"] == "значение"
    data = api.ok("PATCH", "/v1/deals/741", body={"ufCrmScore": 42})["data"]
    assert data["UF_CRM_SCORE"] == 42


# --- Фильтрация и поиск --------------------------------------------------------------------------------


def _all(api: Api, entity: str, flt: object) -> list[dict[str, object]]:
    rows = api.search(entity, {"filter": flt, "limit": 5000})["data"]
    assert isinstance(rows, list)
    return rows


def test_L699_the_same_filter_in_the_query_string_and_in_the_search_body(api: Api) -> None:
    """`GET /v1/{entity}?filter[field]=value` and `POST /v1/{entity}/search {"filter": {...}}` agree."""
    listed = _ids(api.ok("GET", "/v1/deals", "filter[stageId]=NEW&filter[amount][$gte]=100000&limit=5000"))
    searched = [r["id"] for r in _all(api, "deals", {"stageId": "NEW", "amount": {"$gte": 100000}})]
    assert listed == searched and listed


def test_L708_syntax_1_dollar_operators(api: Api) -> None:
    """`{"amount": {"$gte": 50000}, "stageId": {"$ne": "LOST"}, "createdAt": {"$gte": "2026-01-01T00:00:00"}}`."""
    flt = {"amount": {"$gte": 50000}, "stageId": {"$ne": "LOST"}, "createdAt": {"$gte": "2026-01-01T00:00:00"}}
    rows = _all(api, "deals", flt)
    assert rows and all(r["amount"] >= 50000 and r["createdAt"] >= "2026-01-01" for r in rows)


@pytest.mark.parametrize(
    ("flt", "check"),
    [
        ({"amount": {"$gt": 10000}}, lambda r: r["amount"] > 10000),
        ({"amount": {"$gte": 50000}}, lambda r: r["amount"] >= 50000),
        ({"amount": {"$lt": 100000}}, lambda r: r["amount"] < 100000),
        ({"amount": {"$lte": 200000}}, lambda r: r["amount"] <= 200000),
        ({"stageId": {"$ne": "LOSE"}}, lambda r: r["stageId"] != "LOSE"),
        ({"title": {"$contains": "поставка"}}, lambda r: "поставка" in r["title"].lower()),
        ({"stageId": {"$in": ["NEW", "WON"]}}, lambda r: r["stageId"] in ("NEW", "WON")),
        ({"stageId": "NEW"}, lambda r: r["stageId"] == "NEW"),
    ],
)
def test_L724_each_operator_of_the_table(api: Api, flt: dict[str, object], check: object) -> None:
    """The operator table (L724-732) and exact match by a bare value (L734)."""
    rows = _all(api, "deals", flt)
    everything = api.ok("GET", "/v1/deals", "limit=5000")["data"]
    assert rows and [r["id"] for r in rows] == [r["id"] for r in everything if check(r)]  # type: ignore[operator]


def test_L740_several_operators_on_one_field_are_anded(api: Api) -> None:
    flt = {"amount": {"$gte": 50000, "$lte": 200000}, "stageId": {"$ne": "LOST"}}
    rows = _all(api, "deals", flt)
    assert rows and all(50000 <= r["amount"] <= 200000 for r in rows)


def test_L756_syntax_2_prefixes_mean_the_same(api: Api) -> None:
    """`{">=amount": 50000, "<=amount": 200000, "!stageId": "LOST"}` equals the syntax-1 form (L740)."""
    one = _all(api, "deals", {"amount": {"$gte": 50000, "$lte": 200000}, "stageId": {"$ne": "LOST"}})
    two = _all(api, "deals", {">=amount": 50000, "<=amount": 200000, "!stageId": "LOST"})
    assert one == two


def test_L769_prefix_table_greater_less_and_substring(api: Api) -> None:
    """`>`, `<` and `%` prefixes."""
    assert all(r["amount"] > 100000 for r in _all(api, "deals", {">amount": 100000}))
    assert all(r["amount"] < 100000 for r in _all(api, "deals", {"<amount": 100000}))
    assert all("crm" in r["title"].lower() for r in _all(api, "deals", {"%title": "CRM"}))


def test_L784_syntax_3_operator_keys(api: Api) -> None:
    """`{"amount": {">=": 50000}, "stageId": {"!": "LOST"}}`."""
    assert _all(api, "deals", {"amount": {">=": 50000}, "stageId": {"!": "LOST"}}) == _all(
        api, "deals", {"amount": {"$gte": 50000}}
    )


def test_L799_date_fields_take_iso_8601(api: Api) -> None:
    """`{"createdAt": {"$gte": "2026-01-01T00:00:00"}, "closedAt": {"$lte": "2026-03-31T23:59:59"}}`."""
    rows = _all(
        api, "deals", {"createdAt": {"$gte": "2026-01-01T00:00:00"}, "closedAt": {"$lte": "2026-03-31T23:59:59"}}
    )
    assert rows and all(r["createdAt"] >= "2026-01-01" and r["closedAt"] <= "2026-03-31T23:59:59.999Z" for r in rows)


def test_L811_prefix_date_filter(api: Api) -> None:
    """`{ "filter": { ">=createdAt": "2026-03-01T00:00:00" } }`."""
    rows = _all(api, "deals", {">=createdAt": "2026-03-01T00:00:00"})
    assert rows and all(r["createdAt"] >= "2026-03-01" for r in rows)


def test_L817_updated_today(api: Api) -> None:
    """`{ "filter": { "updatedAt": { "$gte": "2026-04-09T00:00:00" } } }` (a date in the seed's recent past)."""
    rows = _all(api, "deals", {"updatedAt": {"$gte": "2026-04-09T00:00:00"}})
    assert rows and all(r["updatedAt"] >= "2026-04-09" for r in rows)


def test_L825_three_not_forms_find_the_same(api: Api) -> None:
    """`{"stageId": {"$ne": "LOSE"}}`, `{"!stageId": "LOSE"}`, `{"stageId": {"!": "LOSE"}}` (the docs write
    LOST; the standard lost stage is LOSE, which makes the exclusion observable)."""
    forms = [{"stageId": {"$ne": "LOSE"}}, {"!stageId": "LOSE"}, {"stageId": {"!": "LOSE"}}]
    results = [_all(api, "deals", f) for f in forms]
    assert results[0] == results[1] == results[2]
    assert len(results[0]) < 402 and all(r["stageId"] != "LOSE" for r in results[0])


def test_L842_three_syntaxes_mixed(api: Api) -> None:
    flt = {"amount": {"$gte": 50000}, "!stageId": "LOST", "createdAt": {">=": "2026-01-01T00:00:00"}}
    rows = _all(api, "deals", flt)
    assert rows == _all(api, "deals", {"amount": {"$gte": 50000}, "createdAt": {"$gte": "2026-01-01T00:00:00"}})


def test_L856_search_endpoint_example(api: Api) -> None:
    """`{"filter": {"stageId": {"$ne": "LOST"}, "amount": {"$gte": 100000}}, "sort": {"amount": "desc"},
    "limit": 200}`."""
    body = {
        "filter": {"stageId": {"$ne": "LOST"}, "amount": {"$gte": 100000}},
        "sort": {"amount": "desc"},
        "limit": 200,
    }
    rows = api.search("deals", body)["data"]
    assert len(rows) == 200 and [r["amount"] for r in rows] == sorted((r["amount"] for r in rows), reverse=True)


def test_L884_deals_by_stage_and_amount(api: Api) -> None:
    rows = _all(api, "deals", {"stageId": "NEW", "amount": {"$gte": 100000}})
    assert rows and all(r["stageId"] == "NEW" and r["amount"] >= 100000 for r in rows)


def test_L896_contacts_by_phone_substring(api: Api) -> None:
    """`{"phone": {"$contains": "+7916"}}` finds the contacts whose number contains "+7916"."""
    rows = _all(api, "contacts", {"phone": {"$contains": "+7916"}})
    assert len(rows) >= 10 and 71 in [r["id"] for r in rows]
    assert all(any("+7916" in p["value"] for p in r["phone"]) for r in rows)


def test_L907_open_tasks_by_numeric_status(api: Api) -> None:
    """`{"status": {"$ne": 5}}`: status is numeric (2 waiting ... 6 deferred)."""
    rows = _all(api, "tasks", {"status": {"$ne": 5}})
    assert rows and all(r["status"] in (2, 3, 4, 6) for r in rows)
    assert len(rows) + len(_all(api, "tasks", {"status": 5})) == 250


def test_L918_leads_for_a_period(api: Api) -> None:
    """Choice: the example filters leads by `createdAt`, but Leads: Fields names the field `createdTime`
    (L32327); the emulator follows the entity's field list and rejects the unknown name."""
    period = {"$gte": "2026-01-01T00:00:00", "$lte": "2026-03-31T23:59:59"}
    rows = _all(api, "leads", {"createdTime": period})
    assert rows and all("2026-01" <= r["createdTime"][:7] <= "2026-03" for r in rows)
    status, error = api.error("POST", "/v1/leads/search", body={"filter": {"createdAt": period}})
    assert (status, error["code"]) == (400, "INVALID_FILTER_FIELD")


def test_L942_filters_inside_a_batch(api: Api) -> None:
    """A `list` with `{"stageId": "NEW"}` and a contacts `search` with `{"phone": {"$contains": "+7"}}`."""
    calls = [
        {"id": "new_deals", "entity": "deals", "action": "list", "params": {"filter": {"stageId": "NEW"}}},
        {
            "id": "search_contacts",
            "entity": "contacts",
            "action": "search",
            "params": {"filter": {"phone": {"$contains": "+7"}}},
        },
    ]
    data = api.ok("POST", "/v1/batch", body={"calls": calls})["data"]
    assert all(r["stageId"] == "NEW" for r in data["results"]["new_deals"])
    assert data["results"]["search_contacts"] and data["summary"]["failed"] == 0


def test_L975_one_request_over_a_wide_range(api: Api) -> None:
    """`closedAt` 2026-03-22..2026-04-22, `sort: {id: 'asc'}`, `limit: 5000`: every record, meta.total real."""
    flt = {"closedAt": {"$gte": "2026-03-22T00:00:00Z", "$lte": "2026-04-22T00:00:00Z"}}
    body = api.search("deals", {"filter": flt, "sort": {"id": "asc"}, "limit": 5000})
    assert body["meta"]["windowCount"] == 5 and body["meta"]["total"] == len(body["data"]) > 0
    assert _ids(body) == sorted(_ids(body))


# --- Коды ошибок ---------------------------------------------------------------------------------------


def test_L1052_error_envelope_for_a_missing_record(api: Api) -> None:
    """`{ "success": false, "error": { "code": "ENTITY_NOT_FOUND", "message": "Элемент не найден" } }` (also L1377)."""
    response = api.call("GET", "/v1/deals/999999")
    assert response.status == 404
    assert response.json() == {"success": False, "error": {"code": "ENTITY_NOT_FOUND", "message": "Элемент не найден"}}


def test_L1181_missing_api_key(api: Api) -> None:
    response = api.call("GET", "/v1/deals", headers={})
    assert response.status == 401
    assert response.json()["error"] == {
        "code": "MISSING_API_KEY",
        "message": "API key required. Pass via X-Api-Key header.",
    }


def test_L1205_invalid_api_key(api: Api) -> None:
    response = api.call("GET", "/v1/deals", headers={"X-Api-Key": "vibe_api_wrong"})
    assert response.status == 401
    assert response.json()["error"] == {"code": "INVALID_API_KEY", "message": "Invalid API key"}


def test_L1280_validation_error_lists_field_problems_in_schema_order(api: Api) -> None:
    """`fields.title: Required; fields.stageId: Expected string, received number`."""
    status, error = api.error("POST", "/v1/deals", body={"stageId": 5})
    assert (status, error) == (
        400,
        {
            "code": "VALIDATION_ERROR",
            "message": "fields.title: Required; fields.stageId: Expected string, received number",
        },
    )


def test_L1306_path_id_must_be_a_positive_integer(api: Api) -> None:
    status, error = api.error("GET", "/v1/deals/abc")
    assert (status, error) == (
        400,
        {"code": "INVALID_PARAMS", "message": "Path parameter :id must be a positive integer"},
    )


def test_L1529_unknown_filter_field(api: Api) -> None:
    """Choice: the errors page shows `422 BITRIX_ERROR "Invalid filter: field 'NON_EXISTENT_FIELD' is not allowed
    in filter"`; the errors table (L1121) and live captures answer `400 INVALID_FILTER_FIELD` before Bitrix is
    called. The emulator validates up front, so this is the answer; the MCP client handles both."""
    status, error = api.error("POST", "/v1/deals/search", body={"filter": {"NON_EXISTENT_FIELD": 1}})
    assert (status, error["code"]) == (400, "INVALID_FILTER_FIELD")
    assert "NON_EXISTENT_FIELD" in error["message"]


# --- Пакетные вызовы -----------------------------------------------------------------------------------


def test_L2137_batch_of_a_list_a_list_and_a_get(api: Api) -> None:
    """The three-call example and its response (L2272-2303): results/totals/errors/summary/meta by call id."""
    calls = [
        {
            "id": "deals",
            "entity": "deals",
            "action": "list",
            "params": {"filter": {"stageId": "NEW"}, "select": ["id", "title", "amount"], "limit": 50},
        },
        {
            "id": "contacts",
            "entity": "contacts",
            "action": "list",
            "params": {"select": ["id", "name", "lastName"], "limit": 20},
        },
        {"id": "user1", "entity": "users", "action": "get", "entityId": 1},
    ]
    data = api.ok("POST", "/v1/batch", body={"calls": calls})["data"]
    assert set(data) == {"results", "totals", "errors", "summary", "meta"}
    assert all(set(r) == {"id", "title", "amount"} for r in data["results"]["deals"])
    assert len(data["results"]["contacts"]) == 20 and data["totals"]["contacts"] == 300
    assert data["summary"] == {"total": 3, "succeeded": 3, "failed": 0} and data["errors"] == {}
    assert data["meta"]["contacts"] == {"total": 300, "returned": 20, "hasMore": True, "truncated": False}
    # Users `get` inside a batch answers an array (L2284-2286); its keys are camelCase (see test_L618).
    assert isinstance(data["results"]["user1"], list) and data["results"]["user1"][0]["id"] == 1


def test_L2310_partial_errors_keep_the_successful_results(api: Api) -> None:
    calls = [
        {"id": "deals", "entity": "deals", "action": "list", "params": {"limit": 1}},
        {"id": "unknown", "entity": "foobar", "action": "list"},
    ]
    data = api.ok("POST", "/v1/batch", body={"calls": calls})["data"]
    assert data["errors"]["unknown"] == {
        "code": "UNKNOWN_ENTITY",
        "message": 'Unknown entity "foobar". Check GET /v1/guide for available entities.',
    }
    assert data["summary"] == {"total": 2, "succeeded": 1, "failed": 1} and len(data["results"]["deals"]) == 1


def test_L2344_all_calls_invalid_is_invalid_request_with_errors_by_id(api: Api) -> None:
    response = api.call("POST", "/v1/batch", body={"calls": [{"id": "x", "entity": "deals", "action": "get"}]})
    assert response.status == 400
    assert response.json() == {
        "success": False,
        "error": {"code": "INVALID_REQUEST", "message": "All calls in the batch failed validation"},
        "data": {"errors": {"x": {"code": "MISSING_ENTITY_ID", "message": 'Action "get" requires entityId.'}}},
    }


# --- Лимиты и оптимизация ------------------------------------------------------------------------------


def test_L2419_list_with_a_big_limit_and_a_filter(api: Api) -> None:
    """`GET /v1/deals?limit=500&filter[stageId]=NEW`: up to 500 records with meta.total and meta.hasMore."""
    body = api.ok("GET", "/v1/deals", "limit=500&filter[stageId]=NEW")
    assert body["meta"]["total"] == len(body["data"]) and body["meta"]["hasMore"] is False
    assert body["meta"]["truncated"] is False


def test_L2431_dashboard_batch(api: Api) -> None:
    """deals list, tasks of responsible 1 (limit 20), users get 1."""
    calls = [
        {"id": "deals", "entity": "deals", "action": "list", "params": {"filter": {"stageId": "NEW"}, "limit": 50}},
        {"id": "tasks", "entity": "tasks", "action": "list", "params": {"filter": {"responsibleId": 1}, "limit": 20}},
        {"id": "user", "entity": "users", "action": "get", "entityId": 1},
    ]
    data = api.ok("POST", "/v1/batch", body={"calls": calls})["data"]
    assert data["summary"]["succeeded"] == 3
    assert all(t["responsibleId"] == 1 for t in data["results"]["tasks"])


def test_L2445_entity_batch_update_of_two_deals(api: Api) -> None:
    """`{"action": "update", "items": [{"id": 575, "stageId": "WON"}, {"id": 741, "stageId": "WON"}]}`."""
    body = {"action": "update", "items": [{"id": 575, "stageId": "WON"}, {"id": 741, "stageId": "WON"}]}
    data = api.ok("POST", "/v1/deals/batch", body=body)["data"]
    assert data["results"][0]["success"] is False and data["results"][0]["error"]["code"] == "ENTITY_NOT_FOUND"
    assert data["results"][1] == {"success": True, "id": 741}
    assert api.ok("GET", "/v1/deals/741")["data"]["stageId"] == "WON"


def test_L2459_entity_batch_read_actions_and_delete_by_ids(api: Api) -> None:
    """Actions create/update/delete/list/get/fields: `ids` for delete, `calls` for reads."""
    read = api.ok("POST", "/v1/deals/batch", body={"action": "get", "calls": [{"id": "a", "entityId": 741}]})["data"]
    assert read["results"]["a"]["title"] == "Поставка оборудования"
    gone = api.ok("POST", "/v1/deals/batch", body={"action": "delete", "ids": [741, 742]})["data"]
    assert gone["summary"] == {"total": 2, "succeeded": 2, "failed": 0}


def test_L2467_scan_then_related_records_in_batches_of_50(api: Api) -> None:
    """`GET /v1/deals?limit=5000&select=id,title,companyId,assignedById`, then companies/users by id in /v1/batch."""
    deals = api.ok("GET", "/v1/deals", "limit=5000&select=id,title,companyId,assignedById")["data"]
    assert len(deals) == 402 and set(deals[0]) == {"id", "title", "companyId", "assignedById"}
    calls = [
        {"id": "company-15", "entity": "companies", "action": "get", "entityId": 15},
        {"id": "company-22", "entity": "companies", "action": "get", "entityId": 22},
        {"id": "user-1", "entity": "users", "action": "get", "entityId": 1},
    ]
    data = api.ok("POST", "/v1/batch", body={"calls": calls})["data"]
    assert data["results"]["company-15"]["title"] == "ООО Ромашка" and data["summary"]["failed"] == 0


def test_L2491_operator_outermost_date_window(api: Api) -> None:
    """`{"$gte": {"createdAt": "2026-01-01"}, "$lte": {"createdAt": "2026-04-30"}}` with select and limit 5000:
    split into 7-day windows (`meta.windowCount`, L2503)."""
    body = {
        "filter": {"$gte": {"createdAt": "2026-01-01"}, "$lte": {"createdAt": "2026-04-30"}},
        "select": ["id", "title", "stageId"],
        "limit": 5000,
    }
    result = api.search("deals", body)
    assert result["meta"]["windowCount"] == 17 and result["meta"]["windowErrors"] == 0
    assert result["data"] and all(set(r) == {"id", "title", "stageId"} for r in result["data"])


def test_L2518_aggregate_instead_of_loading_records(api: Api) -> None:
    """sum/avg of amount over WON, grouped by assignedById."""
    body = {
        "aggregate": [{"field": "amount", "function": "sum"}, {"field": "amount", "function": "avg"}],
        "filter": {"stageId": "WON"},
        "groupBy": "assignedById",
    }
    data = api.ok("POST", "/v1/deals/aggregate", body=body)["data"]
    assert sum(g["count"] for g in data["groups"]) == data["count"] > 0
    assert all(set(g) == {"assignedById", "count", "aggregates"} for g in data["groups"])


# --- Связанные данные (include) ------------------------------------------------------------------------


def test_L10291_get_with_two_includes(api: Api) -> None:
    """`GET /v1/deals/741?include=contact,company` -> `_included.contacts` (array) and `_included.company`."""
    data = api.ok("GET", "/v1/deals/741", "include=contact,company")["data"]
    assert (data["id"], data["contactId"], data["companyId"]) == (741, 71, 15)
    contact = data["_included"]["contacts"][0]
    assert (contact["id"], contact["name"], contact["lastName"], contact["isPrimary"], contact["sort"]) == (
        71,
        "Иван",
        "Петров",
        True,
        10,
    )
    # Choice: the example shows raw Bitrix `[{ "VALUE": "+79161234567" }]`; the emulator keeps the multifield
    # shape the create pages send and live records return, `{value, valueType}`.
    assert contact["phone"] == [{"value": "+79161234567", "valueType": "WORK"}]
    assert data["_included"]["company"] == {
        **data["_included"]["company"],
        "id": 15,
        "title": "ООО Ромашка",
        "industry": "IT",
    }


def test_L10345_one_to_one_include(api: Api) -> None:
    data = api.ok("GET", "/v1/leads/50", "include=contact")["data"]
    assert (data["title"], data["contactId"]) == ("Заявка с сайта", 71)
    assert data["_included"]["contact"]["lastName"] == "Петров"


def test_L10367_an_empty_or_zero_reference_includes_null(api: Api) -> None:
    assert api.ok("GET", "/v1/leads/51", "include=contact")["data"]["_included"] == {"contact": None}


def test_L10380_many_to_many_include_carries_link_fields(api: Api) -> None:
    contacts = api.ok("GET", "/v1/deals/741", "include=contact")["data"]["_included"]["contacts"]
    links = [(c["id"], c["name"], c["isPrimary"], c["sort"], c["roleId"]) for c in contacts]
    assert links == [(71, "Иван", True, 10, 0), (85, "Мария", False, 20, 0)]


def test_L10417_include_on_a_list(api: Api) -> None:
    """`GET /v1/deals?limit=10&include=company`: each record gets `_included.company`."""
    rows = api.ok("GET", "/v1/deals", "limit=10&include=company")["data"]
    assert all("company" in r["_included"] for r in rows)
    assert all((r["_included"]["company"] or {}).get("id") == r["companyId"] for r in rows if r["companyId"])


def test_L10470_include_in_a_search_body(api: Api) -> None:
    body = {"filter": {"stageId": "NEW", "amount": {"$gte": 100000}}, "include": ["contact", "company"], "limit": 50}
    rows = api.search("deals", body)["data"]
    assert rows and all(set(r["_included"]) == {"contacts", "company"} for r in rows)


def test_L10503_three_includes_at_once_and_no_more(api: Api) -> None:
    """`GET /v1/quotes/18?include=deal,contact,company`: up to 3 relations at once, not 4."""
    included = api.ok("GET", "/v1/quotes/18", "include=deal,contact,company")["data"]["_included"]
    assert set(included) == {"deal", "contact", "company"} and included["deal"]["id"]
    status, error = api.error("GET", "/v1/deals/741", "include=contact,company,a,b")
    assert (status, error["code"]) == (400, "INCLUDE_LIMIT_EXCEEDED")


def test_L10523_include_is_skipped_above_200_records(api: Api) -> None:
    body = api.ok("GET", "/v1/deals", "limit=201&include=company")
    assert body["meta"]["includeSkipped"] is True and "_included" not in body["data"][0]


def test_L10548_fields_lists_the_available_includes(api: Api) -> None:
    """The example shows `["contact", "company"]`; Deals: Fields (L25646) adds `quote`, served too."""
    assert api.ok("GET", "/v1/deals/fields")["data"]["include"] == ["contact", "company", "quote"]


def test_L10571_unknown_include(api: Api) -> None:
    status, error = api.error("GET", "/v1/deals/741", "include=manager")
    assert (status, error) == (
        400,
        {"code": "INVALID_INCLUDE", "message": "Unknown include 'manager'. Available: contact, company, quote"},
    )
