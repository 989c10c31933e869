"""The docs' pages of tasks, users, statuses, deal categories, currencies, departments and workgroups,
example by example; each test names its doc line (docs dump of 2026-05-05).

The legacy entity pages (Tasks, Users, Departments, Workgroups) give templated curl examples; where a
template cannot hold (an update with `title` on entities that have no such field), the test says so.
"""

from __future__ import annotations

import pytest

from .conftest import Api
from .docs_portal import docs_api

NOW = "2026-04-14T08:23:59.000Z"


@pytest.fixture
def api() -> Api:
    return docs_api()


# --- Tasks -----------------------------------------------------------------------------------------------


def test_L19559_tasks_list(api: Api) -> None:
    """`GET /v1/tasks?limit=10`."""
    body = api.ok("GET", "/v1/tasks", "limit=10")
    assert len(body["data"]) == 10 and body["meta"]["total"] == 250


def test_L19566_tasks_get_has_the_documented_fields(api: Api) -> None:
    """`GET /v1/tasks/123`; field table L19517-19535, status and priority numeric (L19522-19523)."""
    data = api.ok("GET", "/v1/tasks/123")["data"]
    documented = [
        "id", "title", "description", "responsibleId", "createdBy", "status", "priority", "groupId", "parentId",
        "deadline", "startDatePlan", "endDatePlan", "timeEstimate", "tags", "accomplices", "auditors",
        "closedDate", "createdDate", "changedDate",
    ]  # fmt: skip
    assert set(documented) <= set(data)
    assert data["status"] in (2, 3, 4, 5, 6) and data["priority"] in (0, 1, 2)


def test_L19573_tasks_create(api: Api) -> None:
    """`{"title":"value","description":"value","responsibleId":1}`: status 2 and priority 1 by default."""
    response = api.call("POST", "/v1/tasks", body={"title": "value", "description": "value", "responsibleId": 1})
    assert response.status == 201
    data = response.json()["data"]
    assert (data["title"], data["responsibleId"], data["createdBy"], data["status"], data["priority"]) == (
        "value",
        1,
        1,
        2,
        1,
    )
    assert (data["createdDate"], data["changedDate"], data["closedDate"]) == (NOW, NOW, None)


def test_L19582_tasks_update(api: Api) -> None:
    """`PATCH /v1/tasks/123 {"title":"updated"}`; completing it stamps closedDate."""
    data = api.ok("PATCH", "/v1/tasks/123", body={"title": "updated"})["data"]
    assert (data["title"], data["changedDate"]) == ("updated", NOW)
    open_task = api.search("tasks", {"filter": {"status": {"$ne": 5}}, "limit": 1})["data"][0]["id"]
    assert api.ok("PATCH", f"/v1/tasks/{open_task}", body={"status": 5})["data"]["closedDate"] == NOW


def test_L19590_tasks_delete(api: Api) -> None:
    assert api.call("DELETE", "/v1/tasks/123").status == 204
    assert api.error("GET", "/v1/tasks/123")[0] == 404


def test_L19597_tasks_in_a_batch(api: Api) -> None:
    """`{"calls":[{"entity":"tasks","action":"list","params":{"limit":5}}]}` (call id defaults to "0")."""
    data = api.ok("POST", "/v1/batch", body={"calls": [{"entity": "tasks", "action": "list", "params": {"limit": 5}}]})
    assert len(data["data"]["results"]["0"]) == 5


def test_L39995_tasks_aggregate_sum_and_avg_of_status(api: Api) -> None:
    """`{"aggregate": [{"field": "status", "function": "sum"}, {"field": "status", "function": "avg"}]}`: status
    is numeric, so this answers 200 (response L40038-40052)."""
    body = {"aggregate": [{"field": "status", "function": "sum"}, {"field": "status", "function": "avg"}]}
    data = api.ok("POST", "/v1/tasks/aggregate", body=body)["data"]
    statuses = [t["status"] for t in api.ok("GET", "/v1/tasks", "limit=5000")["data"]]
    assert data["count"] == 250 and data["aggregates"]["status"]["sum"] == sum(statuses)
    assert data["aggregates"]["status"]["avg"] == pytest.approx(sum(statuses) / 250, abs=0.01)
    assert data["meta"] == {"totalRecords": 250, "recordsProcessed": 250, "truncated": False}


def test_L40012_tasks_aggregate_in_javascript(api: Api) -> None:
    """`aggregate: [{ field: 'status', function: 'sum' }]` then `data.count`."""
    data = api.ok("POST", "/v1/tasks/aggregate", body={"aggregate": [{"field": "status", "function": "sum"}]})["data"]
    assert data["count"] == 250


