"""`POST /v1/batch` from `# Пакетные вызовы`, and `POST /v1/{entity}/batch` from `# Лимиты и оптимизация`."""

from __future__ import annotations

from .conftest import Api

DOCS_CALLS = [
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
        "params": {"select": ["id", "name", "lastName"], "limit": 1},
    },
    {"id": "user1", "entity": "users", "action": "get", "entityId": 1},
]


def test_the_docs_batch_example_answers_results_totals_summary_and_meta(small: Api) -> None:
    """Пакетные вызовы, curl example and "Пример ответа". Choice: users `get` answers a one-element array
    ("Известные особенности") but in camelCase, as the live captures show."""
    data = small.ok("POST", "/v1/batch", body={"calls": DOCS_CALLS})["data"]
    assert data["results"]["deals"] == [{"id": 1, "title": "Поставка оборудования", "amount": 50000.0}]
    assert data["results"]["contacts"] == [{"id": 71, "name": "Иван", "lastName": "Петров"}]
    assert data["results"]["user1"][0]["name"] == "Летта"
    assert data["totals"] == {"deals": 1, "contacts": 2}
    assert data["errors"] == {}
    assert data["summary"] == {"total": 3, "succeeded": 3, "failed": 0}
    assert data["meta"] == {
        "deals": {"total": 1, "returned": 1, "hasMore": False, "truncated": False},
        "contacts": {"total": 2, "returned": 1, "hasMore": True, "truncated": False},
    }


def test_a_single_get_by_id_stays_an_object_for_users(small: Api) -> None:
    """Users: Get by ID is an object on the entity route; only the batch answer is an array (see above)."""
    assert small.ok("GET", "/v1/users/1")["data"]["id"] == 1


def test_partial_failure_keeps_success_true(small: Api) -> None:
    """Пакетные вызовы, "Частичные ошибки": the unknown-entity example message."""
    calls = [DOCS_CALLS[0], {"id": "unknown", "entity": "foobar", "action": "list"}]
    response = small.call("POST", "/v1/batch", body={"calls": calls})
    assert response.status == 200
    data = response.json()["data"]
    assert data["errors"] == {
        "unknown": {
            "code": "UNKNOWN_ENTITY",
            "message": 'Unknown entity "foobar". Check GET /v1/guide for available entities.',
        }
    }
    assert data["summary"] == {"total": 2, "succeeded": 1, "failed": 1}


def test_execution_errors_are_per_call_too(small: Api) -> None:
    """Пакетные вызовы: a failed call does not cancel the others (here: a missing record)."""
    calls = [{"id": "gone", "entity": "deals", "action": "get", "entityId": 999}, DOCS_CALLS[2]]
    data = small.ok("POST", "/v1/batch", body={"calls": calls})["data"]
    assert data["errors"]["gone"]["code"] == "ENTITY_NOT_FOUND"
    assert list(data["results"]) == ["user1"]


def test_all_calls_invalid_is_400_with_the_errors_by_id(small: Api) -> None:
    """Пакетные вызовы, "Пример ответа при ошибке": MISSING_ENTITY_ID for a get without entityId."""
    response = small.call("POST", "/v1/batch", body={"calls": [{"id": "x", "entity": "deals", "action": "get"}]})
    assert response.status == 400
    assert response.json() == {
        "success": False,
        "error": {"code": "INVALID_REQUEST", "message": "All calls in the batch failed validation"},
        "data": {"errors": {"x": {"code": "MISSING_ENTITY_ID", "message": 'Action "get" requires entityId.'}}},
    }


def test_call_count_must_be_between_1_and_50(small: Api) -> None:
    """Коды ошибок, BATCH_LIMIT_EXCEEDED note: /v1/batch answers INVALID_REQUEST "Array must contain at most
    50 element(s)"."""
    calls = [{"entity": "deals", "action": "fields"}] * 51
    assert small.error("POST", "/v1/batch", body={"calls": calls}) == (
        400,
        {"code": "INVALID_REQUEST", "message": "Array must contain at most 50 element(s)"},
    )
    assert small.error("POST", "/v1/batch", body={"calls": []})[1]["code"] == "INVALID_REQUEST"
    assert small.error("POST", "/v1/batch", body={})[1]["code"] == "INVALID_REQUEST"


def test_call_ids_default_to_their_index(small: Api) -> None:
    """Пакетные вызовы, call `id`: "Если не передан — присваивается порядковый индекс"."""
    calls = [{"entity": "deals", "action": "fields"}, {"entity": "deals", "action": "list", "params": {"limit": 1}}]
    data = small.ok("POST", "/v1/batch", body={"calls": calls})["data"]
    assert set(data["results"]) == {"0", "1"}
    assert data["results"]["0"]["fields"]["title"]["type"] == "string"


