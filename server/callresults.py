"""The records a `/v1/batch` answers, made concise the way the entity tools make theirs: the caller's
select or the entity's key fields, and a name next to each id it carries (stage, company, responsible),
looked up once for all the calls on one entity. Plain data in and out; no MCP here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from server.catalog import EntitySpec
from server.operations import Operations, mapping
from server.records import concise_included, normalise_page
from server.results import project

SHAPED = frozenset({"list", "search", "get", "create", "update"})


async def concise_results(
    ops: Operations, calls: Sequence[Mapping[str, Any]], data: Mapping[str, Any], entities: Mapping[str, EntitySpec]
) -> tuple[dict[str, Any], bool]:
    """`data` with each record result in concise form, and whether any record was cut to key fields."""
    results = dict(mapping(data.get("results")))
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (entity, base) → every record to name
    bounds: dict[tuple[str, str], dict[str, object]] = {}
    cut = False
    for call in calls:
        cid, action = call["id"], call["action"]
        if action not in SHAPED or cid not in results:
            continue
        entity = entities[call["entity"]]
        params = mapping(call.get("params"))
        bound = {a: params[a] for a in entity.path_args if a in params}
        select = params.get("select")
        shown = list(select) if isinstance(select, list) and select else list(entity.key_fields)
        cut = cut or not select
        value = results[cid]
        single = not isinstance(value, list) or (action == "get" and len(value) == 1)
        raw = [value[0] if isinstance(value, list) else value] if single else value
        records = [project(r, shown, concise=True) for r in normalise_page(raw, ops.meta(entity, bound).fields)]
        for rec in records:
            if "_included" in rec:
                rec["_included"] = concise_included(rec["_included"])
        if single and not records:
            continue
        results[cid] = records[0] if single else records
        base = "/v1/" + entity.rest_path(bound) if entity.path_args or entity.bound else ""
        groups.setdefault((entity.name, base), []).extend(records)
        bounds[(entity.name, base)] = bound
    for (name, base), records in groups.items():
        entity = entities[name]
        meta = ops.meta(entity, bounds[(name, base)]).fields
        await ops.names.annotate_typed(entity, records, meta, base or None)
    return {**data, "results": results}, cut
