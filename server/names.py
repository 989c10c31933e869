"""Names next to ids in concise results: `"stageId": "WON", "stage": "Сделка успешна"`.

Allowed-value labels (stages, pipelines, currencies, enumeration items) come from field metadata,
cached per entity; record labels (users, companies, contacts, workgroups, departments) are fetched
for a whole page in one `POST /v1/batch` (list by ids) and cached briefly. Names are a convenience:
if the lookup fails the page is returned with ids alone, never an error. The rules are data in
`tool_specs/names.json`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server import specs
from server.catalog import EntitySpec, FieldSpec
from server.client import VibeCodeClient
from server.errors import VibeCodeError
from server.metadata import allowed_values

log = logging.getLogger(__name__)

ITEMS_TTL = 300.0  # field metadata: as long as the schema cache
LABELS_TTL = 60.0  # user and company names change rarely; a minute bounds staleness
MAX_CACHED_LABELS = 20_000
MAX_IDS_PER_CALL = 500


@dataclass(frozen=True)
class NameRule:
    """One key field whose ids get a name: where the name goes and where it comes from."""

    field: str
    name_key: str
    source: str  # "items", or the entity whose records the ids point at


def name_key(field: str, taken: Iterable[str]) -> str:
    """Where the name of `field`'s id goes: stageId → stage, assignedById → assignedBy, status → statusName."""
    if field.endswith("Ids") and len(field) > 3:
        key = field[:-3] + "s"
    elif field.endswith("Id") and len(field) > 2:
        key = field[:-2]
    else:
        key = field + "Name"
    return field + "Name" if key in set(taken) else key


def rules_for(entity: EntitySpec, fields: Mapping[str, FieldSpec]) -> list[NameRule]:
    """The naming rules of `entity`'s key fields.

    What a field points at is read from the catalog's type first (live metadata may call a company
    link a plain integer); allowed values from `fields`, the current metadata.
    """
    spec = specs.load("names.json")
    taken = {*fields, *entity.fields}
    out = []
    for fname in entity.key_fields:
        f = entity.fields.get(fname) or fields.get(fname)
        live = fields.get(fname) or f
        if fname == "id" or f is None or live is None or f.type in spec["unnamed_types"]:
            continue
        source = (
            spec["relations_by_field"].get(f"{entity.name}.{fname}")
            or spec["relations_by_type"].get(f.type)
            or spec["relations_by_type"].get(live.type)
        )
        if source is None and (live.type in spec["item_types"] or f.type in spec["item_types"] or live.items):
            source = "items"
        if source is not None and (source == "items" or source in spec["labels"]):
            out.append(NameRule(fname, name_key(fname, taken), source))
    return out


_NAME_KEYS: dict[int, tuple[EntitySpec, list[str]]] = {}  # the entity is held, so its id is not reused


def name_keys(entity: EntitySpec) -> list[str]:
    """The keys names are added under in `entity`'s concise records."""
    hit = _NAME_KEYS.get(id(entity))
    if hit is None or hit[0] is not entity:
        hit = _NAME_KEYS[id(entity)] = (entity, [r.name_key for r in rules_for(entity, entity.fields)])
    return hit[1]


def _item_labels(raw_fields: Any) -> dict[str, dict[str, str]]:
    """{field: {id: label}} from an upstream field-metadata answer (either documented shape)."""
    data: Mapping[str, Any] = raw_fields if isinstance(raw_fields, Mapping) else {}
    inner = data.get("fields")
    fields: Mapping[str, Any] = inner if isinstance(inner, Mapping) else data
    out: dict[str, dict[str, str]] = {}
    for name, raw in fields.items():
        items = raw.get("items") if isinstance(raw, Mapping) else None
        if isinstance(items, list):
            out[name] = dict(allowed_values(items))
    return out


def _label(record: Mapping[str, Any], keys: Sequence[str]) -> str | None:
    parts = [str(record[k]) for k in keys if record.get(k) not in (None, "")]
    return " ".join(parts) or None


