"""Field metadata per entity: the portal's live `fields` answers, cached with a TTL, or the static catalog.

`fields` for E entities travel in ⌈E/50⌉ `POST /v1/batch` requests. Fields the portal reports
without their allowed values (stages and statuses, pipelines, currencies, as Bitrix does) are
completed from one more batch of `statuses`, `deal-categories` and `currencies` lists, sent only
when needed. When the portal cannot be reached the static schema in `tool_specs/` stands in.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import anyio

from server import specs
from server.catalog import EntitySpec, FieldSpec
from server.client import VibeCodeClient
from server.errors import VibeCodeError
from server.redact import clip
from server.smart import MAX_TYPES, TYPES_CALL, SmartType, fields_calls, parse_types, types_call

log = logging.getLogger(__name__)

MAX_CALLS = 50  # calls per POST /v1/batch
PIPELINE_PREFIX = re.compile(r"^C(\d+):")


@dataclass(frozen=True)
class EntityMeta:
    """One entity's metadata as the portal (or, failing that, the catalog) describes it."""

    fields: Mapping[str, FieldSpec]
    include: tuple[str, ...]
    live: bool = False

    @staticmethod
    def static(entity: EntitySpec) -> EntityMeta:
        """The catalog's own field list (used when the portal cannot be asked)."""
        return EntityMeta(fields=entity.fields, include=entity.include)


def allowed_values(raw: Any) -> tuple[tuple[str, str], ...]:
    """Allowed values as (id, label), from `[{ID, VALUE}]`, `[{id, value}]` or `[[id, label]]`."""
    out = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, Mapping):
            ident = item.get("ID", item.get("id", item.get("statusId")))
            label = item.get("VALUE", item.get("value", item.get("name", "")))
        elif isinstance(item, list | tuple) and len(item) == 2:
            ident, label = item
        else:
            continue
        if ident is not None:
            out.append((str(ident), str(label or "")))
    return tuple(out)


def field_spec(name: str, raw: Mapping[str, Any]) -> FieldSpec:
    """One field from either documented shape: Vibe `{type, readonly, label}` or Bitrix `{type, isReadOnly, title}`."""
    kind = str(raw.get("type", "string"))
    multiple = bool(raw.get("multiple", raw.get("isMultiple", False)))
    if kind.endswith("[]"):  # Vibe spells a multiple field's type "number[]"
        kind, multiple = kind[:-2], True
    label = raw.get("label") or raw.get("title") or raw.get("listLabel") or raw.get("formLabel") or ""
    return FieldSpec(
        name=name,
        type=kind,
        readonly=bool(raw.get("readonly", raw.get("isReadOnly", False))),
        required=bool(raw.get("required", raw.get("isRequired", False))),
        multiple=multiple,
        label=str(label) if label != name else "",
        items=allowed_values(raw.get("items")),
        status_type=str(raw.get("statusType") or ""),
    )


def parse_fields(data: Any, entity: EntitySpec) -> EntityMeta:
    """An entity's `fields` answer as `EntityMeta` (`data.fields` or a bare map; include from `data.include`)."""
    body: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
    wrapped = body.get("fields")
    raw: Mapping[str, Any] = wrapped if isinstance(wrapped, Mapping) else body
    described = {str(n): d for n, d in raw.items() if isinstance(d, Mapping) and "type" in d}
    fields = {name: field_spec(name, desc) for name, desc in described.items()}
    if not any("required" in d or "isRequired" in d for d in described.values()):
        # The Vibe shape says nothing of required fields: the catalog's documented ones stand.
        for name, documented in entity.fields.items():
            if documented.required and name in fields:
                fields[name] = replace(fields[name], required=True)
    for name, documented in entity.fields.items():
        # How a value must be written (a calendar time's offset) is the catalog's to say, not the portal's.
        if name in fields and (documented.pattern or documented.hint or documented.fixed):
            fields[name] = replace(
                fields[name], pattern=documented.pattern, hint=documented.hint, fixed=documented.fixed
            )
    include = body.get("include")
    known = tuple(str(i) for i in include) if isinstance(include, list) else entity.include
    return EntityMeta(fields=fields or dict(entity.fields), include=known, live=bool(fields))


