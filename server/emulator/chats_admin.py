"""The demo portal's chat management routes: create, rename, leave, members, files and the chat's folder,
event subscriptions. Messages are written by members; the owner and managers change a chat."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from urllib.parse import quote

from .chats import CHAT_TYPES, access_denied, chat_id, chat_not_found, missing, positive
from .chats_base import HOST, ChatsBase, Result, as_msk, ints, row_id, text_param, utc
from .errors import ApiError


class ChatAdmin(ChatsBase):
    """Chats created, renamed, left; members added and removed; files uploaded into a chat."""

    # --- chats and members -------------------------------------------------------------------------------

    def _create(
        self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: dict[str, object]
    ) -> Result:
        raw_users = body.get("users", [])
        if not isinstance(raw_users, list) or len(ints(raw_users)) != len(raw_users):
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
        chat = self.insert_chat(
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
        self.folder_of(chat, me)
        return 200, chat["id"]

    def _rename(
        self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: dict[str, object]
    ) -> Result:
        title = text_param(body.get("title"))
        if title is None:
            raise missing("title")
        chat = self.managed(ref, me, "rename it")
        self.chats.replace(row_id(chat), {**chat, "title": title.strip()[:255]})
        return 200, True

    def _leave(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        chat = self.member_chat(ref, me, "leave it")
        self.without(chat, me)
        return 200, True

    def _members(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        _, chat, other = self.dialog(ref, me)
        users = ints(chat.get("users")) if chat else sorted({me, other})
        return 200, [self.member_card(u) for u in users]

    def _add_users(
        self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: dict[str, object]
    ) -> Result:
        raw = body.get("users")
        if raw is None or raw == []:
            raise missing("users")
        if not isinstance(raw, list) or len(ints(raw)) != len(raw):
            raise ApiError(400, "INVALID_REQUEST", "users must be an array of user ids")
        chat = self.managed(ref, me, "add members")
        unknown = [u for u in raw if (self.user(u) or {}).get("active") in (None, False)]
        if unknown:
            raise ApiError(400, "INVALID_REQUEST", f"Unknown or inactive user ids: {', '.join(map(str, unknown[:10]))}")
        users = list(dict.fromkeys([*ints(chat.get("users")), *raw]))
        self.chats.replace(row_id(chat), {**chat, "users": users})
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
        if uid not in ints(chat.get("users")):
            raise ApiError(400, "INVALID_REQUEST", f"User {uid} is not a member of chat {chat['id']}")
        if uid == chat.get("owner") and uid != me:
            raise access_denied("The chat owner cannot be removed")
        self.without(chat, uid)
        return 200, True

    # --- files ---------------------------------------------------------------------------------------------

    def _file(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        fid = positive(ref)
        if fid is None or self.store.table("files").peek(fid) is None:
            raise ApiError(404, "FILE_NOT_FOUND", f"File {str(ref)[:40]} not found")
        return 200, self.file_card(fid)

    def _folder(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        number = chat_id(ref)
        chat = self.chats.peek(number)
        if chat is None or not self.visible(chat, me):
            raise chat_not_found(ref)
        folder = self.folder_of(chat, me)
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
        name, content = text_param(body.get("filename")), body.get("content")
        if name is None or not isinstance(content, str) or not content:
            raise missing(*[k for k, ok in (("filename", name), ("content", content)) if not ok])
        number = chat_id(ref)
        chat = self.chats.peek(number)
        if chat is None or not self.visible(chat, me):
            raise chat_not_found(ref)
        if me not in ints(chat.get("users")):
            raise access_denied(f"You are not a member of chat {number}")
        try:
            size = len(base64.b64decode(content, validate=True))
        except (binascii.Error, ValueError):
            raise ApiError(400, "INVALID_REQUEST", "content must be the file's bytes in base64") from None
        folder = self.folder_of(chat, me)
        files = self.store.table("files")
        fid = files.next_id()
        stamp = utc(self.clock())
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
        text = text_param(body.get("message")) or ""
        self.post(self.chats.peek(number) or chat, me, text, {"FILE_ID": [fid]})
        return 201, {"fileId": fid, "name": name.strip()[:255], "size": size, "downloadUrl": url}

    # --- events --------------------------------------------------------------------------------------------

    def _subscribe(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        self.subscribed.add(me)
        return 200, True

    def _unsubscribe(self, me: int, ref: str | None, _: str | None, query: Mapping[str, str], body: object) -> Result:
        self.subscribed.discard(me)
        return 200, True
