"""The stage chain: named slots for later stages, error envelopes from any stage, request pricing."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from server.emulator import Portal, Request, Response
from server.emulator.api import STAGE_ORDER, cost_units
from server.emulator.asgi import App
from server.emulator.errors import ApiError
from server.emulator.pipeline import Handler

from .conftest import KEY, SMALL_DATA, Api


def test_pipeline_has_named_slots_with_only_auth_filled() -> None:
    """Later work adds faults, rate limit and queue by name, outermost first."""
    portal = Portal(data={})
    assert list(portal.pipeline) == list(STAGE_ORDER) == ["faults", "auth", "rate_limit", "queue"]
    assert [name for name, stage in portal.pipeline.items() if stage is not None] == ["auth"]


def test_a_stage_in_the_rate_limit_slot_answers_429_with_retry_after(small: Api) -> None:
    """Коды ошибок, RATE_LIMITED example: `retryAfter` in the body, mirrored by the `Retry-After` header."""

    async def limited(request: Request, call_next: Handler) -> Response:
        raise ApiError(
            429,
            "RATE_LIMITED",
            "QUERY_LIMIT_EXCEEDED",
            hint="Wait 1-2 seconds and retry. Use POST /v1/batch to combine up to 50 calls in 1 request.",
            retry_after=2,
        )

    small.portal.pipeline["rate_limit"] = limited
    response = small.call("GET", "/v1/deals")
    assert response.status == 429
    assert response.headers["Retry-After"] == "2"
    assert response.json()["error"]["retryAfter"] == 2
    assert small.call("GET", "/v1/deals", headers={}).status == 401  # auth runs first


def test_an_unexpected_failure_is_500_internal_error_without_details(
    small: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """Коды ошибок: INTERNAL_ERROR 500; the traceback goes to the log, not to the client."""

    async def broken(request: Request, call_next: Handler) -> Response:
        raise RuntimeError("secret internals")

    small.portal.pipeline["queue"] = broken
    with caplog.at_level(logging.ERROR, logger="server.emulator"):
        response = small.call("GET", "/v1/deals")
    assert response.status == 500
    assert response.json() == {
        "success": False,
        "error": {"code": "INTERNAL_ERROR", "message": "Internal server error"},
    }
    assert response.headers["X-Request-Id"]
    assert "secret internals" in caplog.text


def test_an_entity_batch_costs_one_unit_per_50_items(small: Api) -> None:
    """Обзор API, Rate Limit: `POST /v1/{entity}/batch` — up to 500 records for 10 units; other calls 1."""
    seen: list[int] = []

    async def price(request: Request, call_next: Handler) -> Response:
        found = small.portal.match(request)
        assert found is not None
        seen.append(cost_units(found, request))
        return await call_next(request)

    small.portal.pipeline["rate_limit"] = price
    small.call("POST", "/v1/deals/batch", body={"action": "create", "items": [{"title": "x"}] * 120})
    small.call("POST", "/v1/batch", body={"calls": [{"entity": "deals", "action": "fields"}] * 50})
    small.call("GET", "/v1/deals")
    assert seen == [3, 1, 1]


def test_the_asgi_app_reassembles_a_chunked_body() -> None:
    """The uvicorn-facing app reads every body chunk and returns status, headers and body."""
    app = App(Portal(data=SMALL_DATA))
    chunks: list[dict[str, Any]] = [
        {"type": "http.request", "body": b'{"filter": {"stageId"', "more_body": True},
        {"type": "http.request", "body": b': "WON"}}', "more_body": False},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return chunks.pop(0)

    async def send(message: Any) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/deals/search",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in KEY.items()],
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 200
    assert (b"x-request-id", b"emu-00000001") in sent[0]["headers"]
    assert b'"total":1' in sent[1]["body"]
