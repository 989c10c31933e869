"""Comments and time records of a task as typed tools, end to end over the demo portal: addressed by
taskId, writes through the guard, the comments batch sent 50 items per request."""

from __future__ import annotations

import pytest
from portal_rig import CATALOG, consenting, rig

from server.emulator import Portal
from server.errors import VibeCodeError

pytestmark = pytest.mark.anyio
ENTITIES = ["task-comments", "task-time"]


def test_comments_and_time_are_their_own_toolset_with_the_documented_scopes() -> None:
    assert set(CATALOG.toolsets["tasks_extra"]) == set(ENTITIES)
    assert not set(ENTITIES) & set(CATALOG.toolsets["default"])
    names = set(rig(Portal(seed=3, scale=0.1), entities=ENTITIES).dispatcher.tools)
    assert {f"task_comments_{op}" for op in ("list", "get", "create", "update", "delete", "batch")} <= names
    assert {f"task_time_{op}" for op in ("list", "get", "create", "update", "delete")} <= names


async def test_entities_lists_them_with_their_scopes_allowed_by_the_demo_key() -> None:
    out = await rig(Portal(seed=3, scale=0.1), entities=ENTITIES).dispatcher.call("entities", {"of": "tasks_extra"})
    rows = {r["entity"]: r for r in out.structured["entities"]}
    assert set(rows) == set(ENTITIES)
    assert (rows["task-comments"]["scope"], rows["task-time"]["scope"]) == ("tasks", "task")
    assert all(rows[e]["enabled"] and rows[e]["allowed"] and "tasks_extra" in rows[e]["toolsets"] for e in ENTITIES)


async def test_log_30_minutes_and_comment_on_a_task_then_read_them_back() -> None:
    r = rig(Portal(seed=3, scale=0.1), entities=ENTITIES)
    logged = await r.dispatcher.call(
        "task_time_create", {"taskId": 5, "fields": {"seconds": 1800, "commentText": "Созвон с клиентом"}}
    )
    assert logged.structured["item"]["minutes"] == 30 and logged.structured["item"]["taskId"] == 5
    said = await r.dispatcher.call("task_comments_create", {"taskId": 5, "fields": {"message": "Созвонились, КП ок"}})
    assert said.structured["item"]["taskId"] == 5
    assert ("POST", "/v1/tasks/5/time") in r.seen and ("POST", "/v1/tasks/5/comments") in r.seen
    times = await r.dispatcher.call("task_time_list", {"taskId": 5, "limit": 50})
    assert {i["taskId"] for i in times.structured["items"]} == {5}
    assert logged.structured["item"]["id"] in [i["id"] for i in times.structured["items"]]
    comments = await r.dispatcher.call("task_comments_list", {"taskId": 5, "include": ["author"]})
    assert comments.structured["items"][-1]["message"] == "Созвонились, КП ок"


async def test_a_missing_task_is_a_clear_tool_error() -> None:
    r = rig(Portal(seed=3, scale=0.1), entities=ENTITIES)
    with pytest.raises(VibeCodeError) as caught:
        await r.dispatcher.call("task_comments_create", {"taskId": 99999, "fields": {"message": "x"}})
    assert "99999" in caught.value.message
    with pytest.raises(VibeCodeError) as missing:
        await r.dispatcher.call("task_time_create", {"fields": {"seconds": 60}})
    assert "taskId" in missing.value.message


async def test_the_comments_batch_goes_50_items_per_request_and_deletes_ask_first() -> None:
    r = rig(Portal(seed=3, scale=0.1), entities=ENTITIES)
    items = [{"message": f"Пункт {i}"} for i in range(60)]
    ctx = consenting()
    made = await r.dispatcher.call("task_comments_batch", {"taskId": 7, "action": "create", "items": items}, ctx)
    assert made.structured["succeeded"] == 60
    assert r.seen.count(("POST", "/v1/tasks/7/comments/batch")) == 2
    assert "filter" not in r.dispatcher.tools["task_comments_batch"].input_schema["properties"]
    listed = await r.dispatcher.call("task_comments_list", {"taskId": 7, "limit": 100, "select": ["id", "message"]})
    ids = [i["id"] for i in listed.structured["items"] if str(i["message"]).startswith("Пункт ")][:3]
    with pytest.raises(VibeCodeError) as refused:  # no way to ask a human: nothing is deleted
        await r.dispatcher.call("task_comments_delete", {"taskId": 7, "id": ids[0]})
    assert refused.value.code == "NOT_CONFIRMED" or "confirmation" in refused.value.message
    dry = await r.dispatcher.call("task_comments_delete", {"taskId": 7, "id": ids[0], "dry_run": True})
    assert dry.structured["dry_run"] is True and "Пункт 0" in dry.text
    gone = await r.dispatcher.call("task_comments_batch", {"taskId": 7, "action": "delete", "ids": ids}, ctx)
    assert gone.structured["succeeded"] == 3
    left = await r.dispatcher.call("task_comments_list", {"taskId": 7, "limit": 100, "select": ["id"]})
    assert not set(ids) & {i["id"] for i in left.structured["items"]}
    assert [e["result"] for e in r.audit if e["tool"] == "task_comments_delete"] == ["refused", "dry_run"]
