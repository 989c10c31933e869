"""Typed view of the entity catalog, operations and toolsets declared in `tool_specs/`."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from server import specs
from server.costs import CostTable
from server.errors import ConfigError


@dataclass(frozen=True)
class FieldSpec:
    """One field as the static catalog knows it (live metadata may add more)."""

    name: str
    type: str
    readonly: bool = False
    required: bool = False
    multiple: bool = False
    label: str = ""
    items: tuple[tuple[str, str], ...] = ()
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()  # stage ids per pipeline id (stage fields)
    status_type: str = ""  # the status list a crm_status field draws from (DEAL_STAGE, SOURCE, …)
    pattern: str = ""  # a regular expression every value must match (as in JSON Schema)
    hint: str = ""  # how to write a value, where the type alone does not say
    fixed: bool = False  # set on create only (a user field's type and name, a requisite's owner): not in update


@dataclass(frozen=True)
class EntitySpec:
    """An entity of the VibeCode API: its path, toolset, operations and key fields."""

    name: str
    title: str
    summary: str
    toolset: str
    operations: tuple[str, ...]
    key_fields: tuple[str, ...]
    name_field: str
    include: tuple[str, ...]
    aggregatable: tuple[str, ...]
    fields: Mapping[str, FieldSpec]
    link_field: str = ""  # a field holding a download URL: `get` answers it as a resource link too
    id_type: str = "integer"  # "string" where the path id is a code (order statuses, bizproc activities)
    path: str = ""  # the REST path under /v1 when it is not the name: "items/{entityTypeId}"
    required_filter: tuple[str, ...] = ()  # fields every list must filter on (timelines: one record's)
    id_field: str = "id"  # the field the path id names (smart-process types: entityTypeId)
    prefix: str = ""  # the tool name prefix when not the name's (one smart process type: "sp_contracts")
    bound: tuple[tuple[str, object], ...] = ()  # path arguments fixed for this spec (one type's entityTypeId)
    batch_limit: int = 0  # items one entity batch request takes, when fewer than the usual 500 (task comments)
    variants: Mapping[str, str] = field(default_factory=dict)  # operation → its own spec (user fields' list)
    changes_metadata: bool = False  # its writes change other entities' fields (user fields): refresh after
    delete_note: str = ""  # what a delete destroys besides the record, said in the plan a human confirms
    composite_key: tuple[str, ...] = ()  # a composite key in path order, for records with no id (addresses)
    id_minimum: int = 1  # the smallest record id (deal pipelines: 0 is the main one)
    update_answer: str = ""  # the shape of an update's `data` when not the record ("any": statuses answer `true`)
    fields_by_preset: bool = False  # which fields a record keeps follows its presetId (requisites)
    own_routes: bool = False  # served only at routes of its own, never inside POST /v1/batch (chats)

    def ref(self, record_id: object) -> str:
        """How a summary names a record: `#42`, or the composite key's fields (`typeId 6, entityTypeId 8, …`)."""
        if not self.composite_key:
            return f"#{record_id}"
        return ", ".join(f"{k} {v}" for k, v in self.key_of(record_id).items())

    def key_of(self, record_id: object) -> dict[str, object]:
        """The fields that name a record: `{"id": 42}`, or the composite key's parts from its path id (6/8/42)."""
        if not self.composite_key:
            return {"id": record_id}
        parts = str(record_id).split("/")
        return {k: int(v) if v.isdigit() else v for k, v in zip(self.composite_key, parts, strict=False)}

    @property
    def path_args(self) -> tuple[str, ...]:
        """The tool arguments the REST path needs besides the record id ("entityTypeId" for items)."""
        fixed = dict(self.bound)
        return tuple(a for a in re.findall(r"{(\w+)}", self.path) if a not in fixed)

    @property
    def in_batch(self) -> bool:
        """True where `POST /v1/batch` takes the entity: items name their type in params.entityTypeId, but
        records under another record's path (a task's comments, an entity's user fields) are refused
        there (ENTITY_CUSTOM_ROUTES) and only reachable through their own routes."""
        return not self.own_routes and set(self.path_args) <= {"entityTypeId"}

    def rest_path(self, values: Mapping[str, object]) -> str:
        """The entity's REST path under /v1 with its path arguments filled in."""
        return self.path.format(**dict(self.bound), **values) if self.path else self.name

    @property
    def key(self) -> str:
        """What names this entity's records and metadata: its REST path once fixed ("items/1032"), else its name."""
        return self.name if self.path_args else self.rest_path({})

    def batch_address(self, values: Mapping[str, object]) -> tuple[str, dict[str, object]]:
        """How a `POST /v1/batch` call names the entity: its name, and the path arguments it needs in `params`
        (smart process items: `entity: "items"` with `params.entityTypeId`, as the batch page documents)."""
        placeholders = re.findall(r"{(\w+)}", self.path)
        given = {**dict(self.bound), **values}
        return self.name, {a: given[a] for a in placeholders if a in given}

    @property
    def tool_prefix(self) -> str:
        return self.prefix or self.name.replace("-", "_")


