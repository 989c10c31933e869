"""Reference data read from the portal and cached briefly: deal pipelines with their stages, crm.status
lists, currencies, departments, workgroups and user names. Plain data out; no MCP here.

Reference lists change rarely and are read on almost every question ("won stage", "in rubles"), so
each is fetched once per TTL (tool_specs/reference.json) and shared by the tools that label ids.
"""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from server import specs
from server.catalog import FieldSpec
from server.client import VibeCodeClient
from server.errors import VibeCodeError
from server.operations import Operations

PAGE = 1000
MAX_RECORDS = 5000  # what one upstream list call can page through
# A smart process item's stage, DT{entityTypeId}_{categoryId}:{code}, is in the statuses of
# DYNAMIC_{entityTypeId}_STAGE_{categoryId}.
ITEM_STAGE = re.compile(r"^DT(\d+)_(\d+):")


def spec() -> dict[str, Any]:
    data: dict[str, Any] = specs.load("reference.json")
    return data


def stage_list(category_id: int) -> str:
    """The crm.status list holding the stages of a deal pipeline."""
    return "DEAL_STAGE" if category_id == 0 else f"DEAL_STAGE_{category_id}"


def semantics(status: Mapping[str, Any], list_type: str) -> str | None:
    """in_progress / success / failure for stage-like lists; None for plain lists (sources, types)."""
    extra = status.get("extra")
    raw = status.get("semantics") or (extra.get("SEMANTICS") if isinstance(extra, Mapping) else None)
    words: Mapping[str, str] = spec()["semantics"]
    if raw:
        return words.get(str(raw))
    base = list_type.split("_STAGE")[0] + "_STAGE" if "_STAGE" in list_type else list_type
    # Bitrix leaves SEMANTICS empty on the in-progress stages of a funnel.
    return "in_progress" if base in spec()["stage_lists"] else None


def _id(record: Mapping[str, Any]) -> Any:
    return record.get("id", record.get("ID"))


def _str_id(record: Mapping[str, Any]) -> str:
    return str(_id(record))


def _name(record: Mapping[str, Any]) -> str:
    return str(record.get("name") or record.get("NAME") or record.get("fullName") or _id(record))


