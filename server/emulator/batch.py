"""`POST /v1/batch` (≤50 calls over any entities) and `POST /v1/{entity}/batch` (≤500 CUD items)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from .chats import CHATS
from .chats import PATH as CHATS_PATH
from .errors import ApiError, echo, internal_error
from .families_presets import ENTITY_NAME as PRESET_FIELDS
from .families_presets import PATH as PRESET_FIELDS_PATH
from .families_smart import batch_entity
from .families_tasks import NESTED
from .ops import Operations, describe_fields
from .schema import Entity
from .scopes import grants
from .store import Row, Table
from .userfields import PATH as USERFIELDS_PATH
from .userfields import USERFIELDS
from .values import dump, type_name

logger = logging.getLogger("server.emulator")
T = TypeVar("T")
Refusal = Callable[[Entity, str], "ApiError | None"]

MAX_CALLS = 50
MAX_ITEMS = 500
CHUNK = 50
MAX_CALL_ID = 64
ACTIONS = ("list", "get", "create", "update", "delete", "fields", "search")
READ_ACTIONS = ("list", "get", "fields")
WRITE_ACTIONS = frozenset({"create", "update", "delete"})
NEEDS_ENTITY_ID = frozenset({"get", "update", "delete"})
# The batch page's "known specifics": users `get` inside /v1/batch answers a one-element array.
ARRAY_GET_ENTITIES = frozenset({"users"})


def invalid_request(message: str, data: Mapping[str, object] | None = None) -> ApiError:
    return ApiError(400, "INVALID_REQUEST", message, data=data)


def _array(body: Mapping[str, object], name: str, maximum: int, label: str | None = None) -> list[object]:
    value = body.get(name)
    prefix = f"{label}: " if label else ""
    if value is None:
        raise invalid_request(f"{name}: Required")
    if not isinstance(value, list):
        raise invalid_request(f"{name}: Expected array, received {type_name(value)}")
    if not value:
        raise invalid_request(f"{prefix}Array must contain at least 1 element(s)")
    if len(value) > maximum:
        raise invalid_request(f"{prefix}Array must contain at most {maximum} element(s)")
    return value


@dataclass(frozen=True, slots=True)
class Call:
    id: str
    entity: Entity
    action: str
    entity_id: object
    params: Mapping[str, object]


def run_calls(ops: Operations, entities: Mapping[str, Entity], body: object) -> dict[str, object]:
    """The `data` of a /v1/batch response; raises INVALID_REQUEST when no call is valid."""
    plan = plan_calls(entities, body)
    for _ in plan.steps(ops):
        pass
    return plan.data()


@dataclass(frozen=True, slots=True)
class Rows:
    """A list/search result of whole stored rows: written from the table's per-row JSON cache."""

    table: Table
    rows: tuple[Row, ...]
    records: list[dict[str, object]]

    def encode(self) -> bytes:
        return b"[" + b",".join([self.table.encoded(row) for row in self.rows]) + b"]"


@dataclass(slots=True)
class Plan:
    """A validated /v1/batch: run `steps()` (one call per step) then read `data()`."""

    calls: list[Call]
    total: int
    errors: dict[str, object]
    refuse: Refusal | None = None  # what Bitrix24 refuses the key's user, by entity and action
    results: dict[str, object] = field(default_factory=dict)
    encoded: dict[str, bytes] = field(default_factory=dict)
    totals: dict[str, object] = field(default_factory=dict)
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def read_only(self) -> bool:
        return all(call.action not in WRITE_ACTIONS for call in self.calls)

    def steps(self, ops: Operations) -> Iterator[None]:
        """Runs the calls in order, pausing after each (a read-only batch lets other requests in).

        Each result is written to JSON in its own step, so no single step serialises them all."""
        for call in self.calls:
            refused = self.refuse(call.entity, call.action) if self.refuse is not None else None
            outcome: object = (
                refused if refused is not None else _isolated(ops, partial(_execute, ops, call, self.totals, self.meta))
            )
            if isinstance(outcome, ApiError):
                self.errors[call.id] = outcome.error_object()
            else:
                self.results[call.id] = outcome
                self.encoded[call.id] = outcome.encode() if isinstance(outcome, Rows) else dump(outcome)
            yield

    def data(self) -> dict[str, object]:
        """The response `data` as objects (the entity batch's read actions answer with it)."""
        return {
            "results": {k: v.records if isinstance(v, Rows) else v for k, v in self.results.items()},
            **self._rest(),
        }

    def encode(self) -> bytes:
        """The whole `/v1/batch` response body, from the results encoded step by step."""
        parts = [b'{"success":true,"data":{"results":{']
        for key, value in self.encoded.items():
            parts += (dump(key), b":", value, b",")
        if self.encoded:
            parts.pop()  # the last comma
        parts += (b"},", dump(self._rest())[1:], b"}")
        return b"".join(parts)  # one copy of the (possibly megabytes of) results

    def _rest(self) -> dict[str, object]:
        return {
            "totals": self.totals,
            "errors": self.errors,
            "summary": {"total": self.total, "succeeded": len(self.results), "failed": len(self.errors)},
            "meta": self.meta,
        }


