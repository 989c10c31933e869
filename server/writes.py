"""Handlers that change the portal: create, update, delete one record, and entity batch (≤500 items).

Every write reports its outcome to the call context's audit sink. Bulk items are checked against
the entity's field schema before anything is sent, so one bad item never half-runs a batch.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from server.catalog import EntitySpec
from server.context import CallContext
from server.errors import InvalidArguments, VibeCodeError
from server.operations import Operations, Output, mapping
from server.reads import singular
from server.registry import Target, handles
from server.results import dumps, project, render_record
from server.schemas import writable_fields_schema

MAX_LISTED_ERRORS = 20  # failed items listed in full; the rest are counted


def _audit(ctx: CallContext, target: Target, action: str, ids: Sequence[Any], outcome: str, **extra: Any) -> None:
    ctx.audit(
        {
            "at": time.time(),
            "tool": target.tool,
            "entity": target.ent.name,
            "action": action,
            "ids": list(ids),
            "outcome": outcome,
            "units": target.spec.units(len(ids)),
            **extra,
        }
    )


async def _send(
    ops: Operations, target: Target, ctx: CallContext, action: str, ids: Sequence[Any], **request: Any
) -> Any:
    """Send one write; audit its outcome (an error is audited with its code, then raised)."""
    try:
        resp = await ops.request(target, **request)
    except VibeCodeError as exc:
        _audit(ctx, target, action, ids, "error", code=exc.code)
        raise
    return resp.data


def _record(entity: EntitySpec, data: Any, record_id: Any, given: Mapping[str, Any]) -> dict[str, Any]:
    """The record's key fields plus the fields just written, as the portal returned them."""
    record = data[0] if isinstance(data, list) and data else data
    record = dict(mapping(record)) or {"id": record_id}
    shown = list(dict.fromkeys([*entity.key_fields, *given]))
    return project(record, shown, concise=True)


def _label(entity: EntitySpec, item: Mapping[str, Any]) -> str:
    name = item.get(entity.name_field)
    return f"{singular(entity.title).lower()} #{item.get('id')}" + (f" «{name}»" if name else "")


