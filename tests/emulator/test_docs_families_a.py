"""The docs' pages of calendar events, files, folders, storages and activities, example by example;
each test names its doc line (docs dump of 2026-05-05).

The seeded portal (clock pinned) plus the records the examples name: calendar event 123, file and
folder 123, activity 3894 and others on deal 741.
"""

from __future__ import annotations

import pytest

from server.emulator import Portal
from server.emulator.registry import generate

from .conftest import FIXED_NOW, Api

Records = list[dict[str, object]]


def _with(rows: Records, extra: Records) -> Records:
    fields = dict.fromkeys(rows[0])
    return sorted([*rows, *({**fields, **row} for row in extra)], key=lambda row: int(str(row["id"])))


@pytest.fixture
def api() -> Api:
    data = generate(now=FIXED_NOW)
    data["calendar-events"] = _with(
        data["calendar-events"],
        [{"id": 123, "name": "Планёрка", "type": "user", "ownerId": 1, "from": "2026-04-15T07:00:00.000Z",
          "to": "2026-04-15T08:00:00.000Z", "sectionId": 1, "attendees": [1], "remind": []}],
    )  # fmt: skip
    data["folders"] = _with(data["folders"], [{"id": 123, "name": "Архив", "parentId": 1, "storageId": 1}])
    data["files"] = _with(
        data["files"],
        [{"id": 123, "name": "Счёт 123.pdf", "size": 20480, "folderId": 123, "storageId": 1, "type": "file",
          "downloadUrl": "https://demo.bitrix24.ru/disk/downloadFile/123/?&ncc=1&filename=123.pdf"}],
    )  # fmt: skip
    on_741 = {"ownerTypeId": 2, "ownerId": 741, "responsibleId": 1, "priority": 2, "direction": 2}
    data["activities"] = _with(
        data["activities"],
        [
            {"id": 3894, "typeId": 2, "subject": "Встреча по проекту", "completed": False,
             "deadline": "2026-04-16T08:00:00.000Z", **on_741},
            {"id": 3895, "typeId": 1, "subject": "Звонок: обсудить КП", "completed": True,
             "deadline": "2026-04-10T08:00:00.000Z", **on_741},
            {"id": 3896, "typeId": 1, "subject": "Звонок: напомнить об оплате", "completed": True,
             "deadline": "2026-04-12T08:00:00.000Z", **on_741},
        ],
    )  # fmt: skip
    return Api(Portal(data=data, clock=lambda: FIXED_NOW))


# --- Calendar events ---------------------------------------------------------------------------------------


def test_L17438_calendar_event_get(api: Api) -> None:
    """`GET /v1/calendar-events/123`: camelCase names from the field table (L17408-17429)."""
    data = api.ok("GET", "/v1/calendar-events/123")["data"]
    assert {"id", "name", "type", "ownerId", "from", "to", "skipTime", "sectionId", "attendees"} <= set(data)
    assert (data["name"], data["from"]) == ("Планёрка", "2026-04-15T07:00:00.000Z")


def test_L17445_calendar_event_create(api: Api) -> None:
    """The page's create body; a time without an offset is read as UTC and answered with its zone."""
    body = {"type": "user", "ownerId": 1, "name": "Call with customer", "from": "2026-05-01T10:00:00",
            "to": "2026-05-01T11:00:00", "sectionId": 1}  # fmt: skip
    data = api.ok("POST", "/v1/calendar-events", body=body, status=201)["data"]
    assert (data["name"], data["from"], data["to"]) == (
        "Call with customer",
        "2026-05-01T10:00:00.000Z",
        "2026-05-01T11:00:00.000Z",
    )
    assert (data["importance"], data["accessibility"], data["skipTime"]) == ("normal", "busy", False)
    moscow = api.ok("POST", "/v1/calendar-events", body={**body, "from": "2026-05-01T10:00:00+03:00"}, status=201)
    assert moscow["data"]["from"] == "2026-05-01T07:00:00.000Z"


def test_L17413_calendar_event_create_requires_type_owner_name_from_to(api: Api) -> None:
    """ "Обязательные для create: type, ownerId, name, from, to"."""
    status, error = api.error("POST", "/v1/calendar-events", body={"name": "Без владельца"})
    assert status == 400 and error["code"] == "VALIDATION_ERROR"
    for name in ("type", "ownerId", "from", "to"):
        assert name in error["message"]


def test_L17461_calendar_event_update_and_L17470_delete(api: Api) -> None:
    """`PATCH {"name":"Renamed event"}`, then `DELETE /v1/calendar-events/123`."""
    assert api.ok("PATCH", "/v1/calendar-events/123", body={"name": "Renamed event"})["data"]["name"] == "Renamed event"
    assert api.call("DELETE", "/v1/calendar-events/123").status == 204
    assert api.error("GET", "/v1/calendar-events/123")[0] == 404


