"""The tool registry: one tool per exposed entity × operation, plus cross-entity tools.

Builds each tool's input/output JSON Schema from `tool_specs/`, compiles one validator per tool,
and dispatches validated arguments to `Operations`. Knows nothing of MCP types.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from server import specs
from server.catalog import Catalog, EntitySpec, OperationSpec
from server.errors import InvalidArguments
from server.operations import Operations, Output

Handler = Callable[[Mapping[str, Any]], Awaitable[Output]]
IMPLEMENTED = ("list", "search", "get", "fields")


def output_schema(op: str) -> dict[str, Any]:
    """The outputSchema of an operation: its result, or an `error` object (see outputs.json)."""
    spec = specs.load("outputs.json")
    result = spec["results"][spec["operations"][op]]
    first, *rest = result["required"]
    return {
        "type": "object",
        "properties": {**copy.deepcopy(result["properties"]), "error": copy.deepcopy(spec["error"])},
        "dependentRequired": {first: rest},
        "minProperties": 1,
        "additionalProperties": False,
    }


@dataclass(frozen=True)
class ToolDef:
    """Everything the MCP boundary needs to advertise and run one tool."""

    name: str
    title: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    annotations: Mapping[str, bool]
    handler: Handler
    validator: Draft202012Validator

    def validate(self, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
        """Check arguments against the input schema.

        Raises:
            InvalidArguments: naming the first offending argument and how to fix it.
        """
        args = dict(arguments or {})
        error = best_match(self.validator.iter_errors(args))
        if error is not None:
            raise self._explain(error, args)
        return args

    def _explain(self, error: ValidationError, args: Mapping[str, Any]) -> InvalidArguments:
        props: Mapping[str, Any] = self.input_schema.get("properties", {})
        if error.validator == "additionalProperties" and not error.path:
            unknown = sorted(set(args) - set(props))
            name = unknown[0] if unknown else "?"
            close = difflib.get_close_matches(name, list(props), n=3, cutoff=0.5)
            hint = f"Did you mean {' or '.join(close)}? " if close else ""
            return InvalidArguments(
                f"{self.name} has no argument {name!r}.",
                hint=f"{hint}Arguments: {', '.join(props) or 'none'}.",
                suggestions=close or None,
            )
        where = "/".join(str(p) for p in error.absolute_path) or "arguments"
        arg = str(error.absolute_path[0]) if error.absolute_path else None
        desc = props.get(arg, {}).get("description") if arg else None
        return InvalidArguments(
            f"Invalid {where}: {error.message}.",
            hint=desc or f"Arguments: {', '.join(props) or 'none'}.",
        )


def describe(spec: OperationSpec, entity: EntitySpec) -> str:
    """The tool description: the operation's template filled in for the entity."""
    text = spec.description.format(title=entity.title.lower(), entity=entity.name, prefix=entity.tool_prefix, id="{id}")
    return f"{text} {entity.summary}" if spec.with_summary else text


def input_schema(catalog: Catalog, entity: EntitySpec, op: str) -> dict[str, Any]:
    """The tool's input schema: the operation's argument fragments, specialised for the entity."""
    spec = catalog.operations[op]
    props: dict[str, Any] = {}
    for name in spec.arguments:
        frag = copy.deepcopy(dict(catalog.arguments[name]))
        if name == "include":
            if not entity.include:
                continue
            frag["items"] = {"type": "string", "enum": list(entity.include)}
        elif name == "select":
            frag["description"] += f" Default (concise): {', '.join(entity.key_fields)}."
        elif name == "filter":
            frag["description"] += f" Names and values: {entity.tool_prefix}_fields."
        props[name] = frag
    return {
        "type": "object",
        "properties": props,
        "required": list(spec.required),
        "additionalProperties": False,
    }


def _compile(schema: dict[str, Any]) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def build_tools(catalog: Catalog, entities: list[EntitySpec], ops: Operations) -> dict[str, ToolDef]:
    """All tools for the chosen entities (read operations implemented so far) plus `me`."""
    tools: dict[str, ToolDef] = {}
    for entity in entities:
        for op in entity.operations:
            if op not in IMPLEMENTED:
                continue
            spec = catalog.operations[op]
            name = f"{entity.tool_prefix}_{op}"
            schema = input_schema(catalog, entity, op)
            tools[name] = ToolDef(
                name=name,
                title=f"{entity.title}: {op}",
                description=describe(spec, entity),
                input_schema=schema,
                output_schema=output_schema(op),
                annotations=spec.annotations,
                handler=_bind(ops, entity, op),
                validator=_compile(schema),
            )
    me = catalog.cross_entity["me"]
    me_schema: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}
    tools["me"] = ToolDef(
        name="me",
        title="Who am I",
        description=me.description,
        input_schema=me_schema,
        output_schema=output_schema("me"),
        annotations=me.annotations,
        handler=lambda _args: ops.me(),
        validator=_compile(me_schema),
    )
    return tools


def _bind(ops: Operations, entity: EntitySpec, op: str) -> Handler:
    if op in ("list", "search"):
        return lambda args: ops.page(entity, op, args)
    if op == "get":
        return lambda args: ops.get(entity, args)
    return lambda _args: ops.fields(entity)
