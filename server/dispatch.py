"""The one point every tool call passes: look up, refuse writes the write mode forbids, validate, run.

Every tool's `Output` leaves through `Dispatcher.call`, so what applies to all results (the
token budget, the audit of writes) has one place to live. No MCP here: `server.app` adapts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from server.budget import enforce, render_generic, tool_render
from server.context import Audit, CallContext, no_audit
from server.deadline import call_deadline
from server.metadata import MetadataStore
from server.operations import Output
from server.safety import WritePolicy, write_kind
from server.tools import ToolDef

DEFAULT_BUDGET = 6000


class UnknownTool(LookupError):
    """The client named a tool this server does not list (a protocol error, not a tool error)."""


class Dispatcher:
    """Runs tools by name under the write policy (which refuses writes even if a caller names a hidden tool).

    `read_only=True` is the same as `policy=WritePolicy("read-only")`; `audit` receives every write attempt;
    `metadata` is refreshed when stale before arguments are checked against it.
    """

    def __init__(
        self,
        tools: Mapping[str, ToolDef],
        *,
        read_only: bool = False,
        policy: WritePolicy | None = None,
        audit: Audit = no_audit,
        metadata: MetadataStore | None = None,
        budget: int = DEFAULT_BUDGET,
    ) -> None:
        self.tools = tools
        self.budget = budget  # tokens per result, text and structured content together
        self.metadata = metadata  # validation follows its refreshes
        self.policy = WritePolicy("read-only") if read_only else policy or WritePolicy()
        self.audit = audit

    @property
    def listed(self) -> dict[str, ToolDef]:
        """The tools offered in tools/list: those the write tier allows (the rest stay refusable by name)."""
        return {
            n: t for n, t in self.tools.items() if self.policy.lists(t.target.spec.name if t.target else n, t.writes)
        }

    async def call(self, name: str, arguments: Mapping[str, Any] | None, ctx: CallContext | None = None) -> Output:
        """Validate `arguments` for tool `name` and run it.

        Raises:
            UnknownTool: no such tool.
            VibeCodeError: bad arguments, a refused write or an upstream failure (a tool error).
        """
        tool = self.tools.get(name)
        if tool is None:
            raise UnknownTool(name)
        op = tool.target.spec.name if tool.target is not None else name
        if tool.writes:
            self.policy.check(name, write_kind(op, arguments or {}) or "update")  # any write, before validation
        if self.metadata is not None:
            await self.metadata.refresh_if_stale()  # validation follows the portal's current metadata
        args = tool.validate(arguments)
        if tool.writes:
            self.policy.check(name, write_kind(op, args))  # the validated action (batch delete in safe-write)
        ctx = dataclasses.replace(ctx or CallContext(tool=name), policy=self.policy, audit=self.audit)
        with call_deadline(at=ctx.deadline):  # every upstream request of this call sees it
            out = await tool.run(args, ctx)
            # One budget for every tool, text and structured content together.
            allowed = tool.output_schema.get("properties", {})
            render = tool_render(out.render) if out.render is not None else render_generic
            structured, text = enforce(
                out.structured, out.text, self.budget, allowed_keys=allowed, tokens=out.tokens, render=render
            )
            return out if structured is out.structured else dataclasses.replace(out, structured=structured, text=text)