@dataclass(frozen=True)
class OperationSpec:
    """How an operation maps onto REST, its annotations and argument names (its cost: `units`)."""

    name: str
    method: str
    path: str
    annotations: Mapping[str, bool]
    description: str
    arguments: tuple[str, ...]
    required: tuple[str, ...]
    with_summary: bool = False  # append the entity's summary to the tool description
    title: str = ""  # a cross-entity tool's title (entity tools are titled "{Entity}: {operation}")
    handler: str = ""  # the operation kind: which registered handler runs it (server.registry)
    costs: CostTable = field(default_factory=CostTable, repr=False, compare=False)  # the limiter's own table

    def units(self, items: int = 0) -> int:
        """Rate-limit units of sending `items` items (0: one ordinary call), as the limiter books them."""
        return math.ceil(self.costs.total(self.method, self.path, items))


@dataclass(frozen=True)
class Catalog:
    entities: Mapping[str, EntitySpec]
    operations: Mapping[str, OperationSpec]
    cross_entity: Mapping[str, OperationSpec]  # tools that belong to no entity, such as `me`
    arguments: Mapping[str, Mapping[str, Any]]
    toolsets: Mapping[str, tuple[str, ...]]
    toolset_skips: Mapping[str, frozenset[str]] = field(default_factory=dict)  # operations a toolset leaves out
    include_with: Mapping[str, str] = field(default_factory=dict)  # include → the entity its records belong to
    variants: Mapping[str, OperationSpec] = field(default_factory=dict)  # an entity's own take on an operation

    def operation(self, entity: EntitySpec, op: str) -> OperationSpec | None:
        """The spec of `op` on `entity`: its own variant if it names one, else the common operation."""
        own = entity.variants.get(op)
        return self.variants[own] if own else self.operations.get(op)

    def skipped(self, toolsets: Sequence[str], entities: Sequence[str]) -> frozenset[str]:
        """Operations left out for this selection: those every chosen toolset skips.

        The default set skips `list` (search does the same over POST) to keep tools/list small;
        naming another toolset or an entity brings it back.
        """
        chosen = list(toolsets or (() if entities else ("default",)))
        if entities or not chosen:
            return frozenset()
        return frozenset.intersection(*(self.toolset_skips.get(ts, frozenset()) for ts in chosen))

    def select(self, toolsets: Sequence[str], entities: Sequence[str]) -> list[EntitySpec]:
        """Entities exposed by the toolsets plus the named entities, in catalog order.

        With neither given, the `default` toolset.

        Raises:
            ConfigError: an unknown toolset or entity name.
        """
        for name in entities:
            if name not in self.entities:
                raise ConfigError(
                    f"VIBECODE_ENTITIES names unknown entity {name!r}; known: {', '.join(self.entities)}."
                )
        chosen: set[str] = set(entities)
        for ts in toolsets or (() if entities else ("default",)):
            if ts == "all":
                chosen.update(self.entities)
            elif ts in self.toolsets:
                chosen.update(self.toolsets[ts])
            else:
                known = ", ".join([*self.toolsets, "all"])
                raise ConfigError(f"VIBECODE_TOOLSETS names unknown toolset {ts!r}; known: {known}.")
        return [e for n, e in self.entities.items() if n in chosen]


