"""Requisite presets' field sets: the `available` tool, and the check that keeps a requisite write to the
fields its preset holds.

Upstream a requisite keeps only its preset's fields and drops the others without a word (Requisites:
Create, "Известные особенности"). A write that would lose a value that way is refused here before
anything is sent, naming the fields the preset takes, so the model can fix the call or add the field
to the preset first (`requisite_preset_fields_create`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.catalog import EntitySpec, load_catalog
from server.context import CallContext
from server.errors import InvalidArguments, NotFound, VibeCodeError
from server.operations import Operations, Output, mapping
from server.reads import normalise_fields
from server.registry import Target, handles

SHOWN = 40  # accepted fields named in a refusal; the rest are counted


@handles("preset_fields_available")
async def available(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """The requisite fields the preset does not hold yet, each with its label where the requisites' metadata has it."""
    preset = dict(target.bound).get("presetId", args.get("presetId"))
    names = [str(n) for n in (await ops.request(target)).data or []]
    owner = next((e for e in load_catalog().entities.values() if e.fields_by_preset), None)
    labels = {name: f.label for name, f in ops.meta(owner).fields.items()} if owner is not None else {}
    items = [{"fieldName": n, "label": labels.get(n, "")} for n in names]
    create = f"{target.ent.tool_prefix}_create"
    summary = (
        f"{len(items)} requisite fields can be added to preset {preset}; add one with {create} (fieldName)."
        if items
        else f"Preset {preset} holds every requisite field already."
    )
    lines = [summary, *(f"{i['fieldName']}: {i['label']}" if i["label"] else i["fieldName"] for i in items)]
    return Output(structured={"available": items, "summary": summary}, text="\n".join(lines))


async def check_fields(ops: Operations, entity: EntitySpec, fields: Mapping[str, Any], record_id: Any = None) -> None:
    """Refuse a requisite write naming fields its preset does not hold (upstream would drop them silently).

    The preset is the one the fields name (a create), else the record's own (an update: presets are fixed).

    Raises:
        InvalidArguments: fields outside the preset, or a presetId that names no preset.
    """
    if not entity.fields_by_preset:
        return
    given = [n for n in fields if n != "presetId" and not str(n).upper().startswith("UF_")]
    preset = fields.get("presetId")
    if not given:
        return
    base = f"/v1/{entity.rest_path({})}"
    if preset is None and record_id is not None:
        try:
            preset = mapping((await ops.client.request("GET", f"{base}/{record_id}")).data).get("presetId")
        except VibeCodeError:
            return  # the write itself reports a missing record
    if preset is None:
        return  # a create without presetId: its own validation names it
    try:
        data = mapping((await ops.client.request("GET", f"{base}/fields", params={"presetId": preset})).data)
    except NotFound as exc:
        raise InvalidArguments(
            f"presetId {preset} names no requisite preset; nothing was sent.",
            hint="requisite_presets_search lists the presets.",
        ) from exc
    held = normalise_fields(data)
    outside = [n for n in given if n not in held]
    if not outside:
        return
    owner_keys = ("entityTypeId", "entityId", "presetId")
    accepted = [n for n, d in held.items() if not d.get("readonly") and n not in owner_keys]
    shown = ", ".join(accepted[:SHOWN]) + (f" and {len(accepted) - SHOWN} more" if len(accepted) > SHOWN else "")
    raise InvalidArguments(
        f"Preset {preset} does not hold {', '.join(outside)}: a requisite of it would drop "
        f"{'this value' if len(outside) == 1 else 'these values'} silently, so nothing was sent. "
        f"It takes: {shown}; and user fields (UF_CRM_*).",
        hint="Leave those fields out, or add them to the preset first with requisite_preset_fields_create "
        f"(presetId {preset}); requisites_fields with presetId lists what it holds.",
    )