class TtlCache:
    """Values fetched on demand and kept for a number of seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._items: dict[str, tuple[float, Any]] = {}

    async def get(self, key: str, ttl: float, fetch: Callable[[], Awaitable[Any]]) -> Any:
        now = self._clock()
        hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = await fetch()
        self.put(key, ttl, value)
        return value

    def peek(self, key: str) -> Any:
        """The cached value, or None when absent or expired."""
        hit = self._items.get(key)
        return hit[1] if hit is not None and hit[0] > self._clock() else None

    def put(self, key: str, ttl: float, value: Any) -> None:
        self._items[key] = (self._clock() + ttl, value)

    def clear(self) -> None:
        self._items.clear()


class ReferenceData:
    """Portal reference lists, fetched lazily and cached."""

    def __init__(self, client: VibeCodeClient, cache: TtlCache | None = None) -> None:
        self.client = client
        self.cache = cache or TtlCache()
        ttl: Mapping[str, float] = spec()["ttl_seconds"]
        self.ttl = float(ttl["reference"])
        self.users_ttl = float(ttl["users"])

    def forget(self) -> None:
        """Drop every cached list (a write changed stages, pipelines or currencies)."""
        self.cache.clear()

    async def list_all(self, entity: str, flt: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every record of a list (up to 5000), following offsets."""
        out: list[dict[str, Any]] = []
        while len(out) < MAX_RECORDS:
            params: dict[str, Any] = {"limit": PAGE, "offset": len(out)} if out else {"limit": PAGE}
            if flt:
                params["filter"] = dict(flt)
            resp = await self.client.request("GET", f"/v1/{entity}", params=params)
            page = [dict(r) for r in resp.data or [] if isinstance(r, Mapping)]
            out.extend(page)
            more = bool(resp.meta.get("hasMore")) or (resp.total is not None and len(out) < resp.total)
            if not page or not more:
                break
        return out

    async def pipelines(self) -> list[dict[str, Any]]:
        """Deal pipelines in portal order, each with its stages in funnel order."""
        return list(await self.cache.get("pipelines", self.ttl, self._fetch_pipelines))

    async def _fetch_pipelines(self) -> list[dict[str, Any]]:
        categories = await self.list_all("deal-categories")
        if not any(_id(c) in (0, "0") for c in categories):
            # crm.dealcategory.list may leave out the default pipeline; its stages still exist.
            categories.insert(0, {"id": 0, "name": "Default pipeline", "sort": 0, "isDefault": True})
        lists = {stage_list(int(_id(c))): int(_id(c)) for c in categories}
        statuses = await self.list_all("statuses", {"entityId": list(lists)})
        stages: dict[int, list[dict[str, Any]]] = {cid: [] for cid in lists.values()}
        for status in sorted(statuses, key=lambda s: int(s.get("sort") or 0)):
            list_type = str(status.get("entityId", ""))
            if list_type in lists:
                stages[lists[list_type]].append(
                    {
                        "id": str(status.get("statusId")),
                        "name": _name(status),
                        "semantics": semantics(status, list_type),
                    }
                )
        ordered = sorted(categories, key=lambda c: (int(c.get("sort") or 0), int(_id(c))))
        return [
            {
                "id": int(_id(c)),
                "name": _name(c),
                "default": bool(c.get("isDefault")) or int(_id(c)) == 0,
                "stages": stages[int(_id(c))],
            }
            for c in ordered
        ]

    async def statuses(self, list_type: str | None = None) -> list[dict[str, Any]]:
        """crm.status entries (all lists, or one), sorted by list then sort."""

        async def fetch() -> list[dict[str, Any]]:
            rows = await self.list_all("statuses", {"entityId": list_type} if list_type else None)
            rows.sort(key=lambda s: (str(s.get("entityId")), int(s.get("sort") or 0)))
            return rows

        return list(await self.cache.get(f"statuses:{list_type or '*'}", self.ttl, fetch))

    async def currencies(self) -> list[dict[str, Any]]:
        """Portal currencies, base currency first, then by sort."""

        async def fetch() -> list[dict[str, Any]]:
            rows = await self.list_all("currencies")
            rows.sort(key=lambda c: (not c.get("base"), int(c.get("sort") or 0), _str_id(c)))
            return rows

        return list(await self.cache.get("currencies", self.ttl, fetch))

    async def records(self, entity: str) -> list[dict[str, Any]]:
        """A whole small list (departments, workgroups), cached."""
        return list(await self.cache.get(f"list:{entity}", self.ttl, lambda: self.list_all(entity)))

    async def user_names(self, ids: Iterable[Any]) -> dict[str, str]:
        """ "First Last" per user id; unknown ids are left out. One upstream call for the missing ones."""
        wanted = sorted({str(i) for i in ids if str(i).isdigit() and str(i) != "0"}, key=int)
        names: dict[str, str] = {}
        missing: list[str] = []
        for uid in wanted:
            hit = self.cache.peek(f"user:{uid}")
            if hit is None:
                missing.append(uid)
            else:
                names[uid] = hit
        if missing:
            params = {"filter": {"id": [int(u) for u in missing]}, "select": ["id", "name", "lastName"]}
            resp = await self.client.request("GET", "/v1/users", params={**params, "limit": len(missing)})
            for user in resp.data or []:
                if isinstance(user, Mapping):
                    full = " ".join(str(user[k]) for k in ("name", "lastName") if user.get(k)) or f"user {_id(user)}"
                    names[_str_id(user)] = full
                    self.cache.put(f"user:{_str_id(user)}", self.users_ttl, full)
        return names

    async def labels(self, kind: str, values: Sequence[Any], field: FieldSpec | None = None) -> dict[str, str]:
        """Names for `values` of one field, by label kind (see reference.json); {} when unknown."""
        if field is not None and field.items:
            return dict(field.items)
        if kind == "stage":
            return {s["id"]: s["name"] for p in await self.pipelines() for s in p["stages"]}
        if kind == "pipeline":
            return {str(p["id"]): p["name"] for p in await self.pipelines()}
        if kind == "item_stage":
            return await self.item_stages(values)
        if kind == "semantics":
            return {k: v for k, v in spec()["semantics"].items() if len(k) == 1}
        if kind.startswith("status:"):
            return {str(s.get("statusId")): _name(s) for s in await self.statuses(kind.split(":", 1)[1])}
        if kind == "user":
            return await self.user_names(values)
        if kind in ("workgroup", "department"):
            return {_str_id(r): _name(r) for r in await self.records(kind + "s")}
        return {}

    async def stage_pipelines(self) -> dict[str, str]:
        """Stage id → its pipeline's name."""
        return {s["id"]: p["name"] for p in await self.pipelines() for s in p["stages"]}

    async def item_stages(self, values: Iterable[Any]) -> dict[str, str]:
        """Names of smart process stages (`DT1032_5:NEW`), in funnel order, from the statuses of the
        pipelines the values name (`DYNAMIC_1032_STAGE_5`): one list request for them all, cached."""
        lists = sorted({f"DYNAMIC_{m[1]}_STAGE_{m[2]}" for v in values if (m := ITEM_STAGE.match(str(v)))})
        if not lists:
            return {}

        async def fetch() -> list[dict[str, Any]]:
            rows = await self.list_all("statuses", {"entityId": lists})
            rows.sort(key=lambda s: (lists.index(str(s.get("entityId"))) if s.get("entityId") in lists else 0,
                                     int(s.get("sort") or 0)))  # fmt: skip
            return rows

        rows = await self.cache.get("statuses:" + ",".join(lists), self.ttl, fetch)
        return {str(s.get("statusId")): _name(s) for s in rows}

    async def item_stage_pipelines(self, values: Iterable[Any]) -> dict[str, str]:
        """Smart process stage id → its pipeline's name (`categories/{entityTypeId}`)."""
        out: dict[str, str] = {}
        for type_id in sorted({m[1] for v in values if (m := ITEM_STAGE.match(str(v)))}):
            names = {_str_id(c): _name(c) for c in await self.records(f"categories/{type_id}")}
            for v in values:
                m = ITEM_STAGE.match(str(v))
                if m and m[1] == type_id and m[2] in names:
                    out[str(v)] = names[m[2]]
        return out


