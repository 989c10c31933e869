"""Pipelines, stages, currencies, departments and workgroups as typed tools, end to end over the demo
portal: a stage or currency created through them is accepted by the deal tools on the next call (the
write marks the cached metadata and reference lists stale), and a pipeline is addressed from id 0."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.__main__ import Assembled, assemble
from server.context import CallContext
from server.emulator import EmulatorTransport, Portal
from server.errors import VibeCodeError
from server.settings import Settings

pytestmark = pytest.mark.anyio


@pytest.fixture
def portal() -> Portal:
    return Portal(seed=9, scale=0.1)


@pytest.fixture
async def built(tmp_path: Path, portal: Portal) -> AsyncIterator[Assembled]:
    settings = Settings(toolsets=("crm", "directory"), audit_log=str(tmp_path / "audit.jsonl"))
    async with assemble(settings, transport=EmulatorTransport(portal)) as b:
        yield b


async def test_a_created_stage_is_accepted_by_deals_update_right_away(built: Assembled) -> None:
    d = built.dispatcher
    await d.call("deals_get", {"id": 1})  # metadata and reference lists are cached before the new stage
    await d.call("reference", {"kind": "pipelines"})
    with pytest.raises(VibeCodeError) as before:
        await d.call("deals_update", {"id": 1, "fields": {"stageId": "AUDIT"}}, CallContext())
    assert "AUDIT" in before.value.message
    made = await d.call(
        "statuses_create",
        {"fields": {"entityId": "DEAL_STAGE", "statusId": "AUDIT", "name": "Аудит", "sort": 25, "semantics": "P"}},
    )
    assert made.structured["item"]["statusId"] == "AUDIT"
    await d.call("deals_update", {"id": 1, "fields": {"stageId": "AUDIT"}})
    got = await d.call("deals_get", {"id": 1, "select": ["id", "stageId", "categoryId"]})
    assert got.structured["item"]["stageId"] == "AUDIT"
    ref = await d.call("reference", {"kind": "pipelines"})
    assert "Аудит" in ref.text
    renamed = await d.call("statuses_update", {"id": made.structured["item"]["id"], "fields": {"name": "Проверка"}})
    assert "Проверка" in renamed.text or renamed.structured["item"]["name"] == "Проверка"
    assert "Проверка" in (await d.call("reference", {"kind": "pipelines"})).text


async def test_a_created_currency_is_accepted_and_the_main_pipeline_is_id_0(built: Assembled) -> None:
    d = built.dispatcher
    await d.call("deals_get", {"id": 1})
    await d.call("currencies_create", {"fields": {"id": "KZT", "amount": 0.19, "amountCnt": 1, "fullName": "Тенге"}})
    got = await d.call("currencies_get", {"id": "KZT"})
    assert got.structured["item"]["id"] == "KZT"
    await d.call("deals_update", {"id": 1, "fields": {"currency": "KZT"}})
    main = await d.call("deal_categories_get", {"id": 0})
    assert main.structured["item"]["id"] == 0
    found = await d.call("statuses_list", {"filter": {"entityId": "DEAL_STAGE"}, "limit": 50})
    assert found.structured["items"] and {i["entityId"] for i in found.structured["items"]} == {"DEAL_STAGE"}


async def test_departments_and_workgroups_search_and_count(built: Assembled, portal: Portal) -> None:
    d = built.dispatcher
    deps = await d.call("departments_search", {"limit": 50})
    stored = {r["id"]: r["name"] for r in portal.store.table("departments").scan()}
    assert {i["id"]: i["name"] for i in deps.structured["items"]} == stored
    opened = sum(1 for g in portal.store.table("workgroups").scan() if g.get("opened"))
    groups = await d.call("workgroups_aggregate", {"filter": {"opened": True}})
    assert opened and groups.structured["count"] == opened
    made = await d.call("workgroups_create", {"fields": {"name": "Проект Альфа", "opened": True}})
    assert portal.store.table("workgroups").peek(made.structured["item"]["id"])["name"] == "Проект Альфа"
    again = await d.call("workgroups_aggregate", {"filter": {"opened": True}})
    assert again.structured["count"] == opened + 1
