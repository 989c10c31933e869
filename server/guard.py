"""The path every write takes before it is sent: plan, stop at a dry run, ask a human, re-check, audit.

A write handler calls `plan_write` (one `search` by ids reads the current values), returns
`dry_run_output` for a dry run, else `approve` (the write policy and, where it says so, the
human, who is shown the plan), and reports how it ended with `audit`. The confirmation is bound
to the plan's digest: if the records change before the answer is used, the human is asked again.
A dry run's fingerprints, passed back as `expect`, make the real run skip (and name) every record
changed since the dry run instead of overwriting it unseen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from server.catalog import EntitySpec
from server.client import ApiResponse
from server.context import CallContext
from server.errors import InvalidArguments, NotConfirmed, NotFound, OutcomeUnknown, VibeCodeError
from server.operations import Operations, Output
from server.registry import Target
from server.results import dumps
from server.safety import ENABLE_HINT
from server.writeplan import Plan, PlanItem, changes, fingerprint, stale

MAX_PLAN_ITEMS_SHOWN = 50  # a dry run lists this many records in full and counts the rest
STAMPS = ("updatedAt", "updatedTime", "changedDate")


async def current_records(
    ops: Operations, entity: EntitySpec, ids: Sequence[Any], fields: Sequence[str], base: str = ""
) -> dict[str, dict[str, Any]]:
    """The records with these ids as the portal has them now (`fields`, the name and update stamps)."""
    if not ids:
        return {}
    if "search" not in entity.operations and "get" not in entity.operations:
        return await listed_records(ops, entity, ids)
    known = ops.meta(entity).fields  # live metadata: user fields are read too, not only the catalog's own
    key = entity.id_field  # what the path id names (a smart process type's entityTypeId)
    wanted = ["id", key, entity.name_field, *fields, *STAMPS]
    select = [f for f in dict.fromkeys(wanted) if f in ("id", key) or f in known]
    base = base or f"/v1/{entity.name}"
    if "search" not in entity.operations:
        return await _records_by_id(ops, base, ids, select)
    body = {"filter": {key: {"$in": list(ids)}}, "select": select, "limit": len(ids)}
    resp = await ops.client.request("POST", f"{base}/search", json_body=body)
    rows = resp.data if isinstance(resp.data, list) else []
    return {str(r.get(key)): dict(r) for r in rows if isinstance(r, Mapping)}


async def _records_by_id(
    ops: Operations, base: str, ids: Sequence[Any], select: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """One GET per id, for entities the portal cannot search (calendar events); a missing record is absent."""
    found: dict[str, dict[str, Any]] = {}
    for record_id in ids:
        try:
            resp = await ops.client.request("GET", f"{base}/{record_id}")
        except NotFound:
            continue
        row = resp.data[0] if isinstance(resp.data, list) and resp.data else resp.data
        if isinstance(row, Mapping):
            found[str(row.get("id", record_id))] = {k: v for k, v in row.items() if k in select}
    return found


async def listed_records(ops: Operations, entity: EntitySpec, ids: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """The records among `ids` by the entity's plain list (bizproc activities and robots list only codes)."""
    resp = await ops.client.request("GET", f"/v1/{entity.name}")
    wanted = {str(i) for i in ids}
    out: dict[str, dict[str, Any]] = {}
    for row in resp.data if isinstance(resp.data, list) else []:
        record = dict(row) if isinstance(row, Mapping) else {"id": row}
        if str(record.get("id")) in wanted:
            out[str(record.get("id"))] = record
    return out


async def plan_write(
    ops: Operations,
    target: Target,
    action: str,
    *,
    updates: Sequence[tuple[Any, Mapping[str, Any]]] = (),
    ids: Sequence[Any] = (),
    creates: Sequence[Mapping[str, Any]] = (),
) -> Plan:
    """What the write would do: per record, current → new values (update), what goes (delete) or comes (create)."""
    entity = target.ent
    items: list[PlanItem] = []
    missing: list[Any] = []
    unchanged: list[Any] = []
    if action == "create":
        for new in creates:
            label = str(new.get(entity.name_field) or "")
            items.append(PlanItem(None, label, {k: {"from": None, "to": v} for k, v in new.items()}))
    else:
        wanted = updates if action == "update" else [(rid, {}) for rid in ids]
        touched = sorted({k for _, new in wanted for k in new})
        current = await current_records(ops, entity, [rid for rid, _ in wanted], touched, target.base)
        for rid, new in wanted:
            record = current.get(str(rid))
            if record is None:
                missing.append(rid)
                continue
            diff = changes(record, new)
            if action == "update" and not diff:
                unchanged.append(rid)
                continue
            items.append(PlanItem(rid, str(record.get(entity.name_field) or ""), diff, fingerprint(record, touched)))
    units = target.spec.units(len(items)) if items else 0
    note = entity.delete_note.format(**dict(target.bound)) if action == "delete" else ""
    return Plan(target.tool, entity.name, action, items, missing, unchanged, units, ops.rate_limit, note)


def digest(plan: Plan) -> str:
    """What a human's confirmation is bound to: the plan's records, values and fingerprints."""
    raw = dumps([plan.action, plan.entity, [[i.id, i.changes, i.fingerprint] for i in plan.items]])
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def dry_run_output(ctx: CallContext, plan: Plan, *, expect: bool = True) -> Output:
    """The plan as a tool result (nothing written), with the fingerprints a real run can `expect`
    (`expect=False` for a tool that takes no expect argument: the cross-entity batch)."""
    audit(ctx, plan, "dry_run", approval="not_asked", dry_run=True)
    summary = "DRY RUN, nothing was written. It would " + plan.summary()
    if plan.items and plan.action != "create" and expect:
        summary += "\nTo apply exactly this, call again without dry_run and with expect=plan.fingerprints."
    body = plan.to_dict(limit=MAX_PLAN_ITEMS_SHOWN)
    if plan.action != "create" and expect:
        body["fingerprints"] = plan.fingerprints()
    return Output({"dry_run": True, "plan": body, "summary": summary}, summary)


