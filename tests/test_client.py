from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from server import errors
from server.client import STATUS_CLASSES, VibeCodeClient, encode_query, error_catalog

pytestmark = pytest.mark.anyio

# The codes of the upstream error reference ("Коды ошибок", summary table) plus those on the
# filter, sort, include, aggregate and batch pages.
DOCUMENTED_CODES = {
    "MISSING_API_KEY": 401, "INVALID_API_KEY": 401, "INVALID_APP_KEY": 401, "TOKEN_EXPIRED": 401,
    "TOKEN_REFRESH_FAILED": 401, "WRONG_KEY_TYPE": 401, "TOKEN_MISSING": 401, "KEY_INACTIVE": 401,
    "KEY_EXPIRED": 401, "SCOPE_DENIED": 403, "MANAGEMENT_KEY_READ_ONLY": 403,
    "MANAGEMENT_KEY_NO_ENTITY_ACCESS": 403, "BITRIX_ACCESS_DENIED": 403, "OAUTH_REQUIRED": 403,
    "WAITLIST_PENDING": 403, "SCOPE_NOT_ALLOWED": 403, "IP_NOT_ALLOWED": 403, "ACCESS_DENIED": 403,
    "VALIDATION_ERROR": 400, "INVALID_PARAMS": 400, "INVALID_REQUEST": 400, "MISSING_PARAMS": 400,
    "MISSING_REQUIRED_FILTER": 400, "INVALID_FILTER_FIELD": 400, "INVALID_FILTER_OPERATOR": 400,
    "INVALID_FILTER": 400, "UNKNOWN_SORT_FIELD": 400, "INVALID_SORT_TYPE": 400, "INVALID_SORT_DIRECTION": 400,
    "BATCH_LIMIT_EXCEEDED": 400, "UNSTABLE_OFFSET_PAGINATION": 400, "INCLUDE_LIMIT_EXCEEDED": 400,
    "INVALID_INCLUDE": 400, "INVALID_AGGREGATION_OP": 400, "UNKNOWN_ENTITY": 400, "ACTION_NOT_SUPPORTED": 400,
    "MISSING_ENTITY_ID": 400, "MISSING_DYNAMIC_PARAM": 400, "INVALID_DYNAMIC_PARAM": 400,
    "USE_DEDICATED_ENTITY": 400, "ENTITY_CUSTOM_ROUTES": 400, "INVALID_CALL": 400,
    "ENTITY_NOT_FOUND": 404, "NOT_FOUND": 404, "ROUTE_NOT_FOUND": 404, "CONFLICT": 409, "ALREADY_EXISTS": 409,
    "BILLING_EXHAUSTED": 402, "ACCOUNT_FROZEN": 402, "COMMERCIAL_PLAN_REQUIRED": 402, "TRIAL_EXPIRED": 402,
    "TRIAL_PORTAL_LIMIT": 402, "TRIAL_USER_LIMIT": 402, "PLAN_NOT_ALLOWED_ON_TRIAL": 402,
    "SERVER_WAKE_BLOCKED": 403, "RATE_LIMITED": 429, "ERROR_LOOP_DETECTED": 429, "BITRIX_ERROR": 422,
    "BITRIX_UNAVAILABLE": 502, "WINDOWED_SEARCH_FAILED": 502, "QUEUE_TIMEOUT": 504, "INTERNAL_ERROR": 500,
}  # fmt: skip


async def no_sleep(_: float) -> None:
    return None


def client_for(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> VibeCodeClient:
    return VibeCodeClient("vibe_api_secret123", transport=httpx.MockTransport(handler), sleep=no_sleep, **kw)


def envelope_error(status: int, code: str, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"success": False, "error": {"code": code, "message": f"m-{code}", **extra}})


def test_every_documented_error_code_has_a_hint_and_its_documented_status() -> None:
    catalog = error_catalog()
    missing = sorted(set(DOCUMENTED_CODES) - set(catalog))
    assert not missing, f"unmapped codes: {missing}"
    for code, status in DOCUMENTED_CODES.items():
        assert catalog[code]["status"] == status, code
        assert len(catalog[code]["hint"]) > 20, code