def _field(name: str, raw: Mapping[str, Any]) -> FieldSpec:
    return FieldSpec(
        name=name,
        type=raw["type"],
        readonly=bool(raw.get("readonly", False)),
        required=bool(raw.get("required", False)),
        multiple=bool(raw.get("multiple", False)),
        label=str(raw.get("label", "")),
        items=tuple((str(i), str(v)) for i, v in raw.get("items", [])),
        pattern=str(raw.get("pattern", "")),
        hint=str(raw.get("hint", "")),
        fixed=bool(raw.get("fixed", False)),
    )


def _operation(name: str, o: Mapping[str, Any]) -> OperationSpec:
    """An operation (or, with `of`, an entity's variant of one: it keeps that operation's name)."""
    name = str(o.get("of", name))
    if not o.get("handler"):
        raise ConfigError(f"tool_specs/operations.json: operation {name!r} names no handler.")
    if "cost" in o or "items_per_unit" in o:
        raise ConfigError(
            f"tool_specs/operations.json: operation {name!r} gives a cost; costs live in tool_specs/rate_limits.json "
            "only (the limiter books by method and path), so remove it there."
        )
    return OperationSpec(
        name=name,
        method=o["method"],
        path=o["path"],
        annotations=o["annotations"],
        description=o["description"],
        arguments=tuple(o["arguments"]),
        required=tuple(o["required"]),
        with_summary=bool(o.get("with_summary", False)),
        title=str(o.get("title", "")),
        handler=str(o["handler"]),
    )


def load_catalog() -> Catalog:
    """Read entities.json, operations.json and toolsets.json."""
    ents = specs.load("entities.json")["entities"]
    ops = specs.load("operations.json")
    toolsets = specs.load("toolsets.json")
    sets = toolsets["toolsets"]
    entities = {
        name: EntitySpec(
            name=name,
            title=e["title"],
            summary=e["summary"],
            toolset=e["toolset"],
            operations=tuple(e["operations"]),
            key_fields=tuple(e["key_fields"]),
            name_field=e["name_field"],
            include=tuple(e["include"]),
            aggregatable=tuple(e["aggregatable"]),
            fields={f: _field(f, spec) for f, spec in e["fields"].items()},
            link_field=str(e.get("link_field", "")),
            path=str(e.get("path", "")),
            required_filter=tuple(e.get("required_filter", ())),
            id_type=str(e.get("id_type", "integer")),
            id_field=str(e.get("id_field", "id")),
            batch_limit=int(e.get("batch_limit", 0)),
            variants=dict(e.get("variants", {})),
            changes_metadata=bool(e.get("changes_metadata", False)),
            fields_by_preset=bool(e.get("fields_by_preset", False)),
            delete_note=str(e.get("delete_note", "")),
            composite_key=tuple(e.get("composite_key", ())),
            id_minimum=int(e.get("id_minimum", 1)),
            update_answer=str(e.get("update_answer", "")),
            own_routes=bool(e.get("own_routes", False)),
        )
        for name, e in ents.items()
    }
    return Catalog(
        entities=entities,
        operations={name: _operation(name, o) for name, o in ops["operations"].items()},
        cross_entity={name: _operation(name, o) for name, o in ops["cross_entity"].items()},
        arguments=ops["arguments"],
        toolsets={name: tuple(t["entities"]) for name, t in sets.items()},
        toolset_skips={name: frozenset(t.get("skip", ())) for name, t in sets.items()},
        variants={name: _operation(name, o) for name, o in ops.get("variants", {}).items()},
        include_with={k: v for k, v in toolsets.get("include_with", {}).items() if not k.startswith("$")},
    )
