"""The demo portal's `/v1/chats` routes: find dialogs, read and write messages (chats_base and chats_admin
hold the look-ups and the management routes).

Each handler takes the key's user (`me`), the route's path arguments, the query and the body, and
returns (HTTP status, data). A message is edited by its author and deleted by its author or a chat
manager; the history pages by `lastId` (older) and `firstId` (newer), at most 200 at a time.
"""

from __future__ import annotations

from collections.abc import Mapping

from .chats import (
    COLORS,
    DEFAULT_MESSAGES,
    MAX_BULK_DIALOGS,
    MAX_MESSAGES,
    MAX_RECENT,
    access_denied,
    limit_of,
    missing,
    positive,
)
from .chats_admin import ChatAdmin
from .chats_base import Result, ints, last_message, row_id, text_param
from .errors import ApiError
from .store import Row


class Chats(ChatAdmin):
    """The chats of one portal, as the key's user sees them."""

    def handle(
        self, name: str, me: int, ref: str | None, message: str | None, query: Mapping[str, str], body: object
    ) -> Result:
        handler = getattr(self, "_" + name.removeprefix("chats_"))
        result: Result = handler(me, ref, message, query, body if isinstance(body, dict) else {})
        return result

    # --- finding chats ----------------------------------------------------------------------------------

    def _recent(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        mine = [c for c in self.chats.scan() if me in ints(c.get("users"))]
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
                    "message": last_message(newest),
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
            names = [str(self.card(u)["name"]).lower() for u in ints(chat.get("users"))]
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
            "muteList": list(ints((chat or {}).get("muteList"))),
            "managerList": [] if other else list(ints((chat or {}).get("managers"))),
            "userCounter": 2 if other else len(ints((chat or {}).get("users"))),
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
        files = sorted({f for m in chosen for f in ints(dict(m.get("params") or {}).get("FILE_ID"))})  # type: ignore[call-overload]
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
        text = text_param(body.get("message"))
        if text is None:
            raise missing("message")
        _, chat, other = self.dialog(ref, me)
        if chat is None:  # the first message to a user opens the private chat
            chat = self.insert_chat({"type": "private", "title": "", "users": sorted({me, other}), "owner": 0}, me)
        if me not in ints(chat.get("users")):
            raise access_denied(f"You are not a member of chat {chat['id']}; join it to write")
        system = body.get("systemMessage") not in (None, "", "N", False, "false")
        return 200, self.post(chat, 0 if system else me, text, {})

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
        text = text_param(body.get("message"))
        if text is None:
            raise missing("message")
        if message.get("authorId") != me:
            raise access_denied("Only the author can edit a message")
        params = {**dict(message.get("params") or {}), "IS_EDITED": "Y"}  # type: ignore[call-overload]
        self.messages.replace(row_id(message), {**message, "text": text, "params": params})
        return 200, True

    def _unsend(self, me: int, ref: str | None, mid: str | None, query: Mapping[str, str], body: object) -> Result:
        message, chat = self._message(me, ref, mid)
        manager = me == chat.get("owner") or me in ints(chat.get("managers"))
        if message.get("authorId") != me and not manager:
            raise access_denied("Only the author or a chat manager can delete this message")
        self.messages.delete(row_id(message))
        return 200, True

    def _read(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        _dialog, chat, _user = self.dialog(ref, me)
        history = self.history(chat)
        if chat is not None and history and me in ints(chat.get("users")):
            self.mark(chat, me, int(str(history[-1]["id"])))
        return 200, True
