"""Handlers of the chat tools that read: recent dialogs (or a search), a CRM record's chat, one dialog,
its messages by cursor, its members, a file.

Messages come with their authors' names (the API sends the names of a page's authors with it), files
as resource links. Every page is fitted to the token budget like the entity pages (`server.pagefit`);
a cut page's cursor continues right after the last message shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from server.catalog import EntitySpec, FieldSpec
from server.chatshape import (
    MAX_PER_CALL,
    cursor_for,
    file_link,
    files_of,
    from_cursor,
    links_for,
    shaped,
    users_of,
)
from server.context import CallContext
from server.errors import InvalidArguments, VibeCodeError
from server.operations import Link, Operations, Output, mapping
from server.pagefit import fitted_page
from server.paging import ENVELOPE_SLACK, truncation_of
from server.redact import clip
from server.registry import Target, handles
from server.results import render_record

DEFAULT_LIMIT = 50
PREVIEW = 120  # characters of a dialog's last message in the recent list


def _named(field: str) -> EntitySpec:
    """A stand-in entity whose one key field holds user ids, so `ops.names` can name them (cached, batched)."""
    return EntitySpec(
        name=f"chats.{field}", title="", summary="", toolset="", operations=(), key_fields=(field,),
        name_field=field, include=(), aggregatable=(), fields={field: FieldSpec(field, "user")},
    )  # fmt: skip


SENDER, OWNER = _named("senderId"), _named("owner")


def _page(
    records: list[dict[str, Any]],
    head: str,
    ops: Operations,
    *,
    cursor: Callable[[list[dict[str, Any]]], str | None] | None = None,
    more: Callable[[int], str] | None = None,
    left: bool = False,
    total: int | None = None,
    note: str = "",
) -> tuple[dict[str, Any], str, int]:
    """`records` fitted to the budget. After the items shown, `cursor(items)` continues (next_cursor, None
    when nothing is left), or `more(n)` says how to (offset paging) when upstream has more (`left`) or
    records were left out for the budget."""

    def envelope(items: list[dict[str, Any]], shrunk: list[str]) -> dict[str, Any]:
        dropped = len(records) - len(items)
        nxt = cursor(items) if cursor is not None else None
        summary = f"{head}: {len(items)} shown." if items else f"{head}: none."
        if dropped:
            summary += f" {dropped} more left out for the token budget."
        continues = more is not None and (left or dropped > 0)
        if nxt:
            summary += " More: pass next_cursor."
        elif continues and more is not None:
            summary += " " + more(len(items))
        return {
            "items": items,
            "returned": len(items),
            "total": total,
            "has_more": bool(nxt) or continues or dropped > 0,
            "next_cursor": nxt,
            "truncation": truncation_of(dropped, shrunk, ops.max_result_tokens),
            "summary": summary + (f" {note}" if note else ""),
        }

    fitted = fitted_page(records, envelope, ops.max_result_tokens, ("id", "dialogId", "author"), ENVELOPE_SLACK)
    if fitted is None:  # pragma: no cover - a message is cut to MAX_TEXT characters
        raise VibeCodeError("a message does not fit the token budget.", code="RESULT_TOO_LARGE")
    return fitted


@handles("chat_recent")
async def chat_recent(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """The key user's dialogs by latest activity, or (search) the chats matching a text."""
    limit = min(int(args.get("limit", DEFAULT_LIMIT)), MAX_PER_CALL)
    if args.get("search"):
        if args.get("offset"):
            raise InvalidArguments("chats_recent with search takes no offset.", hint="Narrow the search text instead.")
        resp = await ops.client.request("GET", "/v1/chats/search", params={"search": args["search"], "limit": limit})
        rows = [mapping(r) for r in resp.data or []]
        found = [
            {"dialogId": f"chat{r.get('id')}", "title": r.get("title"), "type": r.get("type")}
            | ({"entityId": r["entityId"]} if r.get("entityId") else {})
            for r in rows
        ]
        structured, text, tokens = _page(found, f"Chats matching «{clip(args['search'], 60)}»", ops)
        return Output(structured, text, tokens)
    offset = int(args.get("offset", 0))
    resp = await ops.client.request("GET", "/v1/chats/recent", params={"limit": limit, "offset": offset})
    data = mapping(resp.data)
    items: list[dict[str, Any]] = []
    for raw in data.get("items") or []:
        row, last = mapping(raw), mapping(mapping(raw).get("message"))
        item: dict[str, Any] = {"dialogId": str(row.get("id")), "title": row.get("title"), "type": row.get("type")}
        if last:
            item.update(senderId=last.get("senderId"), last=clip(str(last.get("text") or ""), PREVIEW))
            item["date"] = last.get("date")
        item["unread"] = row.get("counter") or 0
        items.append(item)
    await ops.names.annotate(SENDER, items)
    upstream_more = bool(data.get("hasMore", len(items) >= limit))

    def more(shown: int) -> str:
        return f"More: call chats_recent with offset={offset + shown}."

    # Offset paging continues after what was shown, records cut for the budget included.
    structured, text, tokens = _page(items, "Recent dialogs, latest first", ops, more=more, left=upstream_more)
    return Output(structured, text, tokens)