@pytest.mark.parametrize("code", sorted(DOCUMENTED_CODES))
async def test_each_documented_code_raises_the_class_of_its_status(code: str) -> None:
    status = DOCUMENTED_CODES[code]
    async with client_for(lambda r: envelope_error(status, code), max_retries=0) as c:
        with pytest.raises(errors.ApiError) as exc:
            await c.request("GET", "/v1/deals/1")
    assert type(exc.value) is STATUS_CLASSES[status]
    assert exc.value.code == code and exc.value.status == status
    assert exc.value.message == f"m-{code}"
    assert exc.value.hint == error_catalog()[code]["hint"]


async def test_success_envelope_carries_data_total_and_meta() -> None:
    body = {"success": True, "data": [{"id": 1}], "total": 7, "meta": {"hasMore": True}}
    async with client_for(lambda r: httpx.Response(200, json=body)) as c:
        resp = await c.request("GET", "/v1/deals")
    assert (resp.data, resp.total, resp.meta) == ([{"id": 1}], 7, {"hasMore": True})


async def test_total_is_read_from_meta_when_not_top_level() -> None:
    body = {"success": True, "data": [], "meta": {"total": 3, "hasMore": False}}
    async with client_for(lambda r: httpx.Response(200, json=body)) as c:
        assert (await c.request("GET", "/v1/deals")).total == 3


async def test_delete_204_has_no_data() -> None:
    async with client_for(lambda r: httpx.Response(204)) as c:
        resp = await c.request("DELETE", "/v1/deals/5")
    assert resp.status == 204 and resp.data is None


async def test_api_key_header_is_sent_and_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[httpx.Request] = []

    def handler(r: httpx.Request) -> httpx.Response:
        seen.append(r)
        return envelope_error(500, "INTERNAL_ERROR")

    caplog.set_level(logging.DEBUG)
    async with client_for(handler, max_retries=1) as c:
        with pytest.raises(errors.UpstreamServerError) as exc:
            await c.request("GET", "/v1/me")
    assert seen[0].headers["X-Api-Key"] == "vibe_api_secret123"
    assert "secret123" not in caplog.text and "secret123" not in repr(exc.value.to_dict())


def test_query_encoding_uses_the_bracket_form() -> None:
    q = encode_query(
        {"filter": {"amount": {"$gte": 10}, "stageId": {"$in": ["NEW", "WON"]}, "opened": True},
         "select": ["id", "title"], "order": {"amount": "desc"}, "limit": 5, "include": ["company"]}
    )  # fmt: skip
    assert q == [
        ("filter[amount][$gte]", "10"),
        ("filter[stageId][$in][]", "NEW"),
        ("filter[stageId][$in][]", "WON"),
        ("filter[opened]", "true"),
        ("select", "id,title"),
        ("order[amount]", "desc"),
        ("limit", "5"),
        ("include", "company"),
    ]


def test_query_encoding_sends_null_empty_and_refuses_an_empty_array() -> None:
    assert encode_query({"filter": {"closedAt": None, "stageId": {"$nin": [None, "LOSE"]}}}) == [
        ("filter[closedAt]", ""),
        ("filter[stageId][$nin][]", ""),
        ("filter[stageId][$nin][]", "LOSE"),
    ]
    with pytest.raises(ValueError, match="empty array"):
        encode_query({"filter": {"stageId": []}})


async def test_reads_are_retried_after_429_honouring_retry_after() -> None:
    calls: list[float] = []
    waits: list[float] = []

    async def sleep(s: float) -> None:
        waits.append(s)

    def handler(r: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) < 3:
            return envelope_error(429, "RATE_LIMITED", retryAfter=2)
        return httpx.Response(200, json={"success": True, "data": [{"ok": 1}]})

    c = VibeCodeClient("k", transport=httpx.MockTransport(handler), sleep=sleep)
    async with c:
        resp = await c.request("POST", "/v1/deals/search", json_body={})
    assert resp.data == [{"ok": 1}] and len(calls) == 3
    assert all(2 <= w <= 2.5 for w in waits)


