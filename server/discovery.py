"""The `entities` tool: every entity the catalog knows, its operations and toolsets, whether this
process exposes it, and whether the key's scopes (GET /v1/me, cached) allow it. No MCP here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from server import specs
from server.catalog import Catalog, load_catalog
from server.context import CallContext
from server.errors import VibeCodeError
from server.operations import Operations, Output, mapping
from server.refdata import reference_for, spec
from server.registry import Target, handles

SCOPE_STATE = {True: "allowed", False: "scope missing", None: "scope unknown"}


@cache
def catalog() -> Catalog:
    return load_catalog()


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


@handles("entities")
async def entities(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """The catalog with what is enabled here and what the key may reach."""
    cat = catalog()
    exposed = {e.name for e in target.exposed}
    scopes = await key_scopes(ops)
    raw: Mapping[str, Any] = specs.load("entities.json")["entities"]
    rows: list[dict[str, Any]] = []
    for entity in cat.entities.values():
        scope = str(raw.get(entity.name, {}).get("scope") or "")
        rows.append(
            {
                "entity": entity.name,
                "operations": list(entity.operations),
                "toolsets": [entity.toolset, *(t for t, names in cat.toolsets.items() if entity.name in names)],
                "enabled": entity.name in exposed,
                "scope": scope,
                "allowed": allowed(scope, scopes),
            }
        )
    for row in rows:
        row["toolsets"] = list(dict.fromkeys(row["toolsets"]))
    reference = [
        {"kind": kind, "reads": k["reads"], "scope": k["scope"], "allowed": allowed(k["scope"], scopes)}
        for kind, k in spec()["kinds"].items()
    ]
    off = [r["entity"] for r in rows if not r["enabled"]]
    denied = [r["entity"] for r in rows if r["allowed"] is False]
    summary = f"{len(rows)} entities, {len(rows) - len(off)} enabled here"
    if off:
        summary += f"; not enabled: {', '.join(off)} (the operator enables them: VIBECODE_TOOLSETS, VIBECODE_ENTITIES)"
    summary += f"; the key's scopes do not allow: {', '.join(denied)}" if denied else ""
    summary += "; key scopes unknown (/v1/me failed)" if scopes is None else ""
    summary += ". Entity tools are named {entity}_{operation}."
    lines = [summary]
    for r in rows:
        state = "enabled" if r["enabled"] else "not enabled"
        names, sets = " ".join(r["operations"]), "/".join(r["toolsets"])
        lines.append(f"{r['entity']}: {names} | {sets} | {state} | {r['scope']} {SCOPE_STATE[r['allowed']]}")
    lines.extend(
        f"reference kind={t['kind']}: reads {', '.join(t['reads'])} | {t['scope']} {SCOPE_STATE[t['allowed']]}"
        for t in reference
    )
    structured = {"entities": rows, "reference": reference, "scopes": scopes, "summary": summary}
    return Output(structured=structured, text="\n".join(lines))
