"""The demo portal: the route table (its own routes and each family's), the core handlers, and the `Portal`
that holds state and assembles the families' handlers."""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial

from . import (
    chats,
    chats_portal,
    families_a,
    families_presets,
    families_req,
    families_smart,
    families_tasks,
    me,
    presets_portal,
    registry,
    rows,
    rows_routes,
    timeline_items,
    timeline_logs,
    timeline_routes,
    userfields,
    userfields_portal,
    userfields_routes,
)
from .aggregate import aggregate
from .batch import MAX_ITEMS, entity_batch, plan_calls
from .errors import ApiError, access_denied, internal_error, route_not_found
from .families_b import CODE_KEYED
from .ops import Operations, describe_fields
from .pipeline import JSON_TYPE, AuthStage, Request, Response, Stage, error_response, json_response, run_stages
from .query import list_query, query_pairs
from .registry import ENTITIES
from .routing import CUSTOM_PATHS, Handler, Match, Route, entity_of, ok, page_envelope, route
from .schema import Entity
from .scopes import grants
from .smart_types import TYPES, SmartTypes
from .store import Store

logger = logging.getLogger("server.emulator")

DEMO_API_KEY = "vibe_api_demo_0000000000000000"
DEMO_PORTAL = "demo.bitrix24.ru"
OWNER_ID = 1
# Where later stages go, outermost first: faults act like the network, before auth; the rate limit is
# per key, after auth; the 2-concurrent portal queue wraps only the work itself.
# Routes that write run in one undo block; /v1/batch opens its own (only when it has writes).
ATOMIC_ROUTES = (
    frozenset({"create", "update", "delete", "entity_batch"})
    | rows_routes.WRITES
    | userfields_routes.WRITES
    | presets_portal.WRITES
    | chats.WRITES
    | timeline_routes.WRITES
    | timeline_logs.WRITES
)
STAGE_ORDER = ("faults", "auth", "rate_limit", "queue")


# Operations a family's routes need of an entity, beyond the entity's own (families_req.serves).
NEEDS: Mapping[str, Callable[[Entity], bool]] = {**rows_routes.NEEDS, **timeline_routes.NEEDS}
ROUTES: tuple[Route, ...] = (
    route("GET", "/v1/me", "me"),
    route("POST", "/v1/batch", "batch"),
    route("GET", "/v1/{entity}/fields", "fields", "fields"),
    route("POST", "/v1/{entity}/search", "search", "search"),
    route("POST", "/v1/{entity}/aggregate", "aggregate", "aggregate"),
    route("POST", "/v1/{entity}/batch", "entity_batch", "batch"),
    route("GET", "/v1/{entity}", "list", "list"),
    route("POST", "/v1/{entity}", "create", "create"),
    route("GET", "/v1/{entity}/{id}", "get", "get"),
    route("PATCH", "/v1/{entity}/{id}", "update", "update"),
    route("DELETE", "/v1/{entity}/{id}", "delete", "delete"),
    *rows_routes.ROUTES,  # product rows of deals, leads, quotes, invoices and smart process items
    *timeline_routes.ROUTES,  # pins, bindings and notes of timeline comments
)


