"""`/v1/timeline-logs` ("Таймлайн CRM", docs dump of 2026-05-05, L5709–L5930): log records and the 8 mark
routes on them. Each test names its doc line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.emulator import Portal
from server.emulator.registry import generate

from .conftest import FIXED_NOW, KEY, Api

APP_KEY = "vibe_app_logs0000000000000000000"
SESSION = "vibe_session_logs000000000000000"
OTHER_APP = "vibe_app_other000000000000000000"
OTHER_SESSION = "vibe_session_other00000000000000"
CREATE = {
    "entityTypeId": 2,
    "entityId": 100,
    "title": "AI-агент обработал заявку",
    "text": "Проанализированы данные клиента. Рекомендация: предложить тариф Enterprise.",
}


@pytest.fixture
def api() -> Api:
    portal = Portal(
        data=generate(now=FIXED_NOW),
        clock=lambda: FIXED_NOW,
        app_keys={APP_KEY: SESSION, OTHER_APP: OTHER_SESSION},
        key_scopes={"vibe_api_tasks": ["task"]},
    )
    return Api(portal)


def _as(api: Api, key: str, session: str, method: str, path: str, body: object = None) -> tuple[int, Any]:
    headers = {"X-Api-Key": key, "Authorization": f"Bearer {session}"}
    response = api.call(method, path, body=body, headers=headers)
    return response.status, response.json()


def _create(api: Api, **changes: object) -> int:
    return int(api.ok("POST", "/v1/timeline-logs", body={**CREATE, **changes}, status=201)["data"]["id"])


def test_L5746_create_answers_the_record() -> None:
    """The quick start's create answers id, created, authorId, title, text and iconCode ("")."""
    api = Api(Portal(data=generate(now=FIXED_NOW), clock=lambda: FIXED_NOW))
    data = api.ok("POST", "/v1/timeline-logs", body=CREATE, status=201)["data"]
    assert set(data) == {"id", "created", "authorId", "title", "text", "iconCode"}
    assert (data["title"], data["text"], data["iconCode"], data["authorId"]) == (CREATE["title"], CREATE["text"], "", 1)
    assert api.ok("GET", f"/v1/timeline-logs/{data['id']}")["data"] == data
    listed = api.ok("GET", "/v1/timeline-logs", query="entityTypeId=2&entityId=100")["data"]
    assert data in listed
    other = api.ok("GET", "/v1/timeline-logs", query="entityTypeId=2&entityId=101")["data"]
    assert all(r["id"] != data["id"] for r in other)


def test_L10762_create_by_type_name_and_icon(api: Api) -> None:
    """The AI Router example posts `"entityType": "deal"` instead of the numeric code."""
    record = _create(api, entityTypeId=None, entityType="deal", iconCode="info", entityId=7)
    assert api.ok("GET", f"/v1/timeline-logs/{record}")["data"]["iconCode"] == "info"
    assert [r["id"] for r in api.ok("GET", "/v1/timeline-logs", query="entityType=deal&entityId=7")["data"]][
        -1
    ] == record


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"title": ""}, "title"), ({"text": None}, "text"), ({"entityId": "x"}, "entityId"),
     ({"entityTypeId": None}, "entityTypeId")],
)  # fmt: skip
def test_L5866_create_invalid_params_names_the_field(api: Api, changes: dict[str, object], field: str) -> None:
    before = len(api.portal.store.table("timeline-logs"))
    status, error = api.error("POST", "/v1/timeline-logs", body={**CREATE, **changes})
    assert (status, error["code"]) == (400, "INVALID_PARAMS") and field in error["message"]
    assert len(api.portal.store.table("timeline-logs")) == before
    status, error = api.error("POST", "/v1/timeline-logs", body={**CREATE, "entityTypeId": 5})
    assert (status, error["code"]) == (400, "INVALID_ENTITY_TYPE_ID")


def test_list_needs_its_owner(api: Api) -> None:
    """crm.timeline.logmessage.list lists one record's timeline: without the owner 400 INVALID_PARAMS."""
    for query in ("", "entityTypeId=2", "entityId=100"):
        status, error = api.error("GET", "/v1/timeline-logs", query=query)
        assert (status, error["code"]) == (400, "INVALID_PARAMS")


def test_seeded_records_on_deals(api: Api) -> None:
    rows = api.portal.store.table("timeline-logs").scan()
    assert {"Документы отправлены", "Интеграция: заказ оплачен"} <= {r["title"] for r in rows}
    first = rows[0]
    listed = api.ok("GET", "/v1/timeline-logs", query=f"entityTypeId=2&entityId={first['entityId']}")["data"]
    assert first["id"] in [r["id"] for r in listed]


def test_L5871_get_of_nothing_is_not_found(api: Api) -> None:
    """Only GET /v1/timeline-logs/:id answers 404 NOT_FOUND; DELETE of a missing record ENTITY_NOT_FOUND."""
    status, error = api.error("GET", "/v1/timeline-logs/999999")
    assert (status, error["code"]) == (404, "NOT_FOUND")
    status, body = _as(api, APP_KEY, SESSION, "DELETE", "/v1/timeline-logs/999999")
    assert (status, body["error"]["code"]) == (404, "ENTITY_NOT_FOUND")
    assert api.error("GET", "/v1/timeline-logs/abc")[1]["code"] == "INVALID_PARAMS"


