"""`timelines_bindings` and `timelines_act`: the bindings, note and pin of one timeline comment
(`/v1/timelines/{id}/bindings|bind|unbind|pin|unpin|note`).

Reading is one tool (every record the comment shows on, and its note). Acting is one tool whose
`change` picks the documented call: pin or unpin it on a record's timeline, bind or unbind another
record, save or delete the note. Each change is planned from the comment as it is now, answered with
the plan on `dry_run`, confirmed by a human where the write policy says so (unbind and delete_note
remove something, so they ask), re-planned after the answer, and audited. The upstream takes
numeric type codes (`entityTypeId`); the tool also takes type names ("deal", "dynamic_174").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server import guard, specs
from server.context import CallContext
from server.errors import InvalidArguments, NotFound
from server.operations import Operations, Output, mapping
from server.registry import Target, handles
from server.writeplan import Plan, PlanItem, fingerprint

KINDS = {"pin": "update", "unpin": "update", "bind": "update", "note": "update", "unbind": "delete",
         "delete_note": "delete"}  # fmt: skip
PATHS = {"pin": "pin", "unpin": "unpin", "bind": "bind", "unbind": "unbind", "note": "note", "delete_note": "note"}
SMART_MIN = 128  # entityTypeId >= 128: a smart process type


def type_code(name: Any) -> int | None:
    """The numeric CRM type code of a type name ("deal", "DYNAMIC_174") or of a code given as a number."""
    if isinstance(name, int) and not isinstance(name, bool):
        return name if name in TYPES.values() or name >= SMART_MIN else None
    text = str(name).strip().lower()
    if text.isdigit():
        return type_code(int(text))
    raw = text.removeprefix("dynamic_")
    if raw != text:
        return int(raw) if raw.isdigit() and int(raw) >= SMART_MIN else None
    return TYPES.get(text)


def type_name(code: int) -> str:
    return next((name for name, c in TYPES.items() if c == code), f"dynamic_{code}")


TYPES: Mapping[str, int] = specs.load("reference.json")["crm_entity_types"]


def _record(binding: Mapping[str, Any]) -> str:
    code = binding.get("entityTypeId")
    kind = binding.get("entityType") or (type_name(code) if isinstance(code, int) else "?")
    return f"{kind} #{binding.get('entityId')}"


async def _state(ops: Operations, target: Target, comment: Any) -> dict[str, Any]:
    """The comment's bindings and note as they are now (two GETs; no note is a 404 NOTE_NOT_FOUND)."""
    bindings = (await ops.client.request("GET", f"{target.base}/{comment}/bindings")).data
    try:
        note = mapping((await ops.client.request("GET", f"{target.base}/{comment}/note")).data).get("text")
    except NotFound as exc:
        if exc.code != "NOTE_NOT_FOUND":
            raise
        note = None
    shown = [dict(b) for b in bindings if isinstance(b, Mapping)] if isinstance(bindings, list) else []
    noun = "timeline log record" if target.base.endswith("timeline-logs") else "timeline comment"
    return {"comment": comment, "noun": noun, "bindings": shown, "note": note}


def _answer(state: Mapping[str, Any], head: str) -> Output:
    on = ", ".join(_record(b) for b in state["bindings"]) or "no record"
    note = f"note: «{state['note']}»" if state["note"] else "no note"
    summary = f"{head}{state['noun'].capitalize()} #{state['comment']} shows on {on}; {note}."
    shown = {k: v for k, v in state.items() if k != "noun"}
    return Output({**shown, "summary": summary}, summary)


