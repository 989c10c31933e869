"""Fuzzing every tool through the MCP client: arguments drawn from each tool's own input schema,
bent into hostile shapes (huge, non-finite, deeply nested, wrongly typed, unknown names).

Whatever comes in, the answer is a result or a validation error: never a "server bug"
(INTERNAL_ERROR), never a protocol failure, never an oversized payload.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.shared.exceptions import MCPError

from server.__main__ import assemble
from server.settings import Settings

EXAMPLES = 250  # per protocol mode; a few seconds each
MAX_RESULT_BYTES = 200_000

JUNK: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(
        [
            math.nan,
            math.inf,
            -math.inf,
            -1,
            0,
            2**63,
            -(2**63),
            1e308,
            "",
            " ",
            "x" * 70_000,
            "\x00\u202e\ud7ff",
            "$in",
            ">=",
            "' OR 1=1 --",
            "../../etc/passwd",
            True,
            None,
            [],
            {},
            [[[[[[[[[[[]]]]]]]]]]],
            {"$or": [{"$or": [{"$or": []}]}]},
            list(range(20_000)),
        ]
    ),
    st.text(max_size=40),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=5),
)


def from_schema(schema: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values that mostly fit `schema` (the subset of JSON Schema the tools use), sometimes junk."""
    if not isinstance(schema, dict) or depth > 4:
        return JUNK
    if "enum" in schema:
        fitting: st.SearchStrategy[Any] = st.sampled_from(schema["enum"])
    elif "anyOf" in schema or "oneOf" in schema:
        fitting = st.one_of([from_schema(s, depth + 1) for s in schema.get("anyOf", schema.get("oneOf"))])
    else:
        kind = schema.get("type")
        kind = kind[0] if isinstance(kind, list) and kind else kind
        if kind == "object":
            fitting = objects(schema, depth)
        elif kind == "array":
            items = from_schema(schema.get("items", {}), depth + 1)
            fitting = st.lists(items, min_size=schema.get("minItems", 0), max_size=min(schema.get("maxItems", 6), 6))
        elif kind == "integer":
            fitting = st.integers(schema.get("minimum"), schema.get("maximum"))
        elif kind == "number":
            fitting = st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False)
        elif kind == "boolean":
            fitting = st.booleans()
        elif kind == "string":
            fitting = st.text(min_size=schema.get("minLength", 0), max_size=30)
        else:
            fitting = JUNK
    return st.one_of(*[fitting] * 9, JUNK)  # mostly valid, so calls get past validation


def objects(schema: dict[str, Any], depth: int) -> st.SearchStrategy[dict[str, Any]]:
    props: dict[str, Any] = schema.get("properties", {})
    if not props:
        # Free-form objects (filters): keys are real field names, operators and junk.
        names = field_names(schema)
        key = st.one_of(
            st.sampled_from(names or ["id"]),
            st.sampled_from(names or ["id"]).map(lambda n: ">=" + n),
            st.text(max_size=12),
            st.just("y" * 2000),
        )
        op = st.dictionaries(st.sampled_from(["$gte", "$lt", "$in", "$ne", "$contains", ">=", "%", "$bad"]), JUNK)
        return st.dictionaries(key, st.one_of(JUNK, op), max_size=4)
    optional = st.fixed_dictionaries({}, optional={k: from_schema(v, depth + 1) for k, v in props.items()})
    required = st.fixed_dictionaries({k: from_schema(props[k], depth + 1) for k in schema.get("required", [])})
    unknown = st.one_of(*[st.just({})] * 9, st.dictionaries(st.text(min_size=1, max_size=20), JUNK, max_size=1))
    return st.tuples(required, optional, unknown).map(lambda parts: {**parts[2], **parts[1], **parts[0]})


FIELD_NAMES: dict[int, list[str]] = {}


def field_names(schema: dict[str, Any]) -> list[str]:
    return FIELD_NAMES.get(id(schema), [])


@pytest.fixture(scope="module")
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal("asyncio") as p:
        yield p


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_no_argument_makes_a_server_bug(portal: BlockingPortal, mode: str) -> None:
    cm = portal.wrap_async_context_manager(assemble(Settings()))
    with cm as built:
        client_cm = portal.wrap_async_context_manager(Client(built.server, mode=mode))
        with client_cm as client:
            tools = {t.name: t.input_schema for t in portal.call(client.list_tools).tools}
            for schema in tools.values():
                select = schema.get("properties", {}).get("select", {}).get("items", {}).get("enum", [])
                flt = schema.get("properties", {}).get("filter")
                if isinstance(flt, dict):
                    FIELD_NAMES[id(flt)] = list(select)
            bugs: list[str] = []
            calls = 0

            @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            @given(st.sampled_from(sorted(tools)).flatmap(lambda n: st.tuples(st.just(n), objects(tools[n], 0))))
            def one(case: tuple[str, Any]) -> None:
                nonlocal calls
                name, args = case
                calls += 1
                try:
                    result = portal.call(client.call_tool, name, args)
                except MCPError as exc:
                    bugs.append(f"{name} {str(args)[:200]}: protocol error {exc}")
                    return
                dumped = json.dumps(result.model_dump(mode="json"))
                error = (result.structured_content or {}).get("error") if result.is_error else None
                if error and error.get("code") == "INTERNAL_ERROR":
                    bugs.append(f"{name} {str(args)[:200]}: {error.get('message')}")
                if len(dumped) > MAX_RESULT_BYTES:
                    bugs.append(f"{name} {str(args)[:200]}: {len(dumped)} bytes")

            one()
    assert calls >= EXAMPLES and not bugs, "\n".join(bugs[:10])
