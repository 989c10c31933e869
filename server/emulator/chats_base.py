"""What the demo portal's `/v1/chats` routes share: who may see which dialog, users as the IM API shows
them, dates in its form, and the writes several routes make (a message, a read mark, a chat, its folder).

Access follows Bitrix24's: a closed chat is seen only by its members, an open one by everyone; the owner
and managers rename a chat and change its members.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from .chats import (
    COLORS,
    MESSAGES,
    access_denied,
    chat_id,
    chat_not_found,
    dialog_not_found,
    dialog_ref,
)
from .errors import ApiError
from .store import Row, Store, Table
from .values import parse_instant

MSK = timezone(timedelta(hours=3))
HOST = "demo.bitrix24.ru"
Result = tuple[int, object]


def msk(epoch: float) -> str:
    """A moment as the IM API prints it: Moscow time with its offset (2026-03-31T09:15:00+03:00)."""
    return datetime.fromtimestamp(int(epoch), MSK).isoformat()


def as_msk(stamp: object) -> str:
    """A stored drive date (UTC, `…Z`) in the IM API's form; anything unreadable as it is."""
    try:
        return msk(parse_instant(str(stamp)))
    except ValueError:
        return str(stamp or "")


def last_message(message: Row | None) -> dict[str, object] | None:
    """A dialog's newest message as the recent list shows it."""
    if message is None:
        return None
    return {"id": message["id"], "text": message["text"], "senderId": message["authorId"], "date": message["date"]}


def row_id(row: Row) -> int:
    return int(str(row["id"]))


def ints(raw: object) -> list[int]:
    return [v for v in raw if isinstance(v, int) and not isinstance(v, bool)] if isinstance(raw, list) else []


def text_param(raw: object) -> str | None:
    """A required text parameter: a non-empty string (numbers as Bitrix takes them), else None."""
    if isinstance(raw, bool) or raw is None:
        return None
    text = str(raw) if isinstance(raw, str | int | float) else None
    return text if text and text.strip() else None


