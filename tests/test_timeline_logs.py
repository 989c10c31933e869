"""Timeline log records as tools (crm_extra): `timeline_logs_create/list/get`, and their pins, bindings and
note through `timeline_logs_bindings` / `timeline_logs_act` (the same handlers as timeline comments)."""

from __future__ import annotations

import httpx
import pytest
from portal_rig import CATALOG, consenting, rig

from server.client import VibeCodeClient
from server.cursor import CursorCodec
from server.dispatch import Dispatcher
from server.emulator import DEMO_API_KEY, EmulatorTransport, Portal
from server.errors import InvalidArguments, NotFound, OutcomeUnknown
from server.operations import Operations
from server.tools import build_tools

pytestmark = pytest.mark.anyio
LOG = {"entityTypeId": 2, "entityId": 12, "title": "AI-агент обработал заявку", "text": "Рекомендация: Enterprise."}


def test_tools_in_crm_extra_none_in_the_default_set() -> None:
    tools = rig().dispatcher.tools
    assert {"timeline_logs_create", "timeline_logs_list", "timeline_logs_get", "timeline_logs_bindings",
            "timeline_logs_act"} <= set(tools)  # fmt: skip
    assert "timeline_logs_delete" not in tools  # this client's personal key may never delete a log record
    assert "timeline-logs" in CATALOG.toolsets["crm_extra"]
    assert "timeline-logs" not in CATALOG.toolsets["default"]
    listing = tools["timeline_logs_list"].input_schema["properties"]["filter"]
    assert listing["required"] == ["entityTypeId", "entityId"]


async def test_log_an_action_then_read_pin_and_note_it() -> None:
    """The assistant's task "log what you did on deal 12, pin it, note the follow-up for the manager"."""
    r = rig(Portal(seed=42, scale=0.2), entities=["timeline-logs"])
    made = await r.dispatcher.call("timeline_logs_create", {"fields": LOG})
    record = int(made.structured["item"]["id"])
    assert r.portal.store.table("timeline-logs").peek(record)["entityType"] == "deal"
    listed = await r.dispatcher.call("timeline_logs_list", {"filter": {"entityTypeId": 2, "entityId": 12}})
    assert record in [i["id"] for i in listed.structured["items"]]
    got = await r.dispatcher.call("timeline_logs_get", {"id": record})
    assert got.structured["item"]["title"] == LOG["title"]
    await r.dispatcher.call("timeline_logs_act", {"id": record, "change": "pin"})  # on its own deal
    assert r.portal.store.table("timeline-marks").peek(record)["pinned"] is True
    assert ("POST", f"/v1/timeline-logs/{record}/pin") in r.transport.seen
    await r.dispatcher.call(
        "timeline_logs_act", {"id": record, "change": "bind", "entityType": "contact", "entityId": 3}
    )
    out = await r.dispatcher.call("timeline_logs_act", {"id": record, "change": "note", "text": "Перезвонить"})
    assert out.structured["note"] == "Перезвонить"
    assert [b["entityType"] for b in out.structured["bindings"]] == ["deal", "contact"]
    assert out.structured["summary"].startswith("Done: note (timeline log record #")
    read = await r.dispatcher.call("timeline_logs_bindings", {"id": record})
    assert read.structured["summary"].startswith(f"Timeline log record #{record} shows on deal #12, contact #3")
    assert [(a["action"], a["result"]) for a in r.audit] == [("create", "done")] + [("update", "done")] * 3


async def test_seeded_records_and_bad_input() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["timeline-logs"])
    first = r.portal.store.table("timeline-logs").scan()[0]
    listed = await r.dispatcher.call(
        "timeline_logs_list", {"filter": {"entityTypeId": 2, "entityId": first["entityId"]}}
    )
    assert first["title"] in [i["title"] for i in listed.structured["items"]]
    with pytest.raises(NotFound):
        await r.dispatcher.call("timeline_logs_get", {"id": 99999})
    with pytest.raises(InvalidArguments):
        await r.dispatcher.call("timeline_logs_list", {"filter": {"entityId": 12}})
    with pytest.raises(InvalidArguments):
        await r.dispatcher.call("timeline_logs_create", {"fields": {**LOG, "title": None}})
    delete = await r.dispatcher.call("timeline_logs_act", {"id": first["id"], "change": "delete_note"}, consenting())
    assert delete.structured["summary"].startswith("Nothing written")


class Lossy(httpx.AsyncBaseTransport):
    """The portal runs a POST /v1/timeline-logs, but its answer is lost."""

    def __init__(self, portal: Portal) -> None:
        self.inner, self.posts = EmulatorTransport(portal), 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path == "/v1/timeline-logs":
            self.posts += 1
            raise httpx.ReadTimeout("no answer", request=request)
        return response


async def test_a_create_whose_answer_is_lost_is_reported_unknown_and_not_repeated() -> None:
    portal = Portal(seed=42, scale=0.2)
    transport = Lossy(portal)
    ops = Operations(VibeCodeClient(DEMO_API_KEY, transport=transport), CursorCodec(b"s"), 6000)
    dispatcher = Dispatcher(build_tools(CATALOG, CATALOG.select([], ["timeline-logs"]), ops))
    before = len(portal.store.table("timeline-logs"))
    with pytest.raises(OutcomeUnknown):
        await dispatcher.call("timeline_logs_create", {"fields": LOG})
    assert transport.posts == 1  # sent once, never retried
    assert len(portal.store.table("timeline-logs")) == before + 1  # it did land
