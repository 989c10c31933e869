"""Stages belong to pipelines: a stage filter that no filtered pipeline has can match nothing.

Live metadata groups a stage field's ids by pipeline (`FieldSpec.groups`: `C1:WON` is pipeline 1,
`WON` pipeline 0); the pipeline field is the entity's `crm_category` field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from server.catalog import FieldSpec

from .merge import Clause
from .problems import CONTRADICTION, problem, show


def _values(ops: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The values an equality or `$in` allows, or None when the field is not pinned to a list."""
    if "eq" in ops:
        return (ops["eq"],)
    return tuple(ops["in"]) if "in" in ops else None


def _namer(names: Mapping[str, str]) -> Callable[[Any], str]:
    return lambda p: f"{p} ({names[str(p)]})" if str(p) in names else str(p)


def check_stages(clause: Clause, fields: Mapping[str, FieldSpec]) -> None:
    """Raise when the stages asked for lie outside every pipeline asked for.

    Raises:
        FilterProblem: CONTRADICTORY_FILTER naming the stages each asked pipeline has.
    """
    pipeline_field = next((n for n in clause if fields.get(n) and fields[n].type == "crm_category"), None)
    if pipeline_field is None:
        return
    pipelines = _values(clause[pipeline_field])
    if not pipelines:
        return
    for name, ops in clause.items():
        spec = fields.get(name)
        groups = dict(spec.groups) if spec is not None else {}
        stages = _values(ops) if groups else None
        if not stages:
            continue
        allowed = {s for p in pipelines for s in groups.get(str(p), ())}
        if any(s in allowed for s in stages):
            continue
        names = dict(fields[pipeline_field].items)
        named = _namer(names)
        wanted = ", ".join(show(s) for s in stages)
        where = ", ".join(named(p) for p in pipelines)
        own = sorted({p for s in stages for p, ids in groups.items() if s in ids})
        listing = "; ".join(f"{named(p)}: {', '.join(groups.get(str(p), ()))}" for p in pipelines)
        raise problem(
            CONTRADICTION,
            name,
            f"{wanted} is not a stage of {pipeline_field} {where}"
            + (f" (it belongs to pipeline {', '.join(named(p) for p in own)})" if own else "")
            + ", so no record can match",
            f"Stages by pipeline: {listing}.",
            [s for p in pipelines for s in groups.get(str(p), ())][:8],
        )
