"""The cross-entity `batch` tool: up to 50 calls over the enabled entities in one `POST /v1/batch`.

Calls are checked here before anything is sent (entity enabled and supporting the action, entityId
where the action needs it and nowhere else, params that fit the action, unique call ids), because
upstream reports most of these per call only after running the rest — which may include writes.
Calls cannot use each other's results (the API has no references between calls). No MCP here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from server import guard
from server.budget import result_tokens
from server.callresults import concise_results
from server.catalog import EntitySpec, FieldSpec
from server.context import CallContext
from server.errors import InvalidArguments, VibeCodeError
from server.filters import compile_filter
from server.operations import Operations, Output, mapping
from server.redact import clip
from server.registry import Target, handles
from server.results import ENVELOPE_RESERVE, cut_strings, dumps, estimate_tokens, fit_records, project, render_value
from server.writeplan import Plan, PlanItem, changes, fingerprint

NEEDS_ID = frozenset({"get", "update", "delete"})
WRITES = frozenset({"create", "update", "delete"})
PARAMS: Mapping[str, frozenset[str]] = {
    "list": frozenset({"filter", "select", "order", "limit", "offset", "include"}),
    "search": frozenset({"filter", "select", "sort", "order", "limit", "offset", "include"}),
    "get": frozenset({"include", "select"}),
    "fields": frozenset(),
    "delete": frozenset(),
}
MAX_LIMIT = 5000


def _audit(ctx: CallContext, target: Target, call: Mapping[str, Any], outcome: str, **extra: Any) -> None:
    """One audit record per write call, in the shape the single-entity write tools use."""
    ids = [call["entityId"]] if "entityId" in call else []
    record = {"tool": target.tool, "call": call["id"], "entity": call["entity"], "action": call["action"],
              "ids": ids, "result": outcome, "changes": call.get("params", {})}  # fmt: skip
    record.update({k: v for k, v in extra.items() if v is not None})
    ctx.audit(record)


FieldsOf = Callable[[EntitySpec, Mapping[str, object]], Mapping[str, FieldSpec]]


def static_fields(entity: EntitySpec, bound: Mapping[str, object]) -> Mapping[str, FieldSpec]:
    return entity.fields


def _path_params(index: int, name: str, entity: EntitySpec, params: dict[str, Any]) -> dict[str, object]:
    """The path arguments a call's entity needs, taken out of `params` (items: entityTypeId, as the batch
    page documents: `entity: "items"` with `params.entityTypeId`)."""
    out: dict[str, object] = {}
    for arg in entity.path_args:
        value = params.pop(arg, None)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise _bad(
                index,
                f"{name} needs params.{arg} (a positive integer), got {clip(repr(value), 40)}.",
                f'e.g. {{"entity": "{name}", "params": {{"{arg}": 1032, ...}}}}; smart_processes_search lists them.',
            )
        out[arg] = value
    return out


def _bad(index: int, message: str, hint: str) -> InvalidArguments:
    return InvalidArguments(f"calls[{index}]: {message}", hint=hint)


def check_call(
    index: int, raw: Mapping[str, Any], entities: Mapping[str, EntitySpec], fields_of: FieldsOf = static_fields
) -> dict[str, Any]:
    """One call in the upstream shape, or InvalidArguments naming what is wrong and how to fix it."""
    name, action = str(raw["entity"]), str(raw["action"])
    entity = entities.get(name)
    if entity is None:
        enabled = ", ".join(n for n, e in entities.items() if e.in_batch)
        raise _bad(index, f"entity {name!r} is not enabled here.", f"Enabled: {enabled}.")
    if not entity.in_batch:
        ops = ", ".join(f"{entity.tool_prefix}_{a}" for a in entity.operations if a in PARAMS or a in WRITES)
        raise _bad(index, f"{name} is not served inside a batch, only at its own route.", f"Call {ops} instead.")
    if action not in entity.operations:
        ops = ", ".join(a for a in entity.operations if a in PARAMS or a in WRITES)
        raise _bad(index, f"{name} does not support {action}.", f"{name} supports: {ops}.")
    call: dict[str, Any] = {"id": str(raw.get("id", index)), "entity": name, "action": action}
    if action in NEEDS_ID:
        if raw.get("entityId") in (None, ""):
            raise _bad(index, f"{action} needs entityId.", 'Put the record id in entityId, e.g. {"entityId": 42}.')
        call["entityId"] = raw["entityId"]
    elif "entityId" in raw:
        raise _bad(index, f"{action} takes no entityId.", "entityId is for get, update and delete only.")
    params = dict(raw.get("params") or {})
    path = _path_params(index, name, entity, params)
    if action in WRITES - {"delete"}:
        if not params:
            raise _bad(index, f"{action} needs the record's fields in params.", 'e.g. {"params": {"title": "…"}}.')
    else:
        unknown = sorted(set(params) - PARAMS[action])
        if unknown:
            allowed = ", ".join(sorted(PARAMS[action])) or "none"
            raise _bad(index, f"{action} takes no param {unknown[0]!r}.", f"params for {action}: {allowed}.")
    limit = params.get("limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT):
        raise _bad(index, f"limit {limit!r} is out of range.", f"limit is an integer from 1 to {MAX_LIMIT}.")
    include = params.get("include")
    if include is not None:
        wrong = [i for i in (include if isinstance(include, list) else [include]) if i not in entity.include]
        if wrong:
            known = ", ".join(entity.include) or "none"
            raise _bad(index, f"{name} cannot include {wrong[0]!r}.", f"include: {known}.")
    if "filter" in params:
        params["filter"] = _checked_filter(index, params["filter"], fields_of(entity, path))
    if params or path:
        call["params"] = {**path, **params}
    return call


def _addressed(call: Mapping[str, Any], entities: Mapping[str, EntitySpec]) -> dict[str, Any]:
    """A read of the call's record needs the call's path arguments (items: entityTypeId) and nothing else."""
    params = mapping(call.get("params"))
    path = {a: params[a] for a in entities[call["entity"]].path_args if a in params}
    return {"params": path} if path else {}


def _checked_filter(index: int, raw: Any, fields: Mapping[str, FieldSpec]) -> dict[str, Any]:
    """A call's filter checked against its entity's fields and sent as syntax 1 (no `$or` in a batch)."""
    try:
        return compile_filter(raw, fields, allow_or=False).upstream()
    except InvalidArguments as exc:
        raise InvalidArguments(
            f"calls[{index}].params.{exc.message}", code=exc.code, hint=exc.hint, suggestions=exc.suggestions
        ) from None


def check_calls(
    raw_calls: Sequence[Mapping[str, Any]], entities: Mapping[str, EntitySpec], fields_of: FieldsOf = static_fields
) -> list[dict[str, Any]]:
    """Every call checked, ids given (the index where the caller set none) and unique."""
    calls = [check_call(i, raw, entities, fields_of) for i, raw in enumerate(raw_calls)]
    seen: dict[str, int] = {}
    for i, call in enumerate(calls):
        if call["id"] in seen:
            raise _bad(i, f"id {call['id']!r} repeats calls[{seen[call['id']]}].", "Give every call its own id.")
        seen[call["id"]] = i
    return calls


async def plan_calls(
    ops: Operations, target: Target, writes: Sequence[Mapping[str, Any]], entities: Mapping[str, EntitySpec]
) -> Plan:
    """The writes among the calls as one plan: current values read with one `/v1/batch` of gets."""
    gets = [
        {"id": f"now{i}", "entity": c["entity"], "action": "get", "entityId": c["entityId"], **_addressed(c, entities)}
        for i, c in enumerate(writes)
        if c["action"] != "create"
    ]
    current: Mapping[str, Any] = {}
    if gets:
        resp = await ops.client.request("POST", "/v1/batch", json_body={"calls": gets}, read=True)
        current = mapping(mapping(resp.data).get("results"))
    items: list[PlanItem] = []
    missing: list[Any] = []
    for i, call in enumerate(writes):
        entity = entities[call["entity"]]
        new = {k: v for k, v in mapping(call.get("params")).items() if k not in entity.path_args}
        if call["action"] == "create":
            label = f"{entity.name}: {new.get(entity.name_field) or 'new'}"
            items.append(PlanItem(None, label, changes({}, new), action="create"))
            continue
        found = current.get(f"now{i}")
        record = mapping(found[0] if isinstance(found, list) and found else found)
        if not record:
            missing.append(f"{entity.name}#{call['entityId']}")
            continue
        label = f"{entity.name}: {record.get(entity.name_field) or ''}".rstrip(": ")
        touched = sorted(new)
        items.append(
            PlanItem(call["entityId"], label, changes(record, new), fingerprint(record, touched), call["action"])
        )
    # The plan's own action is the one the write policy weighs: any delete makes the batch a delete.
    kinds = {c["action"] for c in writes}
    action = "delete" if "delete" in kinds else kinds.pop() if len(kinds) == 1 else "update"
    names = ",".join(sorted({c["entity"] for c in writes}))
    return Plan(target.tool, names, action, items, missing, units=1, rate=ops.rate_limit)


@handles("calls")
async def batch(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Run the calls in one request; per-call results and errors, in the order given."""
    entities = {e.name: e for e in target.exposed}
    calls = check_calls(args["calls"], entities, lambda e, bound: ops.meta(e, bound).fields)
    writes = [c for c in calls if c["action"] in WRITES]
    for call in writes:
        ctx.policy.check(target.tool, call["action"])
    approval = "not_required"
    if writes:
        plan = await plan_calls(ops, target, writes, entities)
        if args.get("dry_run"):
            return guard.dry_run_output(ctx, plan, expect=False)  # batch takes no expect argument
        approval = await guard.approve(ctx, plan, bulk=len(writes) > 1)
    elif args.get("dry_run"):
        raise InvalidArguments("dry_run applies to writes, and these calls only read.", hint="Leave dry_run out.")
    try:
        resp = await ops.request(target, json_body={"calls": calls})
    except VibeCodeError as exc:
        for call in writes:  # OUTCOME_UNKNOWN included: the log must show the attempt
            _audit(ctx, target, call, guard.outcome(exc), code=exc.code, confirmation=approval)
        raise
    data, key_fields_only = await concise_results(ops, calls, mapping(resp.data), entities)
    rows = shape(calls, data, ops.max_result_tokens - ENVELOPE_RESERVE)
    for call, row in zip(calls, rows, strict=True):
        if call["action"] in WRITES:
            created = mapping(row.get("result")).get("id") if call["action"] == "create" else None
            code = None if row["ok"] else row["error"]["code"]
            _audit(
                ctx, target, call, "done" if row["ok"] else "failed", code=code, created=created, confirmation=approval
            )
    out = _output(rows, bool(writes), key_fields_only)
    # Each call's share was measured as JSON; the text shows the same rows again, so shrink the
    # shares until structure and text fit together (the dispatcher's check stays the last word).
    share = ops.max_result_tokens - ENVELOPE_RESERVE
    while result_tokens(out.structured, out.text) > ops.max_result_tokens and share > 100:
        share //= 2
        out = _output(shape(calls, data, share), bool(writes), key_fields_only)
    return out


