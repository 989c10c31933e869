"""The chat tools end to end over the MCP client and the demo portal: find a deal's chat and read it with
the authors' names, page back by cursor and catch up with after_id, read several dialogs in one call,
post, edit and attach; deleting a message, removing a member and leaving a chat are asked of a human on
both protocol revisions; a send whose answer is lost is reported, audited and never sent again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import mcp.types as types
import pytest
from mcp import Client

from server.__main__ import Assembled, assemble
from server.audit import AuditLog
from server.catalog import load_catalog
from server.emulator import EmulatorTransport, Portal
from server.settings import Settings
from tests.mcp_rig import CountingTransport, human, ok

pytestmark = pytest.mark.anyio
MODES = ["auto", "legacy"]


class Lossy(CountingTransport):
    """Counts requests; with `lose` set, the portal runs a POST to a chat but its answer is lost."""

    def __init__(self, portal: Portal) -> None:
        super().__init__(EmulatorTransport(portal))
        self.lose = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.lose and request.method == "POST" and request.url.path.startswith("/v1/chats/chat"):
            await super().handle_async_request(request)
            raise httpx.ReadTimeout("no answer", request=request)
        return await super().handle_async_request(request)


@pytest.fixture
def portal() -> Portal:
    return Portal(seed=7, scale=0.3)


@pytest.fixture
def transport(portal: Portal) -> Lossy:
    return Lossy(portal)


@pytest.fixture
async def built(transport: Lossy, tmp_path: Path) -> AsyncIterator[Assembled]:
    settings = Settings(toolsets=("chats",), audit_log=str(tmp_path / "audit.jsonl"))
    async with assemble(settings, transport=transport) as b:
        yield b


def audit(tmp_path: Path, tool: str) -> list[dict[str, Any]]:
    return [e for e in AuditLog(tmp_path / "audit.jsonl").read() if e["tool"] == tool]


def test_the_chats_toolset_is_not_in_the_default_set() -> None:
    catalog = load_catalog()
    assert [e.name for e in catalog.select(["chats"], [])] == ["chats"]
    assert "chats" not in {e.name for e in catalog.select([], [])}


async def test_the_batch_tool_does_not_offer_the_chats(built: Assembled) -> None:
    """The API serves chats only at their own routes (a /v1/batch call answers ENTITY_CUSTOM_ROUTES)."""
    assert "batch" not in built.tools  # chats alone: nothing a batch could carry
    async with assemble(Settings(toolsets=("all",)), transport=EmulatorTransport(Portal())) as every:
        entities = every.tools["batch"].input_schema["properties"]["calls"]["items"]["properties"]["entity"]
    assert "chats" not in entities["enum"] and "deals" in entities["enum"]


async def test_find_a_deals_chat_and_read_it_with_names(built: Assembled, transport: Lossy) -> None:
    async with Client(built.server) as c:
        found = await ok(c, "chats_find", {"record": "DEAL|12"})
        dialog = found["item"]["dialogId"]
        before = len(transport.requests)
        page = await ok(c, "chats_messages", {"dialogId": dialog, "limit": 3})
        assert len(transport.requests) - before == 1  # the authors' names come with the page
        none = await ok(c, "chats_find", {"record": "DEAL|99999"})
    assert found["item"]["entityId"] == "DEAL|12" and "ownerName" in found["item"]
    assert none["item"] == {} and "chats_create" in none["summary"] and "DEAL|99999" in none["summary"]
    authors = {m["author"] for m in page["items"]}
    assert authors and all(" " in a and not a.startswith("user ") for a in authors)  # first and last names
    assert page["returned"] == 3 and page["has_more"] and page["next_cursor"]
    ids = [m["id"] for m in page["items"]]
    assert ids == sorted(ids, reverse=True)


async def test_page_back_by_cursor_then_catch_up_after_the_last_id(built: Assembled, portal: Portal) -> None:
    async with Client(built.server) as c:
        seen: list[int] = []
        args: dict[str, Any] = {"dialogId": "chat1", "limit": 4}
        while True:
            page = await ok(c, "chats_messages", args)
            seen += [m["id"] for m in page["items"]]
            if not page["has_more"]:
                break
            args = {"dialogId": "chat1", "limit": 4, "cursor": page["next_cursor"]}
        own = sorted((r["id"] for r in portal.store.table("chat-messages").scan() if r["chatId"] == 1), reverse=True)
        assert seen == own  # every message once, newest to oldest
        posted = await ok(c, "chats_send", {"dialogId": "chat1", "message": "Новая заявка с сайта — кто возьмёт?"})
        new = await ok(c, "chats_messages", {"dialogId": "chat1", "after_id": own[0]})
        foreign = await c.call_tool("chats_messages", {"dialogId": "chat2", "cursor": page["next_cursor"] or "x.y"})
    assert [m["id"] for m in new["items"]] == [posted["item"]["id"]] and not new["has_more"]
    assert new["items"][0]["author"] == "Анна Смирнова" and "after_id=" in new["summary"]
    assert foreign.is_error and foreign.structured_content is not None
    assert foreign.structured_content["error"]["code"] == "INVALID_CURSOR"


async def test_several_dialogs_in_one_call_share_the_budget(tmp_path: Path, portal: Portal) -> None:
    settings = Settings(toolsets=("chats",), max_result_tokens=1500, audit_log=str(tmp_path / "a.jsonl"))
    transport = CountingTransport(EmulatorTransport(portal))
    async with assemble(settings, transport=transport) as b, Client(b.server) as c:
        dialogs = [{"dialogId": f"chat{n}", "limit": 50} for n in (1, 2, 3, 4)] + [{"dialogId": "chat999"}]
        first = await ok(c, "chats_history", {"dialogs": dialogs})
        assert [r.url.path for r in transport.requests].count("/v1/chats/messages/bulk") == 1
        shown = {d["dialogId"]: d for d in first["dialogs"]}
        assert "DIALOG_NOT_FOUND" in shown["chat999"]["error"]
        # Round-robin: every dialog got its newest messages before any got many.
        counts = [len(shown[f"chat{n}"]["messages"]) for n in (1, 2, 3, 4)]
        assert min(counts) >= 1 and max(counts) - min(counts) <= 1
        cut = shown["chat1"]
        assert cut["has_more"] and cut["next_cursor"]
        rest = await ok(c, "chats_history", {"dialogs": [{"dialogId": "chat1", "cursor": cut["next_cursor"]}]})
        more = await ok(c, "chats_messages", {"dialogId": "chat1", "cursor": cut["next_cursor"], "limit": 200})
    first_ids = [m["id"] for m in cut["messages"]]
    assert rest["dialogs"][0]["messages"][0]["id"] < first_ids[-1]  # continues right after the last one shown
    assert [m["id"] for m in more["items"]][: len(rest["dialogs"][0]["messages"])] == [
        m["id"] for m in rest["dialogs"][0]["messages"]
    ]


async def test_post_edit_and_attach_with_a_link_not_bytes(built: Assembled, portal: Portal, tmp_path: Path) -> None:
    async with Client(built.server) as c:
        sent = await ok(c, "chats_send", {"dialogId": "chat7", "message": "Счёт выставлен. Номер: СЧ-2026-0458"})
        mid = sent["item"]["id"]
        dry = await ok(
            c, "chats_edit_message", {"dialogId": "chat7", "messageId": mid, "message": "Счёт оплачен", "dry_run": True}
        )
        assert dry["dry_run"] is True and portal.store.table("chat-messages").peek(mid)["text"].startswith(
            "Счёт выставлен"
        )
        await ok(c, "chats_edit_message", {"dialogId": "chat7", "messageId": mid, "message": "Счёт оплачен"})
        attached = await c.call_tool(
            "chats_attach", {"dialogId": "chat7", "filename": "счёт.pdf", "content": "JVBERi0xLjQK", "message": "Счёт"}
        )
        other = await c.call_tool("chats_edit_message", {"dialogId": "chat7", "messageId": 1, "message": "x"})
    assert portal.store.table("chat-messages").peek(mid)["text"] == "Счёт оплачен"
    assert not attached.is_error and attached.structured_content is not None
    links = [b for b in attached.content if isinstance(b, types.ResourceLink)]
    assert len(links) == 1 and links[0].name == "счёт.pdf" and links[0].mime_type == "application/pdf"
    assert "JVBERi0" not in str(attached.structured_content)  # the bytes are not echoed back
    assert other.is_error  # message 1 is not in chat7 (or not the user's own)
    results = [(e["result"], e["confirmation"]) for e in audit(tmp_path, "chats_send")]
    assert results == [("done", "not_required")]


@pytest.mark.parametrize("mode", MODES)
async def test_deleting_a_message_is_asked_and_the_human_sees_it(
    built: Assembled, portal: Portal, tmp_path: Path, mode: str
) -> None:
    asked: list[str] = []
    async with Client(built.server, mode=mode, elicitation_callback=human("accept", asked)) as c:
        sent = await ok(c, "chats_send", {"dialogId": "chat7", "message": "Ошибочное сообщение"})
        mid = sent["item"]["id"]
        dry = await ok(c, "chats_delete_message", {"dialogId": "chat7", "messageId": mid, "dry_run": True})
        assert not asked and dry["dry_run"] is True and portal.store.table("chat-messages").peek(mid) is not None
        gone = await ok(c, "chats_delete_message", {"dialogId": "chat7", "messageId": mid})
    assert gone["id"] == mid and portal.store.table("chat-messages").peek(mid) is None
    assert len(asked) == 1 and "Ошибочное сообщение" in asked[0] and "DELETE" in asked[0]
    results = [(e["result"], e["confirmation"]) for e in audit(tmp_path, "chats_delete_message")]
    assert results == [("dry_run", "not_asked"), ("done", "confirmed")]


@pytest.mark.parametrize("mode", MODES)
async def test_a_declined_removal_and_leave_change_nothing(
    built: Assembled, portal: Portal, tmp_path: Path, mode: str
) -> None:
    asked: list[str] = []
    members = list(portal.store.table("chats").peek(1)["users"])
    async with Client(built.server, mode=mode, elicitation_callback=human("decline", asked)) as c:
        removed = await c.call_tool("chats_remove_member", {"dialogId": "chat1", "userId": members[-1]})
        left = await c.call_tool("chats_leave", {"dialogId": "chat1"})
    assert removed.is_error and left.is_error and removed.structured_content is not None
    assert removed.structured_content["error"]["code"] == "CONFIRMATION_DECLINED"
    assert portal.store.table("chats").peek(1)["users"] == members and len(asked) == 2
    assert "Отдел продаж" in asked[1] and "stop receiving" in asked[1]
    assert [e["result"] for e in audit(tmp_path, "chats_leave")] == ["refused"]


@pytest.mark.parametrize("mode", MODES)
async def test_members_are_added_and_removed_with_consent(
    built: Assembled, portal: Portal, tmp_path: Path, mode: str
) -> None:
    asked: list[str] = []
    async with Client(built.server, mode=mode, elicitation_callback=human("accept", asked)) as c:
        added = await ok(c, "chats_add_members", {"dialogId": "chat7", "users": [25, 1]})
        listed = await ok(c, "chats_members", {"dialogId": "chat7"})
        await ok(c, "chats_remove_member", {"dialogId": "chat7", "userId": 25})
        private = await c.call_tool("chats_leave", {"dialogId": "3"})
    assert added["item"]["added"] == [25] and "Already members: 1" in added["summary"] and not asked[:-1]
    assert "Ирина Киселёва" in [m["name"] for m in listed["items"]]
    assert 25 not in portal.store.table("chats").peek(7)["users"] and len(asked) == 1 and "Ирина" in asked[0]
    assert private.is_error and private.structured_content is not None
    assert "group chats" in private.structured_content["error"]["message"]


async def test_a_send_whose_answer_is_lost_is_not_repeated(
    built: Assembled, transport: Lossy, portal: Portal, tmp_path: Path
) -> None:
    before = len(portal.store.table("chat-messages"))
    async with Client(built.server) as c:
        transport.lose = True
        lost = await c.call_tool("chats_send", {"dialogId": "chat7", "message": "Документы отправлены клиенту."})
    assert lost.is_error and lost.structured_content is not None
    error = lost.structured_content["error"]
    assert error["code"] == "OUTCOME_UNKNOWN" and "chats_messages dialogId=chat7" in error["hint"]
    posts = [r for r in transport.requests if r.method == "POST" and r.url.path == "/v1/chats/chat7/messages"]
    assert len(posts) == 1 and len(portal.store.table("chat-messages")) == before + 1  # sent once, arrived once
    assert [e["result"] for e in audit(tmp_path, "chats_send")] == ["outcome_unknown"]


async def test_recent_dialogs_name_the_last_sender_and_count_unread(built: Assembled) -> None:
    async with Client(built.server) as c:
        recent = await ok(c, "chats_recent", {"limit": 50})
        search = await ok(c, "chats_recent", {"search": "продаж"})
        card = await ok(c, "chats_dialog", {"dialogId": recent["items"][0]["dialogId"]})
        file = await c.call_tool("chats_file", {"fileId": 1})
    assert recent["items"] and all(i.get("sender") for i in recent["items"] if i.get("senderId"))
    assert any(i["unread"] for i in recent["items"]) and any(i["type"] == "private" for i in recent["items"])
    assert [i["title"] for i in search["items"]] == ["Отдел продаж"]
    assert card["item"]["id"] and card["item"]["messages"] >= 1
    assert any(isinstance(b, types.ResourceLink) for b in file.content)


async def test_marking_a_dialog_read_says_how_many_were_unread_and_a_repeat_writes_nothing(
    built: Assembled, transport: Lossy, tmp_path: Path
) -> None:
    async with Client(built.server) as c:
        tool = next(t for t in (await c.list_tools()).tools if t.name == "chats_mark_read")
        recent = await ok(c, "chats_recent", {"limit": 50})
        dialog, unread = next((i["dialogId"], i["unread"]) for i in recent["items"] if i["unread"])
        marked = await ok(c, "chats_mark_read", {"dialogId": dialog})
        card = await ok(c, "chats_dialog", {"dialogId": dialog})
        before = len(transport.requests)
        again = await ok(c, "chats_mark_read", {"dialogId": dialog})
        posts = [r for r in transport.requests[before:] if r.method == "POST"]
        missing = await c.call_tool("chats_mark_read", {"dialogId": "chat99999"})
    assert tool.annotations is not None and tool.annotations.idempotent_hint is True
    assert tool.annotations.destructive_hint is False and tool.annotations.read_only_hint is False
    assert marked["item"]["unreadBefore"] == unread and f"{unread} unread before" in marked["summary"]
    assert card["item"]["unread"] == 0
    assert again["item"]["unread"] == 0 and "Nothing to mark" in again["summary"] and posts == []
    assert missing.is_error
    results = [(e["result"], e["confirmation"]) for e in audit(tmp_path, "chats_mark_read")]
    assert results == [("done", "not_required"), ("skipped", "not_required")]


async def test_a_chats_files_are_one_call_away_and_its_folder_id_works_in_the_drive(
    portal: Portal, tmp_path: Path
) -> None:
    transport = Lossy(portal)
    settings = Settings(toolsets=("chats", "drive"), audit_log=str(tmp_path / "audit.jsonl"))
    async with assemble(settings, transport=transport) as b, Client(b.server) as c:
        attached = await ok(c, "chats_attach", {"dialogId": "chat7", "filename": "акт.pdf", "content": "JVBERi0xLjQK"})
        before = len(transport.requests)
        res = await c.call_tool("chats_files", {"dialogId": "chat7", "limit": 1})
        calls = len(transport.requests) - before
        assert not res.is_error and res.structured_content is not None
        listed = res.structured_content
        drive = await ok(c, "files_list", {"filter": {"folderId": listed["item"]["folderId"]}})
    assert calls == 2  # the folder, then its files through the drive
    assert [f["id"] for f in listed["files"]] == [attached["item"]["id"]]  # newest first
    assert listed["total"] >= 2 and "files_list" in listed["summary"]
    links = [b for b in res.content if isinstance(b, types.ResourceLink)]
    assert [link.name for link in links] == ["акт.pdf"]
    chat = portal.store.table("chats").peek(7)
    assert listed["item"]["folderId"] == chat["folderId"]
    stored = sorted(f["id"] for f in portal.store.table("files").scan() if f.get("folderId") == chat["folderId"])
    assert sorted(f["id"] for f in drive["items"]) == stored and attached["item"]["id"] in stored
    assert len(stored) == listed["total"]


async def test_read_only_mode_hides_marking_read_but_keeps_the_folder_read(portal: Portal, tmp_path: Path) -> None:
    settings = Settings(toolsets=("chats",), write_mode="read-only", audit_log=str(tmp_path / "audit.jsonl"))
    async with assemble(settings, transport=Lossy(portal)) as b, Client(b.server) as c:
        names = {t.name for t in (await c.list_tools()).tools}
    assert "chats_files" in names and "chats_mark_read" not in names and "chats_send" not in names
