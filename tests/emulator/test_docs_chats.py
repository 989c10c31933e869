"""The Chats page (docs L7857–9520, «Чаты и сообщения»), example by example; each test names its doc line
(docs dump of 2026-05-05). The portal holds the records the examples name: deal 123's chat 456 with
messages 8895–8901 by Иван Петров (1) and Мария Сидорова (3), the open chat 789, the private dialog with
user 3 (chat 91), file 1047.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from server.emulator import Portal
from server.emulator.api import DEMO_API_KEY
from server.emulator.registry import generate

from .conftest import FIXED_NOW, Api

BASE = generate(seed=7, scale=0.2, now=FIXED_NOW)
USERS = [
    {"id": 1, "name": "Иван", "lastName": "Петров", "active": True, "workPosition": "Менеджер по продажам"},
    {"id": 3, "name": "Мария", "lastName": "Сидорова", "active": True, "workPosition": "Бухгалтер"},
    {"id": 7, "name": "Алексей", "lastName": "Козлов", "active": True, "workPosition": "Руководитель отдела"},
    {"id": 12, "name": "Олег", "lastName": "Смирнов", "active": True, "workPosition": "Юрист"},
    {"id": 15, "name": "Ольга", "lastName": "Иванова", "active": True, "workPosition": "Инженер"},
    {"id": 20, "name": "Пётр", "lastName": "Уволенный", "active": False, "workPosition": ""},
]


def chat(cid: int, title: str, users: list[int], **extra: Any) -> dict[str, Any]:
    return {
        "id": cid, "type": "chat", "title": title, "description": "", "owner": 1, "managers": [1], "users": users,
        "color": "#ab7761", "avatar": "", "entityType": "", "entityId": "", "muteList": [], "read": {},
        "folderId": None, "dateCreate": "2026-03-15T10:00:00+03:00", **extra,
    }  # fmt: skip


def message(mid: int, cid: int, author: int, date: str, text: str, **params: Any) -> dict[str, Any]:
    return {"id": mid, "chatId": cid, "authorId": author, "date": date, "text": text, "params": params,
            "repliedMessageId": 0, "forwardMessageId": 0}  # fmt: skip


CHATS = [
    chat(456, "Чат по сделке: Поставка оборудования", [1, 3, 7], entityType="CRM", entityId="DEAL|123",
         folderId=3045, read={"1": 8901, "3": 8901, "7": 8899}),
    chat(789, "Поставка мебели — обсуждение", [7, 12], type="open", color="#4ba984", owner=7, managers=[7],
         dateCreate="2026-03-20T14:30:00+03:00"),
    chat(91, "", [1, 3], type="private", owner=0, managers=[], read={"1": 8840}),
    chat(95, "Закрытый чат юристов", [12, 15], owner=12, managers=[12]),
]  # fmt: skip
MESSAGES = [
    message(8840, 91, 1, "2026-03-30T15:00:00+03:00", "Пришлите, пожалуйста, документы."),
    message(8845, 91, 3, "2026-03-30T15:30:00+03:00", "Жду документы от юристов."),
    message(8850, 91, 3, "2026-03-31T08:45:00+03:00", "Хорошо, жду документы."),
    message(7210, 789, 7, "2026-03-30T16:00:00+03:00", "Встречу перенесли на четверг."),
    message(8895, 456, 1, "2026-03-31T09:05:00+03:00", "Коллеги, КП утверждено. Можно выставлять счёт."),
    message(8899, 456, 3, "2026-03-31T09:10:00+03:00", "Клиент подтвердил условия по телефону."),
    message(8901, 456, 1, "2026-03-31T09:20:00+03:00", "Счёт выставлен. Номер: СЧ-2026-0458", FILE_ID=[1047]),
]
FOLDERS = [
    {"id": 120, "name": "Файлы чатов", "parentId": None, "storageId": 1, "code": "IM_CHATS", "createdBy": 1,
     "createdAt": "2026-01-10T07:00:00.000Z"},
    {"id": 3045, "name": "Чат #456", "parentId": 120, "storageId": 1, "code": None, "createdBy": 1,
     "createdAt": "2026-03-15T07:00:00.000Z"},
]  # fmt: skip
FILE = {
    "id": 1047, "name": "Коммерческое_предложение.pdf", "size": 245760, "folderId": 3045, "storageId": 1,
    "type": "file", "downloadUrl": "https://demo.bitrix24.ru/disk/downloadFile/1047/?&ncc=1", "createdBy": 1,
    "updatedBy": 1, "createdAt": "2026-03-25T11:30:00.000Z", "updatedAt": "2026-03-25T11:30:00.000Z",
}  # fmt: skip
DATA = {**BASE, "users": USERS, "chats": CHATS, "chat-messages": MESSAGES, "folders": FOLDERS, "files": [FILE]}


@pytest.fixture
def api() -> Api:
    return Api(Portal(data=DATA, clock=lambda: FIXED_NOW))


def users_of(api: Api, dialog: str) -> list[int]:
    return [u["id"] for u in api.ok("GET", f"/v1/chats/{dialog}/users")["data"]]


# --- Быстрый старт ---------------------------------------------------------------------------------------


def test_quick_start_find_the_deals_chat_l7887(api: Api) -> None:
    data = api.ok("GET", "/v1/chats/find", "entityType=CRM&entityId=DEAL|123")["data"]
    assert {k: data[k] for k in ("id", "title", "type", "entityType", "entityId", "dialogId")} == {
        "id": 456, "title": "Чат по сделке: Поставка оборудования", "type": "chat", "entityType": "CRM",
        "entityId": "DEAL|123", "dialogId": "chat456",
    }  # fmt: skip
    # The same request as a client sends it, the pipe percent-encoded.
    assert api.ok("GET", "/v1/chats/find", "entityType=CRM&entityId=DEAL%7C123")["data"]["id"] == 456


def test_quick_start_latest_messages_with_their_authors_l7910(api: Api) -> None:
    data = api.ok("GET", "/v1/chats/chat456/messages", "limit=5")["data"]
    assert data["chatId"] == 456
    assert [m["id"] for m in data["messages"]] == [8901, 8899, 8895]  # newest first
    assert data["users"]["1"] == {**data["users"]["1"], "id": 1, "name": "Иван Петров", "firstName": "Иван"}
    assert data["users"]["3"]["name"] == "Мария Сидорова"


def test_quick_start_send_answers_the_new_message_id_l7948(api: Api) -> None:
    new = api.ok("POST", "/v1/chats/chat456/messages", body={"message": "Счёт выставлен. Номер: СЧ-2026-0458"})
    assert isinstance(new["data"], int) and new["data"] > 8901
    latest = api.ok("GET", "/v1/chats/chat456/messages", "limit=1")["data"]["messages"][0]
    assert (latest["id"], latest["authorId"], latest["text"]) == (new["data"], 1, "Счёт выставлен. Номер: СЧ-2026-0458")


# --- Поиск чатов -----------------------------------------------------------------------------------------


def test_recent_lists_dialogs_by_latest_message_with_unread_counters_l7980(api: Api) -> None:
    items = api.ok("GET", "/v1/chats/recent")["data"]["items"]
    assert [i["id"] for i in items] == ["chat456", "3"]  # not 789 (open, not a member) nor 95 (closed)
    group, private = items
    assert {k: group[k] for k in ("chatId", "type", "title", "pinned")} == {
        "chatId": 456, "type": "chat", "title": "Чат по сделке: Поставка оборудования", "pinned": False,
    }  # fmt: skip
    assert group["message"] == {"id": 8901, "text": "Счёт выставлен. Номер: СЧ-2026-0458", "senderId": 1,
                                "date": "2026-03-31T09:20:00+03:00"}  # fmt: skip
    assert (private["chatId"], private["type"], private["title"]) == (91, "private", "Мария Сидорова")
    assert (group["counter"], private["counter"]) == (0, 2)  # 8845 and 8850 are after what user 1 read
    assert api.ok("GET", "/v1/chats/recent", "limit=1&offset=1")["data"]["items"][0]["id"] == "3"


def test_find_answers_the_whole_chat_and_null_for_a_record_without_one_l8059(api: Api) -> None:
    data = api.ok("GET", "/v1/chats/find", "entityType=CRM&entityId=DEAL|123")["data"]
    example = {"owner", "color", "entityData1", "entityData2", "entityData3", "dateCreate", "messageType"}
    assert example <= set(data) and (data["owner"], data["messageType"]) == (1, "C")
    assert api.ok("GET", "/v1/chats/find", "entityType=CRM&entityId=DEAL|999")["data"] is None


@pytest.mark.parametrize("query", ["entityType=CRM", "entityId=DEAL|123", ""])
def test_find_without_entity_type_and_id_is_missing_params_l8100(api: Api, query: str) -> None:
    status, error = api.error("GET", "/v1/chats/find", query)
    assert (status, error["code"]) == (400, "MISSING_PARAMS")


def test_search_matches_titles_of_chats_the_user_may_see_l8121(api: Api) -> None:
    found = api.ok("GET", "/v1/chats/search", "search=поставка")["data"]
    assert [(c["id"], c["type"]) for c in found] == [(456, "chat"), (789, "open")]
    assert set(found[1]) == {"id", "title", "type", "avatar", "color", "entityType", "entityId", "dateCreate"}
    assert [c["id"] for c in api.ok("GET", "/v1/chats/search", "search=Козлов")["data"]] == [456, 789]  # a member
    assert api.ok("GET", "/v1/chats/search", "search=юристов")["data"] == []  # closed, user 1 is not in it
    assert len(api.ok("GET", "/v1/chats/search", "search=поставка&limit=1")["data"]) == 1


def test_dialog_of_a_group_chat_l8189(api: Api) -> None:
    data = api.ok("GET", "/v1/chats/chat456")["data"]
    assert {k: data[k] for k in ("chatId", "dialogId", "type", "name", "owner", "entityId", "managerList")} == {
        "chatId": 456, "dialogId": "chat456", "type": "chat", "name": "Чат по сделке: Поставка оборудования",
        "owner": 1, "entityId": "DEAL|123", "managerList": [1],
    }  # fmt: skip
    assert (data["messageCount"], data["lastMessageId"], data["userCounter"], data["unreadCount"]) == (3, 8901, 3, 0)


def test_dialog_of_a_user_is_the_private_chat_l8193(api: Api) -> None:
    data = api.ok("GET", "/v1/chats/3")["data"]
    assert (data["chatId"], data["dialogId"], data["type"], data["name"]) == (91, "3", "private", "Мария Сидорова")
    assert api.ok("GET", "/v1/chats/chat91")["data"]["dialogId"] == "3"


@pytest.mark.parametrize("dialog", ["chat95", "chat999", "20", "999", "chatx", "general"])
def test_dialog_not_found_or_not_available_l8235(api: Api, dialog: str) -> None:
    status, error = api.error("GET", f"/v1/chats/{dialog}")
    assert (status, error["code"]) == (404, "DIALOG_NOT_FOUND")


def test_an_open_chat_is_readable_by_everyone_l8107(api: Api) -> None:
    assert api.ok("GET", "/v1/chats/chat789")["data"]["type"] == "open"
    assert [m["id"] for m in api.ok("GET", "/v1/chats/chat789/messages")["data"]["messages"]] == [7210]


def test_file_metadata_and_download_link_l8256(api: Api) -> None:
    data = api.ok("GET", "/v1/chats/files/1047")["data"]
    assert {k: data[k] for k in ("id", "name", "size", "type", "createdBy")} == {
        "id": 1047, "name": "Коммерческое_предложение.pdf", "size": 245760, "type": "file", "createdBy": "1",
    }  # fmt: skip
    assert (
        data["downloadUrl"].startswith("https://") and data["detailUrl"] == "/company/personal/user/1/disk/file/1047/"
    )
    assert data["createdAt"] == "2026-03-25T14:30:00+03:00"  # the drive's UTC time, in the IM API's form
    status, error = api.error("GET", "/v1/chats/files/1048")
    assert (status, error["code"]) == (404, "FILE_NOT_FOUND")


# --- Сообщения -------------------------------------------------------------------------------------------


def test_messages_page_by_last_id_and_first_id_l8318(api: Api) -> None:
    page = api.ok("GET", "/v1/chats/chat456/messages", "limit=20")["data"]
    first = page["messages"][0]
    assert set(first) == {"id", "chatId", "authorId", "date", "text", "params", "repliedMessageId",
                          "forwardMessageId", "viewedByOthers"}  # fmt: skip
    assert first["params"] == {"FILE_ID": [1047]} and page["files"][0]["id"] == 1047
    assert first["viewedByOthers"] is True  # user 3 read up to 8901
    older = api.ok("GET", "/v1/chats/chat456/messages", "lastId=8899&limit=20")["data"]  # L8322
    assert [m["id"] for m in older["messages"]] == [8895] and set(older["users"]) == {"1"}
    newer = api.ok("GET", "/v1/chats/chat456/messages", "firstId=8895&limit=1")["data"]
    assert [m["id"] for m in newer["messages"]] == [8899]  # the one right after it
    assert [m["id"] for m in api.ok("GET", "/v1/chats/chat456/messages", "limit=2")["data"]["messages"]] == [8901, 8899]


def test_messages_limit_is_at_most_200_l8310(api: Api) -> None:
    for n in range(205):
        api.ok("POST", "/v1/chats/chat456/messages", body={"message": f"Сообщение {n}"})
    assert len(api.ok("GET", "/v1/chats/chat456/messages", "limit=500")["data"]["messages"]) == 200
    assert len(api.ok("GET", "/v1/chats/chat456/messages")["data"]["messages"]) == 50  # the default


def test_messages_of_a_dialog_not_available_l8407(api: Api) -> None:
    assert api.error("GET", "/v1/chats/chat95/messages")[0] == 404
    assert api.error("GET", "/v1/chats/chat95/messages")[1]["code"] == "DIALOG_NOT_FOUND"


def test_system_message_has_no_author_l8468(api: Api) -> None:
    body = {"message": "Статус сделки изменён на «Оплата»", "systemMessage": "Y"}
    mid = api.ok("POST", "/v1/chats/chat456/messages", body=body)["data"]
    latest = api.ok("GET", "/v1/chats/chat456/messages", "limit=1")["data"]["messages"][0]
    assert (latest["id"], latest["authorId"]) == (mid, 0)


def test_first_private_message_opens_the_private_chat_l8415(api: Api) -> None:
    assert api.ok("GET", "/v1/chats/7")["data"]["chatId"] == 0  # never written to
    api.ok("POST", "/v1/chats/7/messages", body={"message": "Алексей, привет!"})
    data = api.ok("GET", "/v1/chats/7")["data"]
    assert data["chatId"] > 0 and data["messageCount"] == 1
    assert sorted(users_of(api, "7")) == [1, 7]


def test_send_errors_l8478(api: Api) -> None:
    assert api.error("POST", "/v1/chats/chat95/messages", body={"message": "x"})[1]["code"] == "DIALOG_NOT_FOUND"
    status, error = api.error("POST", "/v1/chats/chat789/messages", body={"message": "x"})  # open, not a member
    assert (status, error["code"]) == (403, "ACCESS_DENIED")
    assert api.error("POST", "/v1/chats/chat456/messages", body={})[1]["code"] == "MISSING_PARAMS"


def test_edit_own_message_only_l8503(api: Api) -> None:
    mid = api.ok("POST", "/v1/chats/chat456/messages", body={"message": "Документы отправлены клиенту."})["data"]
    text = "Документы отправлены клиенту. Трек-номер: RR123456789RU"
    assert api.ok("PATCH", f"/v1/chats/chat456/messages/{mid}", body={"message": text})["data"] is True
    edited = api.ok("GET", "/v1/chats/chat456/messages", "limit=1")["data"]["messages"][0]
    assert (edited["text"], edited["params"]["IS_EDITED"]) == (text, "Y")
    status, error = api.error("PATCH", "/v1/chats/chat456/messages/8899", body={"message": "x"})  # Мария's
    assert (status, error["code"]) == (403, "ACCESS_DENIED")
    assert api.error("PATCH", "/v1/chats/chat456/messages/1", body={"message": "x"})[1]["code"] == "MESSAGE_NOT_FOUND"
    assert (
        api.error("PATCH", "/v1/chats/chat789/messages/8895", body={"message": "x"})[1]["code"] == "MESSAGE_NOT_FOUND"
    )


def test_delete_own_or_any_as_the_chat_manager_l8563(api: Api) -> None:
    assert api.ok("DELETE", "/v1/chats/chat456/messages/8899")["data"] is True  # Мария's; user 1 manages the chat
    assert [m["id"] for m in api.ok("GET", "/v1/chats/chat456/messages")["data"]["messages"]] == [8901, 8895]
    assert api.error("DELETE", "/v1/chats/chat456/messages/8899")[1]["code"] == "MESSAGE_NOT_FOUND"
    status, error = api.error("DELETE", "/v1/chats/3/messages/8850")  # Мария's, in a private dialog
    assert (status, error["code"]) == (403, "ACCESS_DENIED")


# --- Управление чатами -------------------------------------------------------------------------------------


def test_create_answers_the_chat_id_and_the_creator_owns_it_l8622(api: Api) -> None:
    body = {"title": "Обсуждение проекта Альфа", "description": "Рабочий чат для команды проекта",
            "users": [1, 3, 7], "type": "CHAT"}  # fmt: skip
    cid = api.ok("POST", "/v1/chats", body=body)["data"]
    data = api.ok("GET", f"/v1/chats/chat{cid}")["data"]
    assert (data["name"], data["owner"], data["type"], data["userCounter"]) == (
        "Обсуждение проекта Альфа",
        1,
        "chat",
        3,
    )
    folder = api.ok("GET", f"/v1/chats/{cid}/folder")["data"]
    assert folder["NAME"] == f"Чат #{cid}" and folder["PARENT_ID"] == 120  # under «Файлы чатов»


def test_create_bound_to_a_crm_record_l8667(api: Api) -> None:
    body = {"title": "Чат по сделке: Новый клиент", "users": [1, 3], "entityType": "CRM", "entityId": "DEAL|456"}
    cid = api.ok("POST", "/v1/chats", body=body)["data"]
    assert api.ok("GET", "/v1/chats/find", "entityType=CRM&entityId=DEAL|456")["data"]["id"] == cid


@pytest.mark.parametrize(
    "body", [{"users": "1,3"}, {"users": [1, "x"]}, {"users": [999]}, {"type": "SECRET"}, {"title": 5}]
)
def test_create_refuses_what_bitrix_cannot_take(api: Api, body: dict[str, Any]) -> None:
    assert api.error("POST", "/v1/chats", body=body)[0] == 400


def test_rename_by_owner_or_manager_l8702(api: Api) -> None:
    assert api.ok("PATCH", "/v1/chats/456", body={"title": "Поставка оборудования — финал"})["data"] is True
    assert api.ok("GET", "/v1/chats/chat456")["data"]["name"] == "Поставка оборудования — финал"
    assert api.error("PATCH", "/v1/chats/456", body={})[1]["code"] == "MISSING_PARAMS"
    assert api.error("PATCH", "/v1/chats/999", body={"title": "x"})[1]["code"] == "CHAT_NOT_FOUND"
    assert api.error("PATCH", "/v1/chats/95", body={"title": "x"})[1]["code"] == "CHAT_NOT_FOUND"  # closed to user 1
    status, error = api.error("PATCH", "/v1/chats/789", body={"title": "x"})  # open, owned by 7
    assert (status, error["code"]) == (403, "ACCESS_DENIED")


def test_leave_l8758(api: Api) -> None:
    assert api.ok("POST", "/v1/chats/456/leave")["data"] is True
    assert api.error("GET", "/v1/chats/chat456")[1]["code"] == "DIALOG_NOT_FOUND"  # closed, no longer a member
    assert api.error("POST", "/v1/chats/789/leave")[1]["code"] == "ACCESS_DENIED"  # never a member
    assert api.error("POST", "/v1/chats/999/leave")[1]["code"] == "CHAT_NOT_FOUND"


# --- Участники -------------------------------------------------------------------------------------------


def test_members_with_positions_l8808(api: Api) -> None:
    data = api.ok("GET", "/v1/chats/chat456/users")["data"]
    assert [(u["id"], u["name"], u["workPosition"]) for u in data] == [
        (1, "Иван Петров", "Менеджер по продажам"), (3, "Мария Сидорова", "Бухгалтер"),
        (7, "Алексей Козлов", "Руководитель отдела"),
    ]  # fmt: skip
    assert set(data[0]) >= {"firstName", "lastName", "color", "avatar", "gender", "isBot", "isExtranet"}
    assert data[1]["gender"] == "F"


def test_add_and_remove_members_l8898_l8953(api: Api) -> None:
    assert api.ok("POST", "/v1/chats/456/users", body={"users": [12, 15]})["data"] is True
    assert users_of(api, "chat456") == [1, 3, 7, 12, 15]
    assert api.ok("DELETE", "/v1/chats/456/users", body={"userId": 15})["data"] is True
    assert users_of(api, "chat456") == [1, 3, 7, 12]
    assert api.error("POST", "/v1/chats/456/users", body={})[1]["code"] == "MISSING_PARAMS"
    assert api.error("DELETE", "/v1/chats/456/users", body={})[1]["code"] == "MISSING_PARAMS"
    assert api.error("POST", "/v1/chats/456/users", body={"users": [20]})[0] == 400  # deactivated
    assert api.error("DELETE", "/v1/chats/456/users", body={"userId": 15})[0] == 400  # no longer a member
    assert api.error("POST", "/v1/chats/789/users", body={"users": [3]})[1]["code"] == "ACCESS_DENIED"
    assert api.error("POST", "/v1/chats/91/users", body={"users": [7]})[1]["code"] == "ACCESS_DENIED"  # private


# --- Файлы ---------------------------------------------------------------------------------------------


def test_upload_commits_the_file_to_the_chat_as_a_message_l9012(api: Api) -> None:
    content = base64.b64encode(b"%PDF-1.4 quarterly report").decode()
    body = {"filename": "отчёт_Q1.pdf", "content": content, "message": "Квартальный отчёт за Q1 2026"}
    data = api.ok("POST", "/v1/chats/456/files", body=body, status=201)["data"]
    assert (data["name"], data["size"]) == ("отчёт_Q1.pdf", 25) and data["downloadUrl"].startswith("https://")
    latest = api.ok("GET", "/v1/chats/chat456/messages", "limit=1")["data"]["messages"][0]
    assert (latest["text"], latest["params"]) == ("Квартальный отчёт за Q1 2026", {"FILE_ID": [data["fileId"]]})
    assert api.ok("GET", f"/v1/chats/files/{data['fileId']}")["data"]["name"] == "отчёт_Q1.pdf"
    assert (
        api.ok("GET", f"/v1/files/{data['fileId']}")["data"]["folderId"] == 3045
    )  # on the drive, in the chat's folder


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/v1/chats/456/files", {"filename": "a.pdf"}, "MISSING_PARAMS"),
        ("/v1/chats/456/files", {"content": "SGk="}, "MISSING_PARAMS"),
        ("/v1/chats/999/files", {"filename": "a.pdf", "content": "SGk="}, "CHAT_NOT_FOUND"),
        ("/v1/chats/456/files", {"filename": "a.pdf", "content": "не base64"}, "INVALID_REQUEST"),
    ],
)
def test_upload_errors_l9064(api: Api, path: str, body: dict[str, Any], code: str) -> None:
    assert api.error("POST", path, body=body)[1]["code"] == code


def test_folder_of_the_chat_l9088(api: Api) -> None:
    data = api.ok("GET", "/v1/chats/456/folder")["data"]
    assert {k: data[k] for k in ("ID", "NAME", "TYPE", "PARENT_ID")} == {
        "ID": 3045, "NAME": "Чат #456", "TYPE": "folder", "PARENT_ID": 120,
    }  # fmt: skip
    assert data["UPDATE_TIME"] == "2026-03-25T14:30:00+03:00"  # its latest file
    assert api.call("DELETE", "/v1/folders/3045").status == 204
    assert api.error("GET", "/v1/chats/456/folder")[1]["code"] == "FOLDER_NOT_FOUND"
    assert api.error("GET", "/v1/chats/999/folder")[1]["code"] == "CHAT_NOT_FOUND"


# --- Утилиты, массовая загрузка, события -----------------------------------------------------------------


def test_read_all_clears_the_unread_counter_l9142(api: Api) -> None:
    assert api.ok("GET", "/v1/chats/3")["data"]["unreadCount"] == 2
    assert api.ok("POST", "/v1/chats/3/read")["data"] is True
    assert api.ok("GET", "/v1/chats/3")["data"]["unreadCount"] == 0
    assert api.error("POST", "/v1/chats/chat95/read")[1]["code"] == "DIALOG_NOT_FOUND"


def test_bulk_messages_of_several_dialogs_l9196(api: Api) -> None:
    body = {"dialogs": [{"dialogId": "chat456", "limit": 10}, {"dialogId": "chat789", "limit": 5},
                        {"dialogId": "3", "limit": 10, "lastId": 9000}]}  # fmt: skip
    data = api.ok("POST", "/v1/chats/messages/bulk", body=body)["data"]
    assert data["summary"] == {"total": 3, "succeeded": 3, "failed": 0} and data["errors"] == {}
    assert [m["id"] for m in data["results"]["chat456"]["messages"]] == [8901, 8899, 8895]
    assert data["results"]["chat789"]["users"]["7"]["name"] == "Алексей Козлов"
    assert data["results"]["3"]["chatId"] == 91


def test_bulk_with_own_keys_pages_one_dialog_twice_l9315(api: Api) -> None:
    body = {"dialogs": [{"dialogId": "chat456", "limit": 5, "id": "deal_123"},
                        {"dialogId": "chat456", "limit": 5, "lastId": 8900, "id": "deal_123_older"}]}  # fmt: skip
    results = api.ok("POST", "/v1/chats/messages/bulk", body=body)["data"]["results"]
    assert [m["id"] for m in results["deal_123_older"]["messages"]] == [8899, 8895]
    assert len(results["deal_123"]["messages"]) == 3


def test_bulk_errors_per_dialog_and_for_the_request_l9333(api: Api) -> None:
    body = {"dialogs": [{"dialogId": "chat456", "limit": 1}, {"dialogId": "chat95"}, {"limit": 1}]}
    data = api.ok("POST", "/v1/chats/messages/bulk", body=body)["data"]
    assert data["summary"] == {"total": 3, "succeeded": 1, "failed": 2}
    assert data["errors"]["chat95"]["code"] == "DIALOG_NOT_FOUND"
    for bad in ({}, {"dialogs": []}, {"dialogs": "chat456"}):
        assert api.error("POST", "/v1/chats/messages/bulk", body=bad)[1]["code"] == "INVALID_REQUEST"
    status, error = api.error("POST", "/v1/chats/messages/bulk", body={"dialogs": [{"dialogId": "chat456"}] * 51})
    assert (status, error["code"]) == (400, "BATCH_LIMIT_EXCEEDED")


@pytest.mark.parametrize("path", ["/v1/chats/events/subscribe", "/v1/chats/events/unsubscribe"])
def test_event_subscription_l9354_l9406(api: Api, path: str) -> None:
    assert api.ok("POST", path, body={})["data"] is True


# --- Скоуп и ошибки -----------------------------------------------------------------------------------


def test_scope_im_is_granted_by_the_demo_key_and_required_l9447() -> None:
    portal = Portal(data=DATA, clock=lambda: FIXED_NOW, key_scopes={"vibe_api_crm_only": ["crm"]})
    assert "im" in Api(portal).ok("GET", "/v1/me")["data"]["scopes"]
    narrow = Api(portal)
    response = narrow.call("GET", "/v1/chats/recent", headers={"X-Api-Key": "vibe_api_crm_only"})
    assert response.status == 403
    assert response.json()["error"] == {"code": "SCOPE_DENIED", "message": "This endpoint requires 'im' scope"}
    ok = narrow.call("GET", "/v1/chats/recent", headers={"X-Api-Key": DEMO_API_KEY})
    assert ok.status == 200


def test_the_chats_are_not_an_entity_of_the_batch_endpoint(api: Api) -> None:
    calls = {"calls": [{"entity": "chats", "action": "create", "params": {"title": "x"}}]}
    response = api.call("POST", "/v1/batch", body=calls)
    assert response.status == 400
    assert response.json()["data"]["errors"]["0"]["code"] == "ENTITY_CUSTOM_ROUTES"


def test_another_keys_user_sees_their_own_dialogs() -> None:
    portal = Portal(data=DATA, clock=lambda: FIXED_NOW, key_owners={"vibe_api_lawyer": 12})
    lawyer = Api(portal).call("GET", "/v1/chats/recent", headers={"X-Api-Key": "vibe_api_lawyer"})
    assert [i["id"] for i in lawyer.json()["data"]["items"]] == ["chat789", "chat95"]
