"""Whether a key's scopes grant an entity's scope. The docs spell the tasks scope both `task` (keys, the
scope list) and `tasks` (the task and task comment pages); a key issued with either reaches both."""

from __future__ import annotations

from collections.abc import Collection

SAME_SCOPE: tuple[frozenset[str], ...] = (frozenset({"task", "tasks"}),)


def grants(granted: Collection[str], scope: str) -> bool:
    """True when `granted` holds `scope` or one of its other spellings."""
    spellings = next((group for group in SAME_SCOPE if scope in group), frozenset({scope}))
    return any(s in granted for s in spellings)
