"""`chats_history`: the latest messages of up to 50 dialogs in one request (POST /v1/chats/messages/bulk).

The token budget is shared out round-robin, one message of each dialog at a time, so every dialog
gets its newest messages before any dialog gets many; a dialog cut short carries a cursor that
continues right after its last message shown, here or in `chats_messages`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from server.budget import record_cost, result_tokens
from server.chats import messages_of
from server.chatshape import MAX_PER_CALL, cursor_for, from_cursor, links_for
from server.context import CallContext
from server.operations import Operations, Output, mapping
from server.registry import Target, handles
from server.results import estimate_tokens, render_value

DEFAULT_LIMIT = 20
SLACK = 120  # tokens for what the allocation cannot know yet (cursors, counts)


@dataclass
class Dialog:
    """One asked-for dialog: what came back and how much of it is shown."""

    key: str
    dialog: str
    window: dict[str, Any]
    limit: int
    chat_id: Any = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    more: bool = False
    error: str = ""
    kept: int = 0

    def shown(self, ops: Operations) -> dict[str, Any]:
        if self.error:
            return {"dialogId": self.dialog, "error": self.error}
        items = self.messages[: self.kept]
        left = self.more or self.kept < len(self.messages)
        newer = "firstId" in self.window
        cursor = None
        if left:
            last = items[-1]["id"] if items else None
            if last is None:  # nothing of it fitted: continue from where it was asked
                cursor = cursor_for(ops, self.dialog, **_resume(self.window, self.messages))
            else:
                cursor = cursor_for(ops, self.dialog, **({"after": last} if newer else {"before": last}))
        return {
            "dialogId": self.dialog,
            "chatId": self.chat_id,
            "messages": items,
            "has_more": left,
            "next_cursor": cursor,
        }


def _resume(window: Mapping[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
    if "firstId" in window:
        return {"after": window["firstId"]}
    return {"before": int(messages[0]["id"]) + 1}


def _render(dialogs: list[dict[str, Any]], summary: str) -> str:
    lines = [summary]
    for d in dialogs:
        if d.get("error"):
            lines.append(f"{d['dialogId']}: {d['error']}")
            continue
        more = f"; more: next_cursor {d['next_cursor']}" if d.get("next_cursor") else ""
        lines.append(f"{d['dialogId']} (chatId {d['chatId']}): {len(d['messages'])} messages{more}")
        for m in d["messages"]:
            files = f" [{'; '.join(m['files'])}]" if m.get("files") else ""
            lines.append(f"  #{m['id']} {m['date']} {m['author']}: {render_value(m['text'])}{files}")
    return "\n".join(lines)


def _allocate(dialogs: list[Dialog], available: int) -> None:
    """Messages kept per dialog: round-robin, newest (or, after firstId, oldest) first, while they fit."""
    costs = [[record_cost(m) for m in d.messages] for d in dialogs]
    used, open_ = 0, [i for i, d in enumerate(dialogs) if d.messages]
    while open_:
        still = []
        for i in open_:
            d = dialogs[i]
            cost = costs[i][d.kept]
            if used + cost > available:
                continue  # this dialog stops here: its next message does not fit
            used += cost
            d.kept += 1
            if d.kept < len(d.messages):
                still.append(i)
        open_ = still


def _summary(dialogs: list[Dialog]) -> str:
    ok = [d for d in dialogs if not d.error]
    shown = sum(d.kept for d in ok)
    text = f"Messages of {len(ok)} of {len(dialogs)} dialogs: {shown} shown, newest first."
    if any(d.more or d.kept < len(d.messages) for d in ok):
        text += " Dialogs with more carry next_cursor (pass it as dialogs[].cursor, or to chats_messages)."
    failed = len(dialogs) - len(ok)
    return text + (f" {failed} failed (see error)." if failed else "")


@handles("chat_history")
async def chat_history(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """The latest messages of several dialogs, fitted to the budget together."""
    dialogs: list[Dialog] = []
    keys: set[str] = set()
    for index, raw in enumerate(args["dialogs"]):
        dialog = str(raw["dialogId"])
        window = from_cursor(ops, str(raw["cursor"]), dialog) if raw.get("cursor") else {}
        key = dialog if dialog not in keys else f"{dialog}#{index}"  # the same dialog twice, at two cursors
        keys.add(key)
        dialogs.append(Dialog(key, dialog, window, min(int(raw.get("limit", DEFAULT_LIMIT)), MAX_PER_CALL)))
    body = {
        "dialogs": [
            {"id": d.key, "dialogId": d.dialog, "limit": min(d.limit + 1, MAX_PER_CALL), **d.window} for d in dialogs
        ]
    }
    resp = await ops.client.request("POST", "/v1/chats/messages/bulk", json_body=body, read=True)
    data = mapping(resp.data)
    results, errors = mapping(data.get("results")), mapping(data.get("errors"))
    files: dict[str, dict[str, Any]] = {}
    for d in dialogs:
        if d.key in results:
            page = mapping(results[d.key])
            d.chat_id = page.get("chatId")
            d.messages, d.more, got = messages_of(page, d.window, d.limit)
            files.update(got)
        else:
            error = mapping(errors.get(d.key))
            d.error = f"{error.get('code', 'ERROR')}: {error.get('message', 'no answer for this dialog')}"
    headers = sum(estimate_tokens(f"{d.dialog} chatId next_cursor {'x' * 120}") * 2 for d in dialogs)
    _allocate(dialogs, ops.max_result_tokens - headers - 2 * estimate_tokens(_summary(dialogs)) - SLACK)
    while True:
        shown = [d.shown(ops) for d in dialogs]
        summary = _summary(dialogs)
        structured = {"dialogs": shown, "summary": summary}
        text = _render(shown, summary)
        tokens = result_tokens(structured, text)
        fuller = max((d for d in dialogs if d.kept), key=lambda d: d.kept, default=None)
        if tokens <= ops.max_result_tokens or fuller is None:
            break
        fuller.kept -= 1  # the estimate was short: give back the last message of the fullest dialog
    kept = [m for d in shown for m in d.get("messages", [])]
    return Output(structured, text, tokens, links=links_for(kept, files, "in a chat"))
