"""The `entities` tool: what the catalog offers, whether this process exposes it, and whether the
key's scopes (GET /v1/me, cached) allow it. No MCP here.

Bare, it answers one short row per toolset (its entities, enabled here, scope verdict): enough to
find which entity handles a thing. `of` (a toolset, an entity or `all`) answers those entities with
their operations and what they hold. The catalog keeps growing, so either answer fits the result
budget by itself: rows that do not fit are only named, to be asked for with `of`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from server import specs
from server.budget import result_tokens
from server.catalog import Catalog, EntitySpec, load_catalog
from server.context import CallContext
from server.errors import InvalidArguments, VibeCodeError
from server.operations import Operations, Output, mapping
from server.refdata import reference_for, spec
from server.registry import Target, handles
from server.safety import WritePolicy

SCOPE_STATE = {True: "allowed", False: "scope missing", None: "scope unknown"}
FULL = WritePolicy()  # every tool listed: what the overview asks about (toolsets, not the write tier)
ENABLE = "the operator enables more with VIBECODE_TOOLSETS (e.g. default,crm) or VIBECODE_ENTITIES"
TYPED = "sp_{type}_* are items_* bound to one smart process type; items_* with entityTypeId reaches any type"


@cache
def catalog() -> Catalog:
    return load_catalog()


@cache
def groups() -> dict[str, tuple[str, ...]]:
    """Every toolset with its entities; an entity whose own toolset lists it not is added there."""
    cat = catalog()
    out = {name: list(members) for name, members in cat.toolsets.items()}
    for entity in cat.entities.values():
        members = out.setdefault(entity.toolset, [])
        if entity.name not in members:
            members.append(entity.name)
    return {name: tuple(members) for name, members in out.items()}


def toolset_with(entity: EntitySpec, op: str) -> str:
    """A toolset that makes `op` of `entity` a tool: its own first, else any listing it without skipping `op`."""
    sets = [entity.toolset, *(t for t, members in groups().items() if entity.name in members)]
    skips = catalog().toolset_skips
    return next((t for t in dict.fromkeys(sets) if op not in skips.get(t, frozenset())), entity.toolset)


def callable_here(
    entity: EntitySpec, tools: frozenset[str], policy: WritePolicy = FULL
) -> tuple[list[str], dict[str, list[str]]]:
    """The entity's operations that are tools on this server now, and the rest by where they are: the
    toolset that has them, or `write mode` for writes the write tier hides."""
    here: list[str] = []
    also: dict[str, list[str]] = {}
    for op in entity.operations:
        spec = catalog().operation(entity, op)
        if f"{entity.tool_prefix}_{op}" not in tools:
            also.setdefault(toolset_with(entity, op), []).append(op)
        elif spec is not None and not policy.lists(spec.name, not spec.annotations.get("readOnlyHint", False)):
            also.setdefault(f"write mode {policy.tier}", []).append(op)
        else:
            here.append(op)
    return here, also


def scope_of(entity: str) -> str:
    return str(specs.load("entities.json")["entities"].get(entity, {}).get("scope") or "")


def allowed(scope: str | None, scopes: Sequence[str] | None) -> bool | None:
    """True/False when the key's scopes are known, None when they are not (or the entity names none)."""
    if scopes is None or not scope:
        return None
    aliases: Mapping[str, list[str]] = spec()["scope_aliases"]
    return any(s in scopes for s in (scope, *aliases.get(scope, [])))


async def key_scopes(ops: Operations) -> list[str] | None:
    """The key's scopes from /v1/me, cached; None when /v1/me cannot be read."""
    ref = reference_for(ops)

    async def fetch() -> list[str]:
        resp = await ops.client.request("GET", "/v1/me")
        return [str(s) for s in mapping(resp.data).get("scopes") or []]

    try:
        scopes: list[str] = await ref.cache.get("scopes", float(spec()["ttl_seconds"]["scopes"]), fetch)
    except VibeCodeError:
        return None
    return scopes


def _state(names: Sequence[str], on: Sequence[str]) -> str:
    if len(on) == len(names):
        return "enabled"
    return f"enabled: {' '.join(on)}" if on else "not enabled"


