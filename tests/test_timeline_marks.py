"""Timeline comment marks as tools: `timelines_bindings` reads a comment's records and note,
`timelines_act` pins, binds, unbinds and notes it through the write guard (plan, dry run,
confirmation, audit)."""

from __future__ import annotations

import pytest
from portal_rig import CATALOG, consenting, rig

from server.client import VibeCodeClient
from server.cursor import CursorCodec
from server.dispatch import Dispatcher
from server.emulator import DEMO_API_KEY, EmulatorTransport, Portal
from server.errors import InvalidArguments, NotConfirmed, NotFound, WriteRefused
from server.operations import Operations
from server.safety import WritePolicy
from server.tools import build_tools

pytestmark = pytest.mark.anyio


async def _comment(r: object, entity_type: str = "deal", entity_id: int = 12) -> int:
    out = await r.dispatcher.call(  # type: ignore[attr-defined]
        "timelines_create", {"fields": {"entityType": entity_type, "entityId": entity_id, "comment": "Позвонить"}}
    )
    return int(out.structured["item"]["id"])


def test_two_tools_in_crm_extra_none_in_the_default_set() -> None:
    tools = rig().dispatcher.tools
    assert tools["timelines_bindings"].annotations["readOnlyHint"] is True
    assert tools["timelines_act"].annotations["destructiveHint"] is True
    assert "timelines" in CATALOG.toolsets["crm_extra"]
    assert "timelines" not in CATALOG.toolsets["default"]


async def test_pin_bind_and_note_a_comment_then_read_them() -> None:
    """The assistant's task "pin the comment, show it on contact 3 too, note the follow-up"."""
    r = rig(Portal(seed=42, scale=0.2), entities=["timelines"])
    comment = await _comment(r)
    read = await r.dispatcher.call("timelines_bindings", {"id": comment})
    assert read.structured["bindings"] == [{"entityTypeId": 2, "entityType": "deal", "entityId": 12}]
    assert read.structured["note"] is None
    await r.dispatcher.call("timelines_act", {"id": comment, "change": "pin"})
    assert r.portal.store.table("timeline-marks").peek(comment)["pinned"] is True  # on the comment's own deal
    assert ("POST", f"/v1/timelines/{comment}/pin") in r.transport.seen
    await r.dispatcher.call("timelines_act", {"id": comment, "change": "bind", "entityType": "contact", "entityId": 3})
    out = await r.dispatcher.call("timelines_act", {"id": comment, "change": "note", "text": "Перезвонить в пятницу"})
    assert out.structured["note"] == "Перезвонить в пятницу"
    assert [b["entityType"] for b in out.structured["bindings"]] == ["deal", "contact"]
    assert "contact #3" in out.structured["summary"]
    assert [(a["action"], a["result"], a["confirmation"]) for a in r.audit][1:] == [
        ("update", "done", "not_required")
    ] * 3


async def test_unbind_and_delete_note_ask_a_human_first() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["timelines"])
    comment = await _comment(r, "DYNAMIC_1032", 1)
    await r.dispatcher.call("timelines_act", {"id": comment, "change": "bind", "entityType": "deal", "entityId": 12})
    await r.dispatcher.call("timelines_act", {"id": comment, "change": "note", "text": "Договор на подписи"})
    unbind = {"id": comment, "change": "unbind", "entityType": "dynamic_1032", "entityId": 1}
    with pytest.raises(NotConfirmed):  # this client cannot ask
        await r.dispatcher.call("timelines_act", unbind)
    assert len((await r.dispatcher.call("timelines_bindings", {"id": comment})).structured["bindings"]) == 2
    asked: list[str] = []
    out = await r.dispatcher.call("timelines_act", unbind, consenting(asked))
    assert out.structured["bindings"] == [{"entityTypeId": 2, "entityType": "deal", "entityId": 12}]
    assert "DELETE 1 timeline comment" in asked[0]
    gone = await r.dispatcher.call("timelines_act", {"id": comment, "change": "delete_note"}, consenting())
    assert gone.structured["note"] is None
    assert [(a["action"], a["result"]) for a in r.audit][-3:] == [("delete", "refused"), ("delete", "done"),
                                                                   ("delete", "done")]  # fmt: skip


async def test_dry_run_writes_nothing_and_expect_holds_the_plan() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["timelines"])
    comment = await _comment(r)
    args = {"id": comment, "change": "note", "text": "Скидка 10%"}
    dry = await r.dispatcher.call("timelines_act", {**args, "dry_run": True})
    assert dry.structured["plan"]["items"][0]["changes"]["note"] == {"from": None, "to": "Скидка 10%"}
    assert (await r.dispatcher.call("timelines_bindings", {"id": comment})).structured["note"] is None
    expect = dry.structured["plan"]["fingerprints"]
    await r.dispatcher.call("timelines_act", {**args, "text": "Скидка 5%"})  # someone else's note meanwhile
    stale = await r.dispatcher.call("timelines_act", {**args, "expect": expect})
    assert stale.structured["summary"].startswith("Nothing written: changed since the dry run")
    assert stale.structured["note"] == "Скидка 5%"
    same = await r.dispatcher.call("timelines_act", {**args, "text": "Скидка 5%"})
    assert same.structured["summary"].startswith("Nothing written")


async def test_bad_arguments_are_named_before_anything_is_sent() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["timelines"])
    comment = await _comment(r)
    sent = len(r.transport.seen)
    with pytest.raises(InvalidArguments, match="needs entityType and entityId"):
        await r.dispatcher.call("timelines_act", {"id": comment, "change": "bind"})
    with pytest.raises(InvalidArguments, match="not a CRM type"):
        await r.dispatcher.call("timelines_act", {"id": comment, "change": "bind", "entityType": "x", "entityId": 1})
    with pytest.raises(InvalidArguments, match="needs text"):
        await r.dispatcher.call("timelines_act", {"id": comment, "change": "note"})
    with pytest.raises(InvalidArguments, match="needs text"):
        await r.dispatcher.call("timelines_act", {"id": comment, "change": "pin", "text": "x"})
    assert len(r.transport.seen) == sent
    with pytest.raises(NotFound):
        await r.dispatcher.call("timelines_bindings", {"id": 99999999})
    with pytest.raises(NotFound):
        await r.dispatcher.call("timelines_act", {"id": 99999999, "change": "delete_note"})


async def test_safe_write_refuses_unbind_but_allows_a_pin() -> None:
    portal = Portal(seed=42, scale=0.2)
    ops = Operations(VibeCodeClient(DEMO_API_KEY, transport=EmulatorTransport(portal)), CursorCodec(b"s"), 6000)
    safe = Dispatcher(build_tools(CATALOG, CATALOG.select([], ["timelines"]), ops), policy=WritePolicy("safe-write"))
    made = await safe.call("timelines_create", {"fields": {"entityType": "deal", "entityId": 12, "comment": "x"}})
    comment = made.structured["item"]["id"]
    with pytest.raises(WriteRefused) as refused:
        await safe.call("timelines_act", {"id": comment, "change": "unbind", "entityType": "deal", "entityId": 12})
    assert refused.value.code == "WRITE_MODE"
    out = await safe.call("timelines_act", {"id": comment, "change": "pin"})
    assert out.structured["summary"].startswith("Done: pin")
