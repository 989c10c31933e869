from __future__ import annotations

from typing import Any

import pytest

from server.catalog import load_catalog
from server.client import VibeCodeClient
from server.cursor import CursorCodec
from server.errors import InvalidArguments
from server.operations import Operations
from server.tools import ToolDef, build_tools

CATALOG = load_catalog()
TOOLS = build_tools(CATALOG, CATALOG.select([], []), Operations(VibeCodeClient("k"), CursorCodec(b"s"), 6000))


def rejected(tool: ToolDef, args: dict[str, Any]) -> InvalidArguments:
    with pytest.raises(InvalidArguments) as exc:
        tool.validate(args)
    return exc.value


def test_valid_arguments_pass_through_unchanged() -> None:
    args = {"filter": {">=amount": 1}, "sort": {"amount": "desc"}, "limit": 10, "select": ["title"]}
    assert TOOLS["deals_search"].validate(args) == args
    assert TOOLS["me"].validate(None) == {}


def test_unknown_argument_suggests_the_closest_names() -> None:
    err = rejected(TOOLS["deals_search"], {"fitler": {}})
    assert err.message == "deals_search has no argument 'fitler'."
    assert err.suggestions == ["filter"] and err.hint is not None and err.hint.startswith("Did you mean filter?")


def test_wrong_type_names_the_argument_and_repeats_its_description() -> None:
    err = rejected(TOOLS["deals_search"], {"limit": 6000})
    assert err.message.startswith("Invalid limit: 6000 is greater than the maximum of 5000")
    assert err.hint == TOOLS["deals_search"].input_schema["properties"]["limit"]["description"]


def test_nested_errors_give_the_path() -> None:
    err = rejected(TOOLS["deals_get"], {"id": 5, "include": ["contact", "boss"]})
    assert err.message.startswith("Invalid include/1: 'boss' is not one of ['contact', 'company', 'quote']")


def test_required_arguments_are_named() -> None:
    err = rejected(TOOLS["deals_get"], {})
    assert "'id' is a required property" in err.message


def test_entities_without_relations_take_no_include() -> None:
    assert "include" not in TOOLS["tasks_search"].input_schema["properties"]
    assert "include" in rejected(TOOLS["tasks_search"], {"include": ["x"]}).message


@pytest.mark.parametrize(
    ("toolsets", "offered"), [(["chats"], False), (["tasks_extra"], False), (["calendar"], True), (["crm"], True)]
)
def test_a_batch_tool_is_offered_only_when_something_exposed_can_go_through_it(
    toolsets: list[str], offered: bool
) -> None:
    ops = Operations(VibeCodeClient("k"), CursorCodec(b"s"), 6000)
    tools = build_tools(CATALOG, CATALOG.select(toolsets, []), ops)
    assert ("batch" in tools) is offered
    if offered:
        entities = tools["batch"].input_schema["properties"]["calls"]["items"]["properties"]["entity"]["enum"]
        assert entities and all(CATALOG.entities[e].in_batch for e in entities)
