"""Handlers of the user field routes (`/v1/userfields/:entity…`, matched by `userfields_portal.route`),
answered from the portal's `UserFields`."""

from __future__ import annotations

from . import userfields
from .pipeline import Request, Response, json_response
from .query import query_pairs
from .routing import Handler, Match, ok
from .userfields_portal import UserFields

WRITES = frozenset({"uf_create", "uf_update", "uf_delete"})


def handlers(fields: UserFields) -> dict[str, Handler]:
    """The handler of each route name, over one portal's user fields."""

    async def uf_list(request: Request, found: Match) -> Response:
        rows = fields.listed(str(found.parent), dict(query_pairs(request.query)))
        return json_response(200, {"success": True, "data": rows, "meta": {"total": len(rows)}})

    async def uf_types(request: Request, found: Match) -> Response:
        userfields.crm_entity(found.parent)
        return ok([{"USER_TYPE_ID": ident, "DESCRIPTION": title} for ident, title in userfields.TYPES])

    async def uf_get(request: Request, found: Match) -> Response:
        return ok(fields.get(str(found.parent), found.id))

    async def uf_create(request: Request, found: Match) -> Response:
        return ok({"id": fields.create(str(found.parent), request.json())}, 201)

    async def uf_update(request: Request, found: Match) -> Response:
        fields.update(str(found.parent), found.id, request.json())
        return ok({"updated": True})

    async def uf_delete(request: Request, found: Match) -> Response:
        fields.delete(str(found.parent), found.id)
        return ok({"deleted": True})

    return {
        "uf_list": uf_list,
        "uf_types": uf_types,
        "uf_get": uf_get,
        "uf_create": uf_create,
        "uf_update": uf_update,
        "uf_delete": uf_delete,
    }
