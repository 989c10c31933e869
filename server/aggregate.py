"""`{entity}_aggregate`: count/sum/avg/min/max with groupBy, groups labelled and sorted, money per currency.

A sum of a money field over records in several currencies is meaningless as one number, and the
API cannot group by the currency field (`currency` is not aggregatable) nor run aggregates inside
`/v1/batch` (its actions are list/get/create/update/delete/fields/search). So when a numeric
function touches a money field and the filter does not pin one currency, one `/v1/batch` of
one-record lists counts the matches in all and per portal currency, then the aggregate runs once
per currency actually used (the filter AND-ed with that currency), concurrently; matches without a
currency are counted and reported, never mixed in. Plain data in, `Output` out.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import anyio

from server.budget import result_tokens
from server.catalog import EntitySpec, FieldSpec
from server.context import CallContext
from server.errors import InvalidArguments, VibeCodeError
from server.filters import compile_filter
from server.metadata import EntityMeta
from server.operations import Operations, Output
from server.refdata import ITEM_STAGE, ReferenceData, label_kind, reference_for, safe_labels, spec
from server.registry import Target, handles
from server.results import dumps, estimate_tokens, render_value

NUMERIC_FUNCTIONS = frozenset({"sum", "avg", "min", "max"})
NUMERIC_TYPES = frozenset({"double", "money", "integer"})
SYNTAX3 = {">=": "$gte", ">": "$gt", "<=": "$lte", "<": "$lt", "!=": "$ne", "!": "$ne", "%": "$contains"}
SEMANTIC_ORDER = ("P", "S", "F")
BATCH_CALLS = 50  # calls per POST /v1/batch


def is_user_field(name: str) -> bool:
    return name.upper().startswith("UF_") or name.startswith("ufCrm")


def measures(entity: EntitySpec, meta: EntityMeta) -> list[str]:
    """Fields sum/avg/min/max accept: aggregatable numbers that are not ids of other records, and numeric UFs."""
    refs = spec()["labels"].get(entity.name, {})
    out = [
        name
        for name in entity.aggregatable
        if (f := meta.fields.get(name)) is not None and f.type in NUMERIC_TYPES and name not in refs and not f.items
    ]  # an integer with allowed values (task status, priority) is a code, not a quantity
    out += [n for n, f in meta.fields.items() if is_user_field(n) and f.type in NUMERIC_TYPES and n not in out]
    return out


def group_fields(entity: EntitySpec, meta: EntityMeta) -> list[str]:
    """Fields groupBy accepts: the entity's aggregatable list plus user fields of any type."""
    standard = entity.aggregatable  # the documented lists (tool_specs); user fields come from live metadata
    return [*standard, *(n for n in meta.fields if is_user_field(n) and n not in standard)]


def money_fields(entity: EntitySpec) -> dict[str, str]:
    """Money field → the field holding its currency (UF money keeps its currency inside the value)."""
    return dict(spec()["money"].get(entity.name, {}))


def name_key(field: str) -> str:
    """Where a group's label goes: stageId → stageName, status → statusName."""
    return (field[:-2] if field.endswith("Id") else field) + "Name"


def _currency_terms(value: Any) -> Any:
    """A caller's currency condition in `$` form so one more `$in` can be AND-ed into it."""
    if isinstance(value, Mapping):
        return {SYNTAX3.get(str(k), str(k)): v for k, v in value.items()}
    return value


def pinned_currencies(flt: Mapping[str, Any], currency_field: str) -> list[str] | None:
    """The currencies the filter already restricts to (equality or IN), or None."""
    cond = _currency_terms(flt.get(currency_field))
    if isinstance(cond, str):
        return [cond]
    if isinstance(cond, list):
        return [str(c) for c in cond]
    if isinstance(cond, Mapping) and isinstance(cond.get("$in"), list):
        return [str(c) for c in cond["$in"]]
    return None


def with_currency(flt: Mapping[str, Any], currency_field: str, code: str) -> dict[str, Any]:
    """The filter AND-ed with `currency_field = code`, keeping the caller's own currency terms."""
    out = dict(flt)
    cond = _currency_terms(out.get(currency_field))
    out[currency_field] = {**cond, "$in": [code]} if isinstance(cond, Mapping) else code
    return out


