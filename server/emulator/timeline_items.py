"""Pins, bindings and notes of timeline comments (`/v1/timelines/:id/pin|unpin|bind|unbind|bindings|note`).

"Комментарии таймлайна — Закрепление, привязки, заметки" (2026-05-05) mounts the 8 endpoints of
`/v1/timeline-logs` on `/v1/timelines`, with the same bodies and error codes: pin, unpin and note
take the owner (`entityTypeId` + `entityId`) the comment is shown on; bind and unbind take another
record, by numeric `entityTypeId` or by string `entityType` ("deal", "dynamic_174"). A comment
starts bound to the record it was created on. The marks live in one internal table (not an API
entity), keyed by the comment id.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .errors import ApiError, invalid_params, not_found
from .families_smart import DEDICATED
from .schema import Entity, Field
from .store import Row, Store

TABLE = "timeline-marks"
LOGS_TABLE = "timeline-logs"  # log records (timeline_logs): timeline items too, with ids of their own range
MARKS = Entity(
    name=TABLE,
    scope="crm",
    operations=frozenset(),
    fields={
        "id": Field("integer", label="ID комментария"),
        "pinned": Field("boolean", label="Закреплён"),
        "bindings": Field("string", label="Привязки", multiple=True),
        "note": Field("text", label="Заметка"),
    },
    batch_actions=(),
)
TABLES: Mapping[str, Entity] = MappingProxyType({TABLE: MARKS})
# Timeline logs, "Типы родительских сущностей": the numeric codes and the CRM type names they stand for.
TYPE_NAMES: Mapping[int, str] = MappingProxyType(
    {1: "lead", 2: "deal", 3: "contact", 4: "company", 7: "quote", 14: "order", 31: "smart_invoice"}
)
TYPE_IDS: Mapping[str, int] = MappingProxyType({name: code for code, name in TYPE_NAMES.items()})
# The records a binding may point at, where the portal holds them (orders are taken on trust).
TABLE_OF: Mapping[int, str] = DEDICATED
SMART_MIN = 128  # entityTypeId >= 128: a smart process type


def type_name(code: int) -> str:
    return TYPE_NAMES.get(code, f"dynamic_{code}")


def type_id(name: str) -> int | None:
    """The numeric code of a CRM type name ("deal", "DYNAMIC_174"), or None."""
    lowered = name.lower()
    if lowered in TYPE_IDS:
        return TYPE_IDS[lowered]
    raw = lowered.removeprefix("dynamic_")
    if raw != lowered and raw.isdigit() and int(raw) >= SMART_MIN:
        return int(raw)
    return None


def _positive(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit() or int(value) <= 0:
        raise invalid_params(f"{name} must be a positive integer (got {value!r})")
    return int(value)


positive = _positive


def _object(body: object) -> Mapping[str, object]:
    if not isinstance(body, Mapping):
        raise invalid_params("The request body must be a JSON object")
    return body


def _type_of(body: Mapping[str, object]) -> int:
    """The binding's type: `entityTypeId` (a documented code or >= 128) or `entityType` (a type name)."""
    raw_id, raw_name = body.get("entityTypeId"), body.get("entityType")
    if raw_id is None and raw_name is None:
        raise invalid_params("entityTypeId (or entityType) is required")
    if raw_id is not None:
        code = _positive(raw_id, "entityTypeId")
        if code < SMART_MIN and code not in TYPE_NAMES:
            raise ApiError(400, "INVALID_ENTITY_TYPE_ID", f"entityTypeId {code} does not map to a CRM entity type")
        return code
    found = type_id(str(raw_name)) if isinstance(raw_name, str) else None
    if found is None:
        raise ApiError(400, "INVALID_ENTITY_TYPE_ID", f"entityType {raw_name!r} is not a CRM entity type")
    return found


owner_type = _type_of


def _binding(code: int, entity_id: int) -> str:
    return f"{code}:{entity_id}"


def shown(binding: str) -> dict[str, object]:
    code, _, entity_id = binding.partition(":")
    return {"entityTypeId": int(code), "entityType": type_name(int(code)), "entityId": int(entity_id)}


