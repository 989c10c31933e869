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
from server.catalog import Catalog, load_catalog
from server.context import CallContext
from server.errors import InvalidArguments, VibeCodeError
from server.operations import Operations, Output, mapping
from server.refdata import reference_for, spec
from server.registry import Target, handles

SCOPE_STATE = {True: "allowed", False: "scope missing", None: "scope unknown"}
ENABLE = "the operator enables others: VIBECODE_TOOLSETS, VIBECODE_ENTITIES"


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


def overview(exposed: set[str], scopes: list[str] | None, budget: int) -> Output:
    """One row per toolset: its entities, which are enabled here, its scopes' verdicts."""
    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    for name, members in groups().items():
        on = [m for m in members if m in exposed]
        verdicts = {s: allowed(s, scopes) for s in dict.fromkeys(scope_of(m) for m in members) if s}
        rows.append({"toolset": name, "entities": list(members), "enabled": on, "scopes": verdicts})
        said = ", ".join(f"{s} {SCOPE_STATE[v]}" for s, v in verdicts.items())
        lines.append(f"{name}: {' '.join(members)} | {_state(members, on)} | {said}")
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
    summary += f"; {ENABLE}" if set(catalog().entities) - exposed else ""
    summary += ". Call entities with of=<toolset or entity> for operations; tools are {entity}_{operation}, - as _."
    extra = {"reference": reference, "scopes": scopes}
    return fitted(summary, "toolsets", rows, lines, extra, budget, [ref_line])


def chosen(of: str) -> tuple[str, tuple[str, ...]]:
    """What `of` names: a toolset (or `all`) and its entities, or one entity (`task_comments` too)."""
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
        hint=f"Give a toolset ({', '.join(groups())}), an entity name such as deals, or all.",
    )


def detail(label: str, names: Sequence[str], exposed: set[str], scopes: list[str] | None, budget: int) -> Output:
    """The chosen entities with their operations, toolsets, enabled flag, scope verdict and contents."""
    cat = catalog()
    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    for name in names:
        entity = cat.entities[name]
        sets = [t for t, members in groups().items() if name in members]
        scope, verdict = scope_of(name), allowed(scope_of(name), scopes)
        row = {"entity": name, "operations": list(entity.operations), "toolsets": sets, "enabled": name in exposed}
        rows.append({**row, "scope": scope, "allowed": verdict, "about": entity.summary})
        state = "enabled" if name in exposed else "not enabled"
        lines.append(
            f"{name}: {' '.join(entity.operations)} | {'/'.join(sets)} | {state} | {scope} {SCOPE_STATE[verdict]} | "
            + entity.summary
        )
    on = sum(1 for name in names if name in exposed)
    summary = f"{label}: {len(rows)} entities, {on} enabled here"
    summary += "; key scopes unknown (/v1/me failed)" if scopes is None else ""
    summary += f"; {ENABLE}" if on < len(rows) else ""
    summary += ". Tools are {entity}_{operation}, - as _."
    return fitted(summary, "entities", rows, lines, {"scopes": scopes}, budget)


@handles("entities")
async def entities(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Toolsets at a glance, or with `of` the named entities in detail."""
    exposed = {e.name for e in target.exposed}
    of = args.get("of")
    picked = None if of is None else chosen(str(of).strip())  # a wrong name fails before any request
    scopes = await key_scopes(ops)
    if picked is None:
        return overview(exposed, scopes, ops.max_result_tokens)
    return detail(*picked, exposed, scopes, ops.max_result_tokens)