def match(method: str, path: str, entities: Mapping[str, Entity]) -> Match | None:
    """The first route whose method, shape and entity operation fit, or None."""
    split = tuple(path.strip("/").split("/"))
    if split[:2] == ("v1", "chats"):
        chat_route = chats.route(method, split)
        if chat_route is None:
            return None
        name, ref, message = chat_route
        return Match(Route(method, (), name), entities[chats.CHATS.name], ref, message)
    if split[:2] == ("v1", timeline_logs.LOGS.name):
        log_route = timeline_logs.route(method, split)
        if log_route is None:
            return None
        return Match(Route(method, (), log_route[0]), timeline_logs.LOGS, log_route[1])
    segments, parent = families_tasks.fold(split)
    if segments[:2] == ("v1", "userfields"):
        found = userfields_portal.route(method, segments)
        if found is None:
            return None
        name, crm, field_id = found
        return Match(Route(method, segments, name), entities[userfields.USERFIELDS.name], field_id, parent=crm)
    nested = families_presets.route(method, segments)  # /v1/requisite-presets/:presetId/fields…
    if nested is not None:
        name, preset, field_id = nested
        return Match(Route(method, segments, name), entities[families_presets.ENTITY_NAME], field_id, parent=preset)
    segments = families_smart.fold_path(segments, entities)
    segments = families_req.fold_path(segments)  # composite keys: /v1/addresses/6/8/42
    for candidate in ROUTES:
        if candidate.method != method or len(candidate.pattern) != len(segments):
            continue
        entity: Entity | None = None
        record_id: str | None = None
        row_id: str | None = None
        for expected, actual in zip(candidate.pattern, segments, strict=True):
            if expected == "{entity}":
                entity = entities.get(actual)
                if entity is None or (actual in CUSTOM_PATHS) != (parent is not None):
                    break  # nested entities answer only under their parent's path
            elif expected == "{id}":
                record_id = actual
            elif expected == "{row}":
                row_id = actual
            elif expected != actual:
                break
        else:
            if candidate.operation is None or (entity is not None and _serves(entity, candidate.operation)):
                return Match(candidate, entity, record_id, row_id, parent)
    return None


def _serves(entity: Entity, operation: str) -> bool:
    needs = NEEDS.get(operation)
    return needs(entity) if needs is not None else families_req.serves(entity, operation)


def cost_units(found: Match, request: Request) -> int:
    """Rate-limit units of a request: 1, or one per 50 items of an entity batch (≤ 10)."""
    if found.route.name != "entity_batch":
        return 1
    body = request.json()
    items = body.get("items", body.get("ids")) if isinstance(body, dict) else None
    count = len(items) if isinstance(items, list) else 1
    return max(1, min(math.ceil(min(count, MAX_ITEMS) / 50), 10))