async def test_a_write_is_retried_after_429_because_upstream_did_not_run_it() -> None:
    calls: list[int] = []

    def handler(r: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return envelope_error(429, "RATE_LIMITED", retryAfter=0)
        return httpx.Response(201, json={"success": True, "data": {"id": 9}})

    async with client_for(handler) as c:
        resp = await c.request("POST", "/v1/deals", json_body={"title": "x"})
    assert resp.status == 201 and len(calls) == 2


async def test_a_write_is_never_repeated_after_a_5xx() -> None:
    calls: list[int] = []

    def handler(r: httpx.Request) -> httpx.Response:
        calls.append(1)
        return envelope_error(502, "BITRIX_UNAVAILABLE")

    async with client_for(handler) as c:
        with pytest.raises(errors.OutcomeUnknown) as exc:
            await c.request("PATCH", "/v1/deals/1", json_body={"title": "x"})
    assert len(calls) == 1
    assert "BITRIX_UNAVAILABLE" in exc.value.message and exc.value.retryable is False
    assert "Get deals 1 and compare its fields before repeating the update." in str(exc.value.hint)


async def test_a_write_that_times_out_is_reported_as_outcome_unknown_and_not_repeated() -> None:
    calls: list[int] = []

    def handler(r: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ReadTimeout("slow", request=r)

    async with client_for(handler) as c:
        with pytest.raises(errors.OutcomeUnknown) as exc:
            await c.request("POST", "/v1/deals", json_body={"title": "x"})
    assert len(calls) == 1 and exc.value.retryable is False
    assert exc.value.hint is not None and "Search deals for the record" in exc.value.hint


async def test_a_read_that_times_out_is_retried() -> None:
    calls: list[int] = []

    def handler(r: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow", request=r)
        return httpx.Response(200, json={"success": True, "data": []})

    async with client_for(handler) as c:
        await c.request("GET", "/v1/deals")
    assert len(calls) == 2


async def test_long_retry_after_is_not_slept_but_reported() -> None:
    async with client_for(lambda r: envelope_error(429, "RATE_LIMITED", retryAfter=60)) as c:
        with pytest.raises(errors.RateLimited) as exc:
            await c.request("GET", "/v1/deals")
    assert exc.value.retry_after == 60 and exc.value.to_dict()["retry_after"] == 60


async def test_unreachable_base_url_is_a_connect_error_naming_the_url() -> None:
    async with VibeCodeClient("k", "http://127.0.0.1:9", max_retries=0, timeout=2) as c:
        with pytest.raises(errors.ConnectError) as exc:
            await c.request("GET", "/v1/me")
    assert "http://127.0.0.1:9" in exc.value.message
    assert exc.value.hint is not None and "VIBECODE_BASE_URL" in exc.value.hint


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, content=b"<html>gateway</html>"),
        httpx.Response(200, json={"unexpected": True}),
    ],
)
async def test_malformed_bodies_are_bad_response_errors(response: httpx.Response) -> None:
    async with client_for(lambda r: response, max_retries=0) as c:
        with pytest.raises(errors.BadResponse):
            await c.request("GET", "/v1/deals")


async def test_error_without_envelope_still_maps_by_status() -> None:
    async with client_for(lambda r: httpx.Response(503, content=b"busy"), max_retries=0) as c:
        with pytest.raises(errors.UpstreamUnavailable) as exc:
            await c.request("GET", "/v1/deals")
    assert exc.value.code == "HTTP_503"


async def test_upstream_hint_comes_before_the_catalog_hint() -> None:
    resp = envelope_error(400, "INVALID_INCLUDE", hint="Available: contact, company")
    async with client_for(lambda r: resp) as c:
        with pytest.raises(errors.BadRequest) as exc:
            await c.request("GET", "/v1/deals/1")
    assert exc.value.hint is not None and exc.value.hint.startswith("Available: contact, company")
    assert json.dumps(exc.value.to_dict())


async def test_a_batch_whose_every_call_failed_names_each_calls_error() -> None:
    """The API answers INVALID_REQUEST with the reasons per call in data.errors; they reach the caller."""
    errors_by_call = {
        "c": {"code": "ENTITY_CUSTOM_ROUTES", "message": 'Entity "task-comments" is served only at its own path'},
        "x": {"code": "MISSING_ENTITY_ID", "message": 'Action "get" requires entityId.'},
    }
    failed = {"code": "INVALID_REQUEST", "message": "All calls in the batch failed validation"}
    body = {"success": False, "error": failed, "data": {"errors": errors_by_call}}
    async with client_for(lambda r: httpx.Response(400, json=body)) as c:
        with pytest.raises(errors.BadRequest) as exc:
            await c.request("POST", "/v1/batch", json_body={"calls": []})
    assert exc.value.message == (
        'All calls in the batch failed validation: call c: ENTITY_CUSTOM_ROUTES Entity "task-comments" is served'
        ' only at its own path; call x: MISSING_ENTITY_ID Action "get" requires entityId.'
    )
    assert exc.value.hint is not None and "fix those calls" in exc.value.hint and "split" not in exc.value.hint