def plan_calls(
    entities: Mapping[str, Entity],
    body: object,
    granted: frozenset[str] | None = None,
    refuse: Refusal | None = None,
) -> Plan:
    """Every call checked before any runs; INVALID_REQUEST when the body or every call is invalid.

    A call on an entity whose scope the key lacks (`granted`) fails with SCOPE_NOT_ALLOWED, the whole
    request with 403 when every call does (Пакетные вызовы L2378); one Bitrix24 refuses for the key's user
    (`refuse`: no rights on the entity, a user update by a non-admin) fails with that answer when it runs."""
    if not isinstance(body, dict):
        raise invalid_request(f"Expected object, received {type_name(body)}")
    raw_calls = _array(body, "calls", MAX_CALLS)
    ids = [_call_id(index, raw) for index, raw in enumerate(raw_calls)]
    duplicates = sorted({call_id for call_id in ids if ids.count(call_id) > 1})
    if duplicates:
        # Results are keyed by call id: a second call with the same id would overwrite the first's.
        raise invalid_request(
            f"Duplicate call id(s): {', '.join(repr(d) for d in duplicates)}. Each call needs its own id "
            "(calls without one are numbered by position: '0', '1', ...)"
        )
    calls: list[Call] = []
    errors: dict[str, object] = {}
    for call_id, raw in zip(ids, raw_calls, strict=True):
        try:
            call = _validate_call(call_id, raw, entities)
            if granted is not None and not grants(granted, call.entity.scope):
                raise ApiError(403, "SCOPE_NOT_ALLOWED", f"This call requires '{call.entity.scope}' scope")
            calls.append(call)
        except ApiError as exc:
            errors[call_id] = exc.error_object()
    if not calls:
        if all(isinstance(e, dict) and e.get("code") == "SCOPE_NOT_ALLOWED" for e in errors.values()):
            raise ApiError(403, "SCOPE_NOT_ALLOWED", "Every call needs a scope this key lacks", data={"errors": errors})
        raise invalid_request("All calls in the batch failed validation", data={"errors": errors})
    return Plan(calls, len(raw_calls), errors, refuse=refuse)


def _call_id(index: int, raw: object) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str | int) and not isinstance(raw.get("id"), bool):
        return str(raw["id"])
    return str(index)


def _validate_call(call_id: str, raw: object, entities: Mapping[str, Entity]) -> Call:
    if len(call_id) > MAX_CALL_ID:
        raise ApiError(400, "INVALID_CALL", f"Call id must be at most {MAX_CALL_ID} characters")
    if not isinstance(raw, dict) or not isinstance(raw.get("entity"), str) or not isinstance(raw.get("action"), str):
        raise ApiError(400, "INVALID_CALL", 'Each call must have "entity" and "action".')
    name, action = raw["entity"], raw["action"]
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        raise ApiError(400, "INVALID_CALL", f"params must be an object, received {type_name(params)}")
    name, params = batch_entity(name, params, entities)
    entity = entities.get(name) if "/" not in raw["entity"] else None
    if entity is None:
        message = f'Unknown entity "{echo(name)}". Check GET /v1/guide for available entities.'
        raise ApiError(400, "UNKNOWN_ENTITY", message)
    own = {**NESTED, USERFIELDS.name: USERFIELDS_PATH, PRESET_FIELDS: PRESET_FIELDS_PATH, CHATS.name: CHATS_PATH}
    if name in own:
        raise ApiError(400, "ENTITY_CUSTOM_ROUTES", f'Entity "{name}" is served only at its own path: {own[name]}.')
    # Types are written through their own routes (entityTypeId in the path), not inside a batch.
    typed_write = name == "smart-processes" and action in WRITE_ACTIONS
    if action not in ACTIONS or action not in entity.operations or typed_write:
        message = f'Action "{echo(action)}" is not supported for entity "{echo(name)}".'
        raise ApiError(400, "ACTION_NOT_SUPPORTED", message)
    entity_id = raw.get("entityId")
    if action in NEEDS_ENTITY_ID and (entity_id is None or entity_id == ""):
        raise ApiError(400, "MISSING_ENTITY_ID", f'Action "{echo(action)}" requires entityId.')
    return Call(call_id, entity, action, entity_id, params)