class TimelineMarks:
    """Pin, bind and note operations for one portal's store (the HTTP routes call these)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _marks(self, raw_id: str | None) -> tuple[int, Row]:
        """The comment's marks (created on first use), or 404 ENTITY_NOT_FOUND for an unknown comment."""
        key = int(raw_id) if raw_id is not None and raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 19 else 0
        if key <= 0:
            raise invalid_params("Path parameter :id must be a positive integer")
        comment = self.store.table("timelines").peek(key)
        if comment is None and LOGS_TABLE in self.store.tables:
            comment = self.store.table(LOGS_TABLE).peek(key)
        if comment is None:
            raise not_found()
        marks = self.store.table(TABLE).peek(key)
        if marks is not None:
            return key, marks
        code = type_id(str(comment.get("entityType") or ""))
        owner = [_binding(code, int(str(comment.get("entityId"))))] if code is not None else []
        return key, {"id": key, "pinned": False, "bindings": owner, "note": None}

    def _save(self, key: int, marks: Mapping[str, object]) -> None:
        table = self.store.table(TABLE)
        if table.peek(key) is None:
            table.insert(marks)
        else:
            table.replace(key, marks)

    def _owned(self, raw_id: str | None, body: object) -> tuple[int, Row, Mapping[str, object]]:
        """The marks and body of a call on the owner's timeline: entityTypeId + entityId of a bound record."""
        given = _object(body)
        key, marks = self._marks(raw_id)
        if given.get("entityTypeId") is None or given.get("entityId") is None:
            raise invalid_params("entityTypeId and entityId (the record whose timeline shows the comment) are required")
        owner = _binding(_type_of(given), _positive(given.get("entityId"), "entityId"))
        if owner not in _bindings(marks):
            raise not_found()
        return key, marks, given

    def pin(self, raw_id: str | None, body: object, *, pinned: bool) -> bool:
        key, marks, _ = self._owned(raw_id, body)
        self._save(key, {**marks, "pinned": pinned})
        return True

    def bindings(self, raw_id: str | None) -> list[dict[str, object]]:
        _, marks = self._marks(raw_id)
        return [shown(b) for b in _bindings(marks)]

    def bind(self, raw_id: str | None, body: object, *, bound: bool) -> bool:
        given = _object(body)
        key, marks = self._marks(raw_id)
        code = _type_of(given)
        entity_id = _positive(given.get("entityId"), "entityId")
        table = TABLE_OF.get(code) or (f"items/{code}" if code >= SMART_MIN else None)
        if bound and table in self.store.tables and self.store.table(table).peek(entity_id) is None:
            raise not_found()
        binding, current = _binding(code, entity_id), _bindings(marks)
        if bound:
            changed = current if binding in current else [*current, binding]
        elif binding not in current:
            raise invalid_params(f"The comment is not bound to {type_name(code)} #{entity_id}")
        elif len(current) == 1:
            raise invalid_params("The last binding of a comment cannot be removed; bind another record first")
        else:
            changed = [b for b in current if b != binding]
        self._save(key, {**marks, "bindings": changed})
        return True

    def save_note(self, raw_id: str | None, body: object) -> dict[str, object]:
        key, marks, given = self._owned(raw_id, body)
        text = given.get("text")
        if not isinstance(text, str) or not text.strip():
            raise invalid_params("text is required: the note's text")
        self._save(key, {**marks, "note": text})
        return {"itemId": key, "text": text}

    def note(self, raw_id: str | None) -> dict[str, object]:
        key, marks = self._marks(raw_id)
        if not marks.get("note"):
            raise _no_note(key)
        return {"itemId": key, "text": marks["note"]}

    def delete_note(self, raw_id: str | None) -> bool:
        key, marks = self._marks(raw_id)
        if not marks.get("note"):
            raise _no_note(key)
        self._save(key, {**marks, "note": None})
        return True


def _bindings(marks: Mapping[str, object]) -> list[str]:
    value = marks.get("bindings")
    return [str(b) for b in value] if isinstance(value, list) else []


def _no_note(key: int) -> ApiError:
    return ApiError(404, "NOTE_NOT_FOUND", f"Timeline item {key} has no note")
