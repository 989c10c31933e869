"""Entity operations over `VibeCodeClient`: plain data in, `Output` (structured + text) out. No MCP here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.catalog import EntitySpec
from server.client import VibeCodeClient
from server.errors import InvalidArguments
from server.results import (
    ENVELOPE_RESERVE,
    CursorCodec,
    dumps,
    estimate_tokens,
    fit_records,
    project,
    render_record,
    shorten_records,
)

DEFAULT_LIMIT = 50
QUERY_KEYS = ("filter", "sort", "order", "select", "include")


@dataclass(frozen=True)
class Output:
    """A tool's answer: structured content (matches the output schema) and its text rendering."""

    structured: dict[str, Any]
    text: str


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _with_hard_cuts(cut_fields: list[str], before: list[dict[str, Any]], kept: list[dict[str, Any]]) -> list[str]:
    """Add the fields `fit_records` cut hard when even the first record alone was over budget."""
    if not kept or kept[0] is before[0]:
        return cut_fields
    return sorted({*cut_fields, *(k for k, v in kept[0].items() if v != before[0].get(k))})


def _sort_is_default(sort: Any) -> bool:
    """True when the order is id ascending (or unspecified): keyset paging is possible."""
    if sort in (None, "", [], {}):
        return True
    if isinstance(sort, str):
        return sort.strip() in {"id", "+id"}
    if isinstance(sort, list):
        return sort in (["id"], ["+id"])
    if isinstance(sort, Mapping):
        return list(sort) == ["id"] and str(sort["id"]).lower() in {"asc", "1"}
    return False


def _after_id(flt: Mapping[str, Any] | None, last_id: int) -> dict[str, Any]:
    """AND an `id > last_id` condition onto a filter without disturbing the caller's own id terms."""
    out = dict(flt or {})
    current = out.get("id")
    if current is None:
        out["id"] = {"$gt": last_id}
    elif isinstance(current, Mapping) and all(str(k).startswith("$") for k in current):
        merged = dict(current)
        merged["$gt"] = max(last_id, merged["$gt"]) if isinstance(merged.get("$gt"), int) else last_id
        out["id"] = merged
    elif ">id" not in out:
        out[">id"] = last_id
    else:
        out[">id"] = max(last_id, out[">id"]) if isinstance(out[">id"], int) else last_id
        out["id"] = current
    return out


@dataclass(frozen=True)
class _PageContext:
    """What a page's envelope needs besides its records."""

    entity: EntitySpec
    tool: str
    query: dict[str, Any]
    limit: int
    fmt: str
    seen: int
    offset: int
    total: int | None
    keyset: bool
    upstream_more: bool