def _largest(fits: Callable[[int], bool], high: int) -> int:
    """The largest n in 0..high that `fits` (which holds for every smaller n too), by bisection; 0 if none."""
    low = 0
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if fits(mid) else (low, mid - 1)
    return low


def fitted(
    summary: str,
    key: str,
    rows: list[dict[str, Any]],
    lines: list[str],
    extra: Mapping[str, Any],
    budget: int,
    tail: Sequence[str] = (),
) -> Output:
    """The answer with as many whole rows as fit `budget`; the rest only named in `more` (as many of
    those as fit), so a growing catalog shortens the answer instead of cutting it blindly."""
    plural = "toolsets" if key == "toolsets" else "entities"
    names = [str(r["toolset" if key == "toolsets" else "entity"]) for r in rows]

    def build(kept: int, named: int) -> tuple[dict[str, Any], str]:
        rest = names[kept:]
        said = summary + (f" {len(rest)} {plural} did not fit the budget: only named in `more`." if rest else "")
        if named < len(rest):
            said += f" {len(rest) - named} not even named; a larger VIBECODE_MAX_RESULT_TOKENS shows them."
        structured = {"summary": said, key: rows[:kept], **extra}
        text = [said, *lines[:kept]]
        if rest[:named]:
            structured["more"] = rest[:named]
            text.append(f"more {plural} (entities of=NAME): {' '.join(rest[:named])}")
        return structured, "\n".join([*text, *tail])

    def fits(kept: int, named: int) -> bool:
        return result_tokens(*build(kept, named)) <= budget

    kept = _largest(lambda k: fits(k, len(names)), len(rows))
    named = len(names) if kept or fits(0, len(names)) else _largest(lambda n: fits(0, n), len(names))
    return Output(*build(kept, named))


def overview(target: Target, scopes: list[str] | None, budget: int) -> Output:
    """One row per toolset: its entities, which are enabled here, its scopes' verdicts (and smart's typed tools)."""
    exposed = {e.name for e in target.exposed}
    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    for name, members in groups().items():
        on = [m for m in members if m in exposed]
        verdicts = {s: allowed(s, scopes) for s in dict.fromkeys(scope_of(m) for m in members) if s}
        row: dict[str, Any] = {"toolset": name, "entities": list(members), "enabled": on, "scopes": verdicts}
        said = ", ".join(f"{s} {SCOPE_STATE[v]}" for s, v in verdicts.items())
        line = f"{name}: {' '.join(members)} | {_state(members, on)} | {said}"
        typed = [e.tool_prefix for e in target.typed if e.name in on]
        if typed:
            row["typed"] = typed
            line += f" | typed: {' '.join(p + '_*' for p in typed)}"
        rows.append(row)
        lines.append(line)
    reference = [
        {"kind": kind, "scope": k["scope"], "allowed": allowed(k["scope"], scopes)}
        for kind, k in spec()["kinds"].items()
    ]
    ref_line = "reference tool kinds: " + ", ".join(
        f"{t['kind']} ({t['scope']} {SCOPE_STATE[t['allowed']]})" for t in reference
    )
    total = len(catalog().entities)
    summary = f"{total} entities in {len(rows)} toolsets, {len(exposed & set(catalog().entities))} enabled here"
    summary += "; key scopes unknown (/v1/me failed)" if scopes is None else ""
    held = {
        op: None
        for e in target.exposed
        for where, ops in callable_here(e, target.tools)[1].items()
        if not where.startswith("write mode")
        for op in ops
    }
    summary += f"; not tools here: {' '.join(held)} (each entity's own toolset has them)" if held else ""
    summary += f"; {ENABLE}" if set(catalog().entities) - exposed or held else ""
    summary += ". Call entities with of=<toolset or entity> for operations; tools are {entity}_{operation}, - as _."
    extra = {"reference": reference, "scopes": scopes}
    return fitted(summary, "toolsets", rows, lines, extra, budget, [ref_line])