class Portal:
    """An in-memory VibeCode portal: `await portal.handle(...)` answers like the upstream API."""

    def __init__(
        self,
        seed: int = 42,
        scale: float = 1.0,
        api_keys: Iterable[str] = (DEMO_API_KEY,),
        *,
        clock: Callable[[], float] = time.time,
        data: Mapping[str, Iterable[Mapping[str, object]]] | None = None,
        portal: str = DEMO_PORTAL,
        requests_per_second: int = 10,
        key_scopes: Mapping[str, Iterable[str]] | None = None,
        app_keys: Mapping[str, str] | None = None,
        key_denied: Mapping[str, Iterable[str]] | None = None,
        key_owners: Mapping[str, int] | None = None,
    ) -> None:
        self.entities: dict[str, Entity] = dict(ENTITIES)  # new smart process types, user fields' changes
        self.clock = clock
        # Keys issued with only some scopes (the rest answer SCOPE_DENIED); other keys hold every scope.
        self.key_scopes = {key: frozenset(scopes) for key, scopes in (key_scopes or {}).items()}
        # Keys whose Bitrix24 user has no rights on some entities: 403 BITRIX_ACCESS_DENIED there.
        self.key_denied = {key: frozenset(names) for key, names in (key_denied or {}).items()}
        # The user each key acts as (OWNER_ID unless given): user updates need a portal administrator.
        self.key_owners = dict(key_owners or {})
        self.api_keys = (
            frozenset(api_keys) | frozenset(self.key_scopes) | frozenset(self.key_denied) | frozenset(self.key_owners)
        )
        self.portal = portal
        self.requests_per_second = requests_per_second
        seeded = data if data is not None else registry.generate(seed, scale, clock())
        if userfields.USERFIELDS.name not in seeded:  # hand-made data: the fields its entities declare
            seeded = {**seeded, userfields.USERFIELDS.name: userfields.seed(ENTITIES)}
        if families_presets.ENTITY_NAME not in seeded:  # hand-made data: its presets hold their seeded fields
            presets = [dict(p) for p in seeded.get("requisite-presets", ())]
            seeded = {**seeded, families_presets.ENTITY_NAME: families_presets.seed(presets)}
        if timeline_logs.LOGS.name not in seeded:
            seeded = {**seeded, timeline_logs.LOGS.name: timeline_logs.seed(list(seeded.get("deals", ())), clock())}
        # Product rows, chat messages, timeline log records and marks: tables of the portal, not API entities.
        tables = {**rows.TABLES, **chats.TABLES, **timeline_items.TABLES, **timeline_logs.TABLES}
        self.store = Store({**self.entities, **tables}, seeded)
        self.chats = chats_portal.Chats(self.store, clock)
        self.rows = rows.ProductRows(self.store)
        self.userfields = userfields_portal.UserFields(self.store, self.entities, clock)
        self.marks = timeline_items.TimelineMarks(self.store)
        self.ops = Operations(self.store, clock, OWNER_ID)
        self.smart_types = SmartTypes(self.ops, self.entities)
        self.pipeline: dict[str, Stage | None] = dict.fromkeys(STAGE_ORDER)
        auth = AuthStage(self.api_keys, app_keys)  # OAuth application key -> session token
        self.pipeline["auth"] = auth
        self.logs = timeline_logs.TimelineLogs(self.store, clock, OWNER_ID, lambda key: key in auth.sessions)
        self._ids = itertools.count(1)
        self._handlers: Mapping[str, Handler] = {
            "me": self._me,
            "batch": self._batch,
            "fields": self._fields,
            "search": self._search,
            "aggregate": self._aggregate,
            "entity_batch": self._entity_batch,
            "list": self._list,
            "create": self._create,
            "get": self._get,
            "update": self._update,
            "delete": self._delete,
            **rows_routes.handlers(self.rows),
            **userfields_routes.handlers(self.userfields),
            **timeline_routes.handlers(self.marks),
            **timeline_logs.handlers(self.logs),
            **dict.fromkeys(chats.NAMES, self._chats),
        }
        preset_fields = presets_portal.PresetFields(self.ops).handlers()
        self._handlers = {**self._handlers, **{name: _nested(h) for name, h in preset_fields.items()}}

    async def handle(self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes) -> Response:
        request = Request(
            method=method.upper(),
            path=path,
            query=query,
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
            request_id=f"emu-{next(self._ids):08d}",
        )
        stages = [stage for stage in self.pipeline.values() if stage is not None]
        try:
            response = await run_stages(stages, self._dispatch, request)
        except ApiError as exc:
            response = error_response(exc)
        except Exception:
            logger.exception("emulator: unhandled error on %s %s", method, path)
            response = error_response(internal_error())
        response.headers.setdefault("X-Request-Id", request.request_id)
        return response

    def match(self, request: Request) -> Match | None:
        """The request's route (cached in `request.state`), for stages that price or limit it."""
        if "match" not in request.state:
            request.state["match"] = match(request.method, request.path, self.entities)
        found = request.state["match"]
        return found if isinstance(found, Match) else None

    async def _dispatch(self, request: Request) -> Response:
        found = self.match(request)
        if found is None:
            raise route_not_found(request.method, request.path, hint=self._route_hint(request.path))
        key = str(request.state.get("api_key", ""))
        granted = self.key_scopes.get(key)
        if granted is not None and found.entity is not None and not grants(granted, found.entity.scope):
            raise ApiError(403, "SCOPE_DENIED", f"This endpoint requires '{found.entity.scope}' scope")
        refused = self.refusal(key, found.entity, found.route.name) if found.entity is not None else None
        if refused is not None:
            raise refused
        handler = self._handlers[found.route.name]
        if found.route.name not in ATOMIC_ROUTES:
            return await handler(request, found)
        # A request that raises leaves the store as it found it. Write handlers do not await inside,
        # so no other request's writes can land in this block.
        with self.store.atomic():
            return await handler(request, found)

    def refusal(self, key: str, entity: Entity, action: str) -> ApiError | None:
        """What Bitrix24 refuses the key's user: an entity it has no rights on (BITRIX_ACCESS_DENIED), or a
        user update or deactivation by a non-administrator (Users: `user.update` answers false, L19833)."""
        if entity.name in self.key_denied.get(key, ()):
            return access_denied()
        if entity.name == "users" and action in ("update", "delete"):
            owner = self.store.table("users").peek(self.key_owners.get(key, OWNER_ID))
            if owner is not None and owner.get("isAdmin") is False:
                return ApiError(
                    403,
                    "UPDATE_FAILED",
                    "Bitrix24 rejected user.update (result: false)",
                    hint="Bitrix24 returns false when the calling user lacks portal admin rights, when a read-only "
                    "field was touched (isOnline, lastLogin, dateRegister, isAdmin), or when the target user ID "
                    "does not exist. Verify the webhook/OAuth identity is a portal admin.",
                )
        return None

    def _task(self, found: Match) -> int:
        return families_tasks.task_id(self.store, str(found.parent))

    def _route_hint(self, path: str) -> str | None:
        segments = path.strip("/").split("/")
        if len(segments) >= 2 and segments[0] == "v1":
            entity = self.entities.get(segments[1])
            if entity is not None and entity.name in CUSTOM_PATHS:
                return f"'{entity.name}' is served at {CUSTOM_PATHS[entity.name]}"
            if entity is not None:
                return f"Operations available for '{entity.name}': {', '.join(sorted(entity.operations))}"
            if segments[1] + "s" in self.entities:
                return f"Entity paths are plural: /v1/{segments[1]}s"
        return None

    # --- handlers -----------------------------------------------------------------------------------

    async def _list(self, request: Request, found: Match) -> Response:
        entity = entity_of(found)
        if entity.name in CODE_KEYED:  # bizproc.activity.list / bizproc.robot.list: the codes, no paging
            codes = [row["id"] for row in self.store.table(entity.name).scan()]
            return json_response(200, {"success": True, "data": codes, "total": len(codes)})
        params = list_query(query_pairs(request.query), entity)
        if found.parent is not None:
            params["filter"] = families_tasks.scoped_filter(params.get("filter"), self._task(found))
        families_a.check_list(entity, params.get("filter"))
        return page_envelope(self.ops.list(entity, **params), self.store.table(entity.name), listed=True)

    async def _search(self, request: Request, found: Match) -> Response:
        entity = entity_of(found)
        body = _object(request.json())
        page = self.ops.list(
            entity,
            filter=body.get("filter"),
            sort=body["sort"] if body.get("sort") is not None else body.get("order"),
            select=body.get("select"),
            limit=body.get("limit"),
            offset=body.get("offset"),
            include=body.get("include"),
            auto_window=body.get("autoWindow"),
        )
        return page_envelope(page, self.store.table(entity.name))

    async def _get(self, request: Request, found: Match) -> Response:
        query = dict(query_pairs(request.query))
        entity = entity_of(found)
        # Types are addressed by entityTypeId (`GET /v1/smart-processes/:entityTypeId`), not by their id.
        key = (
            families_smart.type_row(self.store.table(entity.name).scan(), found.id)
            if entity.name == "smart-processes"
            else found.id
        )
        if found.parent is not None:
            families_tasks.owned(self.store, entity, self._task(found), found.id, self.ops)
        record = self.ops.get(entity, key, include=query.get("include"), select=query.get("select"))
        return ok(record)

    async def _create(self, request: Request, found: Match) -> Response:
        entity = entity_of(found)
        if entity.name == TYPES:
            return ok(self.smart_types.create(request.json()), 201)
        body = request.json()
        if found.parent is not None:
            body = families_tasks.scoped_body(entity, body, self._task(found), create=True)
        record = self.ops.create(entity, body)
        return ok(self.ops.created(entity, record), 201)

    async def _update(self, request: Request, found: Match) -> Response:
        entity = entity_of(found)
        if entity.name == TYPES:  # addressed by entityTypeId
            return ok(self.smart_types.update(found.id, request.json()))
        body = request.json()
        if found.parent is not None:
            task = self._task(found)
            families_tasks.owned(self.store, entity, task, found.id, self.ops)
            body = families_tasks.scoped_body(entity, body, task, create=False)
        record = self.ops.update(entity, found.id, body)
        return ok(self.ops.updated(entity, record))

    async def _delete(self, request: Request, found: Match) -> Response:
        if entity_of(found).name == TYPES:
            self.smart_types.delete(found.id)
            return Response(204, {}, b"")
        if found.parent is not None:
            families_tasks.owned(self.store, entity_of(found), self._task(found), found.id, self.ops)
        deactivated = self.ops.delete(entity_of(found), found.id)
        if deactivated is not None:
            return ok(deactivated)
        return Response(204, {}, b"")

    async def _fields(self, request: Request, found: Match) -> Response:
        entity = self.ops.live(entity_of(found))
        preset = dict(query_pairs(request.query)).get("presetId") if entity.name == "requisites" else None
        if preset is not None:  # only the fields of that preset (Entity: Requisites, L19118)
            entity = families_presets.of_preset(entity, self.store, preset)
        return ok(describe_fields(entity))

    async def _aggregate(self, request: Request, found: Match) -> Response:
        entity = entity_of(found)
        data = aggregate(entity, self.store.table(entity.name), request.json())
        return ok(data)

    async def _entity_batch(self, request: Request, found: Match) -> Response:
        if found.parent is not None:
            data = families_tasks.batch(self.ops, entity_of(found), self._task(found), request.json())
            return ok(data)
        data = entity_batch(self.ops, self.entities, entity_of(found), request.json())
        return ok(data)

    async def _batch(self, request: Request, found: Match) -> Response:
        key = str(request.state.get("api_key", ""))
        plan = plan_calls(self.entities, request.json(), self.key_scopes.get(key), partial(self.refusal, key))
        if plan.read_only:
            # Up to 50 searches: other requests may run between them, so one batch never holds the
            # event loop for all 50. Reads keep no undo journal, so interleaving cannot mix one up.
            for _ in plan.steps(self.ops):
                await asyncio.sleep(0)
        else:
            with self.store.atomic():  # writes run without awaiting, as in every write route
                for _ in plan.steps(self.ops):
                    pass
        return Response(200, {"Content-Type": JSON_TYPE}, plan.encode())

    async def _chats(self, request: Request, found: Match) -> Response:
        """`/v1/chats…`, as the key's user (chats_portal)."""
        me = self.key_owners.get(str(request.state.get("api_key", "")), OWNER_ID)
        query = dict(query_pairs(request.query))
        status, data = self.chats.handle(found.route.name, me, found.id, found.row, query, request.json())
        return json_response(status, {"success": True, "data": data})

    async def _me(self, request: Request, found: Match) -> Response:
        granted = self.key_scopes.get(str(request.state.get("api_key", "")))
        data = self.describe_key()
        return ok(data if granted is None else me.narrowed(data, granted, self.entities))

    def describe_key(self) -> dict[str, object]:
        """`GET /v1/me` for the personal key (vibecode-api.md §11.2)."""
        owner = self.store.table("users").peek(OWNER_ID) if "users" in self.store.tables else None
        return me.describe(self.portal, self.entities, owner, OWNER_ID, self.requests_per_second)


def _nested(handler: presets_portal.Handler) -> Handler:
    """A handler of a nested family, called with the path's parent id and record id."""

    async def call(request: Request, found: Match) -> Response:
        return await handler(request, str(found.parent), found.id)

    return call


def _object(body: object) -> dict[str, object]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ApiError(400, "VALIDATION_ERROR", "body: Expected object")
    return body
