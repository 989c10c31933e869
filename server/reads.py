"""Handlers for one record (get), field metadata (fields) and the key's identity (me)."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from typing import Any

from server.budget import record_cost, result_tokens, shrink_record
from server.catalog import EntitySpec
from server.context import CallContext
from server.names import name_keys
from server.operations import Link, Operations, Output, mapping
from server.paging import shape_records
from server.registry import Target, handles
from server.results import dumps, estimate_tokens, render_record, render_value, shorten_records


def singular(title: str) -> str:
    """ "Deals" → "Deal", "Companies" → "Company" (the entity titles are English plurals)."""
    if title.endswith("ies"):
        return title[:-3] + "y"
    if title.endswith("sses"):  # "Smart processes" → "Smart process"
        return title[:-2]
    return title[:-1] if title.endswith("s") else title


@handles("get")
async def get(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """One record by id, shrunk to the budget if it is too big on its own."""
    entity = target.ent
    params: dict[str, Any] = {}
    if args.get("include"):
        params["include"] = args["include"]
    fmt = args.get("response_format", "concise")
    shown = args.get("select") or (list(entity.key_fields) if fmt == "concise" else None)
    resp = await ops.request(target, params=params, id=args["id"])
    record = resp.data[0] if isinstance(resp.data, list) and resp.data else resp.data
    if not isinstance(record, Mapping):
        record = {"id": args["id"]}
    shaped = await shape_records(ops, entity, [record], shown, fmt, target.base, dict(target.bound))
    (item,), cut_fields = shorten_records(shaped)
    label = item.get(entity.name_field)
    summary = f"{singular(entity.title)} {entity.ref(item.get('id', args['id']))}"
    summary += f" «{str(label)[:120]}»." if label else "."
    if fmt == "concise" and not args.get("select"):
        summary += " Key fields only; response_format=detailed shows every field."
    links = _links(entity, record)
    if links:
        summary += " Its content is not inlined: the download link comes as a resource link."

    def build(it: dict[str, Any], cut: list[str]) -> Output:
        truncation = {"cut_fields": cut, "budget_tokens": ops.max_result_tokens} if cut else None
        structured = {"item": it, "summary": summary, "truncation": truncation}
        return Output(structured=structured, text=f"{summary}\n{render_record(it)}", links=links)

    out = build(item, cut_fields)
    over = result_tokens(out.structured, out.text) - ops.max_result_tokens
    if over > 0:
        keep = (*entity.key_fields, *name_keys(entity))
        shrunk = shrink_record(item, max(record_cost(item) - over - 40, 1), keep)
        out = build(shrunk.record, sorted({*cut_fields, *shrunk.dropped, *shrunk.cut}))
    return out


def _links(entity: EntitySpec, record: Mapping[str, Any]) -> tuple[Link, ...]:
    """The record's download URL as a resource link (the client fetches the bytes if it wants them)."""
    url = record.get(entity.link_field) if entity.link_field else None
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return ()
    name = str(record.get(entity.name_field) or f"{entity.name}-{record.get('id')}")
    size = record.get("size")
    return (
        Link(
            uri=url,
            name=name,
            mime_type=mimetypes.guess_type(name)[0],
            size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            description=f"{singular(entity.title)} #{record.get('id')} on the portal's drive",
        ),
    )


