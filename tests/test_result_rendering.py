"""Aggregate and batch results fit the budget with text and structure counted together, their text
rendered from what they keep; and a cursor continues only the tool and record type it was made for."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from server.__main__ import assemble
from server.budget import result_tokens
from server.emulator import EmulatorTransport, Portal
from server.errors import InvalidArguments
from server.settings import Settings

pytestmark = pytest.mark.anyio


async def test_aggregate_groups_left_out_for_the_budget_are_gone_from_text_and_structure_alike() -> None:
    config = replace(Settings(), max_result_tokens=1000)
    async with assemble(config, transport=EmulatorTransport(Portal(seed=42, scale=3.0))) as built:
        group_by = ["assignedById", "stageId"]
        args = {"aggregate": [{"function": "sum", "field": "amount"}], "groupBy": group_by}
        out = await built.dispatcher.call("deals_aggregate", args)
    s = out.structured
    assert result_tokens(s, out.text) <= 1000
    # Fitted by the tool itself (whole group rows, its own text form), not by the generic trim.
    assert "group row(s) left out to fit the token budget" in s["summary"] and "Trimmed" not in s["summary"]
    lines = out.text.splitlines()
    assert lines[0] == s["summary"] and lines[1].startswith("figures:") and lines[2].startswith("total:")
    shown = [k for k, _ in itertools.groupby(s["groups"], key=lambda g: [g.get(f) for f in group_by])]
    assert len(lines) == 3 + len(shown) and s["groups"]


async def test_a_trimmed_result_keeps_its_tool_s_own_text_form() -> None:
    config = replace(Settings(), max_result_tokens=1000)
    async with assemble(config, transport=EmulatorTransport(Portal(seed=42, scale=3.0))) as built:
        out = await built.dispatcher.call("reference", {"kind": "statuses"})
        # A batch still too large after its own fitting is trimmed by the dispatcher, in the batch's text form.
        calls = [{"id": f"c{i}", "entity": "deals", "action": "get", "entityId": i + 1} for i in range(50)]
        batch = await built.dispatcher.call("batch", {"calls": calls})
    assert result_tokens(out.structured, out.text) <= 1000
    assert out.text.splitlines()[0] == out.structured["summary"]
    assert result_tokens(batch.structured, batch.text) <= 1000 and "Trimmed" in batch.structured["summary"]
    lines, kept = batch.text.splitlines(), batch.structured["calls"]
    assert lines[0] == batch.structured["summary"] and len(lines) == 1 + len(kept) and kept
    assert all(line.startswith(f"[{row['id']}] deals.get ok {{") for row, line in zip(kept, lines[1:], strict=True))


async def test_batch_rows_shrink_until_text_and_structure_fit_together() -> None:
    config = replace(Settings(), max_result_tokens=1500)
    params = {"limit": 200, "select": ["id", "title", "stageId", "amount"]}
    calls = [{"id": str(i), "entity": "deals", "action": "list", "params": params} for i in range(5)]
    async with assemble(config, transport=EmulatorTransport(Portal(seed=42, scale=1.0))) as built:
        out = await built.dispatcher.call("batch", {"calls": calls})
    s = out.structured
    assert result_tokens(s, out.text) <= 1500 and "Trimmed" not in s["summary"]
    lines = out.text.splitlines()
    assert lines[0] == s["summary"] and len(lines) == 1 + len(calls)
    for row, line in zip(s["calls"], lines[1:], strict=True):
        assert row["ok"] and row["returned"] >= 1 and row["has_more"]
        assert line.startswith(f"[{row['id']}] deals.list {row['returned']} of ")
        assert line.count('{"id":') == row["returned"]  # the text shows exactly the records kept


async def test_a_cursor_continues_only_the_tool_and_smart_process_type_it_was_made_for() -> None:
    config = replace(Settings(), toolsets=("default", "smart"))
    async with assemble(config, transport=EmulatorTransport(Portal(seed=7, scale=0.3))) as built:
        call = built.dispatcher.call
        first = await call("items_search", {"entityTypeId": 1032, "limit": 1})
        cursor = first.structured["next_cursor"]
        assert cursor
        with pytest.raises(InvalidArguments) as exc:
            await call("items_search", {"entityTypeId": 1036, "cursor": cursor})
        assert exc.value.code == "INVALID_CURSOR" and "1032" in exc.value.message and "1032" in (exc.value.hint or "")
        deals = await call("deals_search", {"limit": 1})
        for tool, args in [
            ("items_list", {"entityTypeId": 1032, "cursor": cursor}),
            ("deals_search", {"cursor": cursor}),
            ("items_search", {"entityTypeId": 1032, "cursor": deals.structured["next_cursor"]}),
            ("deals_search", {"cursor": deals.structured["next_cursor"][:-5] + "…"}),
            ("deals_search", {"cursor": "A" * 5000}),
        ]:
            with pytest.raises(InvalidArguments) as exc:
                await call(tool, args)
            assert exc.value.code == "INVALID_CURSOR", (tool, exc.value.message)
        again = await call("items_search", {"entityTypeId": 1032, "cursor": cursor})
        assert again.structured["items"][0]["id"] != first.structured["items"][0]["id"]
