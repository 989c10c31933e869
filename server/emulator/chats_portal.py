"""The demo portal's `/v1/chats` routes over the store: dialogs, messages, members, files, read marks.

Each handler takes the key's user (`me`), the route's path arguments, the query and the body, and
returns (HTTP status, data). Access follows Bitrix24's: a closed chat is seen only by its members, an
open one by everyone; messages are written by members; the owner and managers rename a chat and
change its members; a message is edited by its author and deleted by its author or a chat manager.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

from .chats import (
    CHAT_TYPES,
    COLORS,
    DEFAULT_MESSAGES,
    MAX_BULK_DIALOGS,
    MAX_MESSAGES,
    MAX_RECENT,
    MESSAGES,
    access_denied,
    chat_id,
    chat_not_found,
    dialog_not_found,
    dialog_ref,
    limit_of,
    missing,
    positive,
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


def _last(message: Row | None) -> dict[str, object] | None:
    """A dialog's newest message as the recent list shows it."""
    if message is None:
        return None
    return {"id": message["id"], "text": message["text"], "senderId": message["authorId"], "date": message["date"]}


def _id(row: Row) -> int:
    return int(str(row["id"]))


def _ints(raw: object) -> list[int]:
    return [v for v in raw if isinstance(v, int) and not isinstance(v, bool)] if isinstance(raw, list) else []


def _text(raw: object) -> str | None:
    """A required text parameter: a non-empty string (numbers as Bitrix takes them), else None."""
    if isinstance(raw, bool) or raw is None:
        return None
    text = str(raw) if isinstance(raw, str | int | float) else None
    return text if text and text.strip() else None


