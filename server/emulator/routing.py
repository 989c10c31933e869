"""What the demo portal's routes are made of: a route's shape, what a request matched, a handler's
signature, the success envelope handlers answer with, and the paths of entities served apart."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from . import families_presets, families_tasks, userfields
from .errors import ApiError
from .ops import Page
from .pipeline import JSON_TYPE, Request, Response, json_response
from .schema import Entity
from .store import Table
from .values import dump


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    pattern: tuple[str, ...]
    name: str
    operation: str | None = None  # the entity operation the route needs


def route(method: str, path: str, name: str, operation: str | None = None) -> Route:
    return Route(method, tuple(path.strip("/").split("/")), name, operation)


@dataclass(frozen=True, slots=True)
class Match:
    route: Route
    entity: Entity | None
    id: str | None
    row: str | None = None  # a product row's id (`/products/:rowId`)
    parent: str | None = None  # a nested route's task (/v1/tasks/:taskId/comments), user fields' :entity


Handler = Callable[[Request, Match], Awaitable[Response]]


def bind(
    routes: Sequence[tuple[str, tuple[str, ...], str]], method: str, rest: Sequence[str]
) -> tuple[str, dict[str, str]] | None:
    """(route name, {":name": segment}) of the first route whose method and path shape fit, or None.

    A pattern segment starting with ":" takes the request's segment; any other must equal it."""
    for want, pattern, name in routes:
        if want != method or len(pattern) != len(rest):
            continue
        bound: dict[str, str] = {}
        for expected, actual in zip(pattern, rest, strict=True):
            if expected.startswith(":"):
                bound[expected] = actual
            elif expected != actual:
                break
        else:
            return name, bound
    return None


def ok(data: object, status: int = 200) -> Response:
    """The success envelope `{"success": true, "data": …}`."""
    return json_response(status, {"success": True, "data": data})


def entity_of(found: Match) -> Entity:
    if found.entity is None:  # pragma: no cover - entity routes always bind one
        raise ApiError(500, "INTERNAL_ERROR", "Route without entity")
    return found.entity


# Entities served only at paths of their own (nested under a task or a preset, or /v1/userfields/:entity).
CUSTOM_PATHS = {
    **families_tasks.NESTED,
    userfields.USERFIELDS.name: userfields.PATH,
    families_presets.ENTITY_NAME: families_presets.PATH,
}


def entity_path(name: str) -> str:
    """An entity's documented path: its own, or the one the family's routes give it."""
    return CUSTOM_PATHS.get(name, f"/v1/{name}")


def page_envelope(page: Page, table: Table, *, listed: bool = False) -> Response:
    """The list envelope; whole rows come from the table's per-row JSON cache.

    `total` sits at the top and in `meta` (overview vs live capture); a GET list also carries `page` and
    `limit` at the top, as the Deals: List response shows."""
    data = b"[" + b",".join([table.encoded(row) for row in page.rows]) + b"]" if page.rows else dump(page.records)
    body = b"".join(
        (
            b'{"success":true,"data":',
            data,
            b',"total":',
            str(page.total).encode(),
            f',"page":{page.offset // page.limit + 1},"limit":{page.limit}'.encode() if listed else b"",
            b',"meta":',
            dump(page.meta()),
            b"}",
        )
    )
    return Response(200, {"Content-Type": JSON_TYPE}, body)
