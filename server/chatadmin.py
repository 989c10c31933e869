"""Handlers of the chat tools that change a chat itself: create, rename, leave, add and remove members.

Each is planned from the chat as it is now (its title, its members), previewed on `dry_run`, confirmed
by a human where the write policy asks (leaving and removing a member are deletes), sent once and
audited, like every write (`server.chatwrites._write`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.chatshape import group_chat
from server.chatwrites import done, dry_run, gone, plan_of, send_write, unchanged
from server.context import CallContext
from server.errors import NotFound
from server.operations import Operations, Output, mapping
from server.registry import Target, handles
from server.writeplan import Plan, PlanItem, fingerprint


async def _card(ops: Operations, dialog: str) -> dict[str, Any]:
    return dict(mapping((await ops.client.request("GET", f"/v1/chats/{dialog}")).data))


async def _members(ops: Operations, dialog: str) -> dict[int, str]:
    rows = (await ops.client.request("GET", f"/v1/chats/{dialog}/users")).data or []
    return {int(m["id"]): str(m.get("name") or "") for m in (mapping(r) for r in rows) if isinstance(m.get("id"), int)}


@handles("chat_create")
async def chat_create(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """A new group chat owned by the key's user; its chatId and dialogId."""
    fields = dict(args["fields"])
    title = str(fields.get("title") or "")
    changes = {k: {"from": None, "to": v} for k, v in fields.items()}
    plan = plan_of(ops, target, "chat", "create", [PlanItem(None, title, changes)])

    check = f"Look for it with chats_recent search={title!r} before creating it again." if title else ""
    chat = await send_write(ops, target, ctx, plan, "POST", "/v1/chats", fields, check=check)
    item = {"id": chat, "dialogId": f"chat{chat}", "title": title or None}
    bound = f", bound to {fields['entityId']}" if fields.get("entityId") else ""
    return done(item, f"Created chat {item['dialogId']}{bound}; post to it with chats_send.")


@handles("chat_rename")
async def chat_rename(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """A group chat's new title (or the plan, dry)."""
    dialog, title = str(args["dialogId"]), str(args["title"])
    number = group_chat(target.tool, dialog)

    async def planned() -> Plan:
        card = await _card(ops, dialog)
        if card.get("name") == title:
            return Plan(target.tool, "chat", "update", [], unchanged=[number], rate=ops.rate_limit)
        item = PlanItem(number, str(card.get("name") or dialog), {"title": {"from": card.get("name"), "to": title}})
        item.fingerprint = fingerprint(card, ["name"])
        return plan_of(ops, target, "chat", "update", [item])

    plan = await planned()
    if args.get("dry_run"):
        return dry_run(ctx, plan)
    if not plan.items:
        return unchanged(
            ctx,
            plan,
            {"id": number, "dialogId": dialog, "title": title},
            f"Nothing written: {dialog} is already titled «{title}».",
        )
    await send_write(ops, target, ctx, plan, "PATCH", f"/v1/chats/{number}", {"title": title}, replan=planned)
    return done({"id": number, "dialogId": dialog, "title": title}, f"Renamed {dialog} to «{title}».")


@handles("chat_leave")
async def chat_leave(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """The key's user out of a group chat, after a human's confirmation (or the plan, dry)."""
    dialog = str(args["dialogId"])
    number = group_chat(target.tool, dialog)

    async def planned() -> Plan:
        card = await _card(ops, dialog)
        item = PlanItem(number, str(card.get("name") or dialog), {"member": {"from": "you", "to": None}})
        note = "You stop receiving this chat's messages; only its owner or a manager can add you back."
        return plan_of(ops, target, "chat membership", "delete", [item], note)

    plan = await planned()
    if args.get("dry_run"):
        return dry_run(ctx, plan)
    check = f"Read chats_members dialogId={dialog}: if you are not listed, you left."
    await send_write(ops, target, ctx, plan, "POST", f"/v1/chats/{number}/leave", replan=planned, check=check)
    return gone(number, f"Left {dialog} «{plan.items[0].label}».")


@handles("chat_add_members")
async def chat_add_members(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Users added to a group chat (those already in it are skipped), or the plan, dry."""
    dialog, users = str(args["dialogId"]), [int(u) for u in args["users"]]
    number = group_chat(target.tool, dialog)

    async def planned() -> Plan:
        current = await _members(ops, dialog)
        new = [u for u in users if u not in current]
        kept = [u for u in users if u in current]
        items = [PlanItem(number, dialog, {"users": {"from": sorted(current), "to": sorted({*current, *new})}})]
        return Plan(target.tool, "chat", "update", items if new else [], unchanged=kept, units=1, rate=ops.rate_limit)

    plan = await planned()
    if args.get("dry_run"):
        return dry_run(ctx, plan)
    new = [u for u in users if u not in plan.unchanged]
    if not plan.items:
        return unchanged(
            ctx,
            plan,
            {"id": number, "dialogId": dialog, "added": []},
            f"Nothing written: {', '.join(map(str, users))} already in {dialog}.",
        )
    check = f"Read chats_members dialogId={dialog} before adding them again."
    await send_write(
        ops, target, ctx, plan, "POST", f"/v1/chats/{number}/users", {"users": new}, replan=planned, check=check
    )
    skipped = f" Already members: {', '.join(map(str, plan.unchanged))}." if plan.unchanged else ""
    return done(
        {"id": number, "dialogId": dialog, "added": new}, f"Added {', '.join(map(str, new))} to {dialog}.{skipped}"
    )


@handles("chat_remove_member")
async def chat_remove_member(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """A member out of a group chat, after a human's confirmation (or the plan, dry)."""
    dialog, user = str(args["dialogId"]), int(args["userId"])
    number = group_chat(target.tool, dialog)

    async def planned() -> Plan:
        current = await _members(ops, dialog)
        if user not in current:
            raise NotFound(
                f"User {user} is not a member of {dialog}; nothing was removed.",
                status=404,
                code="NOT_A_MEMBER",
                hint=f"Members and their ids: chats_members dialogId={dialog}.",
            )
        item = PlanItem(user, f"{current[user]} from {dialog}", {"member": {"from": user, "to": None}})
        return plan_of(ops, target, "chat member", "delete", [item])

    plan = await planned()
    if args.get("dry_run"):
        return dry_run(ctx, plan)
    check = f"Read chats_members dialogId={dialog}: if {user} is not listed, the removal went through."
    await send_write(
        ops, target, ctx, plan, "DELETE", f"/v1/chats/{number}/users", {"userId": user}, replan=planned, check=check
    )
    return gone(user, f"Removed {plan.items[0].label}.")
