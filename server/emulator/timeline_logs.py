"""`/v1/timeline-logs`: log records in a CRM record's timeline (`crm.timeline.logmessage.*`, "Таймлайн CRM",
docs 2026-05-05), and the 8 mark routes (pin, unpin, bind, unbind, bindings, note) on them.

A log record is a timeline item like a comment: its marks are kept by `timeline_items.TimelineMarks`, so
the marks answer on either prefix (`/v1/timelines/:id/pin` and `/v1/timeline-logs/:id/pin`). Log ids
come from their own range (5001…) so they never meet a comment's id. Deleting is allowed only to the
OAuth application that created the record; a personal key always gets 403 CROSS_APP_DELETE_FORBIDDEN
(a new Bitrix24 application per call, "Какой ключ использовать").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from .errors import ApiError, invalid_params, not_found
from .pipeline import Request, Response
from .query import query_pairs
from .routing import Handler, Match, bind, ok
from .schema import Entity, Field
from .store import Row, Store
from .timeline_items import LOGS_TABLE, owner_type, positive, type_name
from .values import format_instant

LOGS = Entity(
    name=LOGS_TABLE,
    scope="crm",
    operations=frozenset(),  # served by `route` below, not by the generic entity routes
    fields={
        "id": Field("integer", label="ID записи"),
        "created": Field("datetime", label="Создана"),
        "authorId": Field("user", label="Автор"),
        "title": Field("string", label="Заголовок"),
        "text": Field("text", label="Текст"),
        "iconCode": Field("string", label="Иконка"),
        "entityTypeId": Field("integer", label="Тип записи CRM"),
        "entityType": Field("string", label="Тип записи CRM (имя)"),
        "entityId": Field("integer", label="ID записи CRM"),
        "creator": Field("string", label="Ключ, создавший запись"),
    },
    batch_actions=(),
)
TABLES: Mapping[str, Entity] = MappingProxyType({LOGS_TABLE: LOGS})
FIRST_ID = 5001
SHOWN = ("id", "created", "authorId", "title", "text", "iconCode")
# (method, path after /v1/timeline-logs, route name); the mark routes reuse timeline_routes' handlers.
_ROUTES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("POST", (), "logs_create"),
    ("GET", (), "logs_list"),
    ("GET", (":id",), "logs_get"),
    ("DELETE", (":id",), "logs_delete"),
    ("POST", (":id", "pin"), "pin"),
    ("POST", (":id", "unpin"), "unpin"),
    ("POST", (":id", "bind"), "bind"),
    ("POST", (":id", "unbind"), "unbind"),
    ("GET", (":id", "bindings"), "bindings"),
    ("POST", (":id", "note"), "note_save"),
    ("GET", (":id", "note"), "note_get"),
    ("DELETE", (":id", "note"), "note_delete"),
)
WRITES = frozenset({"logs_create", "logs_delete"})
NAMES = frozenset({"logs_create", "logs_list", "logs_get", "logs_delete"})
SEEDED = (
    ("Документы отправлены", "Договор и счёт отправлены клиенту на e-mail.", "info"),
    ("Интеграция: заказ оплачен", "Платёжный шлюз подтвердил оплату заказа.", "check"),
    ("AI-агент обработал заявку", "Проанализированы данные клиента. Рекомендация: тариф Enterprise.", ""),
)


def route(method: str, segments: Sequence[str]) -> tuple[str, str | None] | None:
    """(route name, :id) of a `/v1/timeline-logs…` request, or None."""
    found = bind(_ROUTES, method, segments[2:])
    return None if found is None else (found[0], found[1].get(":id"))


def seed(deals: Sequence[Mapping[str, object]], now: float) -> list[dict[str, object]]:
    """A few records left by integrations on the first deals (created by an application no key holds)."""
    out: list[dict[str, object]] = []
    for deal in deals[:4]:
        for title, text, icon in SEEDED[: 1 + len(out) % 3]:
            out.append({"id": FIRST_ID + len(out), "created": format_instant(now - 3600 * (10 - len(out))),
                        "authorId": 1, "title": title, "text": text, "iconCode": icon, "entityTypeId": 2,
                        "entityType": "deal", "entityId": deal["id"], "creator": ""})  # fmt: skip
    return out


def _shown(row: Mapping[str, object]) -> dict[str, object]:
    return {name: row.get(name) for name in SHOWN}


def _text(body: Mapping[str, object], name: str, *, required: bool = True) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise invalid_params(f"{name} is required: a non-empty string")
    return value


class TimelineLogs:
    """Create, list, get and delete log records of one portal's store."""

    def __init__(self, store: Store, clock: Callable[[], float], owner_id: int, is_app: Callable[[str], bool]):
        self.store, self.clock, self.owner_id, self.is_app = store, clock, owner_id, is_app

    def _owner(self, given: Mapping[str, object]) -> tuple[int, int]:
        if given.get("entityTypeId") is None and given.get("entityType") is None:
            raise invalid_params("entityTypeId (or entityType) is required: whose timeline holds the record")
        code = owner_type(given)
        return code, positive(given.get("entityId"), "entityId")

    def create(self, body: object, key: str) -> dict[str, object]:
        if not isinstance(body, Mapping):
            raise invalid_params("The request body must be a JSON object")
        code, entity_id = self._owner(body)
        title, text, icon = _text(body, "title"), _text(body, "text"), _text(body, "iconCode", required=False)
        table = self.store.table(LOGS_TABLE)
        row = {"id": max(table.last_id, FIRST_ID - 1) + 1, "created": format_instant(self.clock()),
               "authorId": self.owner_id, "title": title, "text": text, "iconCode": icon, "entityTypeId": code,
               "entityType": type_name(code), "entityId": entity_id, "creator": key}  # fmt: skip
        table.insert(row)
        return _shown(row)

    def list(self, query: str) -> list[dict[str, object]]:
        # The owner as plain parameters, or as equality filters (`filter[entityTypeId]=2`).
        given = {name.removeprefix("filter[").removesuffix("]"): value for name, value in query_pairs(query)}
        if given.get("entityTypeId") is None and given.get("entityType") is None or given.get("entityId") is None:
            raise invalid_params("entityTypeId (or entityType) and entityId are required: the record whose log to list")
        params: dict[str, object] = dict(given)
        if str(given.get("entityTypeId", "")).isdigit():
            params["entityTypeId"] = int(given["entityTypeId"])
        code, entity_id = self._owner(params)
        rows = self.store.table(LOGS_TABLE).scan()
        return [_shown(r) for r in rows if r.get("entityTypeId") == code and r.get("entityId") == entity_id]

    def _row(self, raw_id: str | None) -> tuple[int, Row | None]:
        if raw_id is None or not raw_id.isascii() or not raw_id.isdigit() or len(raw_id) > 18 or int(raw_id) <= 0:
            raise invalid_params("Path parameter :id must be a positive integer")
        return int(raw_id), self.store.table(LOGS_TABLE).peek(int(raw_id))

    def get(self, raw_id: str | None) -> dict[str, object]:
        key, row = self._row(raw_id)
        if row is None:  # the one route whose empty answer is NOT_FOUND (error table)
            raise ApiError(404, "NOT_FOUND", f"Timeline log record {key} not found")
        return _shown(row)

    def delete(self, raw_id: str | None, key: str) -> bool:
        record_id, row = self._row(raw_id)
        if row is None:
            raise not_found()
        if not self.is_app(key) or row.get("creator") != key:
            raise ApiError(
                403,
                "CROSS_APP_DELETE_FORBIDDEN",
                "Bitrix24 lets only the application that created a log record delete it",
                hint="Create and delete log records with the same OAuth application key (vibe_app_*); a personal "
                "key looks like a new application on every call.",
            )
        self.store.table(LOGS_TABLE).delete(record_id)
        return True


def handlers(logs: TimelineLogs) -> dict[str, Handler]:
    """The handlers of the four log routes (the mark routes are timeline_routes')."""

    def key_of(request: Request) -> str:
        return str(request.state.get("api_key", ""))

    async def create(request: Request, found: Match) -> Response:
        return ok(logs.create(request.json(), key_of(request)), 201)

    async def listed(request: Request, found: Match) -> Response:
        return ok(logs.list(request.query))

    async def get(request: Request, found: Match) -> Response:
        return ok(logs.get(found.id))

    async def delete(request: Request, found: Match) -> Response:
        return ok(logs.delete(found.id, key_of(request)))

    return {"logs_create": create, "logs_list": listed, "logs_get": get, "logs_delete": delete}