@handles("timeline_bindings")
async def timeline_bindings(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Every record one comment shows on, and its note."""
    return _answer(await _state(ops, target, args["id"]), "")


def _check(target: Target, args: Mapping[str, Any]) -> None:
    """The arguments the change needs, and none it does not take."""
    change, tool = args["change"], target.tool
    if change in ("bind", "unbind") and (args.get("entityType") is None or args.get("entityId") is None):
        raise InvalidArguments(
            f'change="{change}" needs entityType and entityId (the other record).',
            hint=f'Call {tool} with change="{change}", entityType="contact", entityId=<its id>.',
        )
    if (args.get("entityType") is None) != (args.get("entityId") is None):
        raise InvalidArguments("Give entityType and entityId together.", hint="Or neither: the comment's own record.")
    if args.get("entityType") is not None and type_code(args["entityType"]) is None:
        raise InvalidArguments(
            f"entityType {args['entityType']!r} is not a CRM type.",
            hint=f"Use one of {', '.join(TYPES)} or dynamic_<entityTypeId> (>= {SMART_MIN}) of a smart process.",
        )
    if (change == "note") != (args.get("text") is not None) or (change == "note" and not str(args["text"]).strip()):
        raise InvalidArguments(
            'change="note" needs text (and only it takes text).', hint=f'Call {tool} with change="note", text="…".'
        )


async def _owner(ops: Operations, target: Target, args: Mapping[str, Any]) -> dict[str, int]:
    """{entityTypeId, entityId} of the record the change names, or of the comment's own record."""
    if args.get("entityType") is not None:
        return {"entityTypeId": type_code(args["entityType"]) or 0, "entityId": int(args["entityId"])}
    comment = mapping((await ops.client.request("GET", f"{target.base}/{args['id']}")).data)
    if comment.get("entityType") is None:  # a log record does not name its record: the first binding is it
        bound = (await ops.client.request("GET", f"{target.base}/{args['id']}/bindings")).data
        comment = mapping(bound[0]) if isinstance(bound, list) and bound else comment
    return {"entityTypeId": type_code(comment.get("entityType")) or 0, "entityId": int(comment.get("entityId") or 0)}


async def _plan(ops: Operations, target: Target, args: Mapping[str, Any]) -> tuple[Plan, dict[str, Any]]:
    """What the change would do to the comment as it is now, and the request body it sends."""
    change, comment = args["change"], args["id"]
    state = await _state(ops, target, comment)
    body: dict[str, Any] = {} if change == "delete_note" else await _owner(ops, target, args)
    bound = [(b.get("entityTypeId"), b.get("entityId")) for b in state["bindings"]]
    here = (body.get("entityTypeId"), body.get("entityId"))
    label = f"{state['noun']} #{comment}"
    diff: dict[str, dict[str, Any]] = {}
    if change == "bind" and here not in bound:
        diff = {"bindings": {"from": len(bound), "to": f"+ {type_name(here[0] or 0)} #{here[1]}"}}
    elif change == "unbind" and here in bound:
        diff = {"bindings": {"from": len(bound), "to": f"- {type_name(here[0] or 0)} #{here[1]}"}}
    elif change in ("pin", "unpin"):
        diff = {"pinned": {"from": None, "to": change == "pin"}}
        label += f" on {type_name(here[0] or 0)} #{here[1]}"
    elif change == "note" and state["note"] != args["text"]:
        body["text"] = args["text"]
        diff = {"note": {"from": state["note"], "to": args["text"]}}
    elif change == "delete_note" and state["note"]:
        diff = {"note": {"from": state["note"], "to": None}}
    items = [PlanItem(comment, label, diff, fingerprint(state, ("bindings", "note")))] if diff else []
    units = target.spec.units(1) if items else 0
    plan = Plan(target.tool, state["noun"], KINDS[change], items, [], [] if items else [comment], units,
                ops.rate_limit)  # fmt: skip
    return plan, body


@handles("timeline_act")
async def timeline_act(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Pin, unpin, bind, unbind, save or delete the note of one comment (or the plan, dry)."""
    _check(target, args)
    change, comment = args["change"], args["id"]
    plan, body = await _plan(ops, target, args)
    if args.get("dry_run"):
        return guard.dry_run_output(ctx, plan)

    async def replan() -> Plan:  # the comment as it is after the human's answer
        return (await _plan(ops, target, args))[0]

    plan, approval = await guard.approved_plan(ops, target, ctx, plan, bulk=False, replan=replan)
    plan, changed = guard.apply_expect(args.get("expect"), plan)
    if changed or not plan.items:
        guard.audit(ctx, plan, "skipped", approval=approval, skipped=changed)
        why = "changed since the dry run" if changed else f"{change}: already so"
        return _answer(await _state(ops, target, comment), f"Nothing written: {why}. ")
    method = "DELETE" if change == "delete_note" else "POST"
    path = f"{target.base}/{comment}/{PATHS[change]}"
    request = ops.client.request(method, path, json_body=body if method == "POST" else None, expect="any")
    resp = await guard.sent(ctx, plan, approval, request)  # pin, bind and delete answer `data: true`
    guard.audit(ctx, plan, "done", approval=approval, request_id=resp.headers.get("x-request-id"), ids=[comment])
    return _answer(await _state(ops, target, comment), f"Done: {change} ({plan.items[0].label}). ")