def _output(rows: list[dict[str, Any]], writes: bool, key_fields_only: bool = False) -> Output:
    failed = [r for r in rows if not r["ok"]]
    summary = f"{len(rows)} call(s): {len(rows) - len(failed)} succeeded, {len(failed)} failed"
    if failed:
        summary += " (" + ", ".join(f"{r['id']}: {r['error']['code']}" for r in failed[:5]) + ")"
    summary += "."
    if writes:
        summary += " Succeeded writes are applied and failed ones are not: resend only the failed calls."
    if key_fields_only:
        summary += " Records show key fields with names; params.select picks others."
    structured = {"calls": rows, "succeeded": len(rows) - len(failed), "failed": len(failed), "summary": summary}
    return Output(structured=structured, text=_render(structured), render=_render)


def _render(structured: Mapping[str, Any]) -> str:
    return "\n".join([structured["summary"], *(_line(r) for r in structured["calls"])])


def shape(calls: Sequence[Mapping[str, Any]], data: Mapping[str, Any], budget: int) -> list[dict[str, Any]]:
    """Per-call rows in call order; list results fitted to an equal share of the token budget."""
    results, errors = mapping(data.get("results")), mapping(data.get("errors"))
    totals, meta = mapping(data.get("totals")), mapping(data.get("meta"))
    share = max(50, budget // max(1, len(calls)))
    rows: list[dict[str, Any]] = []
    for call in calls:
        cid = call["id"]
        row: dict[str, Any] = {"id": cid, "entity": call["entity"], "action": call["action"]}
        if cid in errors or cid not in results:
            err = mapping(errors.get(cid))
            row["ok"] = False
            row["error"] = {
                "code": str(err.get("code") or "NO_RESULT"),
                "message": str(err.get("message") or "The portal returned neither a result nor an error."),
            }
        else:
            row["ok"] = True
            value = results[cid]
            if call["action"] == "get" and isinstance(value, list) and len(value) == 1:
                value = value[0]  # users get answers a one-element array inside /v1/batch
            if isinstance(value, list):
                records = [cut_strings(project(r, None, concise=True))[0] for r in value if isinstance(r, Mapping)]
                fitted = fit_records(records, share)
                call_meta = mapping(meta.get(cid))
                total = totals.get(cid, call_meta.get("total"))
                row.update(items=fitted.items, returned=len(fitted.items), total=total)
                row["has_more"] = bool(call_meta.get("hasMore")) or fitted.dropped > 0
                if fitted.dropped:
                    row["dropped"] = fitted.dropped
            else:
                if isinstance(value, Mapping):  # already cut to the key fields (or select) and named
                    value = project(value, None, concise=True)
                shortened, _ = cut_strings(value)
                row["result"] = shortened if estimate_tokens(dumps(shortened)) <= share else _brief(shortened)
        rows.append(row)
    return rows


def _brief(value: Any) -> Any:
    """A result too big for its share: keep the scalar fields only."""
    if isinstance(value, Mapping):
        return {k: v for k, v in value.items() if not isinstance(v, dict | list)}
    return value


def _line(row: Mapping[str, Any]) -> str:
    head = f"[{row['id']}] {row['entity']}.{row['action']}"
    if not row["ok"]:
        return f"{head} ERROR {row['error']['code']}: {row['error']['message']}"
    if "items" in row:
        total = f" of {row['total']}" if row.get("total") is not None else ""
        body = " | ".join(dumps(i) for i in row["items"])
        return f"{head} {row['returned']}{total}: {body}"
    return f"{head} ok {render_value(row.get('result'))}"