class Names:
    """Resolves ids to names for pages of records, with one upstream batch per page at most."""

    def __init__(self, client: VibeCodeClient, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self._clock = clock
        self._items: dict[str, tuple[float, dict[str, dict[str, str]]]] = {}
        self._labels: dict[tuple[str, str], tuple[float, str | None]] = {}
        self._rules_cache: dict[str, tuple[Mapping[str, FieldSpec], list[NameRule]]] = {}

    async def annotate(
        self, entity: EntitySpec, records: list[dict[str, Any]], fields: Mapping[str, FieldSpec] | None = None
    ) -> list[dict[str, Any]]:
        """`records` with a name after each named id (records are changed in place and returned).

        `fields` is the entity's current metadata (the catalog's when not given): allowed values it
        lists are used as they are; missing ones are fetched with the page's batch and cached.
        """
        return await self.annotate_typed(entity, records, fields, None)

    async def annotate_typed(
        self,
        entity: EntitySpec,
        records: list[dict[str, Any]],
        fields: Mapping[str, FieldSpec] | None,
        base: str | None,
    ) -> list[dict[str, Any]]:
        """`annotate` for an entity addressed by type at `base` (`/v1/items/1032`): its stages and
        pipelines are its type's own, read from `{base}/fields` (a batch call cannot name the type)
        and cached like the rest."""
        fields = fields or entity.fields
        rules = [r for r in self._rules(entity, fields) if any(r.field in rec for rec in records)]
        if not rules:
            return records
        now = self._clock()
        static = {r.field: dict(fields[r.field].items) for r in rules if r.field in fields and fields[r.field].items}
        key = base if base and (entity.path_args or entity.bound) else entity.name
        cached_items = self._items.get(key)
        need_fields = any(r.source == "items" and r.field not in static for r in rules) and (
            cached_items is None or cached_items[0] < now
        )
        if need_fields and key != entity.name:
            await self._fetch_typed_fields(key, now)
            need_fields = False
        wanted: dict[str, set[str]] = {}
        seen: dict[str, set[str]] = {}  # per field, the ids on this page
        labels = self._labels
        for rule in rules:
            if rule.source == "items":
                continue
            values = seen[rule.field] = set()
            for rec in records:
                raw = rec.get(rule.field)
                if type(raw) is int or type(raw) is str and raw:
                    values.add(str(raw))
                elif raw is not None:
                    values.update(_ids(raw))
            for value in values:
                hit = labels.get((rule.source, value))
                if hit is None or hit[0] < now:
                    wanted.setdefault(rule.source, set()).add(value)
        if need_fields or wanted:
            await self._fetch(entity.name if need_fields else None, wanted, now)
        items = {**static, **(self._items.get(key, (0.0, {}))[1])}
        # One {id: name} table per field for this page, so naming a record is a dictionary look-up.
        tables: dict[str, tuple[str, Mapping[str, str | None]]] = {}
        for rule in rules:
            if rule.source == "items":
                tables[rule.field] = (rule.name_key, items.get(rule.field, {}))
            else:
                found = ((v, labels.get((rule.source, v))) for v in seen[rule.field])
                tables[rule.field] = (rule.name_key, {v: hit[1] for v, hit in found if hit is not None})
        for rec in records:
            names = {}
            for fname, (key, table) in tables.items():
                raw = rec.get(fname)
                if raw is None:
                    continue
                name = table.get(str(raw)) if type(raw) is int or type(raw) is str else _lookup(table, raw)
                if name is not None:
                    names[fname] = (key, name)
            if names:
                named: dict[str, Any] = {}
                for key, raw in rec.items():
                    named[key] = raw
                    if key in names:
                        named[names[key][0]] = names[key][1]  # right after its id, where a reader looks for it
                rec.clear()
                rec.update(named)
        return records

    def _rules(self, entity: EntitySpec, fields: Mapping[str, FieldSpec]) -> list[NameRule]:
        """`rules_for`, remembered for the metadata object it was worked out from (new metadata, new rules)."""
        hit = self._rules_cache.get(entity.name)
        if hit is not None and hit[0] is fields:
            return hit[1]
        rules = rules_for(entity, fields)
        self._rules_cache[entity.name] = (fields, rules)
        return rules

    async def _fetch_typed_fields(self, base: str, now: float) -> None:
        """The allowed values of a typed entity's fields (GET {base}/fields), cached as the batch's are."""
        try:
            resp = await self.client.request("GET", f"{base}/fields")
        except VibeCodeError as exc:
            log.info("names of %s skipped: %s", base, exc.code)
            self._items[base] = (now + LABELS_TTL, {})  # not asked again on every page
            return
        self._items[base] = (now + ITEMS_TTL, _item_labels(resp.data))

    async def _fetch(self, fields_of: str | None, wanted: Mapping[str, set[str]], now: float) -> None:
        """One POST /v1/batch: the entity's field metadata (if due) and labels of the wanted ids."""
        labels = specs.load("names.json")["labels"]
        calls: list[dict[str, Any]] = []
        if fields_of is not None:
            calls.append({"id": "fields", "entity": fields_of, "action": "fields"})
        for target, ids in sorted(wanted.items()):
            chosen = sorted(ids, key=lambda i: (len(i), i))[:MAX_IDS_PER_CALL]
            typed: list[Any] = [int(i) if i.isdigit() else i for i in chosen]
            calls.append(
                {
                    "id": target,
                    "entity": target,
                    "action": "list",
                    "params": {
                        "filter": {"id": {"$in": typed}},
                        "select": ["id", *labels[target]],
                        "limit": len(typed),
                    },
                }
            )
        try:
            resp = await self.client.request("POST", "/v1/batch", json_body={"calls": calls})
        except VibeCodeError as exc:
            log.info("names lookup skipped: %s", exc.code)
            return
        data: Mapping[str, Any] = resp.data if isinstance(resp.data, Mapping) else {}
        got = data.get("results")
        results: Mapping[str, Any] = got if isinstance(got, Mapping) else {}
        if fields_of is not None and "fields" in results:
            self._items[fields_of] = (now + ITEMS_TTL, _item_labels(results["fields"]))
        if len(self._labels) > MAX_CACHED_LABELS:
            self._labels.clear()
        for target, ids in wanted.items():
            found = results.get(target)
            if not isinstance(found, list):
                continue
            for value in ids:
                self._labels[(target, value)] = (now + LABELS_TTL, None)  # unknown ids are not asked again soon
            for rec in found:
                if isinstance(rec, Mapping) and "id" in rec:
                    self._labels[(target, str(rec["id"]))] = (now + LABELS_TTL, _label(rec, labels[target]))


def _lookup(table: Mapping[str, str | None], value: Any) -> Any:
    """The name of an id (or the names of a list of ids; None when none is known)."""
    if isinstance(value, list):
        names = [table.get(str(v)) for v in value]
        return names if any(n is not None for n in names) else None
    return table.get(str(value))


def _ids(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, int | str) and not isinstance(v, bool)]
    if isinstance(value, int | str) and not isinstance(value, bool) and value != "":
        return [str(value)]
    return []
