"""Handler of `chats_files`: a chat's folder on the drive and the files in it, in one call.

The folder route (`GET /v1/chats/:chatId/folder`, im.disk.folder.get) answers only the folder; its files
are read through the drive (`GET /v1/files` filtered by folderId), so the folder id the answer gives works
with the drive tools too (files_list filter folderId). Files reach the client as resource links.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.chatshape import file_link
from server.chatwrites import chat_id_of
from server.context import CallContext
from server.operations import Link, Operations, Output, mapping
from server.registry import Target, handles
from server.results import render_record

DEFAULT_FILES = 20
MAX_FILES = 50  # a page of file cards and links stays well inside the token budget
FILE_KEYS = ("id", "name", "size", "createdBy", "updatedAt")


@handles("chat_files")
async def chat_files(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """The chat's folder (id, name) and its newest files with links; `total` says how many it holds."""
    dialog = str(args["dialogId"])
    limit = min(int(args.get("limit", DEFAULT_FILES)), MAX_FILES)
    chat = await chat_id_of(ops, target.tool, dialog, "no folder")
    folder = mapping((await ops.client.request("GET", f"/v1/chats/{chat}/folder")).data)
    folder_id = folder.get("ID")
    resp = await ops.client.request(
        "GET", "/v1/files", params={"filter": {"folderId": folder_id}, "order": {"id": "desc"}, "limit": limit}
    )
    rows = [mapping(r) for r in resp.data or []]
    counted = resp.total if resp.total is not None else resp.meta.get("total")
    total = counted if isinstance(counted, int) else len(rows)
    files = [{k: r.get(k) for k in FILE_KEYS} for r in rows]
    links: tuple[Link, ...] = tuple(
        link for link in (file_link(r, f"in the folder of {dialog}") for r in rows) if link is not None
    )
    item = {"folderId": folder_id, "name": folder.get("NAME"), "chatId": chat, "updated": folder.get("UPDATE_TIME")}
    summary = f"Folder #{folder_id} «{item['name']}» of {dialog}: {total} file(s), {len(files)} newest shown."
    if total > len(files):
        summary += f' More: files_list with filter {{"folderId": {folder_id}}} (drive toolset).'
    structured = {"item": item, "files": files, "total": total, "summary": summary}
    text = "\n".join([summary, *(render_record(f) for f in files)])
    return Output(structured, text, links=links)