def _with_pipelines(fields: dict[str, FieldSpec], stage_field: str) -> None:
    """Group a stage field's values by pipeline (`C{n}:` prefix; none = pipeline 0)."""
    stages = fields.get(stage_field)
    if stages is None or not stages.items:
        return
    groups: dict[str, list[str]] = {}
    for ident, _ in stages.items:
        m = PIPELINE_PREFIX.match(ident)
        groups.setdefault(m.group(1) if m else "0", []).append(ident)
    fields[stage_field] = replace(stages, groups=tuple((k, tuple(v)) for k, v in groups.items()))


@dataclass
class MetadataStore:
    """Cached metadata for the enabled entities; `refresh_if_stale` re-fetches after the TTL."""

    client: VibeCodeClient | None
    entities: Sequence[EntitySpec]
    ttl: float = 300.0
    clock: Callable[[], float] = time.monotonic
    version: int = 0  # changes whenever the cached metadata is replaced
    fallback_reason: str | None = None  # why the static schema stands in, if it does
    smart_types: tuple[SmartType, ...] = ()  # the portal's smart process types (when items are exposed)
    requests: int = 0  # upstream requests spent on metadata (for tests and benchmarks)
    _cache: dict[str, EntityMeta] = field(default_factory=dict)
    _fetched_at: float | None = None
    _retries: bool = True  # whether the fetch under way retries failed requests
    _lock: anyio.Lock = field(default_factory=anyio.Lock)

    def get(self, entity: EntitySpec, bound: Mapping[str, object] | None = None) -> EntityMeta:
        """The entity's current metadata (the static schema until a fetch succeeds); `bound` fills the
        path arguments, so items of a known smart process type get that type's own fields."""
        key = entity.rest_path(bound) if bound and entity.path_args else entity.key
        return self._cache.get(key) or EntityMeta.static(entity)

    @property
    def stale(self) -> bool:
        return self._fetched_at is None or self.clock() - self._fetched_at >= self.ttl

    async def load(self, timeout: float | None = None, *, retries: bool = True) -> None:
        """Fetch everything now; on failure (or after `timeout` s) keep what is cached and log why.

        `retries=False` takes the first failure as the answer: at start-up the static schema stands in
        at once rather than after the retries a tool call would make.
        """
        async with self._lock:
            reason = None
            self._retries = retries
            with anyio.move_on_after(timeout) as scope:
                try:
                    fetched = await self._fetch()
                except VibeCodeError as exc:
                    reason = f"{exc.code}: {clip(exc.message, 200)}"  # upstream text: short in logs and instructions
            if scope.cancelled_caught:
                reason = f"no answer within {timeout:g} s"
            self._fetched_at = self.clock()  # a failed fetch is retried after the TTL, not on every call
            if reason is not None:
                self.fallback_reason = reason
                log.warning("field metadata not fetched (%s): %s", reason, self._fallback_note())
                return
            (self._cache, types), self.fallback_reason = fetched, None
            if self.version and types != self.smart_types:
                log.warning(
                    "smart process types changed on the portal (%s): the tool list stays as started; items_* "
                    "reaches every type",
                    ", ".join(str(t.entity_type_id) for t in types) or "none",
                )
            self.smart_types = types
            self.version += 1

    def _fallback_note(self) -> str:
        return "using the cached metadata" if self._cache else "using the static schema from tool_specs"

    def invalidate(self) -> None:
        """Re-fetch on the next call (a write changed what the portal's entities have: a user field)."""
        self._fetched_at = None

    async def refresh_if_stale(self) -> None:
        """Re-fetch when the TTL has passed (one caller fetches; the others use the cache)."""
        if self.client is not None and self.stale and not self._lock.locked():
            await self.load()

    async def _batch(self, calls: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Results and errors of `calls`, in ⌈len/50⌉ POST /v1/batch requests."""
        assert self.client is not None
        results: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for start in range(0, len(calls), MAX_CALLS):
            self.requests += 1
            chunk = {"calls": calls[start : start + MAX_CALLS]}
            resp = await self.client.request("POST", "/v1/batch", json_body=chunk, retries=self._retries)
            data = resp.data if isinstance(resp.data, Mapping) else {}
            results.update(data.get("results") or {})
            errors.update(data.get("errors") or {})
        return results, errors

    async def _fetch(self) -> tuple[dict[str, EntityMeta], tuple[SmartType, ...]]:
        if self.client is None or not self.entities:
            return {}, ()
        # Calendar events have no fields route; items are described per smart process type (below).
        described = [e for e in self.entities if "fields" in e.operations and not e.path_args]
        calls = [{"id": e.name, "entity": e.name, "action": "fields"} for e in described]
        items = next((e for e in self.entities if e.name == "items" and "fields" in e.operations), None)
        if items is not None:
            calls.append(types_call())
        results, errors = await self._batch(calls)
        metas: dict[str, EntityMeta] = {}
        for entity in described:
            if entity.name in results:
                metas[entity.name] = parse_fields(results[entity.name], entity)
            else:
                err = errors.get(entity.name) or {}
                code = clip(str(err.get("code")), 40)
                log.warning("fields of %s not available (%s); using the static schema", entity.name, code)
        types = parse_types(results.get(TYPES_CALL)) if items is not None else ()
        if items is not None and types:
            found, _ = await self._batch(fields_calls(types[:MAX_TYPES]))
            for t in types:
                if t.key in found:
                    metas[t.key] = parse_fields(found[t.key], items)
        return await self._complete(metas), types

    async def _complete(self, metas: dict[str, EntityMeta]) -> dict[str, EntityMeta]:
        """Fill allowed values the portal left out, from statuses, pipelines and currencies."""
        spec = specs.load("metadata.json")
        missing = [
            (name, f)
            for name, meta in metas.items()
            for f in meta.fields.values()
            if not f.items and not f.readonly and f.type in ("crm_status", "crm_category", "crm_currency")
        ]
        if missing:
            calls = [
                {"id": "statuses", "entity": "statuses", "action": "list", "params": {"limit": 5000}},
                {"id": "pipelines", "entity": "deal-categories", "action": "list", "params": {"limit": 500}},
                {"id": "currencies", "entity": "currencies", "action": "list", "params": {"limit": 500}},
            ]
            results, _ = await self._batch(calls)
            lists = {k: [r for r in v if isinstance(r, Mapping)] for k, v in results.items() if isinstance(v, list)}
            # A smart process type's pipelines are its own (categories/{entityTypeId}), not the deal ones.
            metas = {
                name: _filled(meta, lists, spec["status_types"].get(name, {}), deal_pipelines="/" not in name)
                for name, meta in metas.items()
            }
        for name, pipeline in spec["pipelines"].items():
            if name in metas:
                fields = dict(metas[name].fields)
                _with_pipelines(fields, pipeline["stages"])
                metas[name] = replace(metas[name], fields=fields)
        return metas


def _statuses(rows: Iterable[Mapping[str, Any]], wanted: str) -> tuple[tuple[str, str], ...]:
    """Status ids and names of one list (`DEAL_STAGE` also takes every `DEAL_STAGE_{n}` pipeline)."""
    per_pipeline = wanted == "DEAL_STAGE" or (wanted.startswith("DYNAMIC_") and wanted.endswith("_STAGE"))
    pattern = re.compile(rf"^{re.escape(wanted)}(_\d+)?$" if per_pipeline else rf"^{re.escape(wanted)}$")
    return tuple(
        (str(r.get("statusId", r.get("STATUS_ID"))), str(r.get("name", r.get("NAME", ""))))
        for r in rows
        if pattern.match(str(r.get("entityId", r.get("ENTITY_ID", ""))))
    )


def _filled(
    meta: EntityMeta,
    lists: Mapping[str, list[Mapping[str, Any]]],
    status_types: Mapping[str, str],
    *,
    deal_pipelines: bool = True,
) -> EntityMeta:
    fields = dict(meta.fields)
    for fname, f in meta.fields.items():
        if f.items:
            continue
        items: tuple[tuple[str, str], ...] = ()
        if f.type == "crm_status" and (f.status_type or fname in status_types):
            items = _statuses(lists.get("statuses", []), f.status_type or status_types[fname])
        elif f.type == "crm_category" and deal_pipelines:
            items = tuple((str(r.get("id")), str(r.get("name", ""))) for r in lists.get("pipelines", []))
        elif f.type == "crm_currency":
            items = tuple(
                (str(r.get("id")), str(r.get("fullName", r.get("name", "")))) for r in lists.get("currencies", [])
            )
        if items:
            fields[fname] = replace(f, items=items)
    return replace(meta, fields=fields)
