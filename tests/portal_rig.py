"""The real tools over the demo portal, with a transport that records what reaches the portal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from server.catalog import load_catalog
from server.client import VibeCodeClient
from server.context import CallContext, Decision
from server.cursor import CursorCodec
from server.dispatch import Dispatcher
from server.emulator import DEMO_API_KEY, EmulatorTransport, Portal
from server.operations import Operations
from server.tools import build_tools

CATALOG = load_catalog()


class Recording(httpx.AsyncBaseTransport):
    """Passes requests to the demo portal and remembers (method, path) of each."""

    def __init__(self, portal: Portal) -> None:
        self.inner = EmulatorTransport(portal)
        self.seen: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.method, request.url.path))
        return await self.inner.handle_async_request(request)


@dataclass
class Rig:
    portal: Portal
    transport: Recording
    dispatcher: Dispatcher
    audit: list[dict[str, object]] = field(default_factory=list)

    @property
    def seen(self) -> list[tuple[str, str]]:
        return self.transport.seen


def rig(portal: Portal | None = None, entities: Sequence[str] = (), *, read_only: bool = False) -> Rig:
    portal = portal or Portal(seed=42, scale=1.0)
    transport = Recording(portal)
    ops = Operations(VibeCodeClient(DEMO_API_KEY, transport=transport), CursorCodec(b"s"), 6000)
    chosen = CATALOG.select([] if entities else ["all"], list(entities))
    tools = build_tools(CATALOG, chosen, ops)  # every tool; the dispatcher lists and refuses by policy
    audit: list[dict[str, object]] = []
    return Rig(portal, transport, Dispatcher(tools, read_only=read_only, audit=audit.append), audit)


def consenting(asked: list[str] | None = None) -> CallContext:
    """A call whose human says yes to every confirmation question, noting each in `asked` when given."""

    async def accept(question: str, digest: str) -> Decision:
        if asked is not None:
            asked.append(question)
        return "accept"

    return CallContext(confirm=accept)
