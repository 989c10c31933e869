"""Routes of product rows (`/v1/{entity}/{id}/products…`, the "{Entity}: Products *" pages) and the
handlers that answer them from the portal's `ProductRows`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from . import rows
from .pipeline import Request, Response
from .routing import Handler, Match, entity_of, ok, route
from .schema import Entity

ROUTES = (
    route("GET", "/v1/{entity}/{id}/products/fields", "rows_fields", rows.OPERATION),
    route("GET", "/v1/{entity}/{id}/products", "rows_list", rows.OPERATION),
    route("PUT", "/v1/{entity}/{id}/products", "rows_set", rows.OPERATION),
    route("POST", "/v1/{entity}/{id}/products", "rows_add", rows.OPERATION),
    route("GET", "/v1/{entity}/{id}/products/{row}", "rows_get", rows.OPERATION),
    route("PATCH", "/v1/{entity}/{id}/products/{row}", "rows_update", rows.OPERATION),
    route("DELETE", "/v1/{entity}/{id}/products/{row}", "rows_delete", rows.OPERATION),
)
WRITES = frozenset({"rows_add", "rows_set", "rows_update", "rows_delete"})
# Deals, leads, quotes, invoices and smart process items have product rows.
NEEDS: Mapping[str, Callable[[Entity], bool]] = MappingProxyType(
    {rows.OPERATION: lambda entity: rows.owner_type(entity) is not None}
)


def handlers(product_rows: rows.ProductRows) -> dict[str, Handler]:
    """The handler of each route name, over one portal's product rows."""

    async def rows_fields(request: Request, found: Match) -> Response:
        return ok(product_rows.fields(entity_of(found), found.id))

    async def rows_list(request: Request, found: Match) -> Response:
        return ok(product_rows.listed(entity_of(found), found.id))

    async def rows_set(request: Request, found: Match) -> Response:
        return ok(product_rows.replace(entity_of(found), found.id, request.json()))

    async def rows_add(request: Request, found: Match) -> Response:
        return ok(product_rows.add(entity_of(found), found.id, request.json()), 201)

    async def rows_get(request: Request, found: Match) -> Response:
        return ok(product_rows.get(entity_of(found), found.id, found.row))

    async def rows_update(request: Request, found: Match) -> Response:
        return ok(product_rows.update(entity_of(found), found.id, found.row, request.json()))

    async def rows_delete(request: Request, found: Match) -> Response:
        entity = entity_of(found)
        product_rows.delete(entity, found.id, found.row)
        if rows.deletes_with_true(entity):  # Items: Products Delete answers `{"data": true}`
            return ok(True)
        return Response(204, {}, b"")

    return {
        "rows_fields": rows_fields,
        "rows_list": rows_list,
        "rows_set": rows_set,
        "rows_add": rows_add,
        "rows_get": rows_get,
        "rows_update": rows_update,
        "rows_delete": rows_delete,
    }
