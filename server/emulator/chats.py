"""`/v1/chats`: the IM Chat API (scope `im`) as the Chats page (docs 2026-05-05) describes its 21 routes.

The API acts as the key's user. A dialog is named by `dialogId`: `chatN` for a group chat, a user id
for the private dialog with that user; the management routes take the bare numeric `chatId`. Chats
live in the `chats` table (members, managers, the CRM record they are bound to, how far each member
has read), messages in `chat-messages`, and a chat's files are drive files (`files`) in the chat's
own folder (`folders`), so the drive sees them too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from .errors import ApiError
from .routing import bind
from .schema import Entity, Field, ro

PATH = "/v1/chats"
MESSAGES = "chat-messages"
MAX_BULK_DIALOGS = 50
MAX_MESSAGES = 200
DEFAULT_MESSAGES = 50
MAX_RECENT = 200
CHAT_TYPES = {"CHAT": "chat", "OPEN": "open"}
COLORS = ("#ab7761", "#4ba984", "#4ba5c3", "#e18f49", "#9d7ae0", "#df532d", "#64a513", "#3e99ce")

CHATS = Entity(
    name="chats",
    scope="im",
    # What the chats' own routes (`route` below) do; none is a generic entity route.
    operations=frozenset(
        {
            "recent",
            "find",
            "search",
            "dialog",
            "messages",
            "history",
            "members",
            "file",
            "send",
            "edit_message",
            "delete_message",
            "create",
            "update",
            "rename",
            "leave",
            "add_members",
            "remove_member",
            "attach",
            "folder",
            "read",
            "subscribe",
            "unsubscribe",
        }
    ),  # fmt: skip
    fields={
        "id": ro("integer", "ID чата"),
        "dialogId": ro("string", "ID диалога (chatN)"),
        "type": Field("string", label="Тип: chat, open, private"),
        "title": Field("string", label="Название"),
        "description": Field("string", label="Описание"),
        "owner": ro("user", "Владелец"),
        "color": Field("string", label="Цвет"),
        "avatar": ro("string", "Аватар"),
        "entityType": Field("string", label="Тип привязанной сущности"),
        "entityId": Field("string", label="ID привязанной сущности (DEAL|123)"),
        "dateCreate": ro("datetime", "Дата создания"),
        "users": Field("user", multiple=True, label="Участники"),
        "managers": ro("user", "Менеджеры", multiple=True),
        "folderId": ro("integer", "Папка чата на Диске"),
    },
    batch_actions=(),
)
# A table of the portal, not an entity of the API: messages are read and written through the chats' routes.
MESSAGE = Entity(
    name=MESSAGES,
    scope="im",
    operations=frozenset(),
    fields={
        "id": ro("integer", "ID сообщения"),
        "chatId": ro("integer", "Чат"),
        "authorId": ro("user", "Автор (0: системное)"),
        "date": ro("datetime", "Дата"),
        "text": ro("text", "Текст"),
        "params": ro("object", "Параметры (FILE_ID …)"),
        "repliedMessageId": ro("integer", "Ответ на"),
        "forwardMessageId": ro("integer", "Пересланное"),
    },
    batch_actions=(),
)
TABLES: Mapping[str, Entity] = MappingProxyType({MESSAGES: MESSAGE})

# (method, fixed segments after /v1/chats) → handler; ":x" takes the segment as the route's argument.
_ROUTES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("GET", ("recent",), "recent"),
    ("GET", ("find",), "find"),
    ("GET", ("search",), "search"),
    ("GET", ("files", ":x"), "file"),
    ("POST", ("messages", "bulk"), "bulk"),
    ("POST", ("events", "subscribe"), "subscribe"),
    ("POST", ("events", "unsubscribe"), "unsubscribe"),
    ("POST", (), "create"),
    ("GET", (":x",), "dialog"),
    ("PATCH", (":x",), "rename"),
    ("GET", (":x", "messages"), "messages"),
    ("POST", (":x", "messages"), "send"),
    ("PATCH", (":x", "messages", ":m"), "edit"),
    ("DELETE", (":x", "messages", ":m"), "unsend"),
    ("POST", (":x", "leave"), "leave"),
    ("GET", (":x", "users"), "members"),
    ("POST", (":x", "users"), "add_users"),
    ("DELETE", (":x", "users"), "remove_user"),
    ("POST", (":x", "files"), "upload"),
    ("GET", (":x", "folder"), "folder"),
    ("POST", (":x", "read"), "read"),
)
# Route names as the portal knows them; the writes run in one undo block (the folder route creates the
# chat's folder when it has none, as im.disk.folder.get does).
NAMES = frozenset(f"chats_{name}" for _, _, name in _ROUTES)
WRITES = frozenset(
    f"chats_{n}"
    for n in (
        "create",
        "rename",
        "send",
        "edit",
        "unsend",
        "leave",
        "add_users",
        "remove_user",
        "upload",
        "folder",
        "read",
    )
)


def route(method: str, segments: tuple[str, ...]) -> tuple[str, str | None, str | None] | None:
    """(route name, :dialogId or :chatId or :fileId, :messageId) of a `/v1/chats…` request, or None."""
    found = bind(_ROUTES, method, segments[2:])
    if found is None:
        return None
    name, bound = found
    return f"chats_{name}", bound.get(":x"), bound.get(":m")


_CHAT = re.compile(r"chat([1-9][0-9]{0,17})")
_NUMBER = re.compile(r"[1-9][0-9]{0,17}")


def dialog_ref(raw: object) -> tuple[str, int] | None:
    """("chat", id) for `chatN`, ("user", id) for a user id; None for anything else."""
    text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    found = _CHAT.fullmatch(text)
    if found:
        return "chat", int(found.group(1))
    if _NUMBER.fullmatch(text):
        return "user", int(text)
    return None


def positive(raw: object) -> int | None:
    """A positive integer from a path, query or body value (digits or a JSON number), else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 < raw < 10**18 else None
    if isinstance(raw, str) and _NUMBER.fullmatch(raw.strip()):
        return int(raw.strip())
    return None


def chat_id(raw: str | None) -> int:
    """The numeric `:chatId` of a management route (CHAT_NOT_FOUND for anything else)."""
    number = positive(raw)
    if number is None:
        raise chat_not_found(raw)
    return number


def chat_not_found(raw: object) -> ApiError:
    return ApiError(404, "CHAT_NOT_FOUND", f"Chat {str(raw)[:40]} not found", hint="chatId is the number of chatN")


def dialog_not_found(raw: object) -> ApiError:
    return ApiError(
        404,
        "DIALOG_NOT_FOUND",
        f"Dialog {str(raw)[:40]} not found or not available to the current user",
        hint='dialogId is "chatN" for a group chat or a user id for a private dialog',
    )


def missing(*names: str) -> ApiError:
    return ApiError(400, "MISSING_PARAMS", f"Required parameters missing: {', '.join(names)}")


def access_denied(message: str) -> ApiError:
    return ApiError(403, "ACCESS_DENIED", message)


def limit_of(raw: object, default: int, most: int) -> int:
    """A page size as Bitrix reads one: a positive number, at most `most`; anything else the default."""
    number = positive(raw)
    return default if number is None else min(number, most)