def test_L5851_delete_only_by_the_creating_application(api: Api) -> None:
    """A personal key always gets 403 CROSS_APP_DELETE_FORBIDDEN, even on its fresh record; an OAuth
    application deletes its own records and not another application's."""
    mine = _create(api)
    status, error = api.error("DELETE", f"/v1/timeline-logs/{mine}")
    assert (status, error["code"]) == (403, "CROSS_APP_DELETE_FORBIDDEN")
    status, created = _as(api, APP_KEY, SESSION, "POST", "/v1/timeline-logs", CREATE)
    record = created["data"]["id"]
    status, body = _as(api, OTHER_APP, OTHER_SESSION, "DELETE", f"/v1/timeline-logs/{record}")
    assert (status, body["error"]["code"]) == (403, "CROSS_APP_DELETE_FORBIDDEN")
    assert _as(api, APP_KEY, SESSION, "DELETE", f"/v1/timeline-logs/{record}") == (200, {"success": True, "data": True})
    assert api.error("GET", f"/v1/timeline-logs/{record}")[1]["code"] == "NOT_FOUND"
    seeded = api.portal.store.table("timeline-logs").scan()[0]["id"]  # left by an application no key holds
    assert _as(api, APP_KEY, SESSION, "DELETE", f"/v1/timeline-logs/{seeded}")[0] == 403


def test_L5800_agent_example_bind_pin_note(api: Api) -> None:
    """The full example: bind to a contact and a company, pin the result, leave a note for the manager."""
    start = _create(api, title="AI-агент начал обработку")
    for type_id, entity_id in ((3, 50), (4, 10)):
        body = {"entityTypeId": type_id, "entityId": entity_id}
        assert api.ok("POST", f"/v1/timeline-logs/{start}/bind", body=body)["data"] is True
    bound = api.ok("GET", f"/v1/timeline-logs/{start}/bindings")["data"]
    assert [(b["entityType"], b["entityId"]) for b in bound] == [("deal", 100), ("contact", 50), ("company", 10)]
    result = _create(api, title="AI-агент завершил обработку")
    assert api.ok("POST", f"/v1/timeline-logs/{result}/pin", body={"entityTypeId": 2, "entityId": 100})["data"] is True
    assert api.portal.store.table("timeline-marks").peek(result)["pinned"] is True
    text = "Клиент обычно отвечает в течение 2 дней. Напомнить менеджеру, если нет ответа."
    note = api.ok("POST", f"/v1/timeline-logs/{result}/note", body={"entityTypeId": 2, "entityId": 100, "text": text})
    assert note["data"] == {"itemId": result, "text": text}
    # the same marks answer under /v1/timelines (the items are shared)
    assert api.ok("GET", f"/v1/timelines/{result}/note")["data"]["text"] == text
    api.ok("POST", f"/v1/timelines/{result}/unpin", body={"entityTypeId": 2, "entityId": 100})
    assert api.portal.store.table("timeline-marks").peek(result)["pinned"] is False
    assert api.ok("DELETE", f"/v1/timeline-logs/{result}/note")["data"] is True
    status, error = api.error("GET", f"/v1/timeline-logs/{result}/note")
    assert (status, error["code"]) == (404, "NOTE_NOT_FOUND")


def test_L5867_marks_errors(api: Api) -> None:
    record = _create(api)
    status, error = api.error("POST", f"/v1/timeline-logs/{record}/bind", body={"entityTypeId": 5, "entityId": 1})
    assert (status, error["code"]) == (400, "INVALID_ENTITY_TYPE_ID")
    status, error = api.error("POST", f"/v1/timeline-logs/{record}/pin", body={"entityTypeId": 2})
    assert (status, error["code"]) == (400, "INVALID_PARAMS")
    status, error = api.error("POST", "/v1/timeline-logs/999999/pin", body={"entityTypeId": 2, "entityId": 100})
    assert (status, error["code"]) == (404, "ENTITY_NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "tail"),
    [("POST", ""), ("GET", ""), ("GET", "/5001"), ("DELETE", "/5001"), ("POST", "/5001/pin"), ("POST", "/5001/unpin"),
     ("POST", "/5001/bind"), ("POST", "/5001/unbind"), ("GET", "/5001/bindings"), ("POST", "/5001/note"),
     ("GET", "/5001/note"), ("DELETE", "/5001/note")],
)  # fmt: skip
def test_L5890_auth_and_scope_on_all_12(api: Api, method: str, tail: str) -> None:
    """401 INVALID_API_KEY for an unknown key, 403 SCOPE_DENIED for a key without `crm`."""
    path = f"/v1/timeline-logs{tail}"
    for key, expected in (("vibe_api_unknown", (401, "INVALID_API_KEY")), ("vibe_api_tasks", (403, "SCOPE_DENIED"))):
        response = api.call(method, path, body={}, headers={"X-Api-Key": key})
        assert (response.status, json.loads(response.body)["error"]["code"]) == expected
    assert api.call(method, path, body={}, headers=KEY).status not in (401, 500)
