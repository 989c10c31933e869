"""Handlers that change the portal: create, update, delete one record, and entity batch (≤5000 items,
sent 500 per request, or fewer where the entity's batch takes fewer).

Every write goes through `server.guard`: planned from the records' current values, answered
with the plan on `dry_run`, confirmed by a human where the write policy says so, and audited
however it ends. Bulk items are checked against the entity's field schema before anything is
sent, so one bad item never half-runs a batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from server import guard, presetfields
from server.bulkresult import bulk_output
from server.catalog import EntitySpec
from server.context import CallContext
from server.errors import InvalidArguments, NotFound, OutcomeUnknown, VibeCodeError
from server.idranges import compact
from server.operations import Operations, Output, mapping
from server.paging import checked_filter
from server.reads import singular
from server.redact import clip
from server.refdata import reference_for
from server.registry import Target, handles
from server.results import project, render_record, render_value
from server.schemas import writable_fields_schema
from server.writeplan import Plan

CHUNK = 500  # items per POST /v1/{entity}/batch, the most one request takes
MAX_BY_FILTER = 5000  # records one call may change; also one select=id page upstream


async def _send(
    ops: Operations, target: Target, ctx: CallContext, plan: Plan, approval: str, **request: Any
) -> tuple[Any, str | None]:
    """Send one write (`guard.sent`: an error is audited and raised); its data and request id."""
    resp = await guard.sent(ctx, plan, approval, ops.request(target, **request))
    return resp.data, resp.headers.get("x-request-id")


def _record(entity: EntitySpec, data: Any, record_id: Any, given: Mapping[str, Any]) -> dict[str, Any]:
    """The record's key fields plus the fields just written, as the portal returned them (or, where it
    answers only `{updated: true}`, as they were sent)."""
    record = data[0] if isinstance(data, list) and data else data
    record = dict(mapping(record)) or {"id": record_id}
    if all(record.get(k) is None for k in entity.composite_key or ("id",)):  # an answer without the record
        record = {**entity.key_of(record_id), **given} if record_id is not None else {**given, **record}
    shown = list(dict.fromkeys([*entity.key_fields, *given]))
    return project(record, shown, concise=True)


def finding(entity: EntitySpec) -> str:
    """How to find a record's right id, with a tool the entity has (not every entity can be searched)."""
    for op in ("search", "list"):
        if op in entity.operations:
            return f"Find the right id with {entity.tool_prefix}_{op}."
    if "get" in entity.operations:
        return f"Check the id: {entity.tool_prefix}_get reads one record by id."
    return "Check the id."


def _label(entity: EntitySpec, item: Mapping[str, Any]) -> str:
    name = item.get(entity.name_field)
    return f"{singular(entity.title).lower()} {entity.ref(_key(entity, item))}" + (f" «{name}»" if name else "")


def _key(entity: EntitySpec, item: Mapping[str, Any]) -> Any:
    """The record's id, or for a record without one its composite key as the path writes it (6/8/42)."""
    return "/".join(str(item.get(k)) for k in entity.composite_key) if entity.composite_key else item.get("id")