def test_L17400_calendar_events_list_is_disabled(api: Api) -> None:
    """ "Disabled operations: list": the route does not exist, and the answer names what does."""
    status, error = api.error("GET", "/v1/calendar-events", "type=user&ownerId=1")
    assert status == 404 and error["code"] == "ROUTE_NOT_FOUND"
    assert "create, delete, get, update" in error["hint"]


# --- Drive ---------------------------------------------------------------------------------------------------


def test_L19382_storages_list_and_L41268_root_object(api: Api) -> None:
    """`GET /v1/storages?limit=10`: id, name, entityType, entityId, rootObjectId (the recipe's step 1)."""
    body = api.ok("GET", "/v1/storages", "limit=10")
    assert len(body["data"]) == 10 and body["meta"]["total"] > 10
    common = body["data"][0]
    assert set(common) == {"id", "name", "entityType", "entityId", "rootObjectId"}
    assert (common["name"], common["entityType"]) == ("Общий диск", "common")


def test_L19365_storages_are_read_only(api: Api) -> None:
    """ "Disabled operations: create, update, delete"."""
    assert api.error("POST", "/v1/storages", body={"name": "x"})[1]["code"] == "ROUTE_NOT_FOUND"
    assert api.error("PATCH", "/v1/storages/1", body={"name": "x"})[1]["code"] == "ROUTE_NOT_FOUND"
    assert api.error("DELETE", "/v1/storages/1")[1]["code"] == "ROUTE_NOT_FOUND"


def test_L41293_root_folder_children_by_parent_id(api: Api) -> None:
    """The recipe: `GET /v1/folders?filter[parentId]=ROOT_OBJECT_ID` lists the root folder's subfolders."""
    root = api.ok("GET", "/v1/storages/1")["data"]["rootObjectId"]
    children = api.ok("GET", "/v1/folders", f"filter[parentId]={root}")["data"]
    names = [f["name"] for f in children]
    assert {"Договоры", "Маркетинг", "Бухгалтерия"} <= set(names)
    assert all(f["parentId"] == root and f["storageId"] == 1 for f in children)


def test_L18262_folder_create(api: Api) -> None:
    """`{"name":"value","parentId":1,"code":"value"}`: the new folder sits in its parent's storage."""
    data = api.ok("POST", "/v1/folders", body={"name": "value", "parentId": 1, "code": "value"}, status=201)["data"]
    assert (data["name"], data["parentId"], data["storageId"], data["code"]) == ("value", 1, 1, "value")
    status, error = api.error("POST", "/v1/folders", body={"name": "x", "parentId": 999_999})
    assert status == 404 and "999999" in error["message"]


def test_L18271_folder_update_template_has_no_title(api: Api) -> None:
    """The template sends `{"title":"updated"}`; folders have no `title`, a rename sends `name`."""
    assert api.error("PATCH", "/v1/folders/123", body={"title": "updated"})[0] == 400
    assert api.ok("PATCH", "/v1/folders/123", body={"name": "Архив 2025"})["data"]["name"] == "Архив 2025"


def test_L18168_files_list_and_L18175_get(api: Api) -> None:
    """`GET /v1/files?limit=10`, `GET /v1/files/123`: the field table (L18147-18159) with a download URL."""
    assert len(api.ok("GET", "/v1/files", "limit=10")["data"]) == 10
    data = api.ok("GET", "/v1/files/123")["data"]
    assert set(data) == {"id", "name", "size", "folderId", "storageId", "type", "downloadUrl", "createdBy",
                         "updatedBy", "createdAt", "updatedAt"}  # fmt: skip
    assert data["downloadUrl"].startswith("https://")


def test_L18139_files_create_is_disabled(api: Api) -> None:
    """ "Disabled operations: create": no upload through the Entity API."""
    status, error = api.error("POST", "/v1/files", body={"name": "a.txt", "folderId": 1})
    assert status == 404 and error["code"] == "ROUTE_NOT_FOUND"


def test_L18182_file_rename_and_L18191_delete(api: Api) -> None:
    """PATCH renames (disk.file.rename): only the name is writable; DELETE marks it deleted."""
    assert api.ok("PATCH", "/v1/files/123", body={"name": "Счёт 123 (оплачен).pdf"})["data"]["size"] == 20480
    assert api.error("PATCH", "/v1/files/123", body={"size": 1})[0] == 400
    assert api.call("DELETE", "/v1/files/123").status == 204


# --- Activities -------------------------------------------------------------------------------------------


def test_L20757_activities_of_a_deal(api: Api) -> None:
    """`?filter[ownerTypeId]=2&filter[ownerId]=741&limit=10&select=id,subject,typeId,completed`."""
    body = api.ok(
        "GET", "/v1/activities", "filter[ownerTypeId]=2&filter[ownerId]=741&limit=10&select=id,subject,typeId,completed"
    )
    assert [a["id"] for a in body["data"]] == [3894, 3895, 3896]
    assert set(body["data"][0]) == {"id", "subject", "typeId", "completed"}


