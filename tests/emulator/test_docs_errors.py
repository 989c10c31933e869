"""The docs' error examples (Коды ошибок, L1044–1755, and each entity page's «Пример ответа при ошибке»),
provoked for real on the demo portal: scoped keys, OAuth-application keys, a user without rights, the
limits and the fault injection. Each test names its doc line; where the docs contradict themselves, the
test says which reading the portal follows and why. Examples the portal cannot produce are listed, with
the reason, in `test_examples_the_demo_portal_cannot_produce_are_named`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from server.emulator import Portal
from server.emulator.faults import install as install_faults
from server.emulator.limits import LimitConfig
from server.emulator.limits import install as install_limits

from .conftest import FIXED_NOW, KEY, SMALL_DATA, Api, Clock, store_snapshot

USER_ONLY = "vibe_api_useronly0000000000000000"  # issued with the `user` scope only
APP_KEY = "vibe_app_demo000000000000000000000"
SESSION = "vibe_session_demo00000000000000000"
NO_RIGHTS = "vibe_api_norights0000000000000000"  # its Bitrix24 user may not see deals or tasks


def portal(**kwargs: Any) -> Portal:
    return Portal(
        data={**SMALL_DATA, "tasks": [{"id": 7, "title": "Позвонить", "status": 2}]},
        clock=lambda: FIXED_NOW,
        key_scopes={USER_ONLY: ["user"]},
        app_keys={APP_KEY: SESSION},
        key_denied={NO_RIGHTS: ["deals", "tasks"]},
        **kwargs,
    )


def send(p: Portal, method: str, path: str, body: object = None, headers: dict[str, str] | None = None) -> Any:
    raw = b"" if body is None else json.dumps(body).encode()
    return asyncio.run(p.handle(method, path, "", KEY if headers is None else headers, raw))


def error_of(response: Any) -> dict[str, Any]:
    payload = response.json()
    assert payload["success"] is False
    return dict(payload["error"])


# --- Права и скоупы ------------------------------------------------------------------------------------

SCOPE_EXAMPLES = [
    (1231, "GET", "/v1/deals", None, "crm"),  # Коды ошибок: SCOPE_DENIED
    (21676, "POST", "/v1/companies", {"title": "ООО Ложки"}, "crm"),
    (22177, "GET", "/v1/companies", None, "crm"),
    (22320, "POST", "/v1/companies/search", {"filter": {"industry": "IT"}}, "crm"),
    (22830, "POST", "/v1/contacts", {"name": "Иван"}, "crm"),
    (23342, "GET", "/v1/contacts", None, "crm"),
    (23494, "POST", "/v1/contacts/search", {"filter": {"companyId": 15}}, "crm"),
    (24235, "GET", "/v1/currencies", None, "crm"),
    (24673, "GET", "/v1/deal-categories/fields", None, "crm"),
    (24903, "GET", "/v1/deal-categories", None, "crm"),
    (25421, "POST", "/v1/deals", {"title": "Новая сделка"}, "crm"),
    (25956, "GET", "/v1/deals", None, "crm"),
    (27076, "POST", "/v1/deals/search", {"filter": {"stageId": "NEW"}}, "crm"),
    (32158, "POST", "/v1/leads", {"title": "Заявка"}, "crm"),
    (32692, "GET", "/v1/leads", None, "crm"),
    (33808, "POST", "/v1/leads/search", {"filter": {"statusId": "NEW"}}, "crm"),
    (39824, "GET", "/v1/statuses", None, "crm"),
    # Tasks: Aggregate shows 'tasks'; the keys page (L228-229) has both `task` and `tasks`, and /v1/me
    # (L166) and Коды ошибок (L1243) name `task` for tasks: the portal asks for 'task'.
    (40054, "POST", "/v1/tasks/aggregate", {"aggregate": [{"field": "status", "function": "sum"}]}, "task"),
]


@pytest.mark.parametrize(
    ("line", "method", "path", "body", "scope"), SCOPE_EXAMPLES, ids=[f"L{e[0]}" for e in SCOPE_EXAMPLES]
)
def test_scope_denied_examples(line: int, method: str, path: str, body: object, scope: str) -> None:
    """403 SCOPE_DENIED "This endpoint requires '<scope>' scope" for a key issued without it; nothing written."""
    p = portal()
    before = store_snapshot(p)
    response = send(p, method, path, body, {"X-Api-Key": USER_ONLY})
    assert response.status == 403
    assert error_of(response) == {"code": "SCOPE_DENIED", "message": f"This endpoint requires '{scope}' scope"}
    assert store_snapshot(p) == before
    assert send(p, "GET", "/v1/users", None, {"X-Api-Key": USER_ONLY}).status == 200  # its own scope works


def test_L1255_bitrix_access_denied_for_a_user_without_rights_on_the_entity() -> None:
    """403 BITRIX_ACCESS_DENIED, message "ACCESS_DENIED": the key holds the scope (GET /v1/me lists it)
    but Bitrix24 refuses its user (L1268: no rights on the entity); reads and writes alike, nothing written."""
    p = portal()
    headers = {"X-Api-Key": NO_RIGHTS}
    before = store_snapshot(p)
    for method, path, body in (
        ("GET", "/v1/deals", None),
        ("POST", "/v1/deals", {"title": "x"}),
        ("GET", "/v1/tasks/7", None),
    ):
        response = send(p, method, path, body, headers)
        assert response.status == 403
        assert error_of(response) == {"code": "BITRIX_ACCESS_DENIED", "message": "ACCESS_DENIED"}
    assert store_snapshot(p) == before
    assert "crm" in send(p, "GET", "/v1/me", None, headers).json()["data"]["scopes"]
    assert send(p, "GET", "/v1/contacts", None, headers).status == 200


def test_L1255_access_denied_inside_a_batch_is_a_per_call_error() -> None:
    p = portal()
    calls = [{"id": "d", "entity": "deals", "action": "list"}, {"id": "c", "entity": "contacts", "action": "list"}]
    data = send(p, "POST", "/v1/batch", {"calls": calls}, {"X-Api-Key": NO_RIGHTS}).json()["data"]
    assert data["errors"]["d"] == {"code": "BITRIX_ACCESS_DENIED", "message": "ACCESS_DENIED"}
    assert "c" in data["results"]


# --- OAuth-application keys (Ключи и авторизация) ----------------------------------------------------------


def test_L136_an_app_key_with_its_session_token_works_like_the_personal_key() -> None:
    """Every entity page's «curl — OAuth-приложение» example: X-Api-Key: <app key> + Authorization: Bearer
    <session token> (e.g. Deals: Create L25280) answers as the personal key does."""
    p = portal()
    headers = {"X-Api-Key": APP_KEY, "Authorization": f"Bearer {SESSION}"}
    created = send(p, "POST", "/v1/deals", {"title": "Через приложение"}, headers)
    assert created.status == 201 and created.json()["data"]["title"] == "Через приложение"
    assert send(p, "GET", "/v1/deals", None, headers).json()["total"] == 5


def test_L141_an_app_key_without_a_session_token_is_token_missing_and_writes_nothing() -> None:
    """Ключи и авторизация L141: without `Authorization: Bearer` entity endpoints answer 401 TOKEN_MISSING,
    `/v1/me` works. Коды ошибок (L1101) names INVALID_APP_KEY for the same case; the portal follows the
    keys page, which is about exactly this request and says which endpoints still work."""
    p = portal()
    before = store_snapshot(p)
    response = send(p, "POST", "/v1/deals", {"title": "x"}, {"X-Api-Key": APP_KEY})
    assert response.status == 401 and error_of(response)["code"] == "TOKEN_MISSING"
    assert store_snapshot(p) == before
    assert send(p, "GET", "/v1/me", None, {"X-Api-Key": APP_KEY}).status == 200
    wrong = send(p, "GET", "/v1/deals", None, {"X-Api-Key": APP_KEY, "Authorization": "Bearer vibe_session_other"})
    assert wrong.status == 401 and error_of(wrong)["code"] == "TOKEN_EXPIRED"


# --- Валидация запроса -------------------------------------------------------------------------------------


def test_L1330_missing_required_filter_names_the_filters_and_the_route(small: Api) -> None:
    status, error = small.error("GET", "/v1/timelines")
    assert (status, error) == (
        400,
        {
            "code": "MISSING_REQUIRED_FILTER",
            "message": "filter[entityType] and filter[entityId] are required for /v1/timelines",
        },
    )


def test_L1352_batch_limits_answer_as_documented(small: Api) -> None:
    """BATCH_LIMIT_EXCEEDED belongs to domain bulk endpoints (chats, task-comments); /v1/batch answers
    INVALID_REQUEST "Array must contain at most 50 element(s)" (L1348) and an entity batch the same for
    more than 500 items (Пакетные вызовы)."""
    calls = [{"id": f"c{i}", "entity": "deals", "action": "list"} for i in range(51)]
    status, error = small.error("POST", "/v1/batch", body={"calls": calls})
    assert (status, error["code"]) == (400, "INVALID_REQUEST") and "at most 50 element(s)" in error["message"]
    items = [{"title": f"d{i}"} for i in range(501)]
    before = store_snapshot(small.portal)
    status, error = small.error("POST", "/v1/deals/batch", body={"action": "create", "items": items})
    assert (status, error["code"]) == (400, "INVALID_REQUEST") and "at most 500 element(s)" in error["message"]
    assert store_snapshot(small.portal) == before


# --- Ресурс не найден: each entity page's 404 example ------------------------------------------------------

NOT_FOUND_EXAMPLES = [
    (21785, "DELETE", "/v1/companies/999999", None, "ENTITY_NOT_FOUND", "Элемент не найден"),
    (22049, "GET", "/v1/companies/999999", None, "ENTITY_NOT_FOUND", "Элемент не найден"),
    (22449, "PATCH", "/v1/companies/999999", {"title": "x"}, "ENTITY_NOT_FOUND", "Элемент не найден"),
    (22939, "DELETE", "/v1/contacts/999999", None, "ENTITY_NOT_FOUND", "Элемент не найден"),
    (23211, "GET", "/v1/contacts/999999", None, "ENTITY_NOT_FOUND", "Элемент не найден"),
    (23636, "PATCH", "/v1/contacts/999999", {"name": "x"}, "ENTITY_NOT_FOUND", "Элемент не найден"),
    (25823, "GET", "/v1/deals/999999", None, "ENTITY_NOT_FOUND", "Элемент не найден"),
    (32277, "DELETE", "/v1/leads/999999", None, "ENTITY_NOT_FOUND", "Элемент не найден"),
    (32560, "GET", "/v1/leads/999999", None, "ENTITY_NOT_FOUND", "Элемент не найден"),
    (33956, "PATCH", "/v1/leads/999999", {"title": "x"}, "ENTITY_NOT_FOUND", "Элемент не найден"),
    (24102, "GET", "/v1/currencies/XXX", None, "NOT_FOUND", "Currency not found"),
    (24353, "PATCH", "/v1/currencies/XXX", {"sort": 1}, "NOT_FOUND", "Currency not found"),
    (24782, "GET", "/v1/deal-categories/999", None, "NOT_FOUND", "Deal category not found"),
    (25016, "PATCH", "/v1/deal-categories/999", {"name": "x"}, "NOT_FOUND", "Deal category not found"),
    (39695, "GET", "/v1/statuses/99999", None, "NOT_FOUND", "Status not found"),
]


@pytest.mark.parametrize(
    ("line", "method", "path", "body", "code", "message"),
    NOT_FOUND_EXAMPLES,
    ids=[f"L{e[0]}" for e in NOT_FOUND_EXAMPLES],
)
def test_not_found_examples(
    small: Api, line: int, method: str, path: str, body: object, code: str, message: str
) -> None:
    before = store_snapshot(small.portal)
    assert small.error(method, path, body=body) == (404, {"code": code, "message": message})
    assert store_snapshot(small.portal) == before


def test_L23867_the_base_currency_cannot_be_deleted(small: Api) -> None:
    assert small.error("DELETE", "/v1/currencies/RUB") == (
        422,
        {"code": "BITRIX_ERROR", "message": "Нельзя удалить базовую валюту."},
    )


# --- Ограничение частоты, очередь, backend -----------------------------------------------------------------

RATE_LIMITED_HINT = "Wait 1-2 seconds and retry. Use POST /v1/batch to combine up to 50 calls in 1 request."


def test_L1074_and_L1400_rate_limited_with_retry_after_in_body_and_header() -> None:
    """The example shows retryAfter 2; the portal's window is one second, so it answers 1 (a value, not a
    constant: the seconds until the window admits the request). Header and body agree (L1089)."""
    p = portal()
    install_limits(p, LimitConfig(units_per_second=2), clock=Clock())
    assert [send(p, "GET", "/v1/deals").status for _ in range(2)] == [200, 200]
    refused = send(p, "GET", "/v1/deals")
    error = error_of(refused)
    assert refused.status == 429
    assert error == {
        "code": "RATE_LIMITED",
        "message": "QUERY_LIMIT_EXCEEDED",
        "hint": RATE_LIMITED_HINT,
        "retryAfter": 1,
    }
    assert refused.headers["Retry-After"] == str(error["retryAfter"])


def test_L1434_error_loop_detected_after_repeated_identical_failures() -> None:
    """The portal has no Bitrix24 method names, so the message names the route where the docs'
    example names `crm.deal.list`; code, retryAfter 60 and the probe hint are as documented."""
    clock = Clock()
    p = portal()
    install_limits(p, LimitConfig(units_per_second=1000, loop_failures=12), clock=clock)
    for _ in range(12):
        assert send(p, "GET", "/v1/deals/999").status == 404
    blocked = send(p, "GET", "/v1/deals/999")
    error = error_of(blocked)
    assert blocked.status == 429 and error["code"] == "ERROR_LOOP_DETECTED" and error["retryAfter"] == 60
    assert (
        error["message"] == "Vibe-side block (not a Bitrix24 limit). 12 failures on GET /v1/deals/999 in the last hour."
    )
    assert error["hint"].startswith("Every 50th request will probe for recovery — keep retrying with backoff.")


def test_L1578_queue_timeout_as_documented() -> None:
    """504 QUEUE_TIMEOUT with the documented message, userMessage, hint and retryAfter 10."""
    p = portal()
    install_limits(p, LimitConfig(units_per_second=1000, work_seconds=0.2, queue_timeout=0.05, queue_slots=1))

    async def two() -> list[Any]:
        return list(await asyncio.gather(*(p.handle("GET", "/v1/deals", "", KEY, b"") for _ in range(2))))

    late = next(r for r in asyncio.run(two()) if r.status == 504)
    assert error_of(late) == {
        "code": "QUEUE_TIMEOUT",
        "message": "Portal queue saturated — too many concurrent Bitrix24 calls",
        "userMessage": "Запросы к Битрикс24 в очереди дольше 30 секунд. Вероятно, на портале много одновременных "
        "операций.",
        "hint": 'If this is a /search request with a wide date range, try adding "autoWindow": false OR narrow the '
        "date range to <14 days. See /v1/guide for optimization tips.",
        "retryAfter": 10,
    }
    assert late.headers["Retry-After"] == "10"


@pytest.mark.parametrize(
    ("line", "status", "error"),
    [
        (1554, 502, {"code": "BITRIX_UNAVAILABLE", "message": "Bitrix24 returned 503 Service Unavailable"}),
        (1602, 500, {"code": "INTERNAL_ERROR", "message": "Internal server error"}),
    ],
    ids=["L1554", "L1602"],
)
def test_backend_failures_as_documented_and_nothing_written(line: int, status: int, error: dict[str, str]) -> None:
    p = portal()
    install_faults(p).add("5xx", status=status, times=1)
    before = store_snapshot(p)
    response = send(p, "POST", "/v1/deals", {"title": "x"})
    assert (response.status, error_of(response)) == (status, error)
    assert store_snapshot(p) == before


# --- Examples the demo portal cannot produce ---------------------------------------------------------------

CANNOT_PRODUCE = {
    1461: "BILLING_EXHAUSTED: billing codes come from infrastructure endpoints (servers, agents; L1121), "
    "which the demo portal does not serve and the MCP server never calls",
    1486: "COMMERCIAL_PLAN_REQUIRED: as L1461, infrastructure endpoints only",
    1508: "TRIAL_EXPIRED: as L1461, infrastructure endpoints only",
    1352: "BATCH_LIMIT_EXCEEDED itself: domain bulk endpoints (chats, task-comments) are not served here; "
    "the /v1/batch and entity-batch limits it points to are tested above",
    21924: "a 404 ENTITY_NOT_FOUND from /fields (also L23081, L23983, L25674, L39580): the fields route reads "
    "no record, so only an unknown entity can 404 there, and that is ROUTE_NOT_FOUND",
}


def test_examples_the_demo_portal_cannot_produce_are_named(small: Api) -> None:
    """The named exceptions hold: no infrastructure routes, and /fields of a known entity never 404s."""
    for path in ("/v1/servers", "/v1/agents", "/v1/portals/1/refresh-tariff"):
        status, error = small.error("POST", path, body={})
        assert (status, error["code"]) == (404, "ROUTE_NOT_FOUND")
    for entity in ("companies", "contacts", "currencies", "deals", "statuses"):
        assert small.call("GET", f"/v1/{entity}/fields").status == 200
    assert all(reason for reason in CANNOT_PRODUCE.values())


def test_L2378_scope_not_allowed_per_call_in_a_batch_and_403_when_every_call_lacks_it() -> None:
    p = portal()
    headers = {"X-Api-Key": USER_ONLY}
    calls = [{"id": "u", "entity": "users", "action": "list"}, {"id": "d", "entity": "deals", "action": "list"}]
    data = send(p, "POST", "/v1/batch", {"calls": calls}, headers).json()["data"]
    assert "u" in data["results"] and data["errors"]["d"]["code"] == "SCOPE_NOT_ALLOWED"
    refused = send(p, "POST", "/v1/batch", {"calls": calls[1:]}, headers)
    assert refused.status == 403 and error_of(refused)["code"] == "SCOPE_NOT_ALLOWED"


def test_L19833_a_user_update_by_a_non_administrator_is_update_failed_and_writes_nothing() -> None:
    """Users page: user.update answers false without portal admin rights -> 403 UPDATE_FAILED with the
    documented message and hint; the key here acts as user 3, who is not an administrator."""
    p = Portal(data=SMALL_DATA_WITH_STAFF, clock=lambda: FIXED_NOW, key_owners={NOT_ADMIN: 3})
    before = store_snapshot(p)
    headers = {"X-Api-Key": NOT_ADMIN}
    for method, path, body in (("PATCH", "/v1/users/1", {"workPosition": "CEO"}), ("DELETE", "/v1/users/1", None)):
        response = send(p, method, path, body, headers)
        error = error_of(response)
        assert (response.status, error["code"]) == (403, "UPDATE_FAILED")
        assert error["message"] == "Bitrix24 rejected user.update (result: false)"
        assert error["hint"].startswith("Bitrix24 returns false when the calling user lacks portal admin rights")
    call = {"id": "u", "entity": "users", "action": "update", "entityId": 1, "params": {"workPosition": "CEO"}}
    data = send(p, "POST", "/v1/batch", {"calls": [call]}, headers).json()["data"]
    assert data["errors"]["u"]["code"] == "UPDATE_FAILED"
    assert store_snapshot(p) == before
    assert send(p, "PATCH", "/v1/users/1", {"workPosition": "CEO"}).status == 200  # the administrator's key


NOT_ADMIN = "vibe_api_notadmin0000000000000000"
SMALL_DATA_WITH_STAFF = {
    **SMALL_DATA,
    "users": [
        {"id": 1, "name": "Анна", "lastName": "Смирнова", "active": True, "isAdmin": True},
        {"id": 3, "name": "Игорь", "lastName": "Волков", "active": True, "isAdmin": False},
    ],
}
