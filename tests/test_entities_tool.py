"""The `entities` discovery tool: what the catalog knows, what is enabled here, what the key's scopes allow."""

from __future__ import annotations

import pytest
from portal_rig import CATALOG, rig

from server.emulator import Portal
from server.emulator.errors import ApiError

pytestmark = pytest.mark.anyio


class NoTasksKey(Portal):
    """A portal whose key was issued without the task scopes."""

    def describe_key(self) -> dict[str, object]:
        key = super().describe_key()
        key["scopes"] = [s for s in key["scopes"] if s not in ("task", "tasks")]  # type: ignore[union-attr]
        return key


async def test_every_catalog_entity_with_enabled_flag_and_scope_verdict() -> None:
    r = rig(NoTasksKey(seed=42, scale=0.2), entities=["deals", "tasks"])
    out = await r.dispatcher.call("entities", {})
    rows = {row["entity"]: row for row in out.structured["entities"]}
    assert list(rows) == list(CATALOG.entities)
    assert rows["deals"]["enabled"] and rows["tasks"]["enabled"] and not rows["users"]["enabled"]
    assert rows["deals"]["allowed"] is True and rows["tasks"]["allowed"] is False
    assert rows["users"]["operations"] == list(CATALOG.entities["users"].operations)
    assert rows["deals"]["toolsets"] == ["crm", "default"]
    assert "tasks" in out.structured["summary"] and "VIBECODE_ENTITIES" in out.structured["summary"]
    reference = {t["kind"]: t for t in out.structured["reference"]}
    assert reference["departments"] == {"kind": "departments", "reads": ["departments"], "scope": "department",
                                        "allowed": True}  # fmt: skip
    # Scopes come from /v1/me once and are cached.
    await r.dispatcher.call("entities", {})
    assert r.seen == [("GET", "/v1/me")]


async def test_unknown_scopes_are_said_to_be_unknown_not_guessed() -> None:
    class Broken(Portal):
        def describe_key(self) -> dict[str, object]:
            raise ApiError(401, "TOKEN_MISSING", "The key has no tokens")

    r = rig(Broken(seed=42, scale=0.2))
    out = await r.dispatcher.call("entities", {})
    assert all(row["allowed"] is None for row in out.structured["entities"])
    assert out.structured["scopes"] is None and "scopes unknown" in out.structured["summary"]


def test_entities_is_read_only() -> None:
    tool = rig().dispatcher.tools["entities"]
    assert tool.annotations["readOnlyHint"] is True and tool.input_schema["properties"] == {}