class Operations:
    """Reads against one VibeCode portal, shaped for a model's context window."""

    def __init__(self, client: VibeCodeClient, codec: CursorCodec, max_result_tokens: int) -> None:
        self.client = client
        self.codec = codec
        self.max_result_tokens = max_result_tokens

    async def page(self, entity: EntitySpec, op: str, args: Mapping[str, Any]) -> Output:
        """One page of list or search, cut to the token budget, with a cursor to the next."""
        tool = f"{entity.tool_prefix}_{op}"
        fmt = args.get("response_format", "concise")
        if cursor := args.get("cursor"):
            if "offset" in args:
                raise InvalidArguments(
                    "offset cannot be combined with cursor: the cursor already knows where the page starts.",
                    code="INVALID_CURSOR",
                    hint=f"Call {tool} with cursor alone (limit and response_format may change).",
                )
            state = self.codec.decode(cursor, tool)
            query: dict[str, Any] = state["q"]
            for key in QUERY_KEYS:
                if key in args and args[key] != query.get(key):
                    raise InvalidArguments(
                        f"{key} differs from the query this cursor continues.",
                        code="INVALID_CURSOR",
                        hint=f"Call {tool} with only cursor (and limit), or start over without cursor.",
                    )
            fmt = args.get("response_format", state.get("fmt", "concise"))
        else:
            query = {k: args[k] for k in QUERY_KEYS if k in args}
            state = {"offset": args.get("offset", 0)}
        limit = int(args.get("limit", state.get("limit", DEFAULT_LIMIT)))
        keyset = _sort_is_default(query.get("sort", query.get("order")))
        shown = query.get("select") or (list(entity.key_fields) if fmt == "concise" else None)

        flt = query.get("filter")
        offset = int(state.get("offset", 0))
        if keyset and "after" in state:
            flt = _after_id(flt, int(state["after"]))
        params: dict[str, Any] = {"limit": limit}
        if flt:
            params["filter"] = flt
        if offset:
            params["offset"] = offset
        if shown is not None:
            params["select"] = list(dict.fromkeys(["id", *shown]))
        if query.get("include"):
            params["include"] = query["include"]
        if op == "search":
            if "sort" in query:
                params["sort"] = query["sort"]
            resp = await self.client.request("POST", f"/v1/{entity.name}/search", json_body=params)
        else:
            if "order" in query:
                params["order"] = query["order"]
            resp = await self.client.request("GET", f"/v1/{entity.name}", params=params)

        records = [r for r in resp.data or [] if isinstance(r, Mapping)]
        shortened, cut_fields = shorten_records([project(r, shown, concise=fmt == "concise") for r in records])
        # `seen` counts the records before this page in the whole listing (a first offset included).
        seen = int(state.get("seen", offset))
        page_total = resp.total
        if page_total == 0 and records:
            page_total = None  # the live API has been seen reporting 0 alongside data
        upstream_more = bool(resp.meta.get("hasMore")) or (
            page_total is not None and offset + len(records) < page_total
        )
        total = page_total
        if total is not None and keyset and "after" in state:
            total += seen  # a keyset page's upstream total counts only what lies after the cursor
        ctx = _PageContext(entity, tool, query, limit, fmt, seen, offset, total, keyset, upstream_more)

        # The envelope (summary, counters, a cursor that carries the whole query) has its own cost.
        # Estimates add up (to within rounding), so items within `budget - reserve` keep the whole
        # result within the budget; the slack covers the real cursor id and counts in the summary.
        reserve = estimate_tokens(dumps(self._envelope(ctx, [{"id": 0}], 1, cut_fields))) + 20
        fitted = fit_records(shortened, self.max_result_tokens - reserve)
        items = fitted.items
        cut_fields = _with_hard_cuts(cut_fields, shortened, items)
        structured = self._envelope(ctx, items, len(records) - len(items), cut_fields)
        lines = [structured["summary"], *(render_record(r) for r in items)]
        if structured["next_cursor"]:
            lines.append(f"next_cursor: {structured['next_cursor']}")
        return Output(structured=structured, text="\n".join(lines))

    def _envelope(
        self, ctx: _PageContext, items: list[dict[str, Any]], dropped: int, cut_fields: list[str]
    ) -> dict[str, Any]:
        """The list/search result for `items`, with the cursor that continues right after them."""
        returned = len(items)
        has_more = (dropped > 0 or ctx.upstream_more) and returned > 0
        next_cursor = None
        if has_more:
            nxt: dict[str, Any] = {
                "tool": ctx.tool,
                "q": ctx.query,
                "limit": ctx.limit,
                "fmt": ctx.fmt,
                "seen": ctx.seen + returned,
            }
            last_id = items[-1].get("id")
            if ctx.keyset and isinstance(last_id, int):
                nxt["after"] = last_id
            else:
                nxt["offset"] = ctx.offset + returned
            next_cursor = self.codec.encode(nxt)
        truncation = None
        if dropped or cut_fields:
            truncation = {"dropped_records": dropped, "cut_fields": cut_fields, "budget_tokens": self.max_result_tokens}
        summary = self._summary(ctx.entity, ctx.tool, ctx.seen, returned, ctx.total, has_more, dropped, ctx.keyset)
        return {
            "items": items,
            "returned": returned,
            "total": ctx.total,
            "has_more": has_more,
            "next_cursor": next_cursor,
            "truncation": truncation,
            "summary": summary,
        }

    def _summary(
        self,
        entity: EntitySpec,
        tool: str,
        start: int,
        returned: int,
        total: int | None,
        has_more: bool,
        dropped: int,
        keyset: bool,
    ) -> str:
        title = entity.title
        if returned == 0:
            return f"No {title.lower()} match{' beyond this point' if start else ''}."
        of_total = f" of {total}" if total is not None else ""
        order = "by id" if keyset else "in the requested order"
        text = f"{title} {start + 1}–{start + returned}{of_total}, {order}."
        if dropped:
            text += (
                f" {dropped} more record(s) of this page did not fit the {self.max_result_tokens}-token budget:"
                " use select for fewer fields, a narrower filter or a smaller limit."
            )
        if has_more:
            text += f" More available: call {tool} with cursor=next_cursor."
        return text

    async def get(self, entity: EntitySpec, args: Mapping[str, Any]) -> Output:
        """One record by id, cut to the budget."""
        params: dict[str, Any] = {}
        if args.get("include"):
            params["include"] = args["include"]
        fmt = args.get("response_format", "concise")
        shown = args.get("select") or (list(entity.key_fields) if fmt == "concise" else None)
        resp = await self.client.request("GET", f"/v1/{entity.name}/{args['id']}", params=params)
        record = resp.data[0] if isinstance(resp.data, list) and resp.data else resp.data
        if not isinstance(record, Mapping):
            record = {"id": args["id"]}
        shortened, cut_fields = shorten_records([project(record, shown, fmt == "concise")])
        fitted = fit_records(shortened, self.max_result_tokens - ENVELOPE_RESERVE)
        item = fitted.items[0]
        cut_fields = _with_hard_cuts(cut_fields, shortened, fitted.items)
        label = item.get(entity.name_field) or record.get(entity.name_field)
        summary = f"{entity.title[:-1] if entity.title.endswith('s') else entity.title} #{item.get('id')}"
        summary += f" «{label}»." if label else "."
        if fmt == "concise" and not args.get("select"):
            summary += " Key fields only; response_format=detailed shows every field."
        truncation = {"cut_fields": cut_fields} if cut_fields else None
        structured = {"item": item, "summary": summary, "truncation": truncation}
        return Output(structured=structured, text=f"{summary}\n{render_record(item)}")

    async def fields(self, entity: EntitySpec) -> Output:
        """Field metadata in one normalised shape, whichever of the two upstream shapes arrived."""
        resp = await self.client.request("GET", f"/v1/{entity.name}/fields")
        data = _mapping(resp.data)
        raw_fields = _mapping(data.get("fields")) or data
        fields: dict[str, dict[str, Any]] = {}
        for name, raw in raw_fields.items():
            if not isinstance(raw, Mapping) or "type" not in raw:
                continue
            desc: dict[str, Any] = {"type": raw["type"]}
            if raw.get("readonly", raw.get("isReadOnly")):
                desc["readonly"] = True
            if raw.get("required", raw.get("isRequired")):
                desc["required"] = True
            if raw.get("multiple", raw.get("isMultiple")):
                desc["multiple"] = True
            label = raw.get("label") or raw.get("title") or raw.get("listLabel")
            if label and label != name:
                desc["label"] = label
            items = raw.get("items")
            if isinstance(items, list) and items:
                desc["values"] = {
                    str(i.get("ID", i.get("id"))): i.get("VALUE", i.get("value"))
                    for i in items
                    if isinstance(i, Mapping)
                }
            fields[name] = desc
        include = [str(i) for i in data.get("include", [])] if isinstance(data.get("include"), list) else []
        structured: dict[str, Any] = {
            "entity": entity.name,
            "fields": fields,
            "include": include,
            "summary": f"{entity.title}: {len(fields)} fields"
            + (f"; include accepts {', '.join(include)}." if include else "."),
        }
        lines = [structured["summary"]]
        for name, desc in fields.items():
            flags = " ".join(f for f in ("readonly", "required", "multiple") if desc.get(f))
            values = desc.get("values")
            vals = " values=" + dumps(values) if values else ""
            lines.append(f"{name}: {desc['type']}{' ' + flags if flags else ''} {desc.get('label', '')}{vals}")
        text = "\n".join(lines)
        if estimate_tokens(dumps(structured)) > self.max_result_tokens:
            for desc in fields.values():
                desc.pop("label", None)
            structured["summary"] += " Labels omitted to fit the token budget."
        return Output(structured=structured, text=text)

    async def me(self) -> Output:
        """Who the key belongs to, its portal, scopes and limits."""
        resp = await self.client.request("GET", "/v1/me")
        data = _mapping(resp.data)
        entities = _mapping(_mapping(_mapping(data.get("api")).get("entityApi")).get("entities"))
        me = {
            "type": data.get("type"),
            "portal": data.get("portal"),
            "owner": data.get("owner"),
            "scopes": data.get("scopes", []),
            "access_mode": data.get("accessMode"),
            "rate_limit": data.get("rateLimit"),
            "expires_at": data.get("expiresAt"),
            "entities": sorted(entities),
        }
        owner = _mapping(me["owner"])
        summary = (
            f"Portal {me['portal']} as {owner.get('name', 'unknown user')} ({me['type']} key, "
            f"{me['access_mode'] or 'unknown'} access); scopes: {', '.join(map(str, me['scopes'])) or 'none'}."
        )
        structured = {"me": me, "summary": summary}
        return Output(structured=structured, text=f"{summary}\n{dumps(me)}")