def chosen(of: str, typed: Sequence[EntitySpec] = ()) -> tuple[str, tuple[str, ...]]:
    """What `of` names: a toolset (or `all`) and its entities, or one entity (`task_comments` too), or
    one smart process type's typed tools (`sp_contracts` or `contracts`)."""
    for entity in typed:
        if of in (entity.tool_prefix, entity.tool_prefix.removeprefix("sp_")):
            return f"smart process type {entity.tool_prefix}", (entity.tool_prefix,)
    if of == "all":
        return "all toolsets", tuple(catalog().entities)
    if of in groups():
        text = specs.load("toolsets.json")["toolsets"].get(of, {}).get("description", "")
        return f"toolset {of}" + (f" ({text.rstrip('.')})" if text else ""), groups()[of]
    name = of if of in catalog().entities else of.replace("_", "-")
    if name in catalog().entities:
        return f"entity {name}", (name,)
    raise InvalidArguments(
        f"of={of!r} names no toolset or entity.",
        hint=f"Give a toolset ({', '.join(groups())}), an entity name such as deals, or all."
        + (f" Smart process types: {', '.join(e.tool_prefix for e in typed)}." if typed else ""),
    )


def _ops(entity: EntitySpec, enabled: bool, tools: frozenset[str], policy: WritePolicy) -> tuple[dict[str, Any], str]:
    """What of the entity is callable here (`tools`) and what another toolset adds (`also`), row and text."""
    if not enabled:
        return {}, " ".join(entity.operations)  # none is a tool here; `toolsets` says where they are
    here, also = callable_here(entity, tools, policy)
    text = " ".join(here) + "".join(
        f"; hidden by {t} (VIBECODE_WRITE_MODE): {' '.join(ops)}"
        if t.startswith("write mode")
        else f"; also with toolset {t}: {' '.join(ops)}"
        for t, ops in also.items()
    )
    return ({"tools": here, "also": also} if also else {"tools": here}), text


def expand(names: Sequence[str], typed: Sequence[EntitySpec]) -> list[EntitySpec]:
    """The named entities' specs, each smart process type's (sp_{type}) right after `items`."""
    by_prefix = {e.tool_prefix: e for e in typed}
    out: list[EntitySpec] = []
    for name in names:
        if name in by_prefix:
            out.append(by_prefix[name])
            continue
        out.append(catalog().entities[name])
        out.extend(typed if name == "items" else ())
    return out


def detail(
    label: str,
    names: Sequence[str],
    target: Target,
    scopes: list[str] | None,
    budget: int,
    policy: WritePolicy = FULL,
) -> Output:
    """The chosen entities with the operations callable here (and those another toolset adds), toolsets,
    enabled flag, scope verdict and contents; each smart process type's typed tools after `items`."""
    exposed = {e.name for e in target.exposed} | {e.tool_prefix for e in target.typed}
    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    for entity in expand(names, target.typed):
        name = entity.tool_prefix if entity.bound else entity.name
        sets = [t for t, members in groups().items() if entity.name in members]
        scope, verdict = scope_of(entity.name), allowed(scope_of(entity.name), scopes)
        ops, said = _ops(entity, name in exposed, target.tools, policy)
        row = {"entity": name, "operations": list(entity.operations), **ops, "toolsets": sets}
        rows.append({**row, "enabled": name in exposed, "scope": scope, "allowed": verdict, "about": entity.summary})
        state = "enabled" if name in exposed else "not enabled"
        lines.append(f"{name}: {said} | {'/'.join(sets)} | {state} | {scope} {SCOPE_STATE[verdict]} | {entity.summary}")
    on = sum(1 for row in rows if row["enabled"])
    summary = f"{label}: {len(rows)} entities, {on} enabled here"
    summary += "; key scopes unknown (/v1/me failed)" if scopes is None else ""
    summary += f"; {ENABLE}" if on < len(rows) or any("also" in row for row in rows) else ""
    summary += ". Tools are {entity}_{operation}, - as _"
    summary += f"; {TYPED}." if any(e.bound for e in expand(names, target.typed)) else "."
    return fitted(summary, "entities", rows, lines, {"scopes": scopes}, budget)


@handles("entities")
async def entities(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Toolsets at a glance, or with `of` the named entities in detail."""
    of = args.get("of")
    picked = None if of is None else chosen(str(of).strip(), target.typed)  # a wrong name fails before any request
    scopes = await key_scopes(ops)
    if picked is None:
        return overview(target, scopes, ops.max_result_tokens)
    return detail(*picked, target, scopes, ops.max_result_tokens, ctx.policy)