@handles("create")
async def create(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """One new record; the answer carries its id and key fields."""
    entity, fields = target.ent, dict(args["fields"])
    data = await _send(ops, target, ctx, "create", [], json_body=fields)
    item = _record(entity, data, None, fields)
    _audit(ctx, target, "create", [item.get("id")], "ok", fields=sorted(fields))
    summary = f"Created {_label(entity, item)}."
    return Output({"item": item, "summary": summary}, f"{summary}\n{render_record(item)}")


@handles("update")
async def update(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Changed fields of one record; the answer shows them as the portal now has them."""
    entity, fields, record_id = target.ent, dict(args["fields"]), args["id"]
    data = await _send(ops, target, ctx, "update", [record_id], json_body=fields, id=record_id)
    item = _record(entity, data, record_id, fields)
    _audit(ctx, target, "update", [record_id], "ok", fields=sorted(fields))
    summary = f"Updated {_label(entity, item)}: {', '.join(fields)}."
    return Output({"item": item, "summary": summary}, f"{summary}\n{render_record(item)}")


@handles("delete")
async def delete(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """One record removed."""
    entity, record_id = target.ent, args["id"]
    await _send(ops, target, ctx, "delete", [record_id], id=record_id)
    _audit(ctx, target, "delete", [record_id], "ok")
    summary = f"Deleted {singular(entity.title).lower()} #{record_id}."
    return Output({"id": record_id, "summary": summary}, summary)


def _check_items(ops: Operations, entity: EntitySpec, action: str, items: Sequence[Mapping[str, Any]]) -> None:
    """Every item valid against the entity's field schema, else InvalidArguments naming the first bad ones."""
    fields_schema = writable_fields_schema(ops.meta(entity).fields, create=action == "create")
    if action == "update":
        fields_schema["properties"]["id"] = {"type": "integer", "minimum": 1}
        fields_schema["required"] = ["id"]
        fields_schema["minProperties"] = 2
    validator = Draft202012Validator(fields_schema)
    problems = []
    for index, item in enumerate(items):
        errors = list(validator.iter_errors(item))
        # A missing field (an update's id) says more than the counts that follow from it.
        error = next((e for e in errors if e.validator == "required"), None) or best_match(errors)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"items/{index}{'/' + where if where else ''}: {error.message}")
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise InvalidArguments(
            f"{len(problems)} of {len(items)} items are invalid, nothing was sent: {shown}.",
            hint=f"Fix those items; field names, types and allowed values: {entity.tool_prefix}_fields.",
        )


def _bulk_body(ops: Operations, target: Target, args: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """The request body and the item ids known before sending (update/delete)."""
    action, items, ids = args["action"], args.get("items"), args.get("ids")
    tool = target.tool
    if action == "delete":
        if items is not None or ids is None:
            raise InvalidArguments(
                "delete takes ids, not items.", hint=f'Call {tool} with action="delete" and ids=[…].'
            )
        return {"action": action, "ids": list(ids)}, list(ids)
    if ids is not None or items is None:
        raise InvalidArguments(
            f"{action} takes items, not ids.", hint=f'Call {tool} with action="{action}" and items=[…].'
        )
    _check_items(ops, target.ent, action, items)
    known = [item.get("id") for item in items] if action == "update" else [None] * len(items)
    return {"action": action, "items": list(items)}, known


def _item_results(data: Any, count: int) -> list[Mapping[str, Any]]:
    """Per-item results, whichever documented form arrived: a list, or {results: [...]}."""
    results = data if isinstance(data, list) else mapping(data).get("results")
    out = [mapping(r) for r in results] if isinstance(results, list) else []
    return out + [{}] * (count - len(out))  # an item the portal did not report on has an unknown outcome


@handles("entity_batch")
async def entity_batch(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Up to 500 creates, updates or deletes in one request, with each item's outcome."""
    entity, action = target.ent, args["action"]
    body, known = _bulk_body(ops, target, args)
    count = len(known)
    await ctx.progress(0, count, f"{action} {count} {entity.title.lower()}")
    data = await _send(ops, target, ctx, action, [i for i in known if i is not None], json_body=body)
    ids: list[Any] = []
    errors: list[dict[str, Any]] = []
    for index, (result, before) in enumerate(zip(_item_results(data, count), known, strict=True)):
        item_id = result.get("id", before)
        if result.get("success") is True:
            ids.append(item_id)
            continue
        ids.append(None)
        err = mapping(result.get("error"))
        failure: dict[str, Any] = {"index": index}
        if item_id is not None:
            failure["id"] = item_id
        failure["code"] = err.get("code", "UNKNOWN_OUTCOME" if not result else "ERROR")
        failure["message"] = err.get("message", "the portal did not report this item")
        errors.append(failure)
    await ctx.progress(count, count, None)
    succeeded = count - len(errors)
    _audit(
        ctx, target, action, [i for i in ids if i is not None], "ok" if not errors else "partial", failed=len(errors)
    )
    summary = f"{action.capitalize()}d {succeeded} of {count} {entity.title.lower()}"
    summary += "." if not errors else f"; {len(errors)} failed (see errors: index, code, message)."
    listed = errors[:MAX_LISTED_ERRORS]
    structured = {
        "action": action,
        "ids": ids,
        "errors": listed,
        "succeeded": succeeded,
        "failed": len(errors),
        "summary": summary + (f" First {len(listed)} errors listed." if len(errors) > len(listed) else ""),
    }
    lines = [structured["summary"], f"ids: {dumps(ids)}"]
    lines += [
        f"item {e['index']}{' #' + str(e['id']) if 'id' in e else ''}: {e['code']} {e['message']}" for e in listed
    ]
    return Output(structured, "\n".join(lines))