def test_L40079_tasks_group_by_status_and_priority(api: Api) -> None:
    """Known specifics: groupBy a string or an array, flat group keys; without aggregate only count."""
    groups = api.ok("POST", "/v1/tasks/aggregate", body={"groupBy": ["status", "priority"]})["data"]["groups"]
    assert all(set(g) == {"status", "priority", "count", "aggregates"} for g in groups)
    assert {g["status"] for g in groups} == {2, 3, 4, 5, 6}
    assert api.ok("POST", "/v1/tasks/aggregate", body={})["data"] == {
        "count": 250,
        "aggregates": {},
        "meta": {"totalRecords": 250, "recordsProcessed": 0, "truncated": False},
    }


def test_L40067_tasks_aggregate_errors(api: Api) -> None:
    """INVALID_PARAMS for an unknown field or function and for more than 5 groupBy fields."""
    bad_field = {"aggregate": [{"field": "nope", "function": "sum"}]}
    assert api.error("POST", "/v1/tasks/aggregate", body=bad_field)[1]["code"] == "INVALID_PARAMS"
    bad_function = {"aggregate": [{"field": "status", "function": "median"}]}
    assert api.error("POST", "/v1/tasks/aggregate", body=bad_function)[1]["code"] == "INVALID_PARAMS"
    too_many = {"groupBy": ["status", "priority", "responsibleId", "groupId", "status", "priority"]}
    assert api.error("POST", "/v1/tasks/aggregate", body=too_many)[1]["code"] == "INVALID_PARAMS"


# --- Users -----------------------------------------------------------------------------------------------


def test_L19800_users_list_and_get(api: Api) -> None:
    assert len(api.ok("GET", "/v1/users", "limit=10")["data"]) == 10
    data = api.ok("GET", "/v1/users/1")["data"]
    assert {"id", "name", "lastName", "email", "active", "workPosition", "departmentId"} <= set(data)


def test_L19814_users_create(api: Api) -> None:
    """`{"name":"value","lastName":"value","email":"value"}`."""
    data = api.ok("POST", "/v1/users", body={"name": "value", "lastName": "value", "email": "value"}, status=201)
    assert (data["data"]["name"], data["data"]["email"]) == ("value", "value")


def test_L19823_users_update(api: Api) -> None:
    body = {"name": "Обновлённое имя", "workPosition": "Senior Developer"}
    data = api.ok("PATCH", "/v1/users/3", body=body)["data"]
    assert (data["name"], data["workPosition"]) == ("Обновлённое имя", "Senior Developer")


def test_L19844_users_update_of_a_readonly_field_is_refused_up_front(api: Api) -> None:
    """`isAdmin`, `lastLogin`, ... -> 400 READONLY_FIELD before Bitrix24 is called (L19890)."""
    status, error = api.error("PATCH", "/v1/users/3", body={"isAdmin": True})
    assert (status, error["code"]) == (400, "READONLY_FIELD")
    assert api.ok("GET", "/v1/users/3")["data"]["isAdmin"] is False


def test_L19849_users_delete_is_a_soft_delete(api: Api) -> None:
    """Choice: the page lists delete as disabled (L19777) and documents it as a soft delete (L19846-19871);
    the emulator serves the soft delete: `{id, active: false, deactivated: true, user}`; PATCH active=true
    restores the user."""
    response = api.call("DELETE", "/v1/users/5")
    assert response.status == 200
    data = response.json()["data"]
    assert (data["id"], data["active"], data["deactivated"], data["user"]["id"]) == (5, False, True, 5)
    assert api.ok("GET", "/v1/users/5")["data"]["active"] is False
    assert api.ok("PATCH", "/v1/users/5", body={"active": True})["data"]["active"] is True


def test_L19888_users_delete_with_a_bad_id(api: Api) -> None:
    """`INVALID_ID` for a non-numeric id: the emulator answers INVALID_PARAMS, its code for every bad path id."""
    status, error = api.error("DELETE", "/v1/users/abc")
    assert (status, error["code"]) == (400, "INVALID_PARAMS")


def test_L19878_users_in_a_batch(api: Api) -> None:
    data = api.ok("POST", "/v1/batch", body={"calls": [{"entity": "users", "action": "list", "params": {"limit": 5}}]})
    assert len(data["data"]["results"]["0"]) == 5


# --- Statuses --------------------------------------------------------------------------------------------