def normalise_fields(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Field metadata in one shape, whichever of the two documented upstream shapes arrived."""
    raw_fields = mapping(data.get("fields")) or data
    fields: dict[str, dict[str, Any]] = {}
    for name, raw in raw_fields.items():
        if not isinstance(raw, Mapping) or "type" not in raw:
            continue
        kind = str(raw["type"])
        # Several values show as `multiple`/`isMultiple` or, in the Vibe schema, as a `type[]` suffix.
        many = kind.endswith("[]")
        desc: dict[str, Any] = {"type": kind.removesuffix("[]")}
        if raw.get("readonly", raw.get("isReadOnly")):
            desc["readonly"] = True
        if raw.get("required", raw.get("isRequired")):
            desc["required"] = True
        if many or raw.get("multiple", raw.get("isMultiple")):
            desc["multiple"] = True
        label = raw.get("label") or raw.get("title") or raw.get("listLabel")
        if label and label != name:
            desc["label"] = label
        items = raw.get("items")
        if isinstance(items, list) and items:
            desc["values"] = {
                str(i.get("ID", i.get("id"))): i.get("VALUE", i.get("value")) for i in items if isinstance(i, Mapping)
            }
        fields[name] = desc
    return fields


@handles("fields")
async def fields(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Field metadata in one normalised shape, filtered by name and paged to the budget."""
    entity = target.ent
    preset = args.get("presetId")  # requisites: only the fields a requisite of that preset keeps
    data = mapping((await ops.request(target, params={"presetId": preset} if preset else None)).data)
    names = args.get("names")
    wanted = {str(n).lower() for n in names} if names else None
    user_only = bool(args.get("only_user_fields"))
    described = [
        (name, desc)
        for name, desc in normalise_fields(data).items()
        if (wanted is None or name.lower() in wanted) and (not user_only or name.upper().startswith("UF_"))
    ]
    offset = int(args.get("offset", 0))
    include = [str(i) for i in data.get("include", [])] if isinstance(data.get("include"), list) else []
    head = f"{entity.title}" + (f" of preset {preset}: " if preset else ": ")
    tail = f"; include accepts {', '.join(include)}." if include else "."
    budget = ops.max_result_tokens
    probe_summary = head + "x" * 200 + tail
    probe = {"entity": entity.name, "fields": {}, "include": include, "summary": probe_summary}
    available = budget - result_tokens(probe, probe_summary) - 24
    kept: dict[str, dict[str, Any]] = {}
    used = 0
    for name, desc in described[offset:]:
        cost = estimate_tokens(dumps({name: desc})) + estimate_tokens(field_line(name, desc)) + 2
        if used + cost > available:
            if kept:
                break
            # A single field with more allowed values than the budget holds: name it, count them.
            n_values = len(desc.get("values", {}))
            desc = {k: v for k, v in desc.items() if k != "values"} | {"values_omitted": n_values}
        kept[name] = desc
        used += cost
    end = offset + len(kept)
    paged = bool(kept) and (offset > 0 or end < len(described))
    summary = head + (f"fields {offset + 1}–{end} of {len(described)}" if paged else f"{len(kept)} fields")
    if wanted is not None:
        summary += " matching names"
    if user_only:
        summary += " (user fields only)"
    summary += tail
    if end < len(described):
        summary += f" More: call {target.tool} with offset={end}, or narrow with names or only_user_fields."
    structured: dict[str, Any] = {"entity": entity.name, "fields": kept, "include": include, "summary": summary}
    return Output(structured=structured, text="\n".join([summary, *(field_line(n, d) for n, d in kept.items())]))


def field_line(name: str, desc: Mapping[str, Any]) -> str:
    """One field as text: `name: type flags label values={…}`."""
    flags = " ".join(f for f in ("readonly", "required", "multiple") if desc.get(f))
    parts = [f"{name}: {desc['type']}"]
    if flags:
        parts.append(flags)
    if desc.get("label"):
        parts.append(render_value(desc["label"]))
    if desc.get("values"):
        parts.append("values=" + dumps(desc["values"]))
    elif desc.get("values_omitted"):
        parts.append(f"({desc['values_omitted']} values omitted)")
    return " ".join(parts)


@handles("me")
async def me(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Who the key belongs to, its portal, scopes and limits."""
    data = mapping((await ops.request(target)).data)
    entities = mapping(mapping(mapping(data.get("api")).get("entityApi")).get("entities"))
    info = {
        "type": data.get("type"),
        "portal": data.get("portal"),
        "owner": data.get("owner"),
        "scopes": data.get("scopes", []),
        "access_mode": data.get("accessMode"),
        "rate_limit": data.get("rateLimit"),
        "expires_at": data.get("expiresAt"),
        "entities": sorted(entities),
        "write_mode": ctx.policy.tier,
    }
    owner = mapping(info["owner"])
    summary = (
        f"Connected to portal {info['portal']} as {owner.get('name', 'unknown user')} ({info['type']} key, "
        f"{info['access_mode'] or 'unknown'} access), write mode {ctx.policy.tier}; "
        f"scopes: {', '.join(map(str, info['scopes'])) or 'none'}."
    )
    structured = {"me": info, "summary": summary}
    return Output(structured=structured, text=f"{summary}\n{dumps(info)}")
