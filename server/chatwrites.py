"""Handlers of the chat tools that write: send, edit and delete a message, create, rename and leave a chat,
add and remove members, attach a file, mark a dialog read.

Every write goes through `server.guard`: a plan read from the portal (the message as it is now, the
chat's title, its members), a dry run where the tool offers one, a human's confirmation where the write
policy asks for it (deleting a message, removing a member and leaving a chat are deletes), and an audit
record however it ends. A send or an upload whose answer was lost is reported as "outcome unknown" and
never sent again.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from server import guard
from server.chatshape import file_link, group_chat, shaped, users_of
from server.context import CallContext
from server.errors import InvalidArguments, NotFound, OutcomeUnknown
from server.operations import Operations, Output, mapping
from server.redact import clip
from server.registry import Target, handles
from server.results import render_record
from server.writeplan import Plan, PlanItem, fingerprint

MAX_FILE_BYTES = 10 * 1024 * 1024


def plan_of(ops: Operations, target: Target, what: str, action: str, items: list[PlanItem], note: str = "") -> Plan:
    return Plan(target.tool, what, action, items, units=1 if items else 0, rate=ops.rate_limit, note=note)


async def send_write(
    ops: Operations,
    target: Target,
    ctx: CallContext,
    plan: Plan,
    method: str,
    path: str,
    body: Any = None,
    *,
    replan: Callable[[], Awaitable[Plan]] | None = None,
    check: str = "",
) -> Any:
    """Approve `plan` (asking the human where the policy says so), send it, audit it; the answer's data.

    `replan` reads the plan again after a yes; without it (a plan not read from the portal: a send,
    a create, an upload) the plan shown is the plan sent.

    Raises:
        OutcomeUnknown: the answer was lost; `check` says how to find out, and nothing is sent again.
    """
    shown = plan

    async def same() -> Plan:
        return shown

    plan, approval = await guard.approved_plan(ops, target, ctx, plan, bulk=False, replan=replan or same)
    request = ops.client.request(method, path, json_body=body, expect="any")
    try:
        resp = await guard.sent(ctx, plan, approval, request)
    except OutcomeUnknown as exc:
        raise OutcomeUnknown(
            f"{target.tool}: {exc.message}", hint=f"It was not sent again. {check or exc.hint}"
        ) from exc
    ids = [i.id for i in plan.items if i.id is not None]
    data = resp.data
    if isinstance(data, int) and not isinstance(data, bool):
        ids = [data]
    guard.audit(ctx, plan, "done", approval=approval, request_id=resp.headers.get("x-request-id"), ids=ids)
    return data


def dry_run(ctx: CallContext, plan: Plan) -> Output:
    """The plan of a dry run (audited), without the entity tools' `expect` advice: these tools take none."""
    out = guard.dry_run_output(ctx, plan)
    summary = (
        out.structured["summary"].split("\nTo apply exactly this")[0] + "\nCall again without dry_run to apply it."
    )
    return Output({"dry_run": True, "plan": out.structured["plan"], "summary": summary}, summary)


def done(item: dict[str, Any], summary: str) -> Output:
    return Output({"item": item, "summary": summary}, f"{summary}\n{render_record(item)}")


def unchanged(ctx: CallContext, plan: Plan, item: dict[str, Any], summary: str) -> Output:
    """Nothing to write: the chat already is as asked; audited as skipped."""
    guard.audit(ctx, plan, "skipped", approval="not_required")
    return done(item, summary)


def gone(ident: Any, summary: str) -> Output:
    return Output({"id": ident, "summary": summary}, summary)


# --- messages ---------------------------------------------------------------------------------------------