MAX_ASKS = 3  # records that keep changing while the human reads: stop asking, write nothing


async def approved_plan(
    ops: Operations,
    target: Target,
    ctx: CallContext,
    plan: Plan,
    *,
    bulk: bool,
    replan: Callable[[], Awaitable[Plan]] | None = None,
    **plan_args: Any,
) -> tuple[Plan, str]:
    """The plan a human (or the policy) approved, re-read after the answer; and how it was approved.

    Records can change while the human reads the question: the plan is read again after a yes
    (`replan`, else `plan_write` with `plan_args`), and if it differs from what was shown, the
    human is asked again about the new one.

    Raises:
        NotConfirmed: declined, cancelled, no way to ask and no operator opt-in, or records kept changing.
        InputRequired: (from the context) the question goes to the client; the call resumes later.
    """
    for _ in range(MAX_ASKS):
        approval = await approve(ctx, plan, bulk=bulk)
        if approval != "confirmed":
            return plan, approval
        fresh = await (replan() if replan else plan_write(ops, target, plan.action, **plan_args))
        if digest(fresh) == digest(plan):
            return fresh, approval
        plan = fresh
    audit(ctx, plan, "refused", approval="changed_while_asking")
    raise NotConfirmed(
        f"The records of this {plan.action} kept changing while the user was asked; nothing was written.",
        code="CONFLICT",
        hint="Read the records again and repeat the request when they have settled.",
    )


async def approve(ctx: CallContext, plan: Plan, *, bulk: bool) -> str:
    """Apply the write policy and, where it says so, ask the human. Returns how the write was approved.

    Raises:
        NotConfirmed: declined, cancelled, or no way to ask and no operator opt-in (audited).
        InputRequired: (from the context) the question goes to the client, the call resumes later.
    """
    policy = ctx.policy
    if not plan.items or not policy.needs_confirmation(plan.action, plan.count, bulk):
        return "not_required"
    question = "Allow this change to the Bitrix24 portal?\n" + plan.summary()
    decision = await ctx.confirm(question, digest(plan))
    if decision == "accept":
        return "confirmed"
    if decision == "unavailable" and policy.allow_unconfirmed:
        return "operator_allowed"
    audit(ctx, plan, "refused", approval=decision)
    if decision == "unavailable":
        raise NotConfirmed(
            f"{plan.tool} needs a human's confirmation ({plan.action} of {plan.count} record(s)) "
            "and this client cannot ask for one. Nothing was written.",
            hint=ENABLE_HINT,
        )
    raise NotConfirmed(
        f"The user {decision}{'d' if decision.endswith('e') else 'ed'} the {plan.action} of {plan.count} "
        f"{plan.entity} record(s). Nothing was written.",
        code="CONFIRMATION_DECLINED" if decision == "decline" else "CONFIRMATION_CANCELLED",
        hint="Do not repeat this write unless the user asks for it again.",
    )


async def sent(ctx: CallContext, plan: Plan, approval: str, request: Awaitable[ApiResponse]) -> ApiResponse:
    """The answer to the write `request`; an error is audited (failed, or outcome unknown) and raised."""
    try:
        return await request
    except VibeCodeError as exc:
        audit(ctx, plan, outcome(exc), approval=approval, error=exc)
        raise


def apply_expect(expected: Mapping[str, Any] | None, plan: Plan) -> tuple[Plan, list[str]]:
    """The plan without the records whose fingerprint differs from a dry run's, and their ids."""
    if not expected:
        return plan, []
    if not all(isinstance(v, str) for v in expected.values()):
        raise InvalidArguments(
            "expect must map record ids to the fingerprints a dry run returned.",
            hint="Pass plan.fingerprints from the dry run's result unchanged, or leave expect out.",
        )
    changed = stale({str(k): str(v) for k, v in expected.items()}, plan)
    kept = [i for i in plan.items if str(i.id) not in changed]
    kept_plan = Plan(plan.tool, plan.entity, plan.action, kept, plan.missing, plan.unchanged, plan.units, plan.rate)
    kept_plan.note = plan.note
    return kept_plan, changed


def audit(
    ctx: CallContext,
    plan: Plan,
    result: str,
    *,
    approval: str,
    dry_run: bool = False,
    request_id: str | None = None,
    error: VibeCodeError | None = None,
    ids: Sequence[Any] | None = None,
    skipped: Sequence[Any] = (),
) -> None:
    """One audit record of this write attempt (result: done, partial, failed, outcome_unknown, refused, dry_run)."""
    entry: dict[str, Any] = {
        "client": ctx.client or None,
        "tool": plan.tool,
        "entity": plan.entity,
        "action": plan.action,
        "dry_run": dry_run,
        "confirmation": approval,
        "result": result,
        "ids": list(ids) if ids is not None else [i.id for i in plan.items if i.id is not None],
        "changes": [i.to_dict() for i in plan.items],
    }
    if skipped:
        entry["skipped_changed_since_shown"] = list(skipped)
    if request_id:
        entry["request_id"] = request_id
    if error is not None:
        entry["error"] = {"code": error.code, "message": error.message}
    ctx.audit(entry)


def outcome(error: VibeCodeError) -> str:
    """`failed`, or `outcome_unknown` when the write may have happened."""
    return "outcome_unknown" if isinstance(error, OutcomeUnknown) else "failed"