@handles("create")
async def create(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """One new record; the answer carries its id and key fields."""
    entity, fields = target.ent, dict(args["fields"])
    await presetfields.check_fields(ops, entity, fields)
    plan = await guard.plan_write(ops, target, "create", creates=[fields])
    plan, approval = await guard.approved_plan(ops, target, ctx, plan, bulk=False, creates=[fields])
    data, request_id = await _send(ops, target, ctx, plan, approval, json_body=fields)
    item = _record(entity, await _read_back(ops, target, data), None, fields)
    guard.audit(ctx, plan, "done", approval=approval, request_id=request_id, ids=[_key(entity, item)])
    _changed_metadata(ops, entity)
    summary = f"Created {_label(entity, item)}."
    return Output({"item": item, "summary": summary}, f"{summary}\n{render_record(item)}")


async def _read_back(ops: Operations, target: Target, data: Any) -> Any:
    """The new record as the portal now has it, where the create answered with its id alone (a user
    field: its full UF_CRM_ name and the ids of its list values are what the caller writes next).
    The write is done either way: a failed read leaves the answer at the id."""
    record = mapping(data[0] if isinstance(data, list) and data else data)
    if set(record) != {"id"} or "get" not in target.ent.operations:
        return data
    try:
        resp = await ops.client.request("GET", f"{target.base}/{record['id']}", read=True)
    except VibeCodeError:
        return data
    return resp.data if isinstance(resp.data, Mapping) and resp.data.get("id") == record["id"] else data


def _skipped_note(missing: list[Any], changed: list[str]) -> str:
    note = ""
    if changed:
        note += f" Not written, changed since the dry run: {', '.join(map(str, changed))} (read them again)."
    if missing:
        note += f" Not found: {', '.join(map(str, missing))}."
    return note


@handles("update")
async def update(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Changed fields of one record; the answer shows them as the portal now has them (or the plan, dry)."""
    entity, fields, record_id = target.ent, dict(args["fields"]), args["id"]
    await presetfields.check_fields(ops, entity, fields, record_id)
    plan = await guard.plan_write(ops, target, "update", updates=[(record_id, fields)])
    if args.get("dry_run"):
        return guard.dry_run_output(ctx, plan)
    plan, approval = await guard.approved_plan(ops, target, ctx, plan, bulk=False, updates=[(record_id, fields)])
    plan, changed = guard.apply_expect(args.get("expect"), plan)
    if not plan.items:
        if plan.missing:
            raise NotFound(
                f"{singular(entity.title)} {entity.ref(record_id)} does not exist.",
                status=404,
                code="ENTITY_NOT_FOUND",
                hint=finding(entity),
            )
        summary = f"Nothing written: {singular(entity.title).lower()} {entity.ref(record_id)} already has these values."
        summary += _skipped_note([], changed)
        guard.audit(ctx, plan, "skipped", approval=approval, skipped=changed)
        item = {**entity.key_of(record_id), **(fields if not changed else {})}
        return Output({"item": item, "summary": summary}, f"{summary}\n{render_record(item)}")
    expect = entity.update_answer or None
    data, request_id = await _send(ops, target, ctx, plan, approval, json_body=fields, id=record_id, expect=expect)
    item = _record(entity, data, record_id, fields)
    guard.audit(ctx, plan, "done", approval=approval, request_id=request_id)
    _changed_metadata(ops, entity)
    summary = f"Updated {_label(entity, item)}: " + ", ".join(
        f"{k} {_short(c['from'])} → {_short(c['to'])}" for k, c in plan.items[0].changes.items()
    )
    return Output({"item": item, "summary": summary + "."}, f"{summary}.\n{render_record(item)}")


@handles("delete")
async def delete(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """One record removed, after a human's confirmation (or the plan, dry)."""
    entity, record_id = target.ent, args["id"]
    plan = await guard.plan_write(ops, target, "delete", ids=[record_id])
    if args.get("dry_run"):
        return guard.dry_run_output(ctx, plan)
    if not plan.items:
        raise NotFound(
            f"{singular(entity.title)} {entity.ref(record_id)} does not exist; nothing was deleted.",
            status=404,
            code="NOT_FOUND",
            hint=finding(entity),
        )
    plan, approval = await guard.approved_plan(ops, target, ctx, plan, bulk=False, ids=[record_id])
    if not plan.items:
        raise NotFound(
            f"{singular(entity.title)} {entity.ref(record_id)} was deleted meanwhile; nothing to do.",
            status=404,
            code="ENTITY_NOT_FOUND",
        )
    _, request_id = await _send(ops, target, ctx, plan, approval, id=record_id)
    guard.audit(ctx, plan, "done", approval=approval, request_id=request_id)
    _changed_metadata(ops, entity)
    label = plan.items[0].label
    summary = f"Deleted {singular(entity.title).lower()} {entity.ref(record_id)}" + (f" «{label}»." if label else ".")
    return Output({"id": record_id, "summary": summary}, summary)


def _changed_metadata(ops: Operations, entity: EntitySpec) -> None:
    """After a write that changes other entities' fields or allowed values (a user field, a stage, a
    pipeline, a currency), the next call re-reads them and the reference lists."""
    if not entity.changes_metadata:
        return
    if ops.metadata is not None:
        ops.metadata.invalidate()
    reference_for(ops).forget()


def _short(value: Any) -> str:
    return "∅" if value in (None, "", []) else render_value(value)[:60]


def _check_items(
    ops: Operations, entity: EntitySpec, action: str, items: Sequence[Mapping[str, Any]], *, label: str = "items"
) -> None:
    """Every item valid against the entity's field schema, else InvalidArguments naming the first bad ones."""
    fields_schema = writable_fields_schema(ops.meta(entity).fields, create=action == "create")
    if action == "update":
        fields_schema["properties"]["id"] = (
            {"type": "string", "minLength": 1}
            if entity.id_type == "string"
            else {"type": "integer", "minimum": entity.id_minimum}
        )
        fields_schema["required"] = ["id"]
        fields_schema["minProperties"] = 2
    from jsonschema import Draft202012Validator  # loaded on first use, like the tools' validators
    from jsonschema.exceptions import best_match

    validator = Draft202012Validator(fields_schema)
    problems = []
    for index, item in enumerate(items):
        errors = list(validator.iter_errors(item))
        # A missing field (an update's id) says more than the counts that follow from it.
        error = next((e for e in errors if e.validator == "required"), None) or best_match(errors)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path)
            place = label if label != "items" else f"items/{index}"
            problems.append(f"{place}{'/' + where if where else ''}: {error.message}")
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        what = f"{len(problems)} of {len(items)} items are" if label == "items" else f"{label} is"
        raise InvalidArguments(
            f"{what} invalid, nothing was sent: {shown}.",
            hint=f"Field names, types and allowed values are those of {entity.tool_prefix}_create's fields.",
        )


async def ids_by_filter(ops: Operations, target: Target, raw_filter: Any) -> list[Any]:
    """The ids of every record `raw_filter` matches (one select=id request; at most MAX_BY_FILTER).

    Raises:
        InvalidArguments: a bad filter, $or, or more matches than one call may change.
    """
    tool = target.tool
    if isinstance(raw_filter, Mapping) and "$or" in raw_filter:
        raise InvalidArguments(
            "A bulk write by filter takes no $or.", hint=f"Call {tool} once per alternative of the $or."
        )
    flt = checked_filter(ops.meta(target.ent).fields, raw_filter, tool, keyset=True, offset=0)
    body = {"filter": flt.upstream(), "select": ["id"], "order": {"id": "asc"}, "limit": MAX_BY_FILTER}
    resp = await ops.client.request("POST", f"/v1/{target.ent.name}/search", json_body=body)
    rows = resp.data if isinstance(resp.data, list) else []
    total = resp.total if resp.total is not None else len(rows)
    if total > MAX_BY_FILTER or len(rows) > MAX_BY_FILTER:
        raise InvalidArguments(
            f"The filter matches {total} {target.ent.title.lower()}; one call changes at most {MAX_BY_FILTER}.",
            hint="Narrow the filter (e.g. add an id or date range) and call once per part.",
        )
    return [r.get("id") for r in rows if isinstance(r, Mapping) and r.get("id") is not None]


async def _by_filter(ops: Operations, target: Target, args: Mapping[str, Any]) -> dict[str, Any]:
    """`args` with the filter resolved to ids (delete) or items (update with fields)."""
    action, tool = args["action"], target.tool
    if action not in ("update", "delete") or args.get("items") is not None or args.get("ids") is not None:
        raise InvalidArguments(
            "filter selects the records of an update or a delete, instead of items or ids.",
            hint=f'Call {tool} with action="update", filter and fields, or action="delete" and filter.',
        )
    fields = args.get("fields")
    if (action == "update") != bool(fields):
        raise InvalidArguments(
            "An update by filter needs fields (the values to set); a delete takes none.",
            hint=f'Call {tool} with action="update", filter={{...}}, fields={{...}}.',
        )
    if fields:
        _check_items(ops, target.ent, "update", [{"id": 1, **fields}], label="fields")  # before any request
    ids = await ids_by_filter(ops, target, args["filter"])
    resolved = {k: v for k, v in args.items() if k not in ("filter", "fields")}
    if action == "delete":
        return {**resolved, "ids": ids}
    return {**resolved, "items": [{"id": i, **fields} for i in ids]}  # type: ignore[dict-item]


def _bulk_body(ops: Operations, target: Target, args: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """The request body and the item ids known before sending (update/delete)."""
    action, items, ids = args["action"], args.get("items"), args.get("ids")
    tool = target.tool
    if args.get("fields") is not None:
        raise InvalidArguments(
            "fields go with filter (an update by filter).", hint=f"Put the fields in items of {tool}."
        )
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


def _ids_of(known: Sequence[Any]) -> str:
    """` (ids 501–1000)` for items whose ids are known (updates, deletes); nothing for creates."""
    return f" (ids {compact(known, 300)})" if known and None not in known else ""


def _item_results(data: Any, count: int) -> list[Mapping[str, Any]]:
    """Per-item results, whichever documented form arrived: a list, or {results: [...]}."""
    results = data if isinstance(data, list) else mapping(data).get("results")
    out = [mapping(r) for r in results] if isinstance(results, list) else []
    return out + [{}] * (count - len(out))  # an item the portal did not report on has an unknown outcome


def _plan_args(action: str, body: Mapping[str, Any]) -> dict[str, Any]:
    if action == "create":
        return {"creates": body["items"]}
    if action == "update":
        return {"updates": [(i["id"], {k: v for k, v in i.items() if k != "id"}) for i in body["items"]]}
    return {"ids": body["ids"]}


def _narrow(action: str, body: dict[str, Any], plan: Plan) -> tuple[dict[str, Any], list[Any]]:
    """The request body and known ids for the records the plan still covers (skips what would not change)."""
    if action == "create":
        return body, [None] * len(body["items"])
    keep = {str(i.id) for i in plan.items}
    if action == "update":
        items = [i for i in body["items"] if str(i["id"]) in keep]
        return {**body, "items": items}, [i["id"] for i in items]
    ids = [i for i in body["ids"] if str(i) in keep]
    return {**body, "ids": ids}, ids


@handles("entity_batch")
async def entity_batch(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Up to 5000 creates, updates or deletes, 500 per request, with each item's outcome (or the plan, dry).

    A request that fails after earlier ones went through ends the run: what was done stays reported as
    done, that request's items as failed (or of unknown outcome), the rest as not sent.
    """
    entity, action = target.ent, args["action"]
    if args.get("filter") is not None:
        args = await _by_filter(ops, target, args)
        if not args.get("ids") and not args.get("items"):
            summary = f"Nothing written: the filter matches no {entity.title.lower()}."
            return Output(
                {"action": action, "ids": "", "errors": [], "succeeded": 0, "failed": 0, "summary": summary}, summary
            )
    body, _ = _bulk_body(ops, target, args)
    plan_args = _plan_args(action, body)
    plan = await guard.plan_write(ops, target, action, **plan_args)
    if args.get("dry_run"):
        return guard.dry_run_output(ctx, plan)
    plan, approval = await guard.approved_plan(ops, target, ctx, plan, bulk=True, **plan_args)
    plan, changed = guard.apply_expect(args.get("expect"), plan)
    body, known = _narrow(action, body, plan)
    skipped = _skipped_note(plan.missing, changed) + (
        f" Already as requested: {', '.join(map(str, plan.unchanged))}." if plan.unchanged else ""
    )
    count = len(known)
    if not count:
        summary = f"Nothing written: no {entity.title.lower()} to {action}.{skipped}"
        guard.audit(ctx, plan, "skipped", approval=approval, skipped=changed)
        return Output(
            {"action": action, "ids": "", "errors": [], "succeeded": 0, "failed": 0, "summary": summary}, summary
        )
    await ctx.progress(0, count, f"{action} {count} {entity.title.lower()}")
    key = "ids" if action == "delete" else "items"
    results: list[Mapping[str, Any]] = []
    request_id: str | None = None
    stopped: VibeCodeError | None = None
    size = entity.batch_limit or CHUNK
    for start in range(0, count, size):
        chunk = {**body, key: body[key][start : start + size]}
        if start == 0 and count <= size:  # one request: its failure is the call's, audited and raised
            data, request_id = await _send(ops, target, ctx, plan, approval, json_body=chunk)
        else:
            try:
                resp = await ops.request(target, json_body=chunk)
            except VibeCodeError as exc:
                if start == 0:
                    guard.audit(ctx, plan, guard.outcome(exc), approval=approval, error=exc)
                    raise
                stopped = exc  # the items sent before stay done; this chunk and the rest are reported
                break
            data, request_id = resp.data, resp.headers.get("x-request-id") or request_id
        results += _item_results(data, len(chunk[key]))
        await ctx.progress(len(results), count, f"{action} {len(results)}/{count} {entity.title.lower()}")
    ids: list[Any] = []
    errors: list[dict[str, Any]] = []
    for index, (result, before) in enumerate(zip(results, known, strict=False)):
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
        failure["message"] = clip(str(err.get("message", "the portal did not report this item")), 200)
        errors.append(failure)
    unknown = not_sent = 0
    tail_note = ""
    if stopped is not None:
        first, stop_at = len(results), min(len(results) + size, count)
        lost = isinstance(stopped, OutcomeUnknown)
        unknown = stop_at - first if lost else 0
        not_sent = count - stop_at
        for index in range(first, stop_at):
            ids.append(None)
            if not lost:
                errors.append({"index": index, "code": stopped.code, "message": stopped.message})
        ids += [None] * not_sent
        tail_note = (
            f" Items {first}–{stop_at - 1}{_ids_of(known[first:stop_at])}: "
            + (f"outcome unknown ({stopped.hint})" if lost else f"refused, {stopped.code}: {stopped.message}")
            + (f"; items {stop_at}–{count - 1}{_ids_of(known[stop_at:])} were not sent." if not_sent else ".")
        )
    succeeded = sum(1 for i in ids if i is not None)
    failed = len(errors)
    ended = "done" if not errors and not unknown and not not_sent else "partial" if succeeded else "failed"
    done_ids = [i for i in ids if i is not None]
    if done_ids or unknown:
        _changed_metadata(ops, entity)
    guard.audit(
        ctx, plan, ended, approval=approval, request_id=request_id, ids=done_ids, skipped=changed, error=stopped
    )
    summary = f"{action.capitalize()}d {succeeded} of {count} {entity.title.lower()}"
    if errors:
        which = [e for e in errors if e["index"] < len(results)]  # a refused chunk is named below
        failed_ids = [e.get("id") for e in which]
        named = (
            f"ids {compact(failed_ids, 300)}"
            if None not in failed_ids
            else f"items {compact((e['index'] for e in which), 300)}"
        )
        summary += f"; {failed} failed" + (f" ({named})" if which else "") + " (see errors: index, code, message)."
    else:
        summary += "."
    if unknown:
        summary += f" {unknown} with unknown outcome."
    if not_sent:
        summary += f" {not_sent} not sent."
    summary += tail_note + skipped
    head: dict[str, Any] = {"action": action, "succeeded": succeeded, "failed": failed, "summary": summary}
    if stopped is not None:
        head.update(unknown=unknown, not_sent=not_sent)
    return bulk_output(head, done_ids, errors, ops.max_result_tokens)
