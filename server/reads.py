"""Handlers for one record (get), field metadata (fields) and the key's identity (me)."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from typing import Any

from server.catalog import EntitySpec
from server.context import CallContext
from server.operations import Link, Operations, Output, mapping, with_hard_cuts
from server.registry import Target, handles
from server.results import (
    ENVELOPE_RESERVE,
    dumps,
    estimate_tokens,
    fit_records,
    project,
    render_record,
    shorten_records,
)


def singular(title: str) -> str:
    """ "Deals" → "Deal", "Companies" → "Company" (the entity titles are English plurals)."""
    if title.endswith("ies"):
        return title[:-3] + "y"
    if title.endswith("sses"):  # "Smart processes" → "Smart process"
        return title[:-2]
    return title[:-1] if title.endswith("s") else title


@handles("get")
async def get(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """One record by id, cut to the budget."""
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
    shortened, cut_fields = shorten_records([project(record, shown, fmt == "concise")])
    fitted = fit_records(shortened, ops.max_result_tokens - ENVELOPE_RESERVE)
    item = fitted.items[0]
    cut_fields = with_hard_cuts(cut_fields, shortened, fitted.items)
    label = item.get(entity.name_field) or record.get(entity.name_field)
    summary = f"{singular(entity.title)} #{item.get('id')}"
    summary += f" «{label}»." if label else "."
    if fmt == "concise" and not args.get("select"):
        summary += " Key fields only; response_format=detailed shows every field."
    links = _links(entity, record)
    if links:
        summary += " Its content is not inlined: the download link comes as a resource link."
    truncation = {"cut_fields": cut_fields} if cut_fields else None
    structured = {"item": item, "summary": summary, "truncation": truncation}
    return Output(structured=structured, text=f"{summary}\n{render_record(item)}", links=links)


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
    """Field metadata in one normalised shape, whichever of the two upstream shapes arrived."""
    entity = target.ent
    resp = await ops.request(target)
    data = mapping(resp.data)
    described = normalise_fields(data)
    include = [str(i) for i in data.get("include", [])] if isinstance(data.get("include"), list) else []
    structured: dict[str, Any] = {
        "entity": entity.name,
        "fields": described,
        "include": include,
        "summary": f"{entity.title}: {len(described)} fields"
        + (f"; include accepts {', '.join(include)}." if include else "."),
    }
    lines = [structured["summary"]]
    for name, desc in described.items():
        flags = " ".join(f for f in ("readonly", "required", "multiple") if desc.get(f))
        values = desc.get("values")
        vals = " values=" + dumps(values) if values else ""
        lines.append(f"{name}: {desc['type']}{' ' + flags if flags else ''} {desc.get('label', '')}{vals}")
    text = "\n".join(lines)
    if estimate_tokens(dumps(structured)) > ops.max_result_tokens:
        for desc in described.values():
            desc.pop("label", None)
        structured["summary"] += " Labels omitted to fit the token budget."
    return Output(structured=structured, text=text)


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
