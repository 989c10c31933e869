"""The demo portal's `/v1/requisite-presets/:presetId/fields` routes over the generic operations: a list
and a get scoped to the path's preset, writes bound to it, the fields it may still add, its schema."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from . import families_presets as presets
from .errors import ApiError, invalid_filter
from .ops import Operations, describe_fields
from .pipeline import Request, Response, json_response
from .query import list_query, query_pairs

ENTITY = presets.PRESET_FIELDS_ENTITY
WRITES = frozenset({"pf_create", "pf_update", "pf_delete"})
Handler = Callable[[Request, str, "str | None"], Awaitable[Response]]


def _scoped_filter(raw: object, preset: int) -> dict[str, object]:
    """The list filter AND-ed with the path's preset."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise invalid_filter("filter must be an object")
    if "presetId" in raw:
        raise invalid_filter("presetId is given by the path: leave it out of the filter")
    return {**raw, "presetId": preset}


class PresetFields:
    """The handlers; each takes the request, the path's :presetId and (get, update, delete) :id."""

    def __init__(self, ops: Operations) -> None:
        self.ops = ops
        self.store = ops.store

    def handlers(self) -> Mapping[str, Handler]:
        return {
            "pf_list": self.list,
            "pf_get": self.get,
            "pf_create": self.create,
            "pf_update": self.update,
            "pf_delete": self.delete,
            "pf_available": self.available,
            "pf_schema": self.schema,
        }

    async def list(self, request: Request, raw_preset: str, raw_id: str | None) -> Response:
        preset = presets.preset_id(self.store, raw_preset)
        params = list_query(query_pairs(request.query), ENTITY)
        params["filter"] = _scoped_filter(params.get("filter"), preset)
        params.setdefault("sort", {"sort": "asc", "id": "asc"})
        page = self.ops.list(ENTITY, **params)
        return json_response(200, {"success": True, "data": page.records, "total": page.total, "meta": page.meta()})

    async def get(self, request: Request, raw_preset: str, raw_id: str | None) -> Response:
        key = presets.owned(self.store, presets.preset_id(self.store, raw_preset), raw_id)
        return json_response(200, {"success": True, "data": self.ops.get(ENTITY, key)})

    async def create(self, request: Request, raw_preset: str, raw_id: str | None) -> Response:
        preset = presets.preset_id(self.store, raw_preset)
        record = self.ops.create(ENTITY, presets.scoped_body(self.store, preset, request.json(), None))
        return json_response(201, {"success": True, "data": record})

    async def update(self, request: Request, raw_preset: str, raw_id: str | None) -> Response:
        preset = presets.preset_id(self.store, raw_preset)
        key = presets.owned(self.store, preset, raw_id)
        current = self.store.table(ENTITY.name).peek(key) or {}
        body = presets.scoped_body(self.store, preset, request.json(), current)
        if isinstance(body, dict) and not body:
            raise ApiError(400, "VALIDATION_ERROR", "fields: nothing to change (fieldTitle, inShortList or sort)")
        return json_response(200, {"success": True, "data": self.ops.update(ENTITY, key, body)})

    async def delete(self, request: Request, raw_preset: str, raw_id: str | None) -> Response:
        key = presets.owned(self.store, presets.preset_id(self.store, raw_preset), raw_id)
        self.ops.delete(ENTITY, key)
        return Response(204, {}, b"")

    async def available(self, request: Request, raw_preset: str, raw_id: str | None) -> Response:
        names = presets.available(self.store, presets.preset_id(self.store, raw_preset))
        return json_response(200, {"success": True, "data": names, "total": len(names)})

    async def schema(self, request: Request, raw_preset: str, raw_id: str | None) -> Response:
        presets.preset_id(self.store, raw_preset)
        return json_response(200, {"success": True, "data": describe_fields(ENTITY)})