@handles("chat_find")
async def chat_find(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """The chat bound to a CRM record (the API answers null when there is none)."""
    record = str(args["record"])
    resp = await ops.client.request(
        "GET", "/v1/chats/find", params={"entityType": "CRM", "entityId": record}, expect="any"
    )
    chat = mapping(resp.data)
    if not chat:
        summary = (
            f"No chat is bound to {record}. To open one: chats_create with fields "
            f'{{"title": …, "users": […], "entityType": "CRM", "entityId": "{record}"}}.'
        )
        return Output({"item": {}, "summary": summary}, summary)
    item = {
        "id": chat.get("id"),
        "dialogId": chat.get("dialogId") or f"chat{chat.get('id')}",
        "title": chat.get("title"),
        "type": chat.get("type"),
        "entityId": chat.get("entityId"),
        "owner": chat.get("owner"),
        "created": chat.get("dateCreate"),
    }
    await ops.names.annotate(OWNER, [item])
    summary = f"{record} has chat {item['dialogId']} «{item['title']}»; read it with chats_messages."
    return Output({"item": item, "summary": summary}, f"{summary}\n{render_record(item)}")


@handles("chat_dialog")
async def chat_dialog(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """One dialog's card: what it is, whose, how many members and messages, how many unread."""
    dialog = str(args["dialogId"])
    data = mapping((await ops.client.request("GET", f"/v1/chats/{dialog}")).data)
    item: dict[str, Any] = {
        "id": data.get("chatId"),
        "dialogId": data.get("dialogId") or dialog,
        "title": data.get("name"),
        "type": data.get("type"),
    }
    if data.get("entityId"):
        item["entityId"] = data.get("entityId")
    if data.get("owner"):
        item["owner"] = data.get("owner")
    item.update(
        members=data.get("userCounter"),
        managers=data.get("managerList") or [],
        messages=data.get("messageCount"),
        unread=data.get("unreadCount"),
        lastMessageId=data.get("lastMessageId"),
        created=data.get("dateCreate"),
    )
    if data.get("description"):
        item["description"] = clip(str(data["description"]), 400)
    await ops.names.annotate(OWNER, [item])
    summary = f"Dialog {item['dialogId']} «{item['title']}»: {item['messages']} messages, {item['unread']} unread."
    return Output({"item": item, "summary": summary}, f"{summary}\n{render_record(item)}")


def _window(args: Mapping[str, Any], ops: Operations, dialog: str) -> dict[str, Any]:
    """lastId / firstId of the page asked for (from the cursor, or after_id)."""
    if args.get("cursor") and args.get("after_id") is not None:
        raise InvalidArguments(
            "Pass cursor or after_id, not both.", hint="A cursor already says where the next page starts."
        )
    if args.get("cursor"):
        return from_cursor(ops, str(args["cursor"]), dialog)
    return {"firstId": int(args["after_id"])} if args.get("after_id") is not None else {}


def messages_of(
    data: Mapping[str, Any], window: Mapping[str, Any], limit: int
) -> tuple[list[dict[str, Any]], bool, dict[str, dict[str, Any]]]:
    """A page's messages shaped, in reading order (newest first; oldest first after firstId), whether more
    exist beyond them (one more than `limit` was asked for), and the page's files."""
    names, files = users_of(data), files_of(data)
    raw = [mapping(m) for m in data.get("messages") or []]
    newer = "firstId" in window and "lastId" not in window
    raw.sort(key=lambda m: int(m.get("id") or 0), reverse=not newer)
    return [shaped(m, names, files) for m in raw[:limit]], len(raw) > limit, files


@handles("chat_messages")
async def chat_messages(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """One page of a dialog's messages; next_cursor continues back in time (or forward, after after_id)."""
    dialog = str(args["dialogId"])
    window = _window(args, ops, dialog)
    limit = min(int(args.get("limit", DEFAULT_LIMIT)), MAX_PER_CALL)
    params = {**window, "limit": min(limit + 1, MAX_PER_CALL)}
    data = mapping((await ops.client.request("GET", f"/v1/chats/{dialog}/messages", params=params)).data)
    messages, more, files = messages_of(data, window, limit)
    more = more or (limit == MAX_PER_CALL and len(messages) == limit)
    newer = "firstId" in window
    order = "oldest first" if newer else "newest first"

    def cursor(items: Sequence[Mapping[str, Any]]) -> str | None:
        if not items or (not more and len(items) == len(messages)):
            return None
        last = items[-1]["id"]
        return cursor_for(ops, dialog, after=last) if newer else cursor_for(ops, dialog, before=last)

    head = f"Messages of {dialog} (chatId {data.get('chatId')}), {order}"
    note = (
        f"Up to date; later, after_id={messages[-1]['id']} gives what is new."
        if newer and not more and messages
        else ""
    )
    structured, text, tokens = _page(messages, head, ops, cursor=cursor, note=note)
    return Output(structured, text, tokens, links=links_for(structured["items"], files, f"in dialog {dialog}"))


@handles("chat_members")
async def chat_members(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Who is in a dialog."""
    dialog = str(args["dialogId"])
    rows = (await ops.client.request("GET", f"/v1/chats/{dialog}/users")).data or []
    members = [
        {"id": m.get("id"), "name": m.get("name")} | ({"position": m["workPosition"]} if m.get("workPosition") else {})
        for m in (mapping(r) for r in rows)
    ]
    structured, text, tokens = _page(members, f"Members of {dialog}", ops, total=len(members))
    return Output(structured, text, tokens)


@handles("chat_file")
async def chat_file(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """A file's name, size and link; the link also goes to the client as a resource link."""
    data = mapping((await ops.client.request("GET", f"/v1/chats/files/{int(args['fileId'])}")).data)
    item = {k: data.get(k) for k in ("id", "name", "size", "downloadUrl", "createdBy", "createdAt")}
    link = file_link(data, "of a chat")
    links: tuple[Link, ...] = (link,) if link is not None else ()
    summary = f"File #{item['id']} «{item['name']}», {item['size']} bytes; download it from downloadUrl."
    return Output({"item": item, "summary": summary}, f"{summary}\n{render_record(item)}", links=links)
