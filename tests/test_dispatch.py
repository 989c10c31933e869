"""The dispatch: operation kinds pick handlers, specs give method and path, read-only refuses writes."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import httpx
import pytest

from server.catalog import load_catalog
from server.client import VibeCodeClient
from server.context import CallContext
from server.cursor import CursorCodec
from server.dispatch import Dispatcher, UnknownTool
from server.emulator import DEMO_API_KEY, EmulatorTransport, Portal
from server.errors import ConfigError, ReadOnlyRefusal, VibeCodeError
from server.operations import Operations, Output
from server.registry import HANDLERS, Target, handles
from server.safety import WritePolicy
from server.tools import ToolDef, build_tools

pytestmark = pytest.mark.anyio
CATALOG = load_catalog()


class Recording(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = EmulatorTransport(Portal(seed=1, scale=0.2))
        self.seen: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.method, request.url.path))
        return await self.inner.handle_async_request(request)


def ops_for(transport: httpx.AsyncBaseTransport | None = None) -> Operations:
    return Operations(VibeCodeClient(DEMO_API_KEY, transport=transport), CursorCodec(b"s"), 6000)


def test_an_operation_kind_without_a_handler_fails_at_start() -> None:
    ops = dict(CATALOG.operations)
    ops["get"] = replace(ops["get"], handler="teleport")
    with pytest.raises(ConfigError, match="handler 'teleport', which no module registers"):
        build_tools(replace(CATALOG, operations=ops), CATALOG.select([], ["deals"]), ops_for())


def test_an_operation_spec_without_a_handler_fails_at_load() -> None:
    from server.catalog import _operation

    raw = {"method": "GET", "path": "/v1/x", "annotations": {}, "description": "d"}
    with pytest.raises(ConfigError, match="names no handler"):
        _operation("x", {**raw, "arguments": [], "required": []})


def test_each_handler_kind_is_registered_once() -> None:
    with pytest.raises(ValueError, match="already has a handler"):
        handles("page")(HANDLERS["get"])


async def test_method_and_path_come_from_the_operation_spec() -> None:
    transport = Recording()
    tools = build_tools(CATALOG, CATALOG.select([], ["deals"]), ops_for(transport))
    dispatcher = Dispatcher(tools)
    await dispatcher.call("deals_list", {"limit": 1})
    await dispatcher.call("deals_search", {"limit": 1})
    await dispatcher.call("deals_get", {"id": 3})
    await dispatcher.call("deals_fields", {})
    await dispatcher.call("me", {})
    # Names for a page's ids come from one /v1/batch per page; these are the operations' own calls.
    assert [call for call in transport.seen if call[1] != "/v1/batch"] == [
        ("GET", "/v1/deals"),
        ("POST", "/v1/deals/search"),
        ("GET", "/v1/deals/3"),
        ("GET", "/v1/deals/fields"),
        ("GET", "/v1/me"),
    ]
    # A changed spec changes the request: nothing about the route is hard-coded in the handler.
    spec = replace(CATALOG.operations["get"], path="/v1/{entity}/{id}/")
    moved = Dispatcher(
        build_tools(replace(CATALOG, operations={"get": spec}), CATALOG.select([], ["deals"]), ops_for(transport))
    )
    with contextlib.suppress(VibeCodeError):  # only the path matters here, not the portal's answer
        await moved.call("deals_get", {"id": 3})
    assert ("GET", "/v1/deals/3/") in transport.seen[-2:]  # a names lookup may follow


async def test_handlers_receive_the_call_context() -> None:
    got: list[CallContext] = []

    async def run(args: Mapping[str, Any], ctx: CallContext) -> Output:
        got.append(ctx)
        await ctx.progress(1, 2, "half")
        return Output({"summary": "ok"}, "ok")

    tool = ToolDef("probe", "Probe", "d", {"type": "object"}, {"type": "object"}, {"readOnlyHint": True}, run)
    ctx = CallContext(tool="probe", deadline=time.monotonic() + 5)
    policy = WritePolicy("safe-write", confirm_above=3)
    out = await Dispatcher({"probe": tool}, policy=policy).call("probe", {}, ctx)
    # The caller's context arrives with the dispatcher's write policy and audit sink filled in.
    assert out.text == "ok" and got == [dataclasses.replace(ctx, policy=policy, audit=got[0].audit)]
    remaining = got[0].remaining()
    assert remaining is not None and 0 < remaining <= 5
    assert await CallContext().confirm("Delete 3 deals?", "d1") == "unavailable"  # no human to ask by default
    assert CallContext().remaining() is None


async def test_read_only_refuses_a_write_before_it_runs_or_validates() -> None:
    ran: list[Mapping[str, Any]] = []

    async def run(args: Mapping[str, Any], ctx: CallContext) -> Output:
        ran.append(args)
        return Output({}, "")

    write = ToolDef("x_delete", "X", "d", {"type": "object"}, {"type": "object"}, {"readOnlyHint": False}, run)
    with pytest.raises(ReadOnlyRefusal, match="runs read-only"):
        await Dispatcher({"x_delete": write}, read_only=True).call("x_delete", {"id": 1})
    assert ran == []
    await Dispatcher({"x_delete": write}).call("x_delete", {"id": 1})
    assert ran == [{"id": 1}]


async def test_an_unknown_tool_is_not_a_tool_error() -> None:
    with pytest.raises(UnknownTool):
        await Dispatcher({}).call("nope", {})


def test_targets_fill_their_paths() -> None:
    spec = CATALOG.operations["get"]
    assert Target("deals_get", spec, CATALOG.entities["deals"]).path(id=7) == "/v1/deals/7"
    with pytest.raises(TypeError):
        _ = Target("me", CATALOG.cross_entity["me"]).ent
