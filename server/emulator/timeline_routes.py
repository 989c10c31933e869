"""Routes of a timeline comment's pins, bindings and note (`/v1/timelines/:id/pin|unpin|bind|unbind|
bindings|note`, the 8 endpoints of /v1/timeline-logs mounted on /v1/timelines) and their handlers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from .pipeline import Request, Response
from .routing import Handler, Match, ok, route
from .schema import Entity
from .timeline_items import TimelineMarks

MARKS = "timeline_marks"  # what the routes need of an entity: being timeline comments
ROUTES = (
    route("POST", "/v1/{entity}/{id}/pin", "pin", MARKS),
    route("POST", "/v1/{entity}/{id}/unpin", "unpin", MARKS),
    route("POST", "/v1/{entity}/{id}/bind", "bind", MARKS),
    route("POST", "/v1/{entity}/{id}/unbind", "unbind", MARKS),
    route("GET", "/v1/{entity}/{id}/bindings", "bindings", MARKS),
    route("POST", "/v1/{entity}/{id}/note", "note_save", MARKS),
    route("GET", "/v1/{entity}/{id}/note", "note_get", MARKS),
    route("DELETE", "/v1/{entity}/{id}/note", "note_delete", MARKS),
)
WRITES = frozenset({"pin", "unpin", "bind", "unbind", "note_save", "note_delete"})
NEEDS: Mapping[str, Callable[[Entity], bool]] = MappingProxyType({MARKS: lambda entity: entity.name == "timelines"})


def handlers(marks: TimelineMarks) -> dict[str, Handler]:
    """The handler of each route name, over one portal's timeline marks."""

    async def pin(request: Request, found: Match) -> Response:
        return ok(marks.pin(found.id, request.json(), pinned=True))

    async def unpin(request: Request, found: Match) -> Response:
        return ok(marks.pin(found.id, request.json(), pinned=False))

    async def bind(request: Request, found: Match) -> Response:
        return ok(marks.bind(found.id, request.json(), bound=True))

    async def unbind(request: Request, found: Match) -> Response:
        return ok(marks.bind(found.id, request.json(), bound=False))

    async def bindings(request: Request, found: Match) -> Response:
        return ok(marks.bindings(found.id))

    async def note_save(request: Request, found: Match) -> Response:
        return ok(marks.save_note(found.id, request.json()))

    async def note_get(request: Request, found: Match) -> Response:
        return ok(marks.note(found.id))

    async def note_delete(request: Request, found: Match) -> Response:
        return ok(marks.delete_note(found.id))

    return {
        "pin": pin,
        "unpin": unpin,
        "bind": bind,
        "unbind": unbind,
        "bindings": bindings,
        "note_save": note_save,
        "note_get": note_get,
        "note_delete": note_delete,
    }