class ChatsBase:
    """The chats of one portal as the key's user sees them: look-ups, and the writes the routes share."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock
        self.subscribed: set[int] = set()  # users subscribed to messenger events (im.v2.Event.subscribe)

    # --- look-ups -----------------------------------------------------------------------------------------

    @property
    def chats(self) -> Table:
        return self.store.table("chats")

    @property
    def messages(self) -> Table:
        return self.store.table(MESSAGES)

    def user(self, uid: int) -> Row | None:
        return self.store.table("users").peek(uid)

    def card(self, uid: int) -> dict[str, object]:
        """A user as the message and member lists show one."""
        row = self.user(uid) or {}
        first, last = str(row.get("name") or ""), str(row.get("lastName") or "")
        return {
            "id": uid,
            "name": f"{first} {last}".strip() or f"User {uid}",
            "firstName": first,
            "lastName": last,
            "avatar": str(row.get("personalPhoto") or ""),
            "color": COLORS[uid % len(COLORS)],
        }

    def member_card(self, uid: int) -> dict[str, object]:
        row = self.user(uid) or {}
        first = str(row.get("name") or "")
        return {
            **self.card(uid),
            "workPosition": str(row.get("workPosition") or ""),
            "gender": "F" if first.endswith(("а", "я")) or first in ("Emily", "Sophie") else "M",
            "isBot": False,
            "isConnector": False,
            "isExtranet": False,
            "isNetwork": False,
        }

    def visible(self, chat: Row, me: int) -> bool:
        return me in ints(chat.get("users")) or chat.get("type") == "open"

    def private(self, me: int, other: int) -> Row | None:
        """The private chat of two users, if they ever wrote to each other."""
        pair = sorted({me, other})
        for chat in self.chats.scan():
            if chat.get("type") == "private" and sorted(set(ints(chat.get("users")))) == pair:
                return chat
        return None

    def dialog(self, raw: object, me: int) -> tuple[str, Row | None, int]:
        """(dialogId, its chat if any, the user of a private dialog or 0); DIALOG_NOT_FOUND if not visible."""
        ref = dialog_ref(raw)
        if ref is None:
            raise dialog_not_found(raw)
        kind, number = ref
        if kind == "chat":
            chat = self.chats.peek(number)
            if chat is None or not self.visible(chat, me):
                raise dialog_not_found(raw)
            if chat.get("type") == "private":  # a private chat is addressed by the other user's id
                other = next((u for u in ints(chat.get("users")) if u != me), me)
                return str(other), chat, other
            return f"chat{number}", chat, 0
        user = self.user(number)
        if user is None or user.get("active") is False:
            raise dialog_not_found(raw)
        return str(number), self.private(me, number), number

    def managed(self, raw: str | None, me: int, action: str) -> Row:
        """A group chat the key's user owns or manages (ACCESS_DENIED otherwise)."""
        chat = self.member_chat(raw, me, action)
        if me != chat.get("owner") and me not in ints(chat.get("managers")):
            raise access_denied(f"Only the owner or a manager of chat {chat['id']} can {action}")
        return chat

    def member_chat(self, raw: str | None, me: int, action: str) -> Row:
        number = chat_id(raw)
        chat = self.chats.peek(number)
        if chat is None or not self.visible(chat, me):
            raise chat_not_found(raw)
        if chat.get("type") == "private":
            raise access_denied(f"A private dialog has no members to manage; cannot {action}")
        if me not in ints(chat.get("users")):
            raise access_denied(f"You are not a member of chat {number}")
        return chat

    def history(self, chat: Row | None) -> list[Row]:
        if chat is None:
            return []
        cid = chat["id"]
        return [m for m in self.messages.scan() if m.get("chatId") == cid]

    def unread(self, chat: Row, me: int) -> int:
        seen = int(str(dict(chat.get("read") or {}).get(str(me), 0)))  # type: ignore[call-overload]
        return sum(1 for m in self.history(chat) if row_id(m) > seen and m.get("authorId") != me)

    def shown(self, message: Row, chat: Row) -> dict[str, object]:
        marks = dict(chat.get("read") or {})  # type: ignore[call-overload]
        others = [int(str(v)) for k, v in marks.items() if k != str(message.get("authorId"))]
        return {
            "id": message["id"],
            "chatId": message["chatId"],
            "authorId": message["authorId"],
            "date": message["date"],
            "text": message["text"],
            "params": message.get("params") or {},
            "repliedMessageId": message.get("repliedMessageId") or 0,
            "forwardMessageId": message.get("forwardMessageId") or 0,
            "viewedByOthers": any(v >= int(str(message["id"])) for v in others),
        }

    # --- shared writes ---------------------------------------------------------------------------------

    def post(self, chat: Row, author: int, text: str, params: dict[str, object]) -> int:
        mid = self.messages.next_id()
        self.messages.insert(
            {
                "id": mid,
                "chatId": chat["id"],
                "authorId": author,
                "date": msk(self.clock()),
                "text": text,
                "params": params,
                "repliedMessageId": 0,
                "forwardMessageId": 0,
            }  # fmt: skip
        )
        if author:
            self.mark(chat, author, mid)
        return mid

    def mark(self, chat: Row, uid: int, upto: int) -> None:
        marks = dict(chat.get("read") or {})  # type: ignore[call-overload]
        marks[str(uid)] = upto
        self.chats.replace(row_id(chat), {**chat, "read": marks})

    def insert_chat(self, values: dict[str, object], me: int) -> Row:
        cid = self.chats.next_id()
        row: dict[str, object] = {
            "id": cid, "description": "", "avatar": "", "entityType": "", "entityId": "", "managers": [],
            "muteList": [], "read": {}, "folderId": None, "dateCreate": msk(self.clock()),
        }  # fmt: skip
        row.update(values)
        row["color"] = row.get("color") or COLORS[cid % len(COLORS)]
        self.chats.insert(row)
        return self.chats.peek(cid) or row

    def without(self, chat: Row, uid: int) -> None:
        users = [u for u in ints(chat.get("users")) if u != uid]
        managers = [u for u in ints(chat.get("managers")) if u != uid]
        owner = chat.get("owner")
        if owner == uid:  # ownership passes to the longest-standing member left
            owner = users[0] if users else 0
            managers = list(dict.fromkeys([*([owner] if owner else []), *managers]))
        marks = {k: v for k, v in dict(chat.get("read") or {}).items() if k != str(uid)}  # type: ignore[call-overload]
        self.chats.replace(row_id(chat), {**chat, "users": users, "managers": managers, "owner": owner, "read": marks})

    def file_card(self, fid: int) -> dict[str, object]:
        row = self.store.table("files").peek(fid) or {}
        author = row.get("createdBy")
        return {
            "id": fid,
            "name": row.get("name"),
            "size": row.get("size"),
            "type": "file",
            "downloadUrl": row.get("downloadUrl"),
            "detailUrl": f"/company/personal/user/{author}/disk/file/{fid}/",
            "createdBy": str(author),
            "createdAt": as_msk(row.get("createdAt")),
            "updatedAt": as_msk(row.get("updatedAt")),
        }

    def folder_of(self, chat: Row, me: int) -> Row:
        """The chat's folder on the drive, made on first use (FOLDER_NOT_FOUND if it was deleted)."""
        folders = self.store.table("folders")
        if chat.get("folderId") is not None:
            folder = folders.peek(int(str(chat["folderId"])))
            if folder is None:
                raise ApiError(404, "FOLDER_NOT_FOUND", f"The drive folder of chat {chat['id']} was not found")
            return folder
        parent = next((f for f in folders.scan() if f.get("code") == "IM_CHATS"), None)
        fid = folders.next_id()
        folders.insert(
            {
                "id": fid,
                "name": f"Чат #{chat['id']}",
                "parentId": parent["id"] if parent else None,
                "storageId": parent.get("storageId") if parent else None,
                "code": None,
                "createdBy": me,
                "createdAt": utc(self.clock()),
            }  # fmt: skip
        )
        current = self.chats.peek(row_id(chat)) or chat
        self.chats.replace(row_id(chat), {**current, "folderId": fid})
        return folders.peek(fid) or {}


def utc(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
