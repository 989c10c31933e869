"""Operation kinds → handlers: the table the tool builder binds every tool through.

A handler module registers its kinds with `@handles("kind", ...)`; `tool_specs/operations.json`
names the kind of every operation (`"handler"`). A kind nobody registered is a start-up error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from server.catalog import EntitySpec, OperationSpec
from server.context import CallContext
from server.errors import ConfigError
from server.operations import Operations, Output


@dataclass(frozen=True)
class Target:
    """What one tool is bound to: its name, operation spec and (for entity tools) entity."""

    tool: str
    spec: OperationSpec
    entity: EntitySpec | None = None
    exposed: tuple[EntitySpec, ...] = ()  # the entities this process serves (for cross-entity tools)
    bound: tuple[tuple[str, object], ...] = ()  # the call's path arguments (items: entityTypeId)
    tools: frozenset[str] = frozenset()  # the entity tools this process built (for `entities`)
    typed: tuple[EntitySpec, ...] = ()  # one smart process type's entities, bound to it (sp_{type}_*)

    @property
    def ent(self) -> EntitySpec:
        """The entity of an entity tool (a cross-entity handler never asks)."""
        if self.entity is None:
            raise TypeError(f"{self.tool} is not bound to an entity")
        return self.entity

    def path(self, **values: object) -> str:
        """The operation's REST path with {entity} and the given placeholders filled in."""
        entity = self.entity.rest_path(dict(self.bound)) if self.entity is not None else ""
        return self.spec.path.format(entity=entity, **values)

    @property
    def base(self) -> str:
        """The entity's REST path, "/v1/items/1032" for items of type 1032."""
        return "/v1/" + self.ent.rest_path(dict(self.bound))

    def batch_call(self, call_id: str, action: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One `POST /v1/batch` call on the target's records (items carry their entityTypeId in params)."""
        name, path_params = self.ent.batch_address(dict(self.bound))
        call: dict[str, Any] = {"id": call_id, "entity": name, "action": action}
        if path_params or params:
            call["params"] = {**path_params, **(params or {})}
        return call


Handler = Callable[[Operations, Target, Mapping[str, Any], CallContext], Awaitable[Output]]
HANDLERS: dict[str, Handler] = {}


def handles(*kinds: str) -> Callable[[Handler], Handler]:
    """Register the decorated coroutine as the handler of `kinds` (each kind has one handler)."""

    def register(fn: Handler) -> Handler:
        for kind in kinds:
            if kind in HANDLERS and HANDLERS[kind] is not fn:
                raise ValueError(f"operation kind {kind!r} already has a handler")
            HANDLERS[kind] = fn
        return fn

    return register


def handler_for(spec: OperationSpec) -> Handler:
    """The handler of an operation's kind.

    Raises:
        ConfigError: the spec names a kind with no registered handler.
    """
    handler = HANDLERS.get(spec.handler)
    if handler is None:
        known = ", ".join(sorted(HANDLERS))
        raise ConfigError(
            f"tool_specs/operations.json: operation {spec.name!r} has handler {spec.handler!r}, "
            f"which no module registers; known: {known}."
        )
    return handler
