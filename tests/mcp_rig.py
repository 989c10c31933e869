"""The assembled server over the demo portal, for tests that go through the MCP client: a transport that
counts what reaches the portal, the server with writes allowed and the audit log in a temporary folder, and
a tool call that must succeed, and a human answering the server's confirmation requests."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import mcp.types as types
from mcp import Client

from server.__main__ import Assembled, assemble
from server.emulator import EmulatorTransport, Portal
from server.settings import Settings


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts what reaches the demo portal, so tests can prove bad input never goes upstream."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    def bodies(self, path: str) -> list[dict[str, Any]]:
        """The JSON bodies of the requests sent to `path`, in order."""
        return [json.loads(r.content) for r in self.requests if r.url.path == path and r.content]


def small_portal(clock: Callable[[], float] = time.time) -> CountingTransport:
    """A fresh small demo portal (seed 7, scale 0.3) behind a counting transport."""
    return CountingTransport(EmulatorTransport(Portal(seed=7, scale=0.3, clock=clock)))


@asynccontextmanager
async def writable(
    toolsets: tuple[str, ...], transport: httpx.AsyncBaseTransport, tmp_path: Path
) -> AsyncIterator[Assembled]:
    """The server with `toolsets`, writes without confirmation (the write mechanics on their own; the
    confirmation is tested in test_safety.py) and its audit log under `tmp_path`."""
    audit = str(tmp_path / "audit.jsonl")
    settings = Settings(toolsets=toolsets, allow_unconfirmed_writes=True, audit_log=audit)
    async with assemble(settings, transport=transport) as built:
        yield built


async def ok(client: Client, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """A tool call that must succeed; its structured result."""
    res = await client.call_tool(name, args)
    assert not res.is_error, res.content
    assert res.structured_content is not None
    return res.structured_content


def human(action: str, asked: list[str]) -> Any:
    """An elicitation callback that records each question and answers `action` (accept confirms)."""

    async def answer(ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        content = {"confirm": True} if action == "accept" else None
        return types.ElicitResult(action=action, content=content)  # type: ignore[arg-type]

    return answer
