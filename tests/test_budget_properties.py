"""Property tests: for generated wide, deep, unicode-heavy records and field metadata, served by a mock
portal, no tool result exceeds its budget (text and structured content together), and paging over
pages cut by the budget loses and repeats nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import anyio
import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp.types import TextContent

from server.__main__ import assemble
from server.app import error_result
from server.budget import result_tokens
from server.errors import VibeCodeError
from server.settings import Settings

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),  # Cyrillic, CJK, emoji, controls
    max_size=600,
)
SCALAR = st.one_of(TEXT, st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False), st.none())
DEEP: st.SearchStrategy[Any] = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(min_size=1, max_size=12), inner, max_size=6),
    max_leaves=40,
)


@st.composite
def portals(draw: st.DrawFn) -> dict[str, Any]:
    """A deals table with many user fields and their metadata, and a big /v1/me."""
    n_uf = draw(st.integers(0, 400))
    uf_names = [f"UF_CRM_{i}" for i in range(n_uf)]
    n_records = draw(st.integers(1, 30))
    records = []
    for i in range(1, n_records + 1):
        rec: dict[str, Any] = {
            "id": i,
            "title": draw(TEXT),
            "stageId": draw(st.sampled_from(["NEW", "WON", "LOSE", "ПРОЧЕЕ"])),
            "amount": draw(st.floats(0, 1e9)),
            "currency": draw(st.sampled_from(["RUB", "USD", "EUR"])),
            "assignedById": draw(st.integers(1, 5)),
            "comments": draw(TEXT),
        }
        for name in draw(st.lists(st.sampled_from(uf_names), unique=True, max_size=n_uf)) if uf_names else []:
            rec[name] = draw(DEEP)
        if draw(st.booleans()):
            rec = {k.upper(): v for k, v in rec.items()}  # tasks and users may answer in UPPER_CASE
        records.append(rec)
    items = draw(st.lists(st.tuples(st.text(min_size=1, max_size=8), TEXT), max_size=40))
    fields = {
        "id": {"type": "integer", "isReadOnly": True, "title": "ID"},
        "title": {"type": "string", "title": draw(TEXT)},
        "stageId": {"type": "crm_status", "items": [{"ID": k, "VALUE": v} for k, v in items]},
        **{
            name: {"type": "enumeration", "title": draw(TEXT), "items": [{"ID": k, "VALUE": v} for k, v in items]}
            for name in uf_names
        },
    }
    me = {"portal": draw(TEXT), "owner": {"name": draw(TEXT)}, "scopes": draw(st.lists(TEXT, max_size=50))}
    return {"records": records, "fields": fields, "me": me}


def mock_portal(data: Mapping[str, Any]) -> httpx.MockTransport:
    """Answers list/search (keyset by id), get, fields, /v1/me and /v1/batch from generated data."""
    records: list[dict[str, Any]] = data["records"]

    def rid(rec: Mapping[str, Any]) -> int:
        return int(rec.get("id", rec.get("ID", 0)))

    def page(flt: Any, limit: int, offset: int) -> httpx.Response:
        after = 0
        if isinstance(flt, Mapping) and isinstance(flt.get("id"), Mapping):
            after = int(flt["id"].get("$gt", 0))
        rest = [r for r in records if rid(r) > after]
        chunk = rest[offset : offset + limit]
        meta = {"total": len(rest), "hasMore": offset + len(chunk) < len(rest)}
        return httpx.Response(200, json={"success": True, "data": chunk, "total": len(rest), "meta": meta})

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/me":
            return httpx.Response(200, json={"success": True, "data": data["me"]})
        if path == "/v1/batch":
            return httpx.Response(200, json={"success": True, "data": {"results": {}, "errors": {}}})
        if path == "/v1/deals/fields":
            return httpx.Response(200, json={"success": True, "data": {"fields": data["fields"], "include": []}})
        if path == "/v1/deals/search":
            body = json.loads(request.content)
            return page(body.get("filter"), int(body.get("limit", 50)), int(body.get("offset", 0)))
        if path == "/v1/deals" and request.method == "GET":
            gt = request.url.params.get("filter[id][$gt]")
            flt = {"id": {"$gt": int(gt)}} if gt else None
            return page(flt, int(request.url.params.get("limit", 50)), int(request.url.params.get("offset", 0)))
        if path.startswith("/v1/deals/") and request.method == "GET":
            wanted = int(path.rsplit("/", 1)[1])
            found = [r for r in records if rid(r) == wanted]
            if found:
                return httpx.Response(200, json={"success": True, "data": found[0]})
        return httpx.Response(404, json={"success": False, "error": {"code": "NOT_FOUND", "message": "no"}})

    return httpx.MockTransport(handler)


def within(out: Any, budget: int) -> None:
    used = result_tokens(out.structured, out.text)
    assert used <= budget, (used, budget)


async def scenario(data: Mapping[str, Any], budget: int, fmt: str) -> None:
    config = replace(Settings(), max_result_tokens=budget, entities=("deals",))
    async with assemble(config, transport=mock_portal(data)) as built:
        call = built.dispatcher.call
        for tool, args in [
            ("deals_get", {"id": 1, "response_format": fmt}),
            ("deals_fields", {}),
            ("deals_fields", {"only_user_fields": True}),
            ("me", {}),
        ]:
            try:
                within(await call(tool, args), budget)
            except VibeCodeError as exc:
                assert exc.code != "INTERNAL_ERROR", (tool, exc.message)
        for tool in ("deals_search", "deals_list"):
            seen: list[int] = []
            args: dict[str, Any] = {"limit": 50, "response_format": fmt}
            for _ in range(len(data["records"]) + 2):
                out = await call(tool, args)
                within(out, budget)
                seen += [r["id"] for r in out.structured["items"]]
                if not out.structured["has_more"]:
                    break
                args = {"cursor": out.structured["next_cursor"]}
            assert seen == list(range(1, len(data["records"]) + 1)), tool


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=portals(), budget=st.integers(1000, 20000), fmt=st.sampled_from(["concise", "detailed"]))
def test_no_result_exceeds_its_budget_and_paging_loses_and_repeats_nothing(
    data: dict[str, Any], budget: int, fmt: str
) -> None:
    anyio.run(scenario, data, budget, fmt)


@st.composite
def oversized_calls(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """Inputs an attacker or an unlucky model sends: huge $in lists, field names, values, cursors, selects."""
    n = draw(st.integers(1000, 20000))
    return draw(
        st.sampled_from(
            [
                ("deals_search", {"filter": {"id": {"$in": list(range(1, n + 1))}}, "limit": 5}),
                ("deals_list", {"filter": {"id": list(range(1, n + 1))}, "limit": 5}),
                ("deals_search", {"filter": {"x" * (n * 50): 1}}),
                ("deals_search", {"filter": {"title": {"$contains": "я" * n}}}),
                ("deals_search", {"cursor": "z" + "A" * n}),
                ("deals_get", {"id": 1, "select": ["f" * n]}),
                ("deals_batch", {"action": "delete", "ids": list(range(1, min(n, 5000) + 1)), "dry_run": True}),
            ]
        )
    )


async def oversized_scenario(call: tuple[str, dict[str, Any]], budget: int) -> None:
    tool, args = call
    config = replace(Settings(), max_result_tokens=budget, entities=("deals",))
    async with assemble(config) as built:
        try:
            out = await built.dispatcher.call(tool, args)
        except VibeCodeError as exc:
            assert exc.code != "INTERNAL_ERROR", (tool, exc.message[:200])
            shown = error_result(exc)  # what reaches the client: clipped at the MCP boundary
            text = "".join(c.text for c in shown.content if isinstance(c, TextContent))
            assert result_tokens(shown.structured_content or {}, text) <= min(budget, 2000), tool
        else:
            within(out, budget)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(call=oversized_calls(), budget=st.integers(1000, 20000))
def test_oversized_inputs_get_a_short_error_or_a_result_within_the_budget(
    call: tuple[str, dict[str, Any]], budget: int
) -> None:
    anyio.run(oversized_scenario, call, budget)
