"""Handlers of the user-field management tools that the generic ones do not cover: the list (the API
filters by `userTypeId` and `fieldName` and answers every field at once, without paging) and the types.

Creating, changing and deleting a user field go through the generic write handlers (and so through
`server.guard`); the entity is marked in the catalog as changing field metadata, so the cached
metadata is refreshed on the next call and the new field is typed, filterable and writable there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.context import CallContext
from server.errors import VibeCodeError
from server.metadata import allowed_values
from server.operations import Operations, Output, mapping
from server.pagefit import fitted_page
from server.paging import ENVELOPE_SLACK, shape_records, truncation_of
from server.registry import Target, handles
from server.results import shorten_records

DEFAULT_LIMIT = 50


def labelled(record: Mapping[str, Any]) -> dict[str, Any]:
    """A definition with its Russian (else English) label and list values in one short form."""
    out = dict(record)
    labels = mapping(record.get("editFormLabel") or record.get("EDIT_FORM_LABEL"))
    if labels:
        out["editFormLabel"] = labels.get("ru") or labels.get("en") or next(iter(labels.values()), None)
    values = record.get("list") or record.get("LIST") or record.get("items")
    if isinstance(values, list):
        out["list"] = dict(allowed_values(values))
    return out


@handles("userfield_list")
async def userfield_list(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """The entity's user fields by sort, filtered upstream by type or name, paged here by offset."""
    entity, tool = target.ent, target.tool
    params = {k: args[k] for k in ("userTypeId", "fieldName") if args.get(k)}
    resp = await ops.request(target, params=params)
    rows = [labelled(r) for r in resp.data or [] if isinstance(r, Mapping)]
    fmt = args.get("response_format", "concise")
    shown = args.get("select") or (list(entity.key_fields) if fmt == "concise" else None)
    offset, limit = int(args.get("offset", 0)), int(args.get("limit", DEFAULT_LIMIT))
    page, cut = shorten_records(await shape_records(ops, entity, rows[offset : offset + limit], shown, fmt))
    crm = dict(target.bound).get("entity", "")
    where = " ".join(f"{k}={v}" for k, v in params.items())
    head = f"User fields of {crm}" + (f" ({where})" if where else "")

    def envelope(items: list[dict[str, Any]], shrunk: list[str]) -> dict[str, Any]:
        end = offset + len(items)
        more = end < len(rows)
        summary = f"{head}: {offset + 1}–{end} of {len(rows)}, by sort." if items else f"No user fields of {crm} match."
        if more:
            summary += f" More: call {tool} with offset={end}."
        truncation = truncation_of(len(page) - len(items), [*cut, *shrunk], ops.max_result_tokens)
        return {
            "items": items,
            "returned": len(items),
            "total": len(rows),
            "has_more": more,
            "next_cursor": None,
            "truncation": truncation,
            "summary": summary,
        }

    fitted = fitted_page(page, envelope, ops.max_result_tokens, ("id", "fieldName"), ENVELOPE_SLACK)
    if fitted is None:  # pragma: no cover - a definition is a few hundred tokens at most
        raise VibeCodeError("a user field does not fit the token budget.", code="RESULT_TOO_LARGE")
    structured, text, tokens = fitted
    return Output(structured=structured, text=text, tokens=tokens)


@handles("userfield_types")
async def userfield_types(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """The field types a user field may have (the same for every CRM entity)."""
    resp = await ops.request(target)
    types = []
    for raw in resp.data or []:
        item = mapping(raw)
        ident = item.get("USER_TYPE_ID") or item.get("userTypeId") or item.get("ID") or item.get("id")
        title = item.get("DESCRIPTION") or item.get("description") or item.get("title") or ""
        if ident:
            types.append({"userTypeId": str(ident), "title": str(title)})
    summary = f"{len(types)} user field types; pass one as userTypeId to {target.ent.tool_prefix}_create."
    lines = [summary, *(f"{t['userTypeId']}: {t['title']}" for t in types)]
    return Output(structured={"types": types, "summary": summary}, text="\n".join(lines))