def test_unsupported_action_and_malformed_call(small: Api) -> None:
    """Пакетные вызовы, errors: ACTION_NOT_SUPPORTED (statuses have no search), INVALID_CALL (no entity)."""
    calls = [
        {"id": "a", "entity": "statuses", "action": "search"},
        {"id": "b", "action": "list"},
        {"id": "c", "entity": "deals", "action": "list"},
    ]
    errors = small.ok("POST", "/v1/batch", body={"calls": calls})["data"]["errors"]
    assert (errors["a"]["code"], errors["b"]["code"]) == ("ACTION_NOT_SUPPORTED", "INVALID_CALL")


def test_writes_in_a_batch_apply_in_order(small: Api) -> None:
    """Пакетные вызовы, params: create/update take camelCase fields; delete needs entityId."""
    calls = [
        {"id": "new", "entity": "deals", "action": "create", "params": {"title": "Из пакета"}},
        {"id": "upd", "entity": "deals", "action": "update", "entityId": 1, "params": {"amount": 1}},
        {"id": "del", "entity": "deals", "action": "delete", "entityId": 2},
    ]
    data = small.ok("POST", "/v1/batch", body={"calls": calls})["data"]
    assert data["results"]["new"]["id"] == 5
    assert data["results"]["upd"]["amount"] == 1
    assert data["results"]["del"] is True
    assert small.ids("deals", {}) == [1, 3, 4, 5]


def test_entity_batch_reports_each_item_in_an_undocumented_shape(small: Api) -> None:
    """Лимиты и оптимизация, `POST /v1/deals/batch` update example. The per-item result shape is NOT
    documented upstream ("массив результатов с пометкой success"): `{success, id}` / `{success, id?, error}`."""
    body = {"action": "update", "items": [{"id": 1, "stageId": "WON"}, {"id": 999, "stageId": "WON"}, {"stageId": "X"}]}
    data = small.ok("POST", "/v1/deals/batch", body=body)["data"]
    assert data["results"] == [
        {"success": True, "id": 1},
        {"success": False, "error": {"code": "ENTITY_NOT_FOUND", "message": "Элемент не найден"}, "id": 999},
        {"success": False, "error": {"code": "VALIDATION_ERROR", "message": "items.id: Required"}},
    ]
    assert data["summary"] == {"total": 3, "succeeded": 1, "failed": 2}
    assert small.ok("GET", "/v1/deals/1")["data"]["stageId"] == "WON"


def test_entity_batch_creates_and_deletes_by_ids(small: Api) -> None:
    """Обзор API `{ "action": "create", "items": [{ "title": "Сделка 1" }, ...] }`; delete takes `ids`."""
    created = small.ok("POST", "/v1/deals/batch", body={"action": "create", "items": [{"title": "С1"}, {"amount": 1}]})
    assert created["data"]["results"][0] == {"success": True, "id": 5}
    assert created["data"]["results"][1]["error"] == {"code": "VALIDATION_ERROR", "message": "fields.title: Required"}
    deleted = small.ok("POST", "/v1/deals/batch", body={"action": "delete", "ids": [5, 2]})["data"]
    assert deleted["summary"] == {"total": 2, "succeeded": 2, "failed": 0}
    assert small.ids("deals", {}) == [1, 3, 4]


def test_entity_batch_accepts_at_most_500_items(small: Api) -> None:
    """Лимиты и оптимизация, "Сводные лимиты": up to 500 records per request."""
    items = [{"title": f"D{i}"} for i in range(501)]
    status, error = small.error("POST", "/v1/deals/batch", body={"action": "create", "items": items})
    assert (status, error["code"]) == (400, "INVALID_REQUEST")
    assert "at most 500" in error["message"]
    full = small.ok("POST", "/v1/deals/batch", body={"action": "create", "items": items[:500]})["data"]
    assert full["summary"]["succeeded"] == 500


def test_entity_batch_rejects_actions_the_entity_lacks(small: Api) -> None:
    """Deals: Fields `batch` lists the entity's bulk actions; others are refused."""
    status, error = small.error("POST", "/v1/deals/batch", body={"action": "merge", "items": [{}]})
    assert (status, error["code"]) == (400, "ACTION_NOT_SUPPORTED")
    assert small.error("POST", "/v1/users/batch", body={"action": "create", "items": [{}]})[0] == 404


def test_entity_batch_read_actions_go_through_calls(small: Api) -> None:
    """Лимиты и оптимизация: read actions (`list` / `get` / `fields`) are passed as `calls` (≤ 50)."""
    body = {"action": "get", "calls": [{"id": "one", "entityId": 1}, {"id": "two", "entityId": 2}]}
    data = small.ok("POST", "/v1/deals/batch", body=body)["data"]
    assert [data["results"][k]["id"] for k in ("one", "two")] == [1, 2]
