"""The one point every tool call passes: look up, refuse writes in read-only mode, validate, run.

Every tool's `Output` leaves through `Dispatcher.call`, so what applies to all results (the
token budget, the audit of writes) has one place to live. No MCP here: `server.app` adapts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.context import CallContext
from server.errors import ReadOnlyRefusal
from server.operations import Output
from server.tools import ToolDef


class UnknownTool(LookupError):
    """The client named a tool this server does not list (a protocol error, not a tool error)."""


class Dispatcher:
    """Runs tools by name; `read_only` refuses every write even if a caller names a hidden tool."""

    def __init__(self, tools: Mapping[str, ToolDef], *, read_only: bool = False) -> None:
        self.tools = tools
        self.read_only = read_only

    async def call(self, name: str, arguments: Mapping[str, Any] | None, ctx: CallContext | None = None) -> Output:
        """Validate `arguments` for tool `name` and run it.

        Raises:
            UnknownTool: no such tool.
            VibeCodeError: bad arguments, a refused write or an upstream failure (a tool error).
        """
        tool = self.tools.get(name)
        if tool is None:
            raise UnknownTool(name)
        if self.read_only and tool.writes:
            raise ReadOnlyRefusal(
                f"{name} changes the portal and this server runs read-only.",
                hint="Unset VIBECODE_READ_ONLY to allow writes; reads work as usual.",
            )
        args = tool.validate(arguments)
        return await tool.run(args, ctx or CallContext(tool=name))