def test_L39288_statuses_create_and_its_duplicate(api: Api) -> None:
    """`{"entityId": "SOURCE", "statusId": "PARTNER", "name": "Партнёр", "sort": 50}`: the demo portal already
    has SOURCE/PARTNER, so this is the duplicate of L39370 (422 BITRIX_ERROR); a new code gives the
    response of L39346-39360."""
    body = {"entityId": "SOURCE", "statusId": "PARTNER", "name": "Партнёр", "sort": 50}
    assert api.error("POST", "/v1/statuses", body=body) == (
        422,
        {"code": "BITRIX_ERROR", "message": "Duplicate STATUS_ID for this ENTITY_ID"},
    )
    data = api.ok("POST", "/v1/statuses", body={**body, "statusId": "RESELLER"}, status=201)["data"]
    expected = {"entityId": "SOURCE", "statusId": "RESELLER", "name": "Партнёр", "nameInit": "", "sort": 50}
    assert {k: data[k] for k in expected} == expected
    assert (data["system"], data["color"], data["semantics"]) == ("N", "", None)


def test_L39413_statuses_delete(api: Api) -> None:
    """204 for a custom status; 422 BITRIX_ERROR "Status is not found." for a missing or system one (L39466)."""
    created = api.ok("POST", "/v1/statuses", body={"entityId": "SOURCE", "statusId": "X1", "name": "X"}, status=201)
    assert api.call("DELETE", f"/v1/statuses/{created['data']['id']}").status == 204
    refused = (422, {"code": "BITRIX_ERROR", "message": "Status is not found."})
    assert api.error("DELETE", f"/v1/statuses/{created['data']['id']}") == refused
    assert api.error("DELETE", "/v1/statuses/1") == refused  # a system stage


def test_L39510_statuses_fields(api: Api) -> None:
    """Choice: this page answers raw UPPER keys without a `fields` wrapper (L39560-39572); the emulator
    answers every entity in one shape (camelCase names under `fields`, see test_api_contract)."""
    fields = api.ok("GET", "/v1/statuses/fields")["data"]["fields"]
    assert {"id", "entityId", "statusId", "name", "sort", "color", "semantics"} <= set(fields)


def test_L39627_statuses_get(api: Api) -> None:
    """`GET /v1/statuses/1` (response L39679-39690); a missing one is 404 NOT_FOUND "Status not found"."""
    data = api.ok("GET", "/v1/statuses/1")["data"]
    expected = {"id": 1, "entityId": "DEAL_STAGE", "statusId": "NEW", "name": "Новая", "nameInit": "Новая"}
    assert {k: data[k] for k in expected} == expected and (data["sort"], data["semantics"]) == (10, "P")
    assert api.error("GET", "/v1/statuses/99999") == (404, {"code": "NOT_FOUND", "message": "Status not found"})


def test_L39745_statuses_list_of_deal_stages_by_sort(api: Api) -> None:
    """`?filter[entityId]=DEAL_STAGE&order[sort]=asc` (response L39797-39818)."""
    body = api.ok("GET", "/v1/statuses", "filter[entityId]=DEAL_STAGE&order[sort]=asc")
    rows = body["data"]
    assert [r["statusId"] for r in rows] == [
        "NEW",
        "PREPARATION",
        "PREPAYMENT_INVOICE",
        "EXECUTING",
        "FINAL_INVOICE",
        "WON",
        "LOSE",
    ]
    assert (rows[-2]["semantics"], rows[-2]["color"]) == ("S", "7BD500") and body["meta"]["hasMore"] is False


def test_L39881_statuses_update_answers_true(api: Api) -> None:
    """`PATCH /v1/statuses/42 {"name": "Предоплата получена", "sort": 35}` -> `data: true` (L39929-39932);
    a missing status -> 404 NOT_FOUND (L39938-39941)."""
    assert api.ok("PATCH", "/v1/statuses/3", body={"name": "Предоплата получена", "sort": 35}) == {
        "success": True,
        "data": True,
    }
    assert api.ok("GET", "/v1/statuses/3")["data"]["name"] == "Предоплата получена"
    assert api.error("PATCH", "/v1/statuses/99999", body={"sort": 1}) == (
        404,
        {"code": "NOT_FOUND", "message": "Status not found"},
    )


# --- Deal categories -------------------------------------------------------------------------------------


def test_L24403_deal_categories_create_answers_the_id(api: Api) -> None:
    """`{"name": "Корпоративные продажи", "sort": 200}` -> `data: {id: 3}` (L24455-24458).

    Choice: a create without `name` is 422 BITRIX_ERROR "NAME is required" on the page (L24467); the
    emulator checks required fields up front for every entity: 400 VALIDATION_ERROR "fields.name: Required"."""
    created = api.call("POST", "/v1/deal-categories", body={"name": "Корпоративные продажи", "sort": 200})
    assert (created.status, created.json()["data"]) == (201, {"id": 3})
    data = api.ok("GET", "/v1/deal-categories/3")["data"]
    assert (data["name"], data["sort"], data["isLocked"], data["createdAt"]) == ("Корпоративные продажи", 200, "N", NOW)
    assert api.error("POST", "/v1/deal-categories", body={"sort": 1}) == (
        400,
        {"code": "VALIDATION_ERROR", "message": "fields.name: Required"},
    )


