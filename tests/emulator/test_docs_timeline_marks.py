"""Pins, bindings and notes of timeline comments: the 8 endpoints of /v1/timeline-logs mounted on
/v1/timelines ("Комментарии таймлайна — Закрепление, привязки, заметки", L19696), with the bodies and
errors of the timeline-logs pages (L5764–L5898). Each test names its doc line (docs dump of 2026-05-05).
"""

from __future__ import annotations

import pytest

from server.emulator import Portal
from server.emulator.registry import generate

from .conftest import FIXED_NOW, Api

# The 8 endpoints (L19702 table).
ENDPOINTS = (("POST", "pin"), ("POST", "unpin"), ("POST", "bind"), ("POST", "unbind"),
             ("GET", "bindings"), ("POST", "note"), ("GET", "note"), ("DELETE", "note"))  # fmt: skip


@pytest.fixture
def api() -> Api:
    return Api(Portal(data=generate(now=FIXED_NOW), clock=lambda: FIXED_NOW))


def _comment(api: Api, entity_type: str = "deal", entity_id: int = 100) -> int:
    body = {"entityType": entity_type, "entityId": entity_id, "comment": "AI-агент обработал заявку"}
    return int(api.ok("POST", "/v1/timelines", body=body, status=201)["data"]["id"])


def test_L5768_pin_and_unpin_on_the_owner_timeline(api: Api) -> None:
    """`POST …/5012/pin` with `{"entityTypeId": 2, "entityId": 100}`; unpin takes the same body."""
    comment = _comment(api)
    assert api.ok("POST", f"/v1/timelines/{comment}/pin", body={"entityTypeId": 2, "entityId": 100})["data"] is True
    assert api.portal.store.table("timeline-marks").peek(comment)["pinned"] is True
    api.ok("POST", f"/v1/timelines/{comment}/unpin", body={"entityTypeId": 2, "entityId": 100})
    assert api.portal.store.table("timeline-marks").peek(comment)["pinned"] is False
    # a record the comment is not shown on, and a body without the owner
    assert api.error("POST", f"/v1/timelines/{comment}/pin", body={"entityTypeId": 2, "entityId": 101})[0] == 404
    status, error = api.error("POST", f"/v1/timelines/{comment}/pin", body={"entityTypeId": 2})
    assert (status, error["code"]) == (400, "INVALID_PARAMS")


def test_L5777_note_save_get_delete(api: Api) -> None:
    """`POST …/note` `{"entityTypeId": 2, "entityId": 100, "text": "Клиент обычно отвечает…"}`; GET reads it,
    DELETE removes it, and then both answer 404 NOTE_NOT_FOUND (L5886)."""
    comment = _comment(api)
    path = f"/v1/timelines/{comment}/note"
    status, error = api.error("GET", path)
    assert (status, error["code"]) == (404, "NOTE_NOT_FOUND")
    text = "Клиент обычно отвечает в течение 2 дней."
    saved = api.ok("POST", path, body={"entityTypeId": 2, "entityId": 100, "text": text})["data"]
    assert saved == {"itemId": comment, "text": text}
    assert api.ok("GET", path)["data"]["text"] == text
    api.ok("POST", path, body={"entityTypeId": 2, "entityId": 100, "text": "Напомнить менеджеру"})  # save = update
    assert api.ok("GET", path)["data"]["text"] == "Напомнить менеджеру"
    assert api.ok("DELETE", path)["data"] is True
    assert api.error("GET", path)[1]["code"] == "NOTE_NOT_FOUND"
    assert api.error("DELETE", path)[1]["code"] == "NOTE_NOT_FOUND"
    status, error = api.error("POST", path, body={"entityTypeId": 2, "entityId": 100})
    assert (status, error["code"]) == (400, "INVALID_PARAMS")