@handles("chat_send")
async def chat_send(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """One message to a dialog; its id."""
    dialog, text = str(args["dialogId"]), str(args["message"])
    body: dict[str, Any] = {"message": text}
    if args.get("system"):
        body["systemMessage"] = "Y"
    plan = plan_of(
        ops,
        target,
        f"message of {dialog}",
        "create",
        [PlanItem(None, clip(text, 60), {"text": {"from": None, "to": clip(text, 200)}})],
    )

    check = f"Read the latest messages (chats_messages dialogId={dialog}, limit=5) before sending it again."
    mid = await send_write(ops, target, ctx, plan, "POST", f"/v1/chats/{dialog}/messages", body, check=check)
    item = {"id": mid, "dialogId": dialog, "text": clip(text, 200)}
    return done(item, f"Posted message #{mid} to {dialog}.")


async def current_message(ops: Operations, dialog: str, message_id: int) -> dict[str, Any]:
    """The message as the dialog has it now (one page of one message ending at it).

    Raises:
        NotFound: MESSAGE_NOT_FOUND when the dialog has no such message.
    """
    resp = await ops.client.request(
        "GET", f"/v1/chats/{dialog}/messages", params={"lastId": message_id + 1, "limit": 1}
    )
    data = mapping(resp.data)
    for raw in data.get("messages") or []:
        message = mapping(raw)
        if message.get("id") == message_id:
            return {**shaped(message, users_of(data), {}), "authorId": message.get("authorId")}
    raise NotFound(
        f"Dialog {dialog} has no message #{message_id}.",
        status=404,
        code="MESSAGE_NOT_FOUND",
        hint=f"Message ids come from chats_messages dialogId={dialog}.",
    )


def _message_item(message: Mapping[str, Any], changes: dict[str, Any] | None = None) -> PlanItem:
    label = f"{message.get('author')}: {clip(str(message.get('text') or ''), 60)}"
    return PlanItem(message.get("id"), label, changes or {}, fingerprint(message, ["text"]))


@handles("chat_edit_message")
async def chat_edit_message(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """A message's new text (or the plan, dry)."""
    dialog, mid, text = str(args["dialogId"]), int(args["messageId"]), str(args["message"])

    async def planned() -> Plan:
        message = await current_message(ops, dialog, mid)
        if message.get("text") == text:
            return Plan(target.tool, f"message of {dialog}", "update", [], unchanged=[mid], rate=ops.rate_limit)
        item = _message_item(message, {"text": {"from": message.get("text"), "to": clip(text, 200)}})
        return plan_of(ops, target, f"message of {dialog}", "update", [item])

    plan = await planned()
    if args.get("dry_run"):
        return dry_run(ctx, plan)
    if not plan.items:
        return unchanged(
            ctx, plan, {"id": mid, "dialogId": dialog}, f"Nothing written: message #{mid} already has this text."
        )
    check = f"Read the message (chats_messages dialogId={dialog}) before editing it again."
    await send_write(
        ops,
        target,
        ctx,
        plan,
        "PATCH",
        f"/v1/chats/{dialog}/messages/{mid}",
        {"message": text},
        replan=planned,
        check=check,
    )
    return done({"id": mid, "dialogId": dialog, "text": clip(text, 200)}, f"Edited message #{mid} in {dialog}.")


@handles("chat_delete_message")
async def chat_delete_message(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """One message removed, after a human's confirmation (or the plan, dry)."""
    dialog, mid = str(args["dialogId"]), int(args["messageId"])

    async def planned() -> Plan:
        message = await current_message(ops, dialog, mid)
        return plan_of(ops, target, f"message of {dialog}", "delete", [_message_item(message)])

    plan = await planned()
    if args.get("dry_run"):
        return dry_run(ctx, plan)
    check = f"Read the dialog (chats_messages dialogId={dialog}): if #{mid} is gone, the delete went through."
    await send_write(
        ops, target, ctx, plan, "DELETE", f"/v1/chats/{dialog}/messages/{mid}", replan=planned, check=check
    )
    return gone(mid, f"Deleted message #{mid} from {dialog}.")


@handles("chat_mark_read")
async def chat_mark_read(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Every message of a dialog marked read for the key's user; how many were unread before."""
    dialog = str(args["dialogId"])
    card = mapping((await ops.client.request("GET", f"/v1/chats/{dialog}")).data)
    unread = card.get("unreadCount") if isinstance(card.get("unreadCount"), int) else None
    if unread == 0:
        plan = Plan(target.tool, f"read marks of {dialog}", "update", [], unchanged=[dialog], rate=ops.rate_limit)
        guard.audit(ctx, plan, "skipped", approval="not_required")
        summary = f"Nothing to mark: {dialog} has no unread messages."
        return Output({"item": {"dialogId": dialog, "unread": 0}, "summary": summary}, summary)
    label = f"{dialog} «{clip(str(card.get('name') or ''), 60)}»"
    plan = plan_of(
        ops,
        target,
        f"read marks of {dialog}",
        "update",
        [PlanItem(dialog, label, {"unread": {"from": unread, "to": 0}})],
    )

    # Marking read twice is harmless, but a lost answer is still reported, never retried unseen.
    check = f"See chats_dialog dialogId={dialog}: unread 0 means it went through."
    await send_write(ops, target, ctx, plan, "POST", f"/v1/chats/{dialog}/read", {}, check=check)
    was = f"{unread} unread before" if unread is not None else "the portal did not say how many were unread"
    summary = f"Marked {dialog} read ({was})."
    return Output({"item": {"dialogId": dialog, "unread": 0, "unreadBefore": unread}, "summary": summary}, summary)


# --- files --------------------------------------------------------------------------------------------------


async def chat_id_of(ops: Operations, tool: str, dialog: str, then: str) -> int:
    """The numeric chat of a dialog: N of chatN, or a private dialog's own chat (it has one once written to)."""
    if dialog.startswith("chat"):
        return group_chat(tool, dialog)
    data = mapping((await ops.client.request("GET", f"/v1/chats/{dialog}")).data)
    number = data.get("chatId")
    if not isinstance(number, int) or number <= 0:
        raise InvalidArguments(
            f"The private dialog with user {dialog} has no chat yet, so it has no folder for files.",
            hint=f"Send a message first (chats_send dialogId={dialog}), then {then}.",
        )
    return number


@handles("chat_attach")
async def chat_attach(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """A file uploaded into a chat as a message; its link."""
    dialog, name, content = str(args["dialogId"]), str(args["filename"]), str(args["content"])
    try:
        size = len(base64.b64decode(content, validate=True))
    except (binascii.Error, ValueError):
        raise InvalidArguments(
            "content is not valid base64.",
            hint="Pass the file's bytes encoded in standard base64 (A-Z a-z 0-9 + /, = padding).",
        ) from None
    if size > MAX_FILE_BYTES:
        raise InvalidArguments(
            f"The file is {size} bytes; at most {MAX_FILE_BYTES} can be attached.", hint="Attach a smaller file."
        )
    chat = await chat_id_of(ops, target.tool, dialog, "attach the file")
    body = {"filename": name, "content": content, **({"message": args["message"]} if args.get("message") else {})}
    plan = plan_of(
        ops,
        target,
        f"file of {dialog}",
        "create",
        [PlanItem(None, name, {"file": {"from": None, "to": f"{name} ({size} bytes)"}})],
    )

    check = f"Look for the file in the latest messages (chats_messages dialogId={dialog}) before uploading it again."
    data = await send_write(ops, target, ctx, plan, "POST", f"/v1/chats/{chat}/files", body, check=check)
    item = {"id": mapping(data).get("fileId"), "dialogId": dialog}
    item.update({k: mapping(data).get(k) for k in ("name", "size", "downloadUrl")})
    link = file_link({**mapping(data), "id": mapping(data).get("fileId")}, f"attached in {dialog}")
    out = done(item, f"Attached «{item['name']}» (fileId {item['id']}) to {dialog}.")
    return Output(out.structured, out.text, links=(link,) if link else ())