class Chats:
    """The chats of one portal, as the key's user sees them."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock
        self.subscribed: set[int] = set()  # users subscribed to messenger events (im.v2.Event.subscribe)

    def handle(
        self, name: str, me: int, ref: str | None, message: str | None, query: Mapping[str, str], body: object
    ) -> Result:
        handler = getattr(self, "_" + name.removeprefix("chats_"))
        result: Result = handler(me, ref, message, query, body if isinstance(body, dict) else {})
        return result

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
        return me in _ints(chat.get("users")) or chat.get("type") == "open"

    def private(self, me: int, other: int) -> Row | None:
        """The private chat of two users, if they ever wrote to each other."""
        pair = sorted({me, other})
        for chat in self.chats.scan():
            if chat.get("type") == "private" and sorted(set(_ints(chat.get("users")))) == pair:
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
                other = next((u for u in _ints(chat.get("users")) if u != me), me)
                return str(other), chat, other
            return f"chat{number}", chat, 0
        user = self.user(number)
        if user is None or user.get("active") is False:
            raise dialog_not_found(raw)
        return str(number), self.private(me, number), number

    def managed(self, raw: str | None, me: int, action: str) -> Row:
        """A group chat the key's user owns or manages (ACCESS_DENIED otherwise)."""
        chat = self.member_chat(raw, me, action)
        if me != chat.get("owner") and me not in _ints(chat.get("managers")):
            raise access_denied(f"Only the owner or a manager of chat {chat['id']} can {action}")
        return chat

    def member_chat(self, raw: str | None, me: int, action: str) -> Row:
        number = chat_id(raw)
        chat = self.chats.peek(number)
        if chat is None or not self.visible(chat, me):
            raise chat_not_found(raw)
        if chat.get("type") == "private":
            raise access_denied(f"A private dialog has no members to manage; cannot {action}")
        if me not in _ints(chat.get("users")):
            raise access_denied(f"You are not a member of chat {number}")
        return chat

    def history(self, chat: Row | None) -> list[Row]:
        if chat is None:
            return []
        cid = chat["id"]
        return [m for m in self.messages.scan() if m.get("chatId") == cid]

    def unread(self, chat: Row, me: int) -> int:
        seen = int(str(dict(chat.get("read") or {}).get(str(me), 0)))  # type: ignore[call-overload]
        return sum(1 for m in self.history(chat) if _id(m) > seen and m.get("authorId") != me)

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

    # --- finding chats ----------------------------------------------------------------------------------

    def _recent(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        mine = [c for c in self.chats.scan() if me in _ints(c.get("users"))]
        last: dict[object, Row] = {}
        for m in self.messages.scan():  # by id: the last one seen is the chat's newest
            last[m["chatId"]] = m
        mine.sort(key=lambda c: -int(str(last[c["id"]]["id"])) if c["id"] in last else 0)
        lowered = {k.lower(): v for k, v in query.items()}
        offset = positive(lowered.get("offset")) or 0
        limit = limit_of(lowered.get("limit"), 50, MAX_RECENT)
        items = []
        for chat in mine[offset : offset + limit]:
            dialog, _chat, other = self.dialog(f"chat{chat['id']}", me)
            newest = last.get(chat["id"])
            items.append(
                {
                    "id": dialog,
                    "chatId": chat["id"],
                    "type": "private" if other else chat.get("type"),
                    "avatar": chat.get("avatar") or "",
                    "title": self.card(other)["name"] if other else chat.get("title"),
                    "message": _last(newest),
                    "counter": self.unread(chat, me),
                    "pinned": False,
                }
            )
        return 200, {"items": items, "hasMore": offset + limit < len(mine)}

    def _find(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        kind, entity = (query.get("entityType") or "").strip(), (query.get("entityId") or "").strip()
        if not kind or not entity:
            raise missing("entityType", "entityId")
        for chat in self.chats.scan():
            if (
                str(chat.get("entityType")).upper() == kind.upper()
                and str(chat.get("entityId")).upper() == entity.upper()
            ):
                return 200, {
                    "id": chat["id"],
                    "title": chat.get("title"),
                    "owner": chat.get("owner"),
                    "color": chat.get("color"),
                    "type": chat.get("type"),
                    "entityType": chat.get("entityType"),
                    "entityId": chat.get("entityId"),
                    "entityData1": "",
                    "entityData2": "",
                    "entityData3": "",
                    "dateCreate": chat.get("dateCreate"),
                    "messageType": "O" if chat.get("type") == "open" else "C",
                    "dialogId": f"chat{chat['id']}",
                }
        return 200, None  # im.chat.get answers null when no chat is bound to the record

    def _search(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        text = (query.get("search") or "").strip().lower()
        if not text:
            raise missing("search")
        found = []
        for chat in self.chats.scan():
            if chat.get("type") == "private" or not self.visible(chat, me):
                continue
            names = [str(self.card(u)["name"]).lower() for u in _ints(chat.get("users"))]
            if text in str(chat.get("title") or "").lower() or any(text in n for n in names):
                found.append(
                    {k: chat.get(k) or "" for k in ("id", "title", "type", "avatar", "color", "entityType", "entityId")}
                    | {"dateCreate": chat.get("dateCreate")}
                )
        limit = positive(query.get("limit"))
        return 200, found[:limit] if limit else found

    def _dialog(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        dialog, chat, other = self.dialog(ref, me)
        history = self.history(chat)
        info: dict[str, object] = {
            "chatId": chat["id"] if chat else 0,
            "dialogId": dialog,
            "type": "private" if other else (chat or {}).get("type"),
            "name": self.card(other)["name"] if other else (chat or {}).get("title"),
            "owner": 0 if other else (chat or {}).get("owner"),
            "entityType": (chat or {}).get("entityType") or "",
            "entityId": (chat or {}).get("entityId") or "",
            "color": (chat or {}).get("color") or COLORS[other % len(COLORS)],
            "avatar": (chat or {}).get("avatar") or "",
            "messageCount": len(history),
            "unreadCount": self.unread(chat, me) if chat else 0,
            "lastMessageId": history[-1]["id"] if history else 0,
            "dateCreate": (chat or {}).get("dateCreate"),
            "muteList": list(_ints((chat or {}).get("muteList"))),
            "managerList": [] if other else list(_ints((chat or {}).get("managers"))),
            "userCounter": 2 if other else len(_ints((chat or {}).get("users"))),
        }
        if chat and chat.get("description"):
            info["description"] = chat["description"]
        return 200, info

    # --- messages -------------------------------------------------------------------------------------------

    def page(self, me: int, raw: object, params: Mapping[str, object]) -> dict[str, object]:
        """One page of a dialog's history, newest first: before `lastId`, after `firstId`, at most `limit`."""
        _, chat, _ = self.dialog(raw, me)
        lowered = {k.lower(): v for k, v in params.items()}
        limit = limit_of(lowered.get("limit"), DEFAULT_MESSAGES, MAX_MESSAGES)
        before, after = positive(lowered.get("lastid")), positive(lowered.get("firstid"))
        rows = [
            m
            for m in self.history(chat)
            if (before is None or int(str(m["id"])) < before) and (after is None or int(str(m["id"])) > after)
        ]
        # After firstId: the messages closest to it; otherwise the newest ones.
        chosen = rows[:limit] if after is not None and before is None else rows[-limit:]
        messages = [self.shown(m, chat) for m in reversed(chosen)] if chat else []
        authors = sorted({int(str(m["authorId"])) for m in chosen if m.get("authorId")})
        files = sorted({f for m in chosen for f in _ints(dict(m.get("params") or {}).get("FILE_ID"))})  # type: ignore[call-overload]
        out: dict[str, object] = {
            "chatId": chat["id"] if chat else 0,
            "messages": messages,
            "users": {str(u): self.card(u) for u in authors},
        }
        if files:
            out["files"] = [self.file_card(f) for f in files if self.store.table("files").peek(f) is not None]
        return out

    def _messages(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        return 200, self.page(me, ref, query)

    def _bulk(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        dialogs = body.get("dialogs") if isinstance(body, dict) else None
        if not isinstance(dialogs, list) or not dialogs:
            raise ApiError(400, "INVALID_REQUEST", "Body must contain a non-empty array 'dialogs'")
        if len(dialogs) > MAX_BULK_DIALOGS:
            raise ApiError(
                400, "BATCH_LIMIT_EXCEEDED", f"At most {MAX_BULK_DIALOGS} dialogs per request, received {len(dialogs)}"
            )
        results: dict[str, object] = {}
        errors: dict[str, object] = {}
        for index, item in enumerate(dialogs):
            entry = item if isinstance(item, dict) else {}
            key = entry.get("id", entry.get("dialogId", index))
            key = str(key)[:100] if isinstance(key, str | int) and not isinstance(key, bool) else str(index)
            try:
                if not entry.get("dialogId"):
                    raise ApiError(400, "INVALID_REQUEST", f"dialogs[{index}].dialogId is required")
                if key in results or key in errors:
                    raise ApiError(400, "INVALID_REQUEST", f"dialogs[{index}]: id '{key}' is used twice")
                results[key] = self.page(me, entry["dialogId"], entry)
            except ApiError as exc:
                errors[key if key not in errors else f"{key}#{index}"] = exc.error_object()
        summary = {"total": len(dialogs), "succeeded": len(results), "failed": len(dialogs) - len(results)}
        return 200, {"results": results, "errors": errors, "summary": summary}

    def _send(
        self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: dict[str, object]
    ) -> Result:
        text = _text(body.get("message"))
        if text is None:
            raise missing("message")
        _, chat, other = self.dialog(ref, me)
        if chat is None:  # the first message to a user opens the private chat
            chat = self._insert_chat({"type": "private", "title": "", "users": sorted({me, other}), "owner": 0}, me)
        if me not in _ints(chat.get("users")):
            raise access_denied(f"You are not a member of chat {chat['id']}; join it to write")
        system = body.get("systemMessage") not in (None, "", "N", False, "false")
        return 200, self._post(chat, 0 if system else me, text, {})

    def _post(self, chat: Row, author: int, text: str, params: dict[str, object]) -> int:
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
            self._mark(chat, author, mid)
        return mid

    def _mark(self, chat: Row, uid: int, upto: int) -> None:
        marks = dict(chat.get("read") or {})  # type: ignore[call-overload]
        marks[str(uid)] = upto
        self.chats.replace(_id(chat), {**chat, "read": marks})

    def _message(self, me: int, ref: str | None, raw: str | None) -> tuple[Row, Row]:
        number = positive(raw)
        message = self.messages.peek(number) if number else None
        if message is None:
            raise ApiError(404, "MESSAGE_NOT_FOUND", f"Message {str(raw)[:40]} not found")
        try:
            _, chat, _ = self.dialog(ref, me)
        except ApiError:
            chat = None
        if chat is None or chat["id"] != message.get("chatId"):
            raise ApiError(404, "MESSAGE_NOT_FOUND", f"Message {number} not found in dialog {str(ref)[:40]}")
        return message, chat

    def _edit(
        self, me: int, ref: str | None, mid: str | None, query: Mapping[str, str], body: dict[str, object]
    ) -> Result:
        message, _ = self._message(me, ref, mid)
        text = _text(body.get("message"))
        if text is None:
            raise missing("message")
        if message.get("authorId") != me:
            raise access_denied("Only the author can edit a message")
        params = {**dict(message.get("params") or {}), "IS_EDITED": "Y"}  # type: ignore[call-overload]
        self.messages.replace(_id(message), {**message, "text": text, "params": params})
        return 200, True

    def _unsend(self, me: int, ref: str | None, mid: str | None, query: Mapping[str, str], body: object) -> Result:
        message, chat = self._message(me, ref, mid)
        manager = me == chat.get("owner") or me in _ints(chat.get("managers"))
        if message.get("authorId") != me and not manager:
            raise access_denied("Only the author or a chat manager can delete this message")
        self.messages.delete(_id(message))
        return 200, True

    def _read(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        _dialog, chat, _user = self.dialog(ref, me)
        history = self.history(chat)
        if chat is not None and history and me in _ints(chat.get("users")):
            self._mark(chat, me, int(str(history[-1]["id"])))
        return 200, True

    # --- chats and members -------------------------------------------------------------------------------

    def _create(
        self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: dict[str, object]
    ) -> Result:
        raw_users = body.get("users", [])
        if not isinstance(raw_users, list) or len(_ints(raw_users)) != len(raw_users):
            raise ApiError(400, "INVALID_REQUEST", "users must be an array of user ids")
        unknown = [u for u in raw_users if self.user(u) is None]
        if unknown:
            raise ApiError(400, "INVALID_REQUEST", f"Unknown user ids: {', '.join(map(str, unknown[:10]))}")
        kind = str(body.get("type") or "CHAT").upper()
        if kind not in CHAT_TYPES:
            raise ApiError(400, "INVALID_REQUEST", "type must be CHAT or OPEN")
        texts = {k: body.get(k) for k in ("title", "description", "entityType", "entityId", "color")}
        bad = [k for k, v in texts.items() if v is not None and not isinstance(v, str)]
        if bad:
            raise ApiError(400, "INVALID_REQUEST", f"{', '.join(bad)} must be a string")
        members = list(dict.fromkeys([me, *raw_users]))
        title = str(texts["title"] or "").strip()[:255] or ", ".join(str(self.card(u)["name"]) for u in members[:4])
        chat = self._insert_chat(
            {
                "type": CHAT_TYPES[kind],
                "title": title,
                "description": texts["description"] or "",
                "users": members,
                "owner": me,
                "managers": [me],
                "entityType": texts["entityType"] or "",
                "entityId": texts["entityId"] or "",
                "color": texts["color"] or "",
            },  # fmt: skip
            me,
        )
        self._folder_of(chat, me)
        return 200, chat["id"]

    def _insert_chat(self, values: dict[str, object], me: int) -> Row:
        cid = self.chats.next_id()
        row: dict[str, object] = {
            "id": cid, "description": "", "avatar": "", "entityType": "", "entityId": "", "managers": [],
            "muteList": [], "read": {}, "folderId": None, "dateCreate": msk(self.clock()),
        }  # fmt: skip
        row.update(values)
        row["color"] = row.get("color") or COLORS[cid % len(COLORS)]
        self.chats.insert(row)
        return self.chats.peek(cid) or row

    def _rename(
        self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: dict[str, object]
    ) -> Result:
        title = _text(body.get("title"))
        if title is None:
            raise missing("title")
        chat = self.managed(ref, me, "rename it")
        self.chats.replace(_id(chat), {**chat, "title": title.strip()[:255]})
        return 200, True

    def _leave(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        chat = self.member_chat(ref, me, "leave it")
        self._without(chat, me)
        return 200, True

    def _without(self, chat: Row, uid: int) -> None:
        users = [u for u in _ints(chat.get("users")) if u != uid]
        managers = [u for u in _ints(chat.get("managers")) if u != uid]
        owner = chat.get("owner")
        if owner == uid:  # ownership passes to the longest-standing member left
            owner = users[0] if users else 0
            managers = list(dict.fromkeys([*([owner] if owner else []), *managers]))
        marks = {k: v for k, v in dict(chat.get("read") or {}).items() if k != str(uid)}  # type: ignore[call-overload]
        self.chats.replace(_id(chat), {**chat, "users": users, "managers": managers, "owner": owner, "read": marks})

    def _members(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        _, chat, other = self.dialog(ref, me)
        users = _ints(chat.get("users")) if chat else sorted({me, other})
        return 200, [self.member_card(u) for u in users]

    def _add_users(
        self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: dict[str, object]
    ) -> Result:
        raw = body.get("users")
        if raw is None or raw == []:
            raise missing("users")
        if not isinstance(raw, list) or len(_ints(raw)) != len(raw):
            raise ApiError(400, "INVALID_REQUEST", "users must be an array of user ids")
        chat = self.managed(ref, me, "add members")
        unknown = [u for u in raw if (self.user(u) or {}).get("active") in (None, False)]
        if unknown:
            raise ApiError(400, "INVALID_REQUEST", f"Unknown or inactive user ids: {', '.join(map(str, unknown[:10]))}")
        users = list(dict.fromkeys([*_ints(chat.get("users")), *raw]))
        self.chats.replace(_id(chat), {**chat, "users": users})
        return 200, True

    def _remove_user(
        self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: dict[str, object]
    ) -> Result:
        uid = positive(body.get("userId"))
        if body.get("userId") is None:
            raise missing("userId")
        if uid is None:
            raise ApiError(400, "INVALID_REQUEST", "userId must be a user id")
        chat = self.managed(ref, me, "remove members")
        if uid not in _ints(chat.get("users")):
            raise ApiError(400, "INVALID_REQUEST", f"User {uid} is not a member of chat {chat['id']}")
        if uid == chat.get("owner") and uid != me:
            raise access_denied("The chat owner cannot be removed")
        self._without(chat, uid)
        return 200, True

    # --- files ---------------------------------------------------------------------------------------------

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

    def _file(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        fid = positive(ref)
        if fid is None or self.store.table("files").peek(fid) is None:
            raise ApiError(404, "FILE_NOT_FOUND", f"File {str(ref)[:40]} not found")
        return 200, self.file_card(fid)

    def _folder_of(self, chat: Row, me: int) -> Row:
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
                "createdAt": _utc(self.clock()),
            }  # fmt: skip
        )
        current = self.chats.peek(_id(chat)) or chat
        self.chats.replace(_id(chat), {**current, "folderId": fid})
        return folders.peek(fid) or {}

    def _folder(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        number = chat_id(ref)
        chat = self.chats.peek(number)
        if chat is None or not self.visible(chat, me):
            raise chat_not_found(ref)
        folder = self._folder_of(chat, me)
        latest = [
            as_msk(f.get("updatedAt")) for f in self.store.table("files").scan() if f.get("folderId") == folder["id"]
        ]
        created = as_msk(folder.get("createdAt"))
        return 200, {"ID": folder["id"], "NAME": folder.get("name"), "TYPE": "folder",
                     "PARENT_ID": folder.get("parentId"), "CREATE_TIME": created,
                     "UPDATE_TIME": max([created, *latest])}  # fmt: skip

    def _upload(
        self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: dict[str, object]
    ) -> Result:
        name, content = _text(body.get("filename")), body.get("content")
        if name is None or not isinstance(content, str) or not content:
            raise missing(*[k for k, ok in (("filename", name), ("content", content)) if not ok])
        number = chat_id(ref)
        chat = self.chats.peek(number)
        if chat is None or not self.visible(chat, me):
            raise chat_not_found(ref)
        if me not in _ints(chat.get("users")):
            raise access_denied(f"You are not a member of chat {number}")
        try:
            size = len(base64.b64decode(content, validate=True))
        except (binascii.Error, ValueError):
            raise ApiError(400, "INVALID_REQUEST", "content must be the file's bytes in base64") from None
        folder = self._folder_of(chat, me)
        files = self.store.table("files")
        fid = files.next_id()
        stamp = _utc(self.clock())
        url = f"https://{HOST}/disk/downloadFile/{fid}/?&ncc=1&filename={quote(name)}"
        files.insert(
            {
                "id": fid,
                "name": name.strip()[:255],
                "size": size,
                "folderId": folder["id"],
                "storageId": folder.get("storageId"),
                "type": "file",
                "downloadUrl": url,
                "createdBy": me,
                "updatedBy": me,
                "createdAt": stamp,
                "updatedAt": stamp,
            }  # fmt: skip
        )
        text = _text(body.get("message")) or ""
        self._post(self.chats.peek(number) or chat, me, text, {"FILE_ID": [fid]})
        return 201, {"fileId": fid, "name": name.strip()[:255], "size": size, "downloadUrl": url}

    # --- events --------------------------------------------------------------------------------------------

    def _subscribe(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        self.subscribed.add(me)
        return 200, True

    def _unsubscribe(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        self.subscribed.discard(me)
        return 200, True


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