def label_kind(entity: str, name: str, field: FieldSpec | None) -> str | None:
    """Where names for a field's values come from, or None."""
    ref = spec()
    kind = ref["labels"].get(entity, {}).get(name)
    if kind is None and field is not None:
        # Live metadata names a status field's crm.status list (statusType), user fields included.
        status_type = str(getattr(field, "status_type", "") or "")
        if status_type:
            kind = "stage" if status_type.startswith("DEAL_STAGE") else f"status:{status_type}"
        elif field.items:
            kind = "items"
        else:
            kind = ref["labels_by_type"].get(field.type)
    return str(kind) if kind else None


async def safe_labels(
    ref: ReferenceData, kind: str, values: Sequence[Any], field: FieldSpec | None = None
) -> dict[str, str]:
    """Labels, or {} when the portal cannot give them: names are a convenience, never a failure."""
    try:
        return await ref.labels(kind, values, field)
    except VibeCodeError:
        return {}


_SHARED: weakref.WeakKeyDictionary[Operations, ReferenceData] = weakref.WeakKeyDictionary()


def reference_for(ops: Operations) -> ReferenceData:
    """The process's reference-data cache, one per `Operations` runtime (so per portal client)."""
    ref = _SHARED.get(ops)
    if ref is None:
        ref = _SHARED[ops] = ReferenceData(ops.client)
    return ref