def test_L24510_deal_categories_delete(api: Api) -> None:
    """204; 422 BITRIX_ERROR "Not found." for a missing pipeline or the main one (L24563-24572)."""
    assert api.call("DELETE", "/v1/deal-categories/2").status == 204
    refused = (422, {"code": "BITRIX_ERROR", "message": "Not found."})
    assert api.error("DELETE", "/v1/deal-categories/2") == refused
    assert api.error("DELETE", "/v1/deal-categories/0") == refused


def test_L24608_deal_categories_fields(api: Api) -> None:
    """The Vibe shape this page shows (L24654-24666): `{type, readonly}` and `batch`."""
    data = api.ok("GET", "/v1/deal-categories/fields")["data"]
    assert {"id", "name", "sort", "isLocked", "createdAt"} <= set(data["fields"])
    assert data["fields"]["id"]["readonly"] is True and data["fields"]["name"]["readonly"] is False
    assert "batch" in data


def test_L24721_deal_categories_get(api: Api) -> None:
    data = api.ok("GET", "/v1/deal-categories/1")["data"]
    assert (data["id"], data["name"], data["isLocked"]) == (1, "Тендеры", "N")
    assert api.error("GET", "/v1/deal-categories/99") == (
        404,
        {"code": "NOT_FOUND", "message": "Deal category not found"},
    )


def test_L24832_deal_categories_list_by_sort_with_the_main_pipeline_as_0(api: Api) -> None:
    rows = api.ok("GET", "/v1/deal-categories", "order[sort]=asc")["data"]
    assert [(r["id"], r["name"]) for r in rows][0] == (0, "Общая")
    assert [r["sort"] for r in rows] == sorted(r["sort"] for r in rows)


def test_L24959_deal_categories_update_answers_true(api: Api) -> None:
    assert api.ok("PATCH", "/v1/deal-categories/1", body={"name": "Корпоративные продажи B2B"})["data"] is True
    assert api.ok("GET", "/v1/deal-categories/1")["data"]["name"] == "Корпоративные продажи B2B"
    assert api.error("PATCH", "/v1/deal-categories/99", body={"name": "x"})[1]["code"] == "NOT_FOUND"


# --- Currencies ------------------------------------------------------------------------------------------


def test_L23699_currencies_create_answers_the_code(api: Api) -> None:
    """`{"id": "CNY", "amount": 12.7, "amountCnt": 1, "fullName": "Китайский юань", "sort": 300}` -> `{id: "CNY"}`;
    again -> 422 BITRIX_ERROR "Currency already exists" (L23769)."""
    body = {"id": "CNY", "amount": 12.7, "amountCnt": 1, "fullName": "Китайский юань", "sort": 300}
    assert api.ok("POST", "/v1/currencies", body=body, status=201)["data"] == {"id": "CNY"}
    assert api.error("POST", "/v1/currencies", body=body) == (
        422,
        {"code": "BITRIX_ERROR", "message": "Currency already exists"},
    )


def test_L23812_currencies_delete_but_not_the_base_one(api: Api) -> None:
    assert api.call("DELETE", "/v1/currencies/EUR").status == 204
    assert api.error("DELETE", "/v1/currencies/RUB") == (
        422,
        {"code": "BITRIX_ERROR", "message": "Нельзя удалить базовую валюту."},
    )


def test_L23909_currencies_fields(api: Api) -> None:
    """Choice: this page answers raw UPPER Bitrix keys (CURRENCY, AMOUNT_CNT, ...) without a `fields` wrapper;
    the emulator keeps one shape for every entity. The page's `isRequired` flags are the basis of the
    required rule (L23964-23966)."""
    fields = api.ok("GET", "/v1/currencies/fields")["data"]["fields"]
    assert {"id", "amount", "amountCnt", "base", "sort", "formatString", "fullName", "decimals"} <= set(fields)
    assert api.error("POST", "/v1/currencies", body={"id": "KZT"})[1]["message"] == (
        "fields.amount: Required; fields.amountCnt: Required"
    )