@dataclass(frozen=True)
class _Part:
    """One upstream aggregate answer, for one currency or for all records."""

    currency: str | None
    data: Mapping[str, Any]


@handles("aggregate")
async def aggregate(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """Aggregate an entity: the static field catalog until live metadata is wired in."""
    return await Aggregator(ops, target, reference_for(ops)).run(ops.meta(target.ent, dict(target.bound)), args)


def specialise(name: str, frag: dict[str, Any], entity: EntitySpec, meta: EntityMeta) -> bool:
    """Fill the `aggregate` / `groupBy` argument with the entity's field names; False drops the argument."""
    numeric = measures(entity, meta)
    groups = [g for g in group_fields(entity, meta) if g not in numeric]  # grouping by an amount says nothing
    if name == "groupBy":
        if not groups:
            return False
        frag["items"] = {"type": "string", "enum": groups}
    elif name == "aggregate":
        frag["items"]["properties"]["field"]["enum"] = list(dict.fromkeys(["*", *numeric, *groups]))
        frag["description"] += f" Numeric: {', '.join(numeric)}." if numeric else " Count only."
    return True


class Aggregator:
    """Runs aggregates for any entity and shapes the answer for a model."""

    def __init__(self, ops: Operations, target: Target, ref: ReferenceData) -> None:
        self.ops = ops
        self.target = target
        self.ref = ref
        self.max_result_tokens = ops.max_result_tokens

    async def run(self, meta: EntityMeta, args: Mapping[str, Any]) -> Output:
        entity, fields = self.target.ent, meta.fields
        specs = self._specs(entity, meta, args.get("aggregate") or [])
        group_by = list(args.get("groupBy") or [])
        # Checked before any call, sent as syntax 1; OR cannot be summed from separate searches.
        checked = compile_filter(args.get("filter"), fields, allow_or=False)
        flt: dict[str, Any] = checked.upstream()
        money = money_fields(entity)
        split_on = next((money[f] for f, fn in specs if fn in NUMERIC_FUNCTIONS and f in money), None)
        notes: list[str] = []
        if not checked.empty:
            read = f" ({'; '.join(checked.notes)})" if checked.notes else ""
            notes.append(f"Filter: {checked.summary()}{read}.")
        if split_on is None:
            parts = [_Part(None, await self._call(entity, specs, flt, group_by))]
            total = int(parts[0].data.get("count") or 0)
        else:
            parts, total = await self._per_currency(entity, specs, flt, group_by, split_on, notes)
        mixed = sorted({f for f, fn in specs if fn in NUMERIC_FUNCTIONS and f in fields and fields[f].type == "money"})
        if mixed:
            # A money user field keeps its currency inside each value ("1500|RUB"); the API cannot
            # filter on that part, so its figures cannot be split per currency here.
            notes.append(
                f"{', '.join(mixed)} hold 'amount|CURRENCY' values and the portal adds their numbers whatever the "
                "currency: these figures may mix currencies; do not present them as one currency."
            )
        totals = [self._row({}, p.currency, p.data) for p in parts if p.currency is None or p.data.get("count")]
        groups = await self._groups(entity, fields, parts, group_by) if group_by else None
        truncated = any(bool(_meta(p).get("truncated")) for p in parts)
        if truncated:
            notes.append(
                "More than 5000 records matched: sums, averages and groups cover only the first 5000 "
                "(upstream limit); narrow the filter for exact figures."
            )
        if any(_meta(p).get("groupsTruncated") for p in parts):
            notes.append("The portal returned only part of the groups: group by fewer fields or narrow the filter.")
        return self._output(entity, total, split_on, totals, groups, group_by, truncated, notes)

    def _specs(self, entity: EntitySpec, meta: EntityMeta, raw: Sequence[Any]) -> list[tuple[str, str]]:
        allowed = measures(entity, meta)
        out: list[tuple[str, str]] = []
        for item in raw:
            fn, field = str(item["function"]), str(item.get("field") or "*")
            if fn in NUMERIC_FUNCTIONS and field not in allowed:
                raise InvalidArguments(
                    f"{fn} needs a numeric field; {field!r} is not one on {entity.name}.",
                    hint=f"Numeric fields: {', '.join(allowed) or 'none (count only)'}. "
                    "To count per value, put the field in groupBy.",
                )
            if (field, fn) != ("*", "count"):  # the plain count comes with every answer
                out.append((field, fn))
        return list(dict.fromkeys(out))

    async def _call(
        self, entity: EntitySpec, specs: Sequence[tuple[str, str]], flt: Mapping[str, Any], group_by: Sequence[str]
    ) -> Mapping[str, Any]:
        body: dict[str, Any] = {}
        if specs:
            body["aggregate"] = [{"field": f, "function": fn} for f, fn in specs]
        if flt:
            body["filter"] = dict(flt)
        if group_by:
            body["groupBy"] = list(group_by)
        resp = await self.ops.request(self.target, json_body=body)
        return resp.data if isinstance(resp.data, Mapping) else {}

    async def _per_currency(
        self,
        entity: EntitySpec,
        specs: Sequence[tuple[str, str]],
        flt: Mapping[str, Any],
        group_by: Sequence[str],
        currency_field: str,
        notes: list[str],
    ) -> tuple[list[_Part], int]:
        pinned = pinned_currencies(flt, currency_field)
        if pinned is not None and len(pinned) == 1:
            data = await self._call(entity, specs, flt, group_by)
            return [_Part(pinned[0], data)], int(data.get("count") or 0)
        portal = [str(c.get("id")) for c in await self.ref.currencies()]
        codes = [c for c in portal if pinned is None or c in pinned] + [c for c in pinned or [] if c not in portal]
        counted = await self._count_per_currency(entity, flt, currency_field, codes)
        if counted is not None:  # skip the aggregates of currencies no matching record uses
            codes = [c for c in codes if counted.get(c)]
        results: dict[str, Mapping[str, Any]] = {}

        async def one(code: str) -> None:
            results[code] = await self._call(entity, specs, with_currency(flt, currency_field, code), group_by)

        async def count_all() -> None:
            nonlocal counted
            counted = {"*": int((await self._call(entity, (), flt, ())).get("count") or 0)}

        async with anyio.create_task_group() as tg:
            for code in codes:
                tg.start_soon(one, code)
            if counted is None:
                tg.start_soon(count_all)
        parts = [_Part(code, results[code]) for code in codes]
        total = counted["*"] if counted else 0
        covered = sum(int(p.data.get("count") or 0) for p in parts)
        if covered < total:
            notes.append(
                f"{total - covered} matching record(s) have no {currency_field} (or one the portal does "
                "not list) and are not in the per-currency figures."
            )
        return parts, total

    async def _count_per_currency(
        self, entity: EntitySpec, flt: Mapping[str, Any], currency_field: str, codes: Sequence[str]
    ) -> dict[str, int] | None:
        """Matches in all and per currency, counted by one-record lists inside POST /v1/batch (≤50 calls
        a request, one rate-limit unit each); None when the batch cannot say, so every currency is tried."""
        filters = {"*": dict(flt), **{code: with_currency(flt, currency_field, code) for code in codes}}
        calls = [
            self.target.batch_call(key, "list", {"filter": f, "select": ["id"], "limit": 1})
            for key, f in filters.items()
        ]
        counts: dict[str, int] = {}
        try:
            for start in range(0, len(calls), BATCH_CALLS):
                resp = await self.ops.client.request(
                    "POST", "/v1/batch", json_body={"calls": calls[start : start + BATCH_CALLS]}, read=True
                )
                data = resp.data if isinstance(resp.data, Mapping) else {}
                totals, meta = data.get("totals"), data.get("meta")
                for call in calls[start : start + BATCH_CALLS]:
                    value = totals.get(call["id"]) if isinstance(totals, Mapping) else None
                    if value is None and isinstance(meta, Mapping) and isinstance(meta.get(call["id"]), Mapping):
                        value = meta[call["id"]].get("total")
                    if not isinstance(value, int) or isinstance(value, bool):
                        return None
                    counts[call["id"]] = value
        except VibeCodeError:
            return None
        return counts

    @staticmethod
    def _row(keys: Mapping[str, Any], currency: str | None, data: Mapping[str, Any]) -> dict[str, Any]:
        row = dict(keys)
        if currency is not None:
            row["currency"] = currency
        row["count"] = data.get("count", 0)
        aggregates = data.get("aggregates")
        if isinstance(aggregates, Mapping):
            row.update({str(k): v for k, v in aggregates.items()})
        return row

    async def _groups(
        self, entity: EntitySpec, fields: Mapping[str, FieldSpec], parts: Sequence[_Part], group_by: Sequence[str]
    ) -> list[dict[str, Any]]:
        raw = [(p.currency, g) for p in parts for g in p.data.get("groups") or [] if isinstance(g, Mapping)]
        labels: dict[str, dict[str, str]] = {}
        orders: dict[str, dict[str, int]] = {}
        for field in group_by:
            kind = label_kind(entity.name, field, fields.get(field))
            values = sorted({str(g.get(field)) for _, g in raw if g.get(field) is not None})
            if kind == "item_pipeline" and not (fields.get(field) and fields[field].items):
                labels[field] = await self._item_pipelines()
            elif kind and values:
                labels[field] = await safe_labels(self.ref, kind, values, fields.get(field))
                orders[field] = await self._natural_order(kind, labels[field], fields.get(field))
        stage_pipeline: dict[str, str] = {}
        if "stageId" in labels and "categoryId" not in group_by:
            stages = {str(g.get("stageId")) for _, g in raw}
            stage_pipeline = await (
                self._item_stage_pipelines(stages, fields.get("categoryId"))
                if entity.name == "items"
                else self.ref.stage_pipelines()
            )
            if len({stage_pipeline.get(s) for s in stages}) < 2:
                stage_pipeline = {}  # one pipeline: its name would repeat on every row
        rows = []
        for currency, g in raw:
            keys: dict[str, Any] = {}
            for field in group_by:
                value = g.get(field)
                keys[field] = value
                label = labels.get(field, {}).get(str(value))
                if label is not None:
                    keys[name_key(field)] = label
                if field == "stageId" and str(value) in stage_pipeline:
                    keys["pipelineName"] = stage_pipeline[str(value)]
            rows.append(self._row(keys, currency, g))
        currency_rank = {p.currency: i for i, p in enumerate(parts)}
        weight: dict[tuple[str, ...], int] = {}
        for row in rows:
            key = tuple(str(row.get(f)) for f in group_by)
            weight[key] = weight.get(key, 0) + int(row.get("count") or 0)

        def sort_key(row: dict[str, Any]) -> tuple[Any, ...]:
            # Natural order (funnel, enumeration) where the field has one, else the biggest groups first.
            key = tuple(str(row.get(f)) for f in group_by)
            lead = tuple(orders[f].get(str(row.get(f)), 10**6) if orders.get(f) else -weight[key] for f in group_by)
            return (*lead, key, currency_rank.get(row.get("currency"), 0))

        rows.sort(key=sort_key)
        return rows

    async def _item_pipelines(self) -> dict[str, str]:
        """The pipelines of the smart process type this tool is addressing, by id."""
        path = self.target.base.removeprefix("/v1/").replace("items/", "categories/", 1)
        try:
            return {str(c.get("id")): str(c.get("name") or c.get("id")) for c in await self.ref.records(path)}
        except VibeCodeError:
            return {}

    async def _item_stage_pipelines(self, stages: set[str], pipeline: FieldSpec | None) -> dict[str, str]:
        """Stage → its pipeline's name: from the type's field metadata when it lists the pipelines, else asked."""
        if pipeline is not None and pipeline.items:
            names = dict(pipeline.items)
            found = {s: names.get(m[2], "") for s in stages if (m := ITEM_STAGE.match(s))}
            return {s: n for s, n in found.items() if n}
        try:
            return await self.ref.item_stage_pipelines(sorted(stages))
        except VibeCodeError:  # labels are optional; the caller already has the numbers
            return {}

    async def _pipelines(self) -> list[dict[str, Any]]:
        try:
            return await self.ref.pipelines()
        except Exception:  # labels are optional; the caller already has the numbers
            return []

    async def _natural_order(self, kind: str, labels: Mapping[str, str], field: FieldSpec | None) -> dict[str, int]:
        """Funnel order for stages, portal order for pipelines and enumerations; {} when there is none."""
        if kind == "stage":
            return {s["id"]: i for i, s in enumerate(s for p in await self._pipelines() for s in p["stages"])}
        if kind == "semantics":
            return {v: i for i, v in enumerate(SEMANTIC_ORDER)}
        if kind in ("pipeline", "items", "item_stage", "item_pipeline") or kind.startswith("status:"):
            return {k: i for i, k in enumerate(labels)}
        return {}

    def _output(
        self,
        entity: EntitySpec,
        total: int,
        split_on: str | None,
        totals: list[dict[str, Any]],
        groups: list[dict[str, Any]] | None,
        group_by: Sequence[str],
        truncated: bool,
        notes: list[str],
    ) -> Output:
        def render(structured: Mapping[str, Any]) -> str:
            return "\n".join(
                [structured["summary"], *_text(structured["totals"], structured["groups"] or [], group_by)]
            )

        def build(shown: list[dict[str, Any]] | None) -> Output:
            said = list(notes)
            if groups and shown is not None and len(shown) < len(groups):
                said.append(
                    f"{len(groups) - len(shown)} of {len(groups)} group row(s) left out to fit the token budget: "
                    "narrow the filter or group by fewer fields."
                )
            summary = f"{total} {entity.title.lower()} match"
            if split_on:
                codes = [str(t.get("currency")) for t in totals]
                summary += (
                    f"; money figures are per {split_on} ({', '.join(codes) or 'none'}), "
                    "never add them up across currencies without converting (rates: reference kind=currencies)"
                )
            if groups is not None:
                summary += f"; {len(groups)} group row(s)"
            summary += "." + "".join(" " + n for n in said)
            structured: dict[str, Any] = {
                "count": total,
                "currency_field": split_on,
                "totals": totals,
                "groups": shown,
                "truncated": truncated,
                "summary": summary,
            }
            return Output(structured=structured, text=render(structured), render=render)

        # Group rows are kept while the structure and the text that shows them fit the budget together.
        budget = self.max_result_tokens
        out = build(groups)
        if not groups or result_tokens(out.structured, out.text) <= budget:
            return out
        base = build([])
        room = budget - result_tokens(base.structured, base.text)
        keep = 0
        for row in groups:
            room -= estimate_tokens(dumps(row)) + estimate_tokens(_figures(row)) + 2 * len(group_by) + 4
            if room < 0:
                break
            keep += 1
        while keep > 0:
            out = build(groups[:keep])
            if result_tokens(out.structured, out.text) <= budget:
                return out
            keep -= max(1, keep // 8)
        return base


def _meta(part: _Part) -> Mapping[str, Any]:
    meta = part.data.get("meta")
    return meta if isinstance(meta, Mapping) else {}


def _figures(row: Mapping[str, Any]) -> str:
    """`RUB 27, 26054000`: the currency (if split), the count, then each function's value."""
    values = [render_value(row.get("count"))]
    values += [render_value(v) for agg in row.values() if isinstance(agg, Mapping) for v in agg.values()]
    head = f"{row['currency']} " if row.get("currency") else ""
    return head + ", ".join(values)


def _text(
    totals: Sequence[Mapping[str, Any]], groups: Sequence[Mapping[str, Any]], group_by: Sequence[str]
) -> list[str]:
    """A legend, the totals, then one line per group (`NEW Новая (Общая): RUB 27, 26054000 · USD 5, 46600`)."""
    sample = totals[0] if totals else groups[0] if groups else {}
    columns = ["count", *(f"{k}.{fn}" for k, agg in sample.items() if isinstance(agg, Mapping) for fn in agg)]
    lines = [f"figures: {'currency ' if 'currency' in sample else ''}{', '.join(columns)}"]
    lines.append("total: " + " · ".join(_figures(t) for t in totals))
    for _, same in itertools.groupby(groups, key=lambda g: [g.get(f) for f in group_by]):
        rows = list(same)
        first = rows[0]
        parts = []
        for f in group_by:
            label = first.get(name_key(f))
            parts.append(render_value(first.get(f)) + (f" {render_value(label)}" if label is not None else ""))
        where = f" ({render_value(first['pipelineName'])})" if first.get("pipelineName") else ""
        lines.append(f"{' / '.join(parts)}{where}: " + " · ".join(_figures(r) for r in rows))
    return lines
