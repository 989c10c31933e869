"""Bad input never gives a 5xx, and an error never leaves a write behind.

Each case here was a crash or a half-done write once: a lone surrogate stored and then unreadable,
dates that parse but overflow when formatted, a batch answering 500 after writing its first items.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from server.emulator import DEMO_API_KEY, EmulatorTransport, Portal, Response
from server.emulator.asgi import App
from server.emulator.ops import Operations
from server.emulator.pipeline import MAX_BODY_BYTES, MAX_DEPTH

from .conftest import KEY, Api, store_snapshot

SURROGATE = b'{"title":"\\ud800"}'
INTERNAL = {"code": "INTERNAL_ERROR", "message": "Internal server error"}
OUT_OF_RANGE = ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+01:00")


def _raw(api: Api, method: str, path: str, body: bytes) -> Response:
    return asyncio.run(api.portal.handle(method, path, "", KEY, body))


def _assert_400(response: Response) -> dict[str, Any]:
    assert response.status == 400, response.body
    payload = response.json()
    assert payload["success"] is False
    error: dict[str, Any] = payload["error"]
    return error


# --- strings that are not Unicode text --------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/deals", SURROGATE),
        ("PATCH", "/v1/deals/1", SURROGATE),
        ("POST", "/v1/deals/batch", b'{"action":"create","items":[{"title":"ok"},{"title":"\\udfff"}]}'),
        ("POST", "/v1/deals/batch", b'{"action":"update","items":[{"id":1,"title":"x\\ud800y"}]}'),
        ("POST", "/v1/batch", b'{"calls":[{"entity":"deals","action":"create","params":{"title":"\\ud800"}}]}'),
        ("POST", "/v1/deals/search", b'{"filter":{"title":"\\ud800"}}'),
        ("POST", "/v1/deals", b'{"\\ud800":"key, not value"}'),
    ],
)
def test_a_lone_surrogate_is_rejected_before_storing(small: Api, method: str, path: str, body: bytes) -> None:
    before = store_snapshot(small.portal)
    error = _assert_400(_raw(small, method, path, body))
    assert error["code"] == "VALIDATION_ERROR"
    assert "surrogate" in error["message"]
    assert store_snapshot(small.portal) == before
    assert small.ok("GET", "/v1/deals", "limit=50")["total"] == 4


def test_an_escaped_surrogate_pair_is_ordinary_text(small: Api) -> None:
    created = small.ok("POST", "/v1/deals", body=b'{"title":"\\ud83d\\ude00"}', status=201)["data"]
    assert created["title"] == "\U0001f600"
    assert small.ok("GET", f"/v1/deals/{created['id']}")["data"]["title"] == "\U0001f600"


# --- dates that parse but cannot be represented --------------------------------------------------------


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_out_of_range_dates_are_a_validation_error(small: Api, value: str) -> None:
    before = store_snapshot(small.portal)
    status, error = small.error("POST", "/v1/deals", body={"title": "Даты", "closedAt": value})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")
    assert error["message"].startswith("fields.closedAt: ")
    status, error = small.error("PATCH", "/v1/deals/1", body={"begindate": value})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")
    status, error = small.error("POST", "/v1/tasks", body={"title": "T", "responsibleId": 1, "deadline": value})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")
    assert store_snapshot(small.portal) == before


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_out_of_range_dates_in_a_filter_are_a_filter_error(small: Api, value: str) -> None:
    status, error = small.error("POST", "/v1/deals/search", body={"filter": {">=closedAt": value}})
    assert (status, error["code"]) == (400, "INVALID_FILTER")


# --- batches: per-item and per-call errors, never a 500 after a partial write ----------------------------


def test_entity_batch_reports_a_bad_item_and_applies_the_others(small: Api) -> None:
    """Пакетные вызовы, L2394: POST /v1/{entity}/batch "возвращает массив результатов с пометкой `success`
    для каждого элемента" — items are reported one by one, so a bad item fails alone and the good ones
    are written. What must never happen is a 500 after some items were written (a client retrying the
    documented INTERNAL_ERROR, L1598–1615, would duplicate them)."""
    items = [{"title": "Первая"}, {"title": "Плохая", "closedAt": OUT_OF_RANGE[0]}, {"title": "Третья"}]
    data = small.ok("POST", "/v1/deals/batch", body={"action": "create", "items": items})["data"]
    assert [r["success"] for r in data["results"]] == [True, False, True]
    assert data["results"][1]["error"]["code"] == "VALIDATION_ERROR"
    assert data["summary"] == {"total": 3, "succeeded": 2, "failed": 1}
    titles = [r["title"] for r in small.search("deals", {"filter": {">id": 4}})["data"]]
    assert titles == ["Первая", "Третья"]


def test_cross_entity_batch_gives_a_per_call_error_for_a_bad_call(small: Api) -> None:
    """Пакетные вызовы, L2103 and L2390: "ошибка одного вызова не отменяет остальные"."""
    calls = [
        {"id": "good", "entity": "deals", "action": "create", "params": {"title": "Хорошая"}},
        {"id": "bad", "entity": "tasks", "action": "create", "params": {"title": "T", "deadline": OUT_OF_RANGE[1]}},
        {"id": "read", "entity": "deals", "action": "get", "entityId": 1},
    ]
    response = small.call("POST", "/v1/batch", body={"calls": calls})
    assert response.status == 200
    data = response.json()["data"]
    assert data["errors"]["bad"]["code"] == "VALIDATION_ERROR"
    assert set(data["results"]) == {"good", "read"}
    assert data["summary"] == {"total": 3, "succeeded": 2, "failed": 1}


def _explode_after_writing(monkeypatch: pytest.MonkeyPatch, title: str) -> None:
    """Makes `create` fail with a bug after it stored the record, for records titled `title`."""
    real = Operations.create

    def create(self: Operations, entity: Any, body: object) -> dict[str, object]:
        record = real(self, entity, body)
        if record.get("title") == title:
            raise RuntimeError("a bug after the write")
        return record

    monkeypatch.setattr(Operations, "create", create)


def test_an_internal_error_answers_a_json_envelope_and_undoes_the_write(
    small: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _explode_after_writing(monkeypatch, "boom")
    before = store_snapshot(small.portal)
    response = small.call("POST", "/v1/deals", body={"title": "boom"})
    assert response.status == 500
    assert response.json() == {"success": False, "error": INTERNAL}
    assert response.headers["X-Request-Id"]
    assert store_snapshot(small.portal) == before
    assert "a bug after the write" in caplog.text
    assert small.ok("POST", "/v1/deals", body={"title": "fine"}, status=201)["data"]["id"] == 5


def test_an_internal_error_in_one_batch_item_undoes_that_item_only(small: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    _explode_after_writing(monkeypatch, "boom")
    items = [{"title": "a"}, {"title": "boom"}, {"title": "c"}]
    data = small.ok("POST", "/v1/deals/batch", body={"action": "create", "items": items})["data"]
    assert data["results"][1] == {"success": False, "error": INTERNAL}
    assert [r["title"] for r in small.search("deals", {"filter": {">id": 4}})["data"]] == ["a", "c"]
    calls = [
        {"id": "x", "entity": "deals", "action": "create", "params": {"title": "boom"}},
        {"id": "y", "entity": "deals", "action": "create", "params": {"title": "y"}},
    ]
    data = small.ok("POST", "/v1/batch", body={"calls": calls})["data"]
    assert data["errors"]["x"]["code"] == "INTERNAL_ERROR"
    assert data["results"]["y"]["title"] == "y"
    assert [r["title"] for r in small.search("deals", {"filter": {">id": 4}})["data"]] == ["a", "c", "y"]


# --- bodies that are not strict JSON ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"title":"x","amount":NaN}',
        b'{"title":"x","amount":Infinity}',
        b'{"title":"x","amount":-Infinity}',
        b'{"title":"x","amount":1e400}',
        b'{"title":"x"',
        b"\xff\xfe",
        b'{"title":"x"} trailing',
    ],
)
def test_bodies_that_are_not_strict_json_are_a_400(small: Api, body: bytes) -> None:
    before = store_snapshot(small.portal)
    error = _assert_400(_raw(small, "POST", "/v1/deals", body))
    assert error["code"] == "VALIDATION_ERROR"
    assert store_snapshot(small.portal) == before


def test_deep_nesting_is_a_400_at_any_depth(small: Api) -> None:
    for depth in (MAX_DEPTH + 1, 1000, 100_000):
        body = b'{"filter":' + b"[" * depth + b"]" * depth + b"}"
        error = _assert_400(_raw(small, "POST", "/v1/deals/search", body))
        assert "nested" in error["message"]
    ok = b'{"filter":{"id":{"$in":[1,2]}}}'
    assert _raw(small, "POST", "/v1/deals/search", ok).status == 200


def test_an_oversized_body_is_a_400(small: Api) -> None:
    body = json.dumps({"title": "x" * MAX_BODY_BYTES}).encode()
    error = _assert_400(_raw(small, "POST", "/v1/deals", body))
    assert str(MAX_BODY_BYTES) in error["message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", 10**400),
        ("probability", 2**63),
        ("probability", -(2**80)),
        ("amount", 1e300),
        ("UF_CRM_SCORE", -1e200),
    ],
)
def test_numbers_out_of_range_are_a_validation_error(small: Api, field: str, value: int | float) -> None:
    before = store_snapshot(small.portal)
    status, error = small.error("POST", "/v1/deals", body={"title": "n", field: value})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")
    assert error["message"].startswith(f"fields.{field}: ")
    assert store_snapshot(small.portal) == before


# --- the transport layers answer JSON whatever happens ---------------------------------------------------


class _Broken(Portal):
    async def handle(self, method: str, path: str, query: str, headers: Any, body: bytes) -> Response:
        raise RuntimeError("broken portal")


@pytest.mark.anyio
async def test_the_httpx_transport_turns_a_crash_into_a_json_500() -> None:
    async with httpx.AsyncClient(transport=EmulatorTransport(_Broken(data={})), base_url="https://x") as client:
        response = await client.get("/v1/deals", headers={"X-Api-Key": DEMO_API_KEY})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "INTERNAL_ERROR"
    assert response.headers["content-type"].startswith("application/json")


@pytest.mark.anyio
async def test_the_asgi_app_turns_a_crash_into_a_json_500() -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    scope = {"type": "http", "method": "GET", "path": "/v1/deals", "query_string": b"", "headers": []}
    await App(_Broken(data={}))(scope, receive, send)
    assert sent[0]["status"] == 500
    assert (b"content-type", b"application/json; charset=utf-8") in sent[0]["headers"]
    assert json.loads(sent[1]["body"])["error"]["code"] == "INTERNAL_ERROR"


def test_digit_strings_too_long_for_an_integer_are_a_400(small: Api) -> None:
    """Found by the property tests: Python refuses int() of over 4300 digits."""
    digits = "9" * 5000
    assert small.error("GET", f"/v1/deals/{digits}")[0] == 400
    assert small.error("GET", "/v1/deals", f"limit={digits}")[1]["code"] == "INVALID_PARAMS"
    assert small.error("GET", "/v1/deals", f"offset={digits}")[1]["code"] == "INVALID_PARAMS"
    assert small.error("PATCH", f"/v1/deals/{digits}", body={"title": "x"})[0] == 400


@pytest.mark.anyio
async def test_the_asgi_app_refuses_an_oversized_body_without_reading_it_all() -> None:
    chunk = b"x" * (1024 * 1024)
    chunks_read = 0

    async def receive() -> dict[str, Any]:
        nonlocal chunks_read
        chunks_read += 1
        return {"type": "http.request", "body": chunk, "more_body": True}  # an endless body

    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(dict(message))

    scope = {"type": "http", "method": "POST", "path": "/v1/deals", "query_string": b"", "headers": []}
    await App(_Broken(data={}))(scope, receive, send)  # the portal is never asked
    assert sent[0]["status"] == 400
    assert json.loads(sent[1]["body"])["error"]["code"] == "VALIDATION_ERROR"
    assert chunks_read == MAX_BODY_BYTES // len(chunk) + 1


def test_an_enumeration_id_of_thousands_of_digits_is_a_validation_error(small: Api) -> None:
    """Found by the property tests (explore profile): enumeration ids given as digit strings."""
    before = store_snapshot(small.portal)
    status, error = small.error("POST", "/v1/contacts", body={"name": "Иван", "UF_CRM_LOYALTY": "9" * 5000})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")
    assert error["message"].startswith("fields.UF_CRM_LOYALTY: ")
    assert len(error["message"]) < 300
    assert store_snapshot(small.portal) == before