def test_L5816_bind_to_contact_and_company_then_list(api: Api) -> None:
    """`bind` `{entityTypeId: 3, entityId: contactId}` and `{entityTypeId: 4, …}`: the comment shows on all three."""
    comment = _comment(api)
    contact = api.portal.store.table("contacts").scan()[0]["id"]
    company = api.portal.store.table("companies").scan()[0]["id"]
    api.ok("POST", f"/v1/timelines/{comment}/bind", body={"entityTypeId": 3, "entityId": contact})
    api.ok("POST", f"/v1/timelines/{comment}/bind", body={"entityTypeId": 4, "entityId": company})
    bindings = api.ok("GET", f"/v1/timelines/{comment}/bindings")["data"]
    assert bindings == [
        {"entityTypeId": 2, "entityType": "deal", "entityId": 100},
        {"entityTypeId": 3, "entityType": "contact", "entityId": contact},
        {"entityTypeId": 4, "entityType": "company", "entityId": company},
    ]
    api.ok("POST", f"/v1/timelines/{comment}/unbind", body={"entityTypeId": 3, "entityId": contact})
    assert [b["entityTypeId"] for b in api.ok("GET", f"/v1/timelines/{comment}/bindings")["data"]] == [2, 4]


def test_L5875_bindings_take_a_string_entity_type(api: Api) -> None:
    """ "как числовой `entityTypeId`, так и строковый `entityType` напрямую (`"deal"`, `"dynamic_174"`)"."""
    comment = _comment(api, "DYNAMIC_174", 5)
    assert api.ok("GET", f"/v1/timelines/{comment}/bindings")["data"] == [
        {"entityTypeId": 174, "entityType": "dynamic_174", "entityId": 5}
    ]
    api.ok("POST", f"/v1/timelines/{comment}/bind", body={"entityType": "deal", "entityId": 100})
    api.ok("POST", f"/v1/timelines/{comment}/unbind", body={"entityType": "dynamic_174", "entityId": 5})
    assert api.ok("GET", f"/v1/timelines/{comment}/bindings")["data"] == [
        {"entityTypeId": 2, "entityType": "deal", "entityId": 100}
    ]
    # the last binding stays: a comment is always on some record's timeline
    assert api.error("POST", f"/v1/timelines/{comment}/unbind", body={"entityType": "deal", "entityId": 100})[0] == 400


def test_L5884_invalid_entity_type_id(api: Api) -> None:
    """400 INVALID_ENTITY_TYPE_ID: an `entityTypeId` below 128 not in the types table (and an unknown name)."""
    comment = _comment(api)
    for body in ({"entityTypeId": 5, "entityId": 1}, {"entityType": "widget", "entityId": 1}):
        status, error = api.error("POST", f"/v1/timelines/{comment}/bind", body=body)
        assert (status, error["code"]) == (400, "INVALID_ENTITY_TYPE_ID")
    status, error = api.error("POST", f"/v1/timelines/{comment}/unbind", body={"entityTypeId": 9, "entityId": 1})
    assert (status, error["code"]) == (400, "INVALID_ENTITY_TYPE_ID")
    assert api.ok("GET", f"/v1/timelines/{comment}/bindings")["data"] == [
        {"entityTypeId": 2, "entityType": "deal", "entityId": 100}
    ]


def test_L5885_unknown_comment_is_entity_not_found(api: Api) -> None:
    """404 ENTITY_NOT_FOUND for an id no comment has, on every one of the 8 endpoints (L19702 table)."""
    owner = {"entityTypeId": 2, "entityId": 100, "text": "x"}
    for method, tail in ENDPOINTS:
        status, error = api.error(method, f"/v1/timelines/999999/{tail}", body=owner if method == "POST" else None)
        assert (status, error["code"]) == (404, "ENTITY_NOT_FOUND"), (method, tail)


def test_L19702_the_routes_are_only_on_timelines(api: Api) -> None:
    """The table mounts them on /v1/timelines; a deal has no /pin."""
    status, error = api.error("POST", "/v1/deals/1/pin", body={"entityTypeId": 2, "entityId": 1})
    assert (status, error["code"]) == (404, "ROUTE_NOT_FOUND")


def test_L19698_a_failed_write_changes_nothing(api: Api) -> None:
    """A bind to a record that does not exist is refused and leaves the bindings as they were."""
    comment = _comment(api)
    assert api.error("POST", f"/v1/timelines/{comment}/bind", body={"entityTypeId": 3, "entityId": 99999999})[0] == 404
    assert len(api.ok("GET", f"/v1/timelines/{comment}/bindings")["data"]) == 1