def _execute(ops: Operations, call: Call, totals: dict[str, object], meta: dict[str, object]) -> object:
    entity, params = call.entity, call.params
    if call.action in ("list", "search"):
        page = ops.list(
            entity,
            filter=params.get("filter"),
            sort=params.get("sort", params.get("order")),
            select=params.get("select"),
            limit=params.get("limit"),
            offset=params.get("offset"),
            include=params.get("include"),
        )
        totals[call.id] = page.total
        meta[call.id] = {
            "total": page.total,
            "returned": len(page.records),
            "hasMore": page.has_more,
            "truncated": page.truncated,
        }
        if page.rows:
            return Rows(ops.store.table(entity.name), page.rows, page.records)
        return page.records
    if call.action == "get":
        record = ops.get(entity, call.entity_id, include=params.get("include"), select=params.get("select"))
        return [record] if entity.name in ARRAY_GET_ENTITIES else record
    if call.action == "create":
        return ops.created(entity, ops.create(entity, params))
    if call.action == "update":
        return ops.updated(entity, ops.update(entity, call.entity_id, params))
    if call.action == "delete":
        return ops.delete(entity, call.entity_id) or True
    return describe_fields(ops.live(entity))


def entity_batch(ops: Operations, entities: Mapping[str, Entity], entity: Entity, body: object) -> dict[str, object]:
    """The `data` of a /v1/{entity}/batch response (per-item results; read actions go through calls)."""
    if not isinstance(body, dict):
        raise invalid_request(f"Expected object, received {type_name(body)}")
    action = body.get("action")
    if not isinstance(action, str):
        raise invalid_request("action: Required")
    if action in READ_ACTIONS:
        raw_calls = _array(body, "calls", MAX_CALLS, "calls")
        calls = [
            {"action": action, **call, "entity": entity.name} if isinstance(call, dict) else call for call in raw_calls
        ]
        return run_calls(ops, entities, {"calls": calls})
    if action not in entity.batch_actions:
        available = ", ".join(entity.batch_actions) or "none"
        raise ApiError(
            400,
            "ACTION_NOT_SUPPORTED",
            f'Action "{echo(action)}" is not supported by POST /v1/{entity.name}/batch. Available: {available}',
        )
    key = "ids" if action == "delete" and "ids" in body else "items"
    items = _array(body, key, MAX_ITEMS, key)
    results: list[dict[str, object]] = []
    for chunk in _chunks(items, CHUNK):
        results.extend(_item(ops, entity, action, item) for item in chunk)
    succeeded = sum(1 for r in results if r["success"])
    return {
        "results": results,
        "summary": {"total": len(results), "succeeded": succeeded, "failed": len(results) - succeeded},
    }


def _chunks(items: Sequence[object], size: int) -> Iterator[Sequence[object]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _isolated(ops: Operations, work: Callable[[], T]) -> T | ApiError:
    """One call or item on its own: its error (a bug included) undoes its writes and no one else's."""
    try:
        with ops.store.atomic():
            return work()
    except ApiError as exc:
        return exc
    except Exception:
        logger.exception("emulator: unhandled error inside a batch")
        return internal_error()


def _item(ops: Operations, entity: Entity, action: str, item: object) -> dict[str, object]:
    item_id: object = None
    fields: object = item
    if action != "create":
        if isinstance(item, dict):
            item_id = item.get("id")
            fields = {k: v for k, v in item.items() if k != "id"}
        else:
            item_id, fields = item, {}

    def apply() -> object:
        if action == "create":
            return ops.create(entity, fields)["id"]
        if item_id is None:
            raise ApiError(400, "VALIDATION_ERROR", "items.id: Required")
        if action == "update":
            ops.update(entity, item_id, fields)
        else:
            ops.delete(entity, item_id)
        return item_id

    outcome = _isolated(ops, apply)
    if not isinstance(outcome, ApiError):
        return {"success": True, "id": outcome}
    failure: dict[str, object] = {"success": False, "error": {"code": outcome.code, "message": outcome.message}}
    if item_id is not None:
        failure["id"] = item_id
    return failure
