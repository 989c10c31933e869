"""What the chat tools share: dialog ids, message cursors, and messages shaped for a model.

A dialog is `chatN` (a group chat) or a user id (the private dialog with that user); the management
routes want the bare number N. A message is shown with its author's name (the API answers the names of
a page's authors with it), its date and text, and the names of its files; the files themselves go to
the client as resource links. Cursors are signed and name their dialog, so one dialog's cursor cannot
page another.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping, Sequence
from typing import Any

from server.errors import InvalidArguments
from server.operations import Link, Operations, mapping
from server.redact import clip

MAX_PER_CALL = 200  # messages one request returns (Chats: GET …/messages, limit max 200)
MAX_TEXT = 2000  # characters of one message shown before it is cut (the whole text stays upstream)
MESSAGES_TOOL = "chats_messages"  # the cursor's owner: a dialog's cursor continues in chats_messages or chats_history


def chat_number(dialog: str) -> int | None:
    """N of `chatN`; None for a user id (a private dialog)."""
    return int(dialog[4:]) if dialog.startswith("chat") else None


def group_chat(tool: str, dialog: str) -> int:
    """The numeric chatId of a group dialog.

    Raises:
        InvalidArguments: `dialog` is a private dialog (a user id), which has no title or members to manage.
    """
    number = chat_number(dialog)
    if number is None:
        raise InvalidArguments(
            f"{tool} works on group chats; dialogId {dialog} is the private dialog with user {dialog}.",
            hint="Pass a group chat's dialogId (chatN), from chats_recent or chats_find.",
        )
    return number


def users_of(data: Mapping[str, Any]) -> dict[str, str]:
    """User id → name from a message page's `users`."""
    out: dict[str, str] = {}
    for key, raw in mapping(data.get("users")).items():
        user = mapping(raw)
        name = user.get("name") or " ".join(str(user.get(k)) for k in ("firstName", "lastName") if user.get(k))
        out[str(user.get("id", key))] = str(name or f"user {key}")
    return out


def files_of(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """File id → file from a message page's `files` (a list or a map, as Bitrix24 sends either)."""
    raw = data.get("files")
    rows = raw.values() if isinstance(raw, Mapping) else raw if isinstance(raw, list) else []
    return {str(mapping(f).get("id")): dict(mapping(f)) for f in rows if mapping(f).get("id") is not None}


def message_files(message: Mapping[str, Any]) -> list[str]:
    ids = mapping(message.get("params")).get("FILE_ID")
    return [str(i) for i in ids] if isinstance(ids, list) else []


def shaped(
    message: Mapping[str, Any], names: Mapping[str, str], files: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """One message as a model reads it: id, author (name), date, text, files (names with ids)."""
    author = message.get("authorId")
    out: dict[str, Any] = {
        "id": message.get("id"),
        "author": "system" if not author else names.get(str(author), f"user {author}"),
        "date": message.get("date"),
        "text": clip(str(message.get("text") or ""), MAX_TEXT),
    }
    attached = message_files(message)
    if attached:
        out["files"] = [f"{files.get(i, {}).get('name') or 'file'} (fileId {i})" for i in attached]
    if mapping(message.get("params")).get("IS_EDITED") == "Y":
        out["edited"] = True
    return out


def file_link(file: Mapping[str, Any], where: str) -> Link | None:
    """A chat file's download URL as a resource link (the client fetches the bytes if it wants them)."""
    url = file.get("downloadUrl")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    name = str(file.get("name") or f"file-{file.get('id')}")
    size = file.get("size")
    return Link(
        uri=url,
        name=name,
        mime_type=mimetypes.guess_type(name)[0],
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        description=f"File #{file.get('id')} {where}",
    )


def links_for(
    items: Sequence[Mapping[str, Any]], files: Mapping[str, Mapping[str, Any]], where: str
) -> tuple[Link, ...]:
    """Links to the files of the messages shown (not of those left for the next page)."""
    out: list[Link] = []
    for item in items:
        for ref in item.get("files") or []:
            fid = str(ref).rpartition("fileId ")[2].rstrip(")")
            link = file_link(files.get(fid, {}), where)
            if link is not None:
                out.append(link)
    return tuple(out)


def cursor_for(ops: Operations, dialog: str, *, before: Any = None, after: Any = None) -> str:
    """A dialog's cursor: older than `before` (lastId) or newer than `after` (firstId)."""
    payload: dict[str, Any] = {"tool": MESSAGES_TOOL, "d": dialog}
    payload.update({"lastId": before} if before is not None else {"firstId": after})
    return ops.codec.encode(payload)


def from_cursor(ops: Operations, cursor: str, dialog: str) -> dict[str, Any]:
    """lastId or firstId a cursor continues from.

    Raises:
        InvalidArguments: a foreign, altered or expired cursor, or one of another dialog.
    """
    payload = ops.codec.decode(cursor, MESSAGES_TOOL)
    if payload.get("d") != dialog:
        raise InvalidArguments(
            f"This cursor pages dialog {clip(str(payload.get('d')), 40)}, not {dialog}.",
            code="INVALID_CURSOR",
            hint=f"Pass it with dialogId={payload.get('d')}, or start {dialog} without a cursor.",
        )
    return {k: payload[k] for k in ("lastId", "firstId") if isinstance(payload.get(k), int)}