def test_L5860_every_documented_parent_type_binds(api: Api) -> None:
    """ "Типы родительских сущностей": 1 lead, 2 deal, 3 contact, 4 company, 7 quote, 14 order, 31 invoice and
    ≥ 128 a smart process; each binds by its `entityTypeId` and lists under its type name. A record of a type
    the portal holds must exist (orders are not on the demo portal: taken on trust)."""
    comment = _comment(api)
    held = ((1, "leads"), (3, "contacts"), (4, "companies"), (7, "quotes"), (31, "invoices"), (1032, "items/1032"))
    first = [(code, api.portal.store.table(table).scan()[0]["id"]) for code, table in held]
    for code, entity_id in [*first, (14, 5)]:
        api.ok("POST", f"/v1/timelines/{comment}/bind", body={"entityTypeId": code, "entityId": entity_id})
    listed = api.ok("GET", f"/v1/timelines/{comment}/bindings")["data"]
    assert [(b["entityTypeId"], b["entityType"]) for b in listed] == [
        (2, "deal"), (1, "lead"), (3, "contact"), (4, "company"), (7, "quote"), (31, "smart_invoice"),
        (1032, "dynamic_1032"), (14, "order"),
    ]  # fmt: skip
    for code, _ in held:
        status, error = api.error(
            "POST", f"/v1/timelines/{comment}/bind", body={"entityTypeId": code, "entityId": 9999999}
        )
        assert (status, error["code"]) == (404, "ENTITY_NOT_FOUND"), code
    assert len(api.ok("GET", f"/v1/timelines/{comment}/bindings")["data"]) == 8


def test_L5883_invalid_params_name_the_field_and_write_nothing(api: Api) -> None:
    """400 INVALID_PARAMS: `entityTypeId`, `entityId` or `text` missing or malformed, "конкретное поле в
    `message`"; a body that is not an object. Nothing changes."""
    comment = _comment(api)
    api.ok("POST", f"/v1/timelines/{comment}/note", body={"entityTypeId": 2, "entityId": 100, "text": "Было"})
    cases = (
        ("bind", {"entityTypeId": 3}, "entityId"),
        ("bind", {"entityTypeId": 3, "entityId": "abc"}, "entityId"),
        ("unbind", {"entityTypeId": 2, "entityId": 0}, "entityId"),
        ("bind", {"entityId": 5}, "entityTypeId"),
        ("bind", {"entityTypeId": "сделка", "entityId": 5}, "entityTypeId"),
        ("pin", {"entityId": 100}, "entityTypeId"),
        ("unpin", {"entityTypeId": 2}, "entityId"),
        ("pin", {"entityTypeId": 2, "entityId": -100}, "entityId"),
        ("note", {"entityTypeId": 2, "entityId": 100, "text": "  "}, "text"),
        ("note", {"entityTypeId": 2, "entityId": 100, "text": 5}, "text"),
        ("note", {"entityTypeId": 2, "entityId": 100}, "text"),
        ("bind", [3, 5], "object"),
        ("pin", None, "object"),
    )
    for tail, body, named in cases:
        status, error = api.error("POST", f"/v1/timelines/{comment}/{tail}", body=body)
        assert (status, error["code"]) == (400, "INVALID_PARAMS"), (tail, body)
        assert named in error["message"], (tail, body, error["message"])
    assert api.portal.store.table("timeline-marks").peek(comment) == {
        "id": comment, "pinned": False, "bindings": ["2:100"], "note": "Было"
    }  # fmt: skip


def test_L5895_system_errors_on_the_marks_routes() -> None:
    """401 INVALID_API_KEY for an unknown key and 403 SCOPE_DENIED for a key without `crm`, on every one of
    the 8 endpoints; nothing is written."""
    portal = Portal(data=generate(now=FIXED_NOW), clock=lambda: FIXED_NOW, key_scopes={"vibe_api_tasks": ["task"]})
    api = Api(portal)
    comment = _comment(api)
    before = api.portal.store.table("timeline-marks").scan()
    owner = {"entityTypeId": 2, "entityId": 100, "text": "x"}
    for method, tail in ENDPOINTS:
        body = owner if method == "POST" else None
        for key, expected in (
            ("vibe_api_unknown", (401, "INVALID_API_KEY")),
            ("vibe_api_tasks", (403, "SCOPE_DENIED")),
        ):
            response = api.call(method, f"/v1/timelines/{comment}/{tail}", body=body, headers={"X-Api-Key": key})
            assert (response.status, response.json()["error"]["code"]) == expected, (method, tail, key)
    assert api.portal.store.table("timeline-marks").scan() == before
