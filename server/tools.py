"""The tool registry: one tool per exposed entity × operation, plus cross-entity tools.

Builds each tool's input/output JSON Schema from `tool_specs/` and binds it to the handler its
operation's kind names (`server.registry`). Validators compile on first use. Knows nothing of MCP.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import server.chattools  # noqa: F401  (the chat tools' handlers register on import)
from server import (  # noqa: F401  (handlers register on import)
    aggregate,
    calls,
    discovery,
    paging,
    presetfields,
    productrows,
    reads,
    reference,
    specs,
    timelinemarks,
    userfields,
    writes,
)
from server.catalog import Catalog, EntitySpec, OperationSpec
from server.context import CallContext
from server.errors import InvalidArguments
from server.metadata import EntityMeta
from server.operations import Operations, Output
from server.redact import clip
from server.registry import Target, handler_for
from server.safety import WritePolicy
from server.schemas import field_schema, name_enum, order_schema, writable_fields_schema

if TYPE_CHECKING:  # jsonschema loads on the first tool call, not at start-up
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

Run = Callable[[Mapping[str, Any], CallContext], Awaitable[Output]]


@dataclass(frozen=True)
class LiveSchema:
    """The input schema as the current metadata has it: `version` says when `build` gives a new one."""

    version: Callable[[], int]
    build: Callable[[], dict[str, Any]]


def json_copy(value: Any) -> Any:
    """A private copy of JSON data (dicts, lists, scalars), as `copy.deepcopy` makes it but several times
    faster: every tool's schemas are built from shared fragments each time the server is assembled."""
    if isinstance(value, dict):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    return value