def test_L24030_currencies_get(api: Api) -> None:
    """`GET /v1/currencies/USD` (response L24083-24096)."""
    data = api.ok("GET", "/v1/currencies/USD")["data"]
    expected = {"id": "USD", "fullName": "Доллар США", "amount": 92.5, "amountCnt": 1, "base": False, "sort": 200}
    assert {k: data[k] for k in expected} == expected
    assert (data["formatString"], data["decimals"], data["decPoint"], data["thousandsSep"]) == ("$#", 2, ".", ",")
    assert api.error("GET", "/v1/currencies/XXX") == (404, {"code": "NOT_FOUND", "message": "Currency not found"})


def test_L24152_currencies_list_with_select(api: Api) -> None:
    """`?select=id,fullName,amount,base`; RUB is the base currency with rate 1 (printed as 1, not 1.0)."""
    response = api.call("GET", "/v1/currencies", "select=id,fullName,amount,base")
    rows = response.json()["data"]
    assert [r["id"] for r in rows] == ["EUR", "RUB", "USD"]
    assert all(set(r) == {"id", "fullName", "amount", "base"} for r in rows)
    assert b'"amount":1,' in response.body and [r["id"] for r in rows if r["base"]] == ["RUB"]


def test_L24296_currencies_update_answers_true(api: Api) -> None:
    assert api.ok("PATCH", "/v1/currencies/USD", body={"amount": 94.2})["data"] is True
    assert api.ok("GET", "/v1/currencies/USD")["data"]["amount"] == 94.2
    assert api.error("PATCH", "/v1/currencies/XXX", body={"amount": 1})[0] == 404


# --- Departments and workgroups --------------------------------------------------------------------------


def test_L17897_departments_list_and_get(api: Api) -> None:
    rows = api.ok("GET", "/v1/departments", "limit=10")["data"]
    assert [r["name"] for r in rows] == ["Руководство", "Продажи", "Маркетинг", "Поддержка"]
    assert api.ok("GET", "/v1/departments/2")["data"]["parentId"] == 1


def test_L17911_departments_create(api: Api) -> None:
    """`{"name":"value","parentId":1,"headId":1}`."""
    data = api.ok("POST", "/v1/departments", body={"name": "value", "parentId": 1, "headId": 1}, status=201)["data"]
    assert (data["id"], data["name"], data["parentId"], data["headId"]) == (5, "value", 1, 1)


def test_L17920_departments_update_with_the_templates_title(api: Api) -> None:
    """Choice: the page's templated update sends `{"title":"updated"}`, but departments have no `title` (field
    table L17885-17890): rejected naming the field; `name` is the field that holds the title."""
    status, error = api.error("PATCH", "/v1/departments/4", body={"title": "updated"})
    assert (status, error) == (400, {"code": "VALIDATION_ERROR", "message": "fields.title: Unknown field"})
    assert api.ok("PATCH", "/v1/departments/4", body={"name": "updated"})["data"]["name"] == "updated"


def test_L17929_departments_delete_and_batch(api: Api) -> None:
    assert api.call("DELETE", "/v1/departments/4").status == 204
    calls = [{"entity": "departments", "action": "list", "params": {"limit": 5}}]
    assert len(api.ok("POST", "/v1/batch", body={"calls": calls})["data"]["results"]["0"]) == 3


def test_L19936_workgroups_list_and_get(api: Api) -> None:
    assert len(api.ok("GET", "/v1/workgroups", "limit=10")["data"]) == 5
    data = api.ok("GET", "/v1/workgroups/1")["data"]
    assert {"id", "name", "description", "active", "visible", "opened", "ownerId", "membersCount"} <= set(data)


def test_L19950_workgroups_create_with_a_string_boolean(api: Api) -> None:
    """`{"name":"value","description":"value","active":"true"}`: the string "true" is read as a boolean."""
    body = {"name": "value", "description": "value", "active": "true"}
    data = api.ok("POST", "/v1/workgroups", body=body, status=201)["data"]
    assert (data["name"], data["active"], data["dateCreate"]) == ("value", True, NOW)


def test_L19959_workgroups_update_with_the_templates_title(api: Api) -> None:
    """Choice: as for departments, the templated `{"title":"updated"}` names a field workgroups lack."""
    assert api.error("PATCH", "/v1/workgroups/1", body={"title": "updated"})[1]["message"] == (
        "fields.title: Unknown field"
    )


def test_L19968_workgroups_delete_and_batch(api: Api) -> None:
    assert api.call("DELETE", "/v1/workgroups/5").status == 204
    calls = [{"entity": "workgroups", "action": "list", "params": {"limit": 5}}]
    assert len(api.ok("POST", "/v1/batch", body={"calls": calls})["data"]["results"]["0"]) == 4