def test_L20017_activities_aggregate_by_type(api: Api) -> None:
    """`{"filter": {"ownerTypeId": 2, "ownerId": 741, "completed": "Y"}, "groupBy": "typeId"}`."""
    body = {"filter": {"ownerTypeId": 2, "ownerId": 741, "completed": "Y"}, "groupBy": "typeId"}
    data = api.ok("POST", "/v1/activities/aggregate", body=body)["data"]
    assert data["count"] == 2
    assert [(g["typeId"], g["count"]) for g in data["groups"]] == [(1, 2)]


def test_L20909_activities_search_open_by_deadline(api: Api) -> None:
    """`{"filter": {"ownerTypeId": 2, "ownerId": 741, "completed": false}, "limit": 20, "order": {"deadline": …}}`."""
    body = {"filter": {"ownerTypeId": 2, "ownerId": 741, "completed": False}, "limit": 20, "order": {"deadline": "asc"}}
    assert [a["id"] for a in api.ok("POST", "/v1/activities/search", body=body)["data"]] == [3894]


def test_L20180_activity_create_and_L21057_update(api: Api) -> None:
    """The create page's meeting on deal 741, then `{"completed": true, "subject": "... (завершена)"}`."""
    body = {"typeId": 2, "ownerTypeId": 2, "ownerId": 741, "subject": "Встреча по проекту",
            "description": "Обсуждение условий поставки", "responsibleId": 1, "priority": 2, "direction": 2,
            "startTime": "2026-04-16T10:00:00+03:00", "endTime": "2026-04-16T11:00:00+03:00",
            "deadline": "2026-04-16T11:00:00+03:00"}  # fmt: skip
    data = api.ok("POST", "/v1/activities", body=body, status=201)["data"]
    assert (data["startTime"], data["completed"]) == ("2026-04-16T07:00:00.000Z", False)
    patch = {"completed": True, "subject": "Встреча по проекту (завершена)"}
    updated = api.ok("PATCH", f"/v1/activities/{data['id']}", body=patch)["data"]
    assert (updated["completed"], updated["subject"]) == (True, "Встреча по проекту (завершена)")


def test_L20483_activities_fields_name_the_types(api: Api) -> None:
    """The fields table and its typeId / ownerTypeId values (L20553-20570)."""
    fields = api.ok("GET", "/v1/activities/fields")["data"]["fields"]
    assert {"typeId", "ownerTypeId", "ownerId", "subject", "responsibleId", "completed", "deadline"} <= set(fields)
    assert [i["VALUE"] for i in fields["typeId"]["items"]] == ["Звонок", "Встреча", "Задача", "Email"]
    assert [i["ID"] for i in fields["ownerTypeId"]["items"]] == ["1", "2", "3", "4"]


# --- Timelines ------------------------------------------------------------------------------------------


def test_L19713_timelines_list_requires_entity_type_and_id(api: Api) -> None:
    """ "Запрос без этих полей возвращает 400 MISSING_REQUIRED_FILTER"; with them, one record's comments."""
    status, error = api.error("GET", "/v1/timelines", "filter[entityType]=deal")
    assert (status, error["code"]) == (400, "MISSING_REQUIRED_FILTER")
    deal = api.portal.store.table("timelines").scan()[0]["entityId"]  # a deal the seed commented on
    rows = api.ok("GET", "/v1/timelines", f"filter[entityType]=deal&filter[entityId]={deal}")["data"]
    assert rows and all((r["entityType"], r["entityId"]) == ("deal", deal) for r in rows)


def test_L40119_timeline_comment_create(api: Api) -> None:
    """`{"entityType": "deal", "entityId": 741, "comment": "Первый контакт: …"}`: author = the key's owner."""
    body = {"entityType": "deal", "entityId": 741, "comment": "Первый контакт: клиент заинтересовался предложением"}
    data = api.ok("POST", "/v1/timelines", body=body, status=201)["data"]
    assert (data["entityType"], data["entityId"], data["authorId"]) == ("deal", 741, 1)
    assert data["createdAt"] == "2026-04-14T08:23:59.000Z"
    status, error = api.error("POST", "/v1/timelines", body={**body, "comment": ""})
    assert (status, error["code"], error["message"]) == (422, "BITRIX_ERROR", "Empty comment message")


def test_L19720_entity_type_is_a_type_name_in_lower_case(api: Api) -> None:
    """Numeric codes give "BITRIX_ERROR Access denied."; `DYNAMIC_174` comes back as `dynamic_174`."""
    status, error = api.error("POST", "/v1/timelines", body={"entityType": "2", "entityId": 741, "comment": "x"})
    assert (status, error["message"]) == (422, "Access denied.")
    body = {"entityType": "DYNAMIC_1032", "entityId": 1, "comment": "Договор на подписи"}
    data = api.ok("POST", "/v1/timelines", body=body, status=201)["data"]
    assert data["entityType"] == "dynamic_1032"
    moved = api.error("PATCH", f"/v1/timelines/{data['id']}", body={"entityId": 2})
    assert moved[0] == 400  # "entityType и entityId фиксируются при создании"
