"""The `reference` tool: deal pipelines with stages, crm.status lists, currencies, departments,
workgroups (one tool with a `kind`, to keep tools/list small). Each resolves a name the user says
("won", "Тендеры", "rubles") to the id a filter needs, in one call. Plain data in, `Output` out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from server.context import CallContext
from server.errors import InvalidArguments
from server.operations import Operations, Output
from server.refdata import ReferenceData, reference_for, semantics
from server.registry import Target, handles
from server.results import render_value

MARKS = {"success": " [success]", "failure": " [failure]"}


def _matches(record: Mapping[str, Any], needle: str | None) -> bool:
    if not needle:
        return True
    text = needle.strip().casefold()
    return str(record.get("id")) == text or text in str(record.get("name", "")).casefold()


def _stage_text(stage: Mapping[str, Any]) -> str:
    return f"{stage['id']} {render_value(stage['name'])}{MARKS.get(str(stage.get('semantics')), '')}"


@handles("reference")
async def reference(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """The reference tool: `kind` picks the list, `name` narrows it."""
    tools = ReferenceTools(reference_for(ops))
    kind = str(args["kind"])
    narrow = args.get("name")
    if kind == "pipelines":
        out = await tools.deal_pipelines(narrow)
    elif kind == "statuses":
        out = await tools.crm_statuses(None if narrow is None else str(narrow))
    elif kind == "currencies":
        out = await tools.currencies()
    else:
        out = await tools.listing(kind, None if narrow is None else str(narrow))
    return Output(structured={"kind": kind, **out.structured}, text=out.text)


class ReferenceTools:
    """Handlers of the reference-data tools."""

    def __init__(self, ref: ReferenceData) -> None:
        self.ref = ref

    async def deal_pipelines(self, wanted: str | int | None) -> Output:
        """Pipelines (deal categories) with their stages, optionally one pipeline by id or name."""
        every = await self.ref.pipelines()
        chosen = [p for p in every if _matches(p, None if wanted is None else str(wanted))]
        if not chosen:
            known = ", ".join(f"{p['id']} {p['name']}" for p in every)
            raise InvalidArguments(
                f"No deal pipeline matches {wanted!r}.",
                hint=f"Pipelines: {known}. Pass an id or part of a name as name, or omit it.",
            )
        summary = (
            f"{len(chosen)} of {len(every)} deal pipeline(s) with stages in funnel order; "
            "filter deals by categoryId (pipeline) and stageId; semantics: in_progress, success (won), failure (lost)."
        )
        lines = [summary]
        for p in chosen:
            head = f"#{p['id']} {render_value(p['name'])}{' (default)' if p['default'] else ''}: "
            lines.append(head + " · ".join(_stage_text(s) for s in p["stages"]))
        return Output(structured={"pipelines": chosen, "summary": summary}, text="\n".join(lines))

    async def crm_statuses(self, list_type: str | None) -> Output:
        """crm.status lists (lead statuses, sources, types, industries, stages), one or all."""
        rows = await self.ref.statuses(list_type)
        lists: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            kind = str(row.get("entityId"))
            entry: dict[str, Any] = {"id": str(row.get("statusId")), "name": str(row.get("name"))}
            sem = semantics(row, kind)
            if sem:
                entry["semantics"] = sem
            lists.setdefault(kind, []).append(entry)
        if list_type and not lists:
            every = sorted({str(r.get("entityId")) for r in await self.ref.statuses()})
            raise InvalidArguments(
                f"No status list {list_type!r} on this portal.",
                hint=f"Lists: {', '.join(every)}. Omit name to get all.",
            )
        summary = (
            f"{sum(map(len, lists.values()))} value(s) in {len(lists)} list(s); "
            "filters take the id (e.g. statusId, sourceId, typeId)."
        )
        lines = [summary]
        for kind, entries in lists.items():
            lines.append(f"{kind}: " + " · ".join(_stage_text(e) for e in entries))
        return Output(structured={"lists": lists, "summary": summary}, text="\n".join(lines))

    async def currencies(self) -> Output:
        """Portal currencies with rates against the base currency."""
        rows = await self.ref.currencies()
        base = next((str(c.get("id")) for c in rows if c.get("base")), None)
        out = [
            {
                "code": str(c.get("id")),
                "name": c.get("fullName") or c.get("name"),
                "rate": c.get("amount"),
                "nominal": c.get("amountCnt", 1),
                "base": bool(c.get("base")),
            }
            for c in rows
        ]
        summary = f"{len(out)} currencies; base {base or 'unknown'}. rate = value in base currency of nominal units."
        lines = [summary]
        for c in out:
            rate = "" if c["base"] else f" {c['nominal']} = {render_value(c['rate'])} {base}"
            lines.append(f"{c['code']} {render_value(c['name'])}{' (base)' if c['base'] else ''}{rate}")
        return Output(structured={"currencies": out, "base": base, "summary": summary}, text="\n".join(lines))

    async def listing(self, kind: str, name: str | None) -> Output:
        """Departments or workgroups, optionally narrowed by name or id."""
        if kind == "departments":
            return await self.departments(name)
        return await self.workgroups(name)

    async def departments(self, name: str | None) -> Output:
        """The company structure: departments with parent and head."""
        rows = await self.ref.records("departments")
        names = {str(r.get("id")): str(r.get("name")) for r in rows}
        chosen = [r for r in rows if _matches(r, name)]
        heads = await self.ref.user_names(r.get("headId") for r in chosen if r.get("headId"))
        out = [
            _compact(
                {
                    "id": r.get("id"),
                    "name": r.get("name"),
                    "parentId": r.get("parentId"),
                    "parent": names.get(str(r.get("parentId"))),
                    "headId": r.get("headId"),
                    "head": heads.get(str(r.get("headId"))),
                }
            )
            for r in chosen
        ]
        return self._listing("departments", out, len(rows), name, "users filter departmentId")

    async def workgroups(self, name: str | None) -> Output:
        """Workgroups and projects with owner and size."""
        rows = await self.ref.records("workgroups")
        chosen = [r for r in rows if _matches(r, name)]
        owners = await self.ref.user_names(r.get("ownerId") for r in chosen if r.get("ownerId"))
        out = [
            _compact(
                {
                    "id": r.get("id"),
                    "name": r.get("name"),
                    "active": r.get("active"),
                    "members": r.get("membersCount"),
                    "ownerId": r.get("ownerId"),
                    "owner": owners.get(str(r.get("ownerId"))),
                }
            )
            for r in chosen
        ]
        return self._listing("workgroups", out, len(rows), name, "tasks filter groupId")

    @staticmethod
    def _listing(kind: str, out: Sequence[dict[str, Any]], total: int, name: str | None, use: str) -> Output:
        matched = f" matching {name!r}" if name else ""
        summary = f"{len(out)} of {total} {kind}{matched}; {use} takes the id."
        lines = [summary]
        for r in out:
            rest = " ".join(f"{k}={render_value(v)}" for k, v in r.items() if k not in ("id", "name"))
            lines.append(f"#{r['id']} {render_value(r['name'])} {rest}".rstrip())
        return Output(structured={kind: list(out), "summary": summary}, text="\n".join(lines))


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None}
