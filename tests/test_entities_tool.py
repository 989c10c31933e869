"""The `entities` discovery tool: what the catalog knows, what is enabled here, what the key's scopes
allow; one row per toolset bare, the entities in detail with `of`, and always within the budget."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from functools import cache

import pytest
from portal_rig import CATALOG, Recording, rig

from server import discovery
from server.budget import MIN_BUDGET, result_tokens
from server.catalog import Catalog
from server.client import VibeCodeClient
from server.cursor import CursorCodec
from server.dispatch import Dispatcher
from server.emulator import DEMO_API_KEY, Portal
from server.emulator.errors import ApiError
from server.errors import InvalidArguments
from server.operations import Operations
from server.tools import build_tools

pytestmark = pytest.mark.anyio


class NoTasksKey(Portal):
    """A portal whose key was issued without the task scopes."""

    def describe_key(self) -> dict[str, object]:
        key = super().describe_key()
        key["scopes"] = [s for s in key["scopes"] if s not in ("task", "tasks")]  # type: ignore[union-attr]
        return key


def home_toolsets(catalog: Catalog) -> dict[str, set[str]]:
    """Every toolset with its entities, as the catalog declares them (toolsets.json and each entity's own)."""
    out = {name: set(members) for name, members in catalog.toolsets.items()}
    for entity in catalog.entities.values():
        out.setdefault(entity.toolset, set()).add(entity.name)
    return out


async def test_every_toolset_with_all_its_entities_enabled_flags_and_scope_verdicts() -> None:
    r = rig(NoTasksKey(seed=42, scale=0.2), entities=["deals", "tasks"])
    out = await r.dispatcher.call("entities", {})
    rows = {row["toolset"]: row for row in out.structured["toolsets"]}
    assert "more" not in out.structured and "Trimmed" not in out.structured["summary"]
    assert {name: set(row["entities"]) for name, row in rows.items()} == home_toolsets(CATALOG)
    assert (
        rows["crm"]["enabled"] == ["deals"] and rows["tasks"]["enabled"] == ["tasks"] and rows["users"]["enabled"] == []
    )
    assert rows["crm"]["scopes"] == {"crm": True} and rows["tasks"]["scopes"] == {"task": False}
    assert rows["tasks_extra"]["scopes"] == {"tasks": False, "task": False}
    assert rows["directory"]["scopes"] == {"crm": True, "department": True, "sonet_group": True}
    assert "crm: deals contacts companies leads | enabled: deals | crm allowed" in out.text.splitlines()
    assert "tasks: tasks | enabled | task scope missing" in out.text.splitlines()
    assert "VIBECODE_ENTITIES" in out.structured["summary"]
    reference = {t["kind"]: t for t in out.structured["reference"]}
    assert reference["departments"] == {"kind": "departments", "scope": "department", "allowed": True}
    # Scopes come from /v1/me once and are cached.
    await r.dispatcher.call("entities", {"of": "crm"})
    assert r.seen == [("GET", "/v1/me")]


async def test_of_a_toolset_an_entity_or_all_gives_the_entities_with_their_operations() -> None:
    r = rig(NoTasksKey(seed=42, scale=0.2), entities=["deals", "tasks"])
    for toolset, members in home_toolsets(CATALOG).items():
        out = await r.dispatcher.call("entities", {"of": toolset})
        rows = {row["entity"]: row for row in out.structured["entities"]}
        assert set(rows) == members and "more" not in out.structured, toolset
        for name, row in rows.items():
            entity = CATALOG.entities[name]
            assert row["operations"] == list(entity.operations) and entity.toolset in row["toolsets"]
            assert row["about"] == entity.summary and f"{name}: {' '.join(entity.operations)} |" in out.text
    tasks = (await r.dispatcher.call("entities", {"of": "tasks"})).structured["entities"]
    assert [(t["entity"], t["enabled"], t["scope"], t["allowed"]) for t in tasks] == [("tasks", True, "task", False)]
    (deals,) = (await r.dispatcher.call("entities", {"of": "deals"})).structured["entities"]
    assert deals["toolsets"] == ["crm", "default"] and deals["enabled"] and deals["allowed"] is True
    (comments,) = (await r.dispatcher.call("entities", {"of": "task_comments"})).structured["entities"]
    assert comments["entity"] == "task-comments" and comments["enabled"] is False
    everything = await r.dispatcher.call("entities", {"of": "all"})
    named = [row["entity"] for row in everything.structured["entities"]] + everything.structured.get("more", [])
    assert named == list(CATALOG.entities)


async def test_an_unknown_name_is_refused_with_the_toolsets_before_any_request() -> None:
    r = rig(Portal(seed=42, scale=0.2))
    with pytest.raises(InvalidArguments) as err:
        await r.dispatcher.call("entities", {"of": "telepathy"})
    assert "telepathy" in err.value.message and "directory" in (err.value.hint or "")
    assert r.seen == []


async def test_unknown_scopes_are_said_to_be_unknown_not_guessed() -> None:
    class Broken(Portal):
        def describe_key(self) -> dict[str, object]:
            raise ApiError(401, "TOKEN_MISSING", "The key has no tokens")

    r = rig(Broken(seed=42, scale=0.2))
    out = await r.dispatcher.call("entities", {})
    assert all(v is None for row in out.structured["toolsets"] for v in row["scopes"].values())
    assert out.structured["scopes"] is None and "scopes unknown" in out.structured["summary"]
    detail = await r.dispatcher.call("entities", {"of": "crm"})
    assert all(row["allowed"] is None for row in detail.structured["entities"])


def test_entities_is_read_only_with_one_optional_argument() -> None:
    tool = rig().dispatcher.tools["entities"]
    assert tool.annotations["readOnlyHint"] is True and list(tool.input_schema["properties"]) == ["of"]
    assert not tool.input_schema.get("required")


def grown(times: int) -> Catalog:
    """The catalog `times` over: every entity and toolset copied under new names."""
    entities = {
        f"{e.name}-{i}": dataclasses.replace(e, name=f"{e.name}-{i}", toolset=f"{e.toolset}{i}")
        for i in range(times)
        for e in CATALOG.entities.values()
    }
    toolsets = {
        f"{ts}{i}": tuple(f"{m}-{i}" for m in members) for i in range(times) for ts, members in CATALOG.toolsets.items()
    }
    return dataclasses.replace(CATALOG, entities=entities, toolsets=toolsets)


def budgeted(budget: int) -> Dispatcher:
    """Every tool over the demo portal with results held to `budget` tokens."""
    ops = Operations(
        VibeCodeClient(DEMO_API_KEY, transport=Recording(Portal(seed=42, scale=0.2))), CursorCodec(b"s"), budget
    )
    return Dispatcher(build_tools(CATALOG, CATALOG.select(["all"], []), ops), budget=budget)


@pytest.fixture
def ten_times(monkeypatch: pytest.MonkeyPatch) -> Iterator[Catalog]:
    big = grown(10)
    monkeypatch.setattr(discovery, "catalog", lambda: big)
    monkeypatch.setattr(discovery, "groups", cache(discovery.groups.__wrapped__))
    yield big


@pytest.mark.parametrize("budget", [MIN_BUDGET, 2500, 6000])
async def test_the_full_catalog_fits_the_budget_and_nothing_goes_unnamed(budget: int) -> None:
    dispatcher = budgeted(budget)
    overview = await dispatcher.call("entities", {})
    rows, more = overview.structured["toolsets"], overview.structured.get("more", [])
    assert result_tokens(overview.structured, overview.text) <= budget
    assert "Trimmed" not in overview.structured["summary"]  # the tool fitted itself; nothing was cut blindly
    assert [row["toolset"] for row in rows] + more == list(home_toolsets(CATALOG))
    if budget >= 2500:  # at the default budget the whole catalog is there in full
        assert not more and {e for row in rows for e in row["entities"]} == set(CATALOG.entities)
    for of in ("all", *home_toolsets(CATALOG)):
        out = await dispatcher.call("entities", {"of": of})
        assert result_tokens(out.structured, out.text) <= budget and "Trimmed" not in out.structured["summary"]
        assert {row["entity"] for row in out.structured["entities"]} | set(out.structured.get("more", [])) == (
            set(CATALOG.entities) if of == "all" else home_toolsets(CATALOG)[of]
        )


@pytest.mark.parametrize("budget", [MIN_BUDGET, 6000])
async def test_a_catalog_ten_times_larger_still_fits_and_says_what_it_left_out(ten_times: Catalog, budget: int) -> None:
    dispatcher = budgeted(budget)
    out = await dispatcher.call("entities", {})
    assert result_tokens(out.structured, out.text) <= budget and "Trimmed" not in out.structured["summary"]
    everything = list(home_toolsets(ten_times))
    rows, more = out.structured["toolsets"], out.structured["more"]
    named = [row["toolset"] for row in rows] + more
    assert named == everything[: len(named)] and f"{len(everything) - len(rows)} toolsets did not fit" in out.text
    if budget == 6000:  # every toolset at least named at the default budget
        assert named == everything and " ".join(more) in out.text
    else:  # 220 toolsets do not even name themselves in 1000 tokens: the answer counts the rest
        assert f"{len(everything) - len(named)} not even named" in out.structured["summary"]
    detail = await dispatcher.call("entities", {"of": more[-1]})
    assert {row["entity"] for row in detail.structured["entities"]} == home_toolsets(ten_times)[more[-1]]
