"""The tasks scope is spelled both `task` and `tasks` in the docs: a key holding either reaches every tasks
entity (tasks, their comments and time records), on the demo portal and in the `entities` answer."""

from __future__ import annotations

import pytest
from portal_rig import rig

from server.emulator import DEMO_API_KEY, Portal

pytestmark = pytest.mark.anyio

TASK_ENTITIES = ["tasks", "task-comments", "task-time"]


@pytest.mark.parametrize("spelling", ["task", "tasks"])
async def test_either_spelling_allows_every_tasks_entity(spelling: str) -> None:
    r = rig(Portal(seed=42, scale=0.2, key_scopes={DEMO_API_KEY: [spelling]}), entities=TASK_ENTITIES)
    rows = {}
    for toolset in ("tasks", "tasks_extra", "crm"):
        out = await r.dispatcher.call("entities", {"of": toolset})
        rows.update({row["entity"]: row for row in out.structured["entities"]})
    assert {name: rows[name]["allowed"] for name in TASK_ENTITIES} == dict.fromkeys(TASK_ENTITIES, True)
    assert rows["deals"]["allowed"] is False
    overview = await r.dispatcher.call("entities", {})
    verdicts = {row["toolset"]: row["scopes"] for row in overview.structured["toolsets"]}
    assert verdicts["tasks"] == {"task": True} and verdicts["tasks_extra"] == {"tasks": True, "task": True}
    assert verdicts["crm"] == {"crm": False}
    # The portal itself answers every tasks route to such a key.
    task = (await r.dispatcher.call("tasks_search", {"limit": 1})).structured["items"][0]["id"]
    for tool in ("task_comments_list", "task_time_list"):
        listed = await r.dispatcher.call(tool, {"taskId": task})
        assert "items" in listed.structured, (tool, listed.text)