def output_schema(op: str) -> dict[str, Any]:
    """The outputSchema of an operation: its result, or an `error` object (see outputs.json).

    Writes that take `dry_run` also admit the dry run's plan in place of their result.
    """
    spec = specs.load("outputs.json")
    result = spec["results"][spec["operations"][op]]
    first, *rest = result["required"]
    props = {**json_copy(result["properties"]), "error": json_copy(spec["error"])}
    # A result carries every key it declares; requiring the summary with the first is what tells a
    # result from an error object, at a fraction of the tokens of listing them all.
    dependent = {first: ["summary"] if "summary" in rest else rest}
    dry = spec["dry_run"]
    if op in dry["operations"]:
        props.update(json_copy(dry["properties"]))
        dependent[dry["required"][0]] = dry["required"][1:]
    return {
        "type": "object",
        "properties": props,
        "dependentRequired": dependent,
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
    run: Run
    target: Target | None = field(default=None, compare=False)
    live: LiveSchema | None = field(default=None, compare=False)
    _compiled: dict[int, tuple[dict[str, Any], Draft202012Validator]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def writes(self) -> bool:
        """True for a tool that changes the portal (hidden and refused in read-only mode)."""
        return not self.annotations.get("readOnlyHint", False)

    def _current(self) -> tuple[dict[str, Any], Draft202012Validator]:
        """The schema arguments are checked against now, compiled on first use.

        The advertised schema stays as listed; validation follows the cached field metadata, so a
        stage added on the portal is accepted once the metadata is refreshed.
        """
        version = self.live.version() if self.live is not None else -1
        compiled = self._compiled.get(version)
        if compiled is None:
            schema = self.live.build() if self.live is not None and version > 0 else self.input_schema
            from jsonschema import Draft202012Validator

            compiled = (schema, Draft202012Validator(schema))
            self._compiled.clear()
            self._compiled[version] = compiled
        return compiled

    @property
    def validator(self) -> Draft202012Validator:
        """Compiled on first use: start-up does not pay for tools that are never called."""
        return self._current()[1]

    def validate(self, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
        """Check arguments against the input schema.

        Raises:
            InvalidArguments: naming the first offending argument and how to fix it.
        """
        args = dict(arguments or {})
        schema, validator = self._current()
        from jsonschema.exceptions import best_match

        error = best_match(validator.iter_errors(args))
        if error is not None:
            raise self._explain(error, args, schema)
        return args

    def _explain(self, error: ValidationError, args: Mapping[str, Any], schema: Mapping[str, Any]) -> InvalidArguments:
        props: Mapping[str, Any] = schema.get("properties", {})
        if error.validator == "additionalProperties" and not error.path:
            unknown = sorted(set(args) - set(props))
            name = clip(unknown[0] if unknown else "?", 60)
            close = difflib.get_close_matches(name, list(props), n=3, cutoff=0.5)
            hint = f"Did you mean {' or '.join(close)}? " if close else ""
            return InvalidArguments(
                f"{self.name} has no argument {name!r}.",
                hint=f"{hint}Arguments: {', '.join(props) or 'none'}.",
                suggestions=close or None,
            )
        where = "/".join(str(p) for p in error.absolute_path) or "arguments"
        arg = str(error.absolute_path[0]) if error.absolute_path else None
        # The failing value's own schema explains it best (a field's format), else the argument's.
        own = error.schema.get("description") if isinstance(error.schema, Mapping) and error.path else None
        desc = own or (props.get(arg, {}).get("description") if arg else None)
        # A regular expression says little to a model; the value's description says the form.
        reason = (
            f"{clip(repr(error.instance), 80)} is not in the expected form"
            if own and error.validator == "pattern"
            else error.message
        )
        return InvalidArguments(
            f"Invalid {clip(where, 120)}: {clip(reason, 200)}.",
            hint=desc or f"Arguments: {', '.join(props) or 'none'}.",
        )


def describe(spec: OperationSpec, entity: EntitySpec) -> str:
    """The tool description: the operation's template filled in for the entity.

    A clause naming a sibling tool (`{prefix}_search`) the entity does not have is left out, and the
    path is the entity's own (`tasks/{taskId}/comments`), so a description names only what exists."""
    parts = spec.description.split("; ")
    kept = [p for p in parts if all(op in entity.operations for op in re.findall(r"{prefix}_(\w+)", p))]
    template = "; ".join(kept or parts[:1]).rstrip(".") + "."
    path = entity.path.format(**dict(entity.bound), **{a: f"{{{a}}}" for a in entity.path_args}) or entity.name
    text = template.format(title=entity.title.lower(), entity=path, prefix=entity.tool_prefix, id="{id}")
    return f"{text} {entity.summary}" if spec.with_summary else text


def input_schema(
    catalog: Catalog,
    spec: OperationSpec,
    entity: EntitySpec | None = None,
    meta: EntityMeta | None = None,
    exposed: Sequence[EntitySpec] = (),
    *,
    named: bool = False,
) -> dict[str, Any]:
    """The tool's input schema: the operation's argument fragments, specialised for the entity.

    `named`: update's fields carry their values' names as create's do (for checking, not listing)."""
    props: dict[str, Any] = {}
    enabled = {e.name for e in exposed}
    for name in spec.arguments:
        frag = json_copy(dict(catalog.arguments[name]))
        either = frag.pop("or_description", "")  # $or runs only where pages are merged by id (list, search)
        if entity is not None:
            meta = meta or EntityMeta.static(entity)
            if name in ("filter", "fields") and spec.handler == "entity_batch" and "search" not in entity.operations:
                continue  # records are chosen by filter through a search the entity does not have
            if "description" in frag:
                frag["description"] = frag["description"].replace("{prefix}", entity.tool_prefix)
            if name == "id" and entity.composite_key:  # no id: the record is named by its composite key, typed
                props.update(key_schemas(entity, meta))
                continue
            if name == "id" and entity.id_type == "string":
                frag = {"type": "string", "minLength": 1, "description": "Record id: a string code."}
            elif name == "id" and "minimum" in frag:
                frag["minimum"] = entity.id_minimum
            elif name in ("aggregate", "groupBy"):
                if not aggregate.specialise(name, frag, entity, meta):
                    continue
            elif name == "include":
                # An include of another entity's records is offered where that entity is enabled too.
                offered = [
                    i
                    for i in meta.include
                    if not enabled or catalog.include_with.get(i, entity.name) in enabled | {entity.name}
                ]
                if not offered:
                    continue
                frag["items"] = {"enum": offered}
                if len(offered) <= frag.get("maxItems", 0):
                    del frag["maxItems"]  # unique values of so short a list cannot exceed it
            elif name == "select":
                frag["items"] = {"enum": name_enum(meta.fields)}
            elif name in ("order", "sort"):
                frag = {**order_schema(meta.fields), "description": frag["description"]}
            elif name == "filter":
                frag["description"] += either if spec.handler == "page" else ""
            elif name == "offset" and spec.name == "fields":
                frag["description"] = "Fields to skip (the summary says where the next part starts)."
            elif name == "fields" and spec.handler == "entity_batch":
                # The values an update by filter sets: checked by the handler, listed once in _update.
                frag["description"] = f"With filter, the values to set, as in {entity.tool_prefix}_update."
            elif name == "fields":
                create = spec.name == "create"
                frag = {**writable_fields_schema(meta.fields, create=create, names=create or named), **frag}
                frag.pop("type", None)
                frag = {"type": "object", **frag}
        elif name == "calls":
            frag["items"]["properties"]["entity"]["enum"] = [e.name for e in exposed if e.in_batch]
        props[name] = frag
    required = list(spec.required)
    if entity is not None and entity.composite_key and "id" in required:
        required[required.index("id") : required.index("id") + 1] = list(entity.composite_key)
    if entity is not None and entity.required_filter and "filter" in props:
        # The API refuses the list without them (MISSING_REQUIRED_FILTER): say so in the schema.
        props["filter"]["required"] = list(entity.required_filter)
        props["filter"]["description"] += f" Required: {' and '.join(entity.required_filter)} (equality)."
        required.append("filter")
    if entity is not None and entity.path_args:  # items: the type comes first, and always
        props = {**{a: json_copy(dict(catalog.arguments[a])) for a in entity.path_args}, **props}
        required = [*entity.path_args, *required]
    schema: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        schema["required"] = required
    compacted: dict[str, Any] = compact(schema)
    return compacted


def key_schemas(entity: EntitySpec, meta: EntityMeta) -> dict[str, Any]:
    """The arguments naming a record by its composite key: each key field, typed from the metadata."""
    out: dict[str, Any] = {}
    for name in entity.composite_key:
        spec = meta.fields.get(name) or entity.fields[name]
        frag = field_schema(spec)
        if frag.get("type") == "integer":
            frag["minimum"] = 1
        note = frag.get("description")
        frag["description"] = f"Key part {name}" + (f" ({note})." if note else ".")
        out[name] = frag
    return out


JSON_TYPES: dict[type, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def compact(schema: Any) -> Any:
    """`schema` without what it says twice: a `type` next to an `enum` whose values all have that type.

    Every tool is listed to the model on every turn, so redundant keywords cost real tokens.
    """
    if isinstance(schema, list):
        return [compact(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: compact(v) if k not in ("enum", "const", "default", "required") else v for k, v in schema.items()}
    values = out.get("enum")
    if isinstance(values, list) and values and isinstance(out.get("type"), str):
        kinds = {JSON_TYPES.get(type(v)) for v in values}
        if kinds == {out["type"]} or (out["type"] == "number" and kinds <= {"integer", "number"}):
            del out["type"]
    return out


def bind(ops: Operations, target: Target) -> Run:
    """The tool's runner: the handler of its operation kind, bound to the runtime and target.

    Raises:
        ConfigError: the operation's kind has no registered handler (a start-up error).
    """
    handler = handler_for(target.spec)
    entity = target.entity
    if entity is not None and entity.composite_key and "id" in target.spec.arguments:
        key = entity.composite_key

        async def run_keyed(args: Mapping[str, Any], ctx: CallContext) -> Output:
            # The key's parts travel as one path id (/v1/addresses/6/8/42), which is what the handler reads.
            rest = {k: v for k, v in args.items() if k not in key}
            return await handler(ops, target, {**rest, "id": "/".join(str(args[k]) for k in key)}, ctx)

        return run_keyed
    if entity is None or not entity.path_args:
        return functools.partial(handler, ops, target)
    names = entity.path_args

    async def run(args: Mapping[str, Any], ctx: CallContext) -> Output:
        # Path arguments (entityTypeId) address the records; the handler sees the rest.
        bound = dataclasses.replace(target, bound=tuple((n, args[n]) for n in names))
        return await handler(ops, bound, {k: v for k, v in args.items() if k not in names}, ctx)

    return run


def _live(
    catalog: Catalog, spec: OperationSpec, entity: EntitySpec, ops: Operations, exposed: Sequence[EntitySpec]
) -> LiveSchema | None:
    store = ops.metadata
    if store is None:
        return None
    return LiveSchema(
        version=lambda: store.version,
        # What arguments are checked against (never listed): update's fields carry the allowed values'
        # names too, so a value refused names the ones to send (78=Сайт, …), not the bare ids.
        build=lambda: input_schema(catalog, spec, entity, store.get(entity), exposed, named=True),
    )


def build_tools(
    catalog: Catalog,
    entities: list[EntitySpec],
    ops: Operations,
    *,
    skip: Collection[str] = (),
    read_only: bool = False,
    policy: WritePolicy | None = None,
) -> dict[str, ToolDef]:
    """All tools for the chosen entities plus the cross-entity ones, in a deterministic order.

    An entity operation becomes a tool when operations.json describes it, unless `skip` (the
    operations the chosen toolsets leave out) names it; the write policy leaves out the tools its
    tier forbids (`read_only`: every tool that writes). Schemas follow `ops.meta` (live field
    metadata once fetched).
    """
    tools: dict[str, ToolDef] = {}
    for entity in entities:
        for op in entity.operations:
            spec = catalog.operation(entity, op)
            if spec is None or op in skip:
                continue  # supported upstream, not offered as a tool (operations.json has no entry)
            name = f"{entity.tool_prefix}_{op}"
            target = Target(name, spec, entity)
            tools[name] = ToolDef(
                name=name,
                title="",  # the name says it ("deals_search"); no title keeps tools/list small
                description=describe(spec, entity),
                input_schema=input_schema(catalog, spec, entity, ops.meta(entity), entities),
                output_schema=output_schema(op),
                annotations=spec.annotations,
                run=bind(ops, target),
                target=target,
                live=_live(catalog, spec, entity, ops, entities),
            )
    exposed = [e for e in entities if not e.bound]  # one smart process type's tools are items_* bound to it
    typed, built = tuple(e for e in entities if e.bound), frozenset(tools)
    for name, spec in catalog.cross_entity.items():
        if spec.handler == "calls" and not any(e.in_batch for e in exposed):
            continue  # nothing exposed goes through /v1/batch (chats, comments…): a batch tool could not be called
        target = Target(name, spec, exposed=tuple(exposed), tools=built, typed=typed)
        tools[name] = ToolDef(
            name=name,
            title=spec.title or name,
            description=spec.description,
            input_schema=input_schema(catalog, spec, exposed=exposed),
            output_schema=output_schema(spec.handler),  # by kind: the tool `batch` is not the operation batch
            annotations=spec.annotations,
            run=bind(ops, target),
            target=target,
        )
    policy = WritePolicy("read-only") if read_only else policy or WritePolicy()
    return {n: t for n, t in tools.items() if policy.lists(t.target.spec.name if t.target else n, t.writes)}
