"""Tool descriptions name only what exists: sibling tools the entity really has, and its own REST path."""

from __future__ import annotations

import re

from portal_rig import rig

SIBLING = re.compile(r"\b[a-z][a-z0-9_]*_(?:list|search|get|create|update|delete|aggregate|batch|products)\b")


def test_descriptions_name_only_existing_tools() -> None:
    tools = rig().dispatcher.tools
    named = {(name, m) for name, tool in tools.items() for m in SIBLING.findall(tool.description)}
    assert named, "the pattern finds the tools descriptions name"
    assert sorted((name, m) for name, m in named if m not in tools) == []
    # A list whose entity has a search points to it; one without says what it does on its own.
    assert "like deals_search" in tools["deals_list"].description
    alone = tools["task_comments_list"].description
    assert alone == "List task comments (GET /v1/tasks/{taskId}/comments) by filter and order; pages via next_cursor."
    assert "(GET /v1/items/{entityTypeId})" in tools["items_list"].description
