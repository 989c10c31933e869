"""Records nested under a task: comments (`/v1/tasks/:taskId/comments`) and time spent (`…/time`).

The Task Comments page: every operation needs `taskId` in the path, and the entity is reachable only
there (a `/v1/batch` call answers `ENTITY_CUSTOM_ROUTES`); its own batch takes at most 50 items
(`BATCH_LIMIT_EXCEEDED`). Time records follow Bitrix's `task.elapseditem.*` (the entities index
lists list, add, update and delete; Bitrix also reads one record by id), camel-cased as everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from .errors import ApiError, invalid_filter, invalid_params
from .schema import Entity, Field, Relation
from .store import Store
from .values import format_instant, parse_instant

if TYPE_CHECKING:  # ops calls `derive_nested` from here
    from .ops import Operations

# Entity name → the documented path (for /v1/me and errors); the name is never a path of its own.
NESTED: Mapping[str, str] = MappingProxyType(
    {"task-comments": "/v1/tasks/:taskId/comments", "task-time": "/v1/tasks/:taskId/time"}
)
SEGMENTS: Mapping[str, str] = MappingProxyType({"comments": "task-comments", "time": "task-time"})
MAX_NESTED_BATCH = 50
MAX_SECONDS = 100 * 3600  # one record of more than 100 hours is a typo, not work

TASK_COMMENTS = Entity(
    name="task-comments",
    scope="tasks",
    operations=frozenset({"list", "get", "create", "update", "delete", "batch"}),
    fields={
        "id": Field("integer", readonly=True, label="ID комментария"),
        "taskId": Field("integer", label="ID задачи (из пути)"),
        "authorId": Field("user", readonly=True, label="Автор"),
        "message": Field("text", required=True, label="Текст комментария"),
        "createdAt": Field("datetime", readonly=True, label="Дата создания"),
    },
    relations={"author": Relation("users", "authorId")},
    batch_actions=("create", "update", "delete"),
)

TASK_TIME = Entity(
    name="task-time",
    scope="task",
    operations=frozenset({"list", "get", "create", "update", "delete"}),
    fields={
        "id": Field("integer", readonly=True, label="ID записи"),
        "taskId": Field("integer", label="ID задачи (из пути)"),
        "userId": Field("user", label="Сотрудник"),
        "seconds": Field("integer", required=True, label="Затрачено, секунд"),
        "minutes": Field("integer", readonly=True, label="Затрачено, минут"),
        "commentText": Field("text", label="Комментарий"),
        "createdDate": Field("datetime", label="Дата записи"),
        "dateStart": Field("datetime", readonly=True, label="Начало"),
        "dateStop": Field("datetime", readonly=True, label="Окончание"),
    },
    relations={"user": Relation("users", "userId")},
    batch_actions=(),
)

ENTITIES: Mapping[str, Entity] = MappingProxyType({e.name: e for e in (TASK_COMMENTS, TASK_TIME)})


def fold(segments: tuple[str, ...]) -> tuple[tuple[str, ...], str | None]:
    """`v1/tasks/311/comments/5` → (`v1/task-comments/5`, "311"); other paths unchanged, with None."""
    if len(segments) < 4 or segments[:2] != ("v1", "tasks") or segments[3] not in SEGMENTS:
        return segments, None
    return ("v1", SEGMENTS[segments[3]], *segments[4:]), segments[2]


def task_id(store: Store, raw: str) -> int:
    """The path's task, which must exist.

    Raises:
        ApiError: 400 INVALID_PARAMS for a non-numeric id, 404 NOT_FOUND for a missing task.
    """
    if not (raw.isascii() and raw.isdigit()) or int(raw) <= 0 or len(raw) > 18:
        raise invalid_params("Path parameter :taskId must be a positive integer")
    key = int(raw)
    if store.table("tasks").peek(key) is None:
        raise ApiError(404, "NOT_FOUND", f"Task {key} not found")
    return key


def owned(store: Store, entity: Entity, task: int, raw_id: object, ops: Operations) -> None:
    """A record addressed under a task must belong to it (another task's record is not found there)."""
    key = ops.parse_id(entity, raw_id)
    row = store.table(entity.name).peek(key)
    if row is None or row.get("taskId") != task:
        raise ApiError(404, "ENTITY_NOT_FOUND", "Элемент не найден")


def scoped_filter(raw: object, task: int) -> dict[str, object]:
    """The list filter AND-ed with the path's task."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise invalid_filter("filter must be an object")
    merged = dict(raw)
    if "taskId" not in merged:
        merged["taskId"] = task
    elif "$in" not in merged:
        merged["$in"] = {"taskId": [task]}
    else:
        raise invalid_filter("taskId is given by the path: leave it out of the filter")
    return merged


def scoped_body(entity: Entity, body: object, task: int, *, create: bool) -> object:
    """A write body bound to the path's task; time records get their derived fields.

    Raises:
        ApiError: 400 VALIDATION_ERROR for a body naming another task, or seconds out of range.
    """
    if not isinstance(body, dict):
        return body  # the generic validation names the problem
    fields = body["fields"] if set(body) == {"fields"} and isinstance(body["fields"], dict) else body
    out = dict(fields)
    given = out.get("taskId")
    if given is not None and given != task and str(given) != str(task):
        raise ApiError(400, "VALIDATION_ERROR", f"fields.taskId: the path names task {task}, the body {given}")
    if create:
        out["taskId"] = task
    if entity.name == "task-time" and "seconds" in out:
        seconds = out["seconds"]
        if isinstance(seconds, int) and not isinstance(seconds, bool) and not 1 <= seconds <= MAX_SECONDS:
            raise ApiError(400, "VALIDATION_ERROR", f"fields.seconds: Must be between 1 and {MAX_SECONDS}")
    return out


def derive_nested(entity: Entity, row: dict[str, object], now: str, owner_id: int) -> None:
    """A comment's author is the key's user; a time record's minutes and interval follow its seconds and
    date (Bitrix keeps MINUTES beside SECONDS), its user is the key's unless given."""
    if entity.name == "task-comments" and row.get("authorId") is None:
        row["authorId"] = owner_id
    if entity.name != "task-time":
        return
    if row.get("userId") is None:
        row["userId"] = owner_id
    if row.get("createdDate") is None:
        row["createdDate"] = now
    seconds = row.get("seconds")
    if isinstance(seconds, int) and not isinstance(seconds, bool):
        row["minutes"] = round(seconds / 60)
        stop = parse_instant(str(row["createdDate"]))
        row["dateStop"] = row["createdDate"]
        row["dateStart"] = format_instant(stop - seconds)


def batch(ops: Operations, entity: Entity, task: int, body: object) -> dict[str, object]:
    """`POST /v1/tasks/:taskId/comments/batch`: create, update or delete of at most 50 comments of one task."""
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_REQUEST", "Expected object")
    action = body.get("action")
    if action not in entity.batch_actions:
        raise ApiError(400, "INVALID_REQUEST", "action: Expected 'create' | 'update' | 'delete'")
    key = "ids" if action == "delete" else "items"
    items = body.get(key)
    if not isinstance(items, list) or not items:
        raise ApiError(400, "INVALID_REQUEST", f"{key}: Array must contain at least 1 element(s)")
    if len(items) > MAX_NESTED_BATCH:
        raise ApiError(
            400, "BATCH_LIMIT_EXCEEDED", f"At most {MAX_NESTED_BATCH} items per batch request, received {len(items)}"
        )
    results = [_item(ops, entity, task, str(action), item) for item in items]
    succeeded = sum(1 for r in results if r["success"])
    return {
        "results": results,
        "summary": {"total": len(results), "succeeded": succeeded, "failed": len(results) - succeeded},
    }


def _item(ops: Operations, entity: Entity, task: int, action: str, item: object) -> dict[str, object]:
    item_id = item.get("id") if isinstance(item, dict) and action == "update" else item
    try:
        with ops.store.atomic():  # one item's failure undoes its own writes only
            if action == "create":
                made = ops.create(entity, scoped_body(entity, item, task, create=True))
                return {"success": True, "id": made["id"]}
            if item_id is None:
                raise ApiError(400, "VALIDATION_ERROR", "items.id: Required")
            owned(ops.store, entity, task, item_id, ops)
            if action == "update":
                fields = {k: v for k, v in item.items() if k != "id"} if isinstance(item, dict) else {}
                ops.update(entity, item_id, scoped_body(entity, fields, task, create=False))
            else:
                ops.delete(entity, item_id)
            return {"success": True, "id": item_id}
    except ApiError as exc:
        failure: dict[str, object] = {"success": False, "error": {"code": exc.code, "message": exc.message}}
        if item_id is not None and action != "create":
            failure["id"] = item_id
        return failure


def drop_owned(entity: Entity, key: object, store: Store) -> None:
    """A deleted task's comments and time records go with it: their paths name the task, so nothing
    could reach them any more."""
    if entity.name != "tasks":
        return
    for name in NESTED:
        if name in store.tables:
            table = store.table(name)
            for row in [r for r in table.scan() if r.get("taskId") == key]:
                table.delete(row["id"])  # type: ignore[arg-type]
