"""list and search: one page cut to the token budget, and signed cursors that continue it.

The default order (id ascending) pages by keyset (`id > last seen`), so records added or
deleted while paging neither repeat nor go missing; other orders page by offset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.catalog import EntitySpec, FieldSpec
from server.context import CallContext
from server.errors import InvalidArguments
from server.filters import Condition, Filter, compile_filter
from server.operations import Operations, Output, with_hard_cuts
from server.registry import Target, handles
from server.results import dumps, estimate_tokens, fit_records, project, render_record, shorten_records
from server.union import union_page

DEFAULT_LIMIT = 50
QUERY_KEYS = ("filter", "sort", "order", "select", "include")


def sort_is_default(sort: Any) -> bool:
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


@dataclass(frozen=True)
class PageState:
    """Where a page starts: the query it continues and the paging position."""

    query: dict[str, Any]
    limit: int
    fmt: str
    offset: int
    seen: int  # records before this page in the whole listing (a first offset included)
    after: int | None  # keyset position: the last id already returned


def page_state(ops: Operations, tool: str, args: Mapping[str, Any]) -> PageState:
    """The page asked for: a fresh query from the arguments, or the one a cursor carries.

    Raises:
        InvalidArguments: a bad cursor, or a cursor combined with offset or a different query.
    """
    cursor = args.get("cursor")
    if not cursor:
        query = {k: args[k] for k in QUERY_KEYS if k in args}
        offset = int(args.get("offset", 0))
        fmt = args.get("response_format", "concise")
        return PageState(query, int(args.get("limit", DEFAULT_LIMIT)), fmt, offset, offset, None)
    if "offset" in args:
        raise InvalidArguments(
            "offset cannot be combined with cursor: the cursor already knows where the page starts.",
            code="INVALID_CURSOR",
            hint=f"Call {tool} with cursor alone (limit and response_format may change).",
        )
    state = ops.codec.decode(cursor, tool)
    carried: dict[str, Any] = state["q"]
    for key in QUERY_KEYS:
        if key in args and args[key] != carried.get(key):
            raise InvalidArguments(
                f"{key} differs from the query this cursor continues.",
                code="INVALID_CURSOR",
                hint=f"Call {tool} with only cursor (and limit), or start over without cursor.",
            )
    offset = int(state.get("offset", 0))
    after = state.get("after")
    return PageState(
        query=carried,
        limit=int(args.get("limit", state.get("limit", DEFAULT_LIMIT))),
        fmt=args.get("response_format", state.get("fmt", "concise")),
        offset=offset,
        seen=int(state.get("seen", offset)),
        after=int(after) if after is not None else None,
    )


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
    applied: str = ""  # the filter as sent, in one line
    notes: tuple[str, ...] = ()  # how values were read (coercions, phone form)


def checked_filter(fields: Mapping[str, FieldSpec], raw: Any, tool: str, *, keyset: bool, offset: int) -> Filter:
    """The page's filter, checked against the entity's fields before anything goes upstream.

    Raises:
        InvalidArguments: a bad filter, or `$or` with a custom order or an offset.
    """
    flt = compile_filter(raw, fields)
    if flt.branches and (not keyset or offset):
        raise InvalidArguments(
            "$or results are merged in id order and continue by cursor: sort/order and offset do not apply.",
            code="INVALID_FILTER",
            hint=f"Drop sort/order and offset (page with next_cursor), or run one {tool} per branch.",
        )
    return flt


@handles("page")
async def page(ops: Operations, target: Target, args: Mapping[str, Any], ctx: CallContext) -> Output:
    """One page of list or search, cut to the token budget, with a cursor to the next."""
    entity, tool = target.ent, target.tool
    st = page_state(ops, tool, args)
    query = st.query
    keyset = sort_is_default(query.get("sort", query.get("order")))
    shown = query.get("select") or (list(entity.key_fields) if st.fmt == "concise" else None)

    checked = checked_filter(ops.meta(entity).fields, query.get("filter"), tool, keyset=keyset, offset=st.offset)
    flt: Filter | None = checked
    if keyset and st.after is not None:
        flt = checked.and_also(Condition("id", "gt", st.after))
    params: dict[str, Any] = {"limit": st.limit}
    if st.offset:
        params["offset"] = st.offset
    if shown is not None:
        params["select"] = list(dict.fromkeys(["id", *shown]))
    if query.get("include"):
        params["include"] = query["include"]
    # The order argument is named as the spec names it: sort (search, in the body), order (list).
    for key in ("sort", "order"):
        if key in query and key in target.spec.arguments:
            params[key] = query[key]

    records: list[Mapping[str, Any]] = []
    page_total: int | None = 0
    upstream_more = False
    if flt is None:
        pass  # the cursor's position already excludes every record the filter allows
    elif flt.branches:
        action = "search" if target.spec.method == "POST" else "list"
        union = await union_page(ops, entity, action, flt, st.limit, params)
        records, page_total, upstream_more = list(union.records), union.total_after, union.more
    else:
        if not flt.empty:
            params["filter"] = flt.upstream()
        if target.spec.method == "GET":
            resp = await ops.request(target, params=params)
        else:
            # A date range over 14 days would be windowed upstream, and a windowed search refuses offset
            # pages (UNSTABLE_OFFSET_PAGINATION) and keeps only 5000 merged records: page it flat, in an
            # explicit order, as the filtering page's manual-paging pattern says.
            params["autoWindow"] = False
            if keyset and "sort" not in params:
                params["sort"] = "id"
            resp = await ops.request(target, json_body=params)
        records = [r for r in resp.data or [] if isinstance(r, Mapping)]
        page_total = resp.total
        if page_total == 0 and records:
            page_total = None  # the live API has been seen reporting 0 alongside data
        upstream_more = bool(resp.meta.get("hasMore")) or (
            page_total is not None and st.offset + len(records) < page_total
        )
    shortened, cut_fields = shorten_records([project(r, shown, concise=st.fmt == "concise") for r in records])
    total = page_total
    if total is not None and keyset and st.after is not None:
        total += st.seen  # a keyset page's upstream total counts only what lies after the cursor
    pc = _PageContext(
        entity, tool, query, st.limit, st.fmt, st.seen, st.offset, total, keyset, upstream_more,
        checked.summary(), checked.notes,
    )  # fmt: skip

    # The envelope (summary, counters, a cursor that carries the whole query) has its own cost.
    # Estimates add up (to within rounding), so items within `budget - reserve` keep the whole
    # result within the budget; the slack covers the real cursor id and counts in the summary.
    reserve = estimate_tokens(dumps(_envelope(ops, pc, [{"id": 0}], 1, cut_fields))) + 20
    fitted = fit_records(shortened, ops.max_result_tokens - reserve)
    items = fitted.items
    cut_fields = with_hard_cuts(cut_fields, shortened, items)
    structured = _envelope(ops, pc, items, len(records) - len(items), cut_fields)
    lines = [structured["summary"], *(render_record(r) for r in items)]
    if structured["next_cursor"]:
        lines.append(f"next_cursor: {structured['next_cursor']}")
    return Output(structured=structured, text="\n".join(lines))


def _envelope(
    ops: Operations, pc: _PageContext, items: list[dict[str, Any]], dropped: int, cut_fields: list[str]
) -> dict[str, Any]:
    """The list/search result for `items`, with the cursor that continues right after them."""
    returned = len(items)
    has_more = (dropped > 0 or pc.upstream_more) and returned > 0
    next_cursor = None
    if has_more:
        nxt: dict[str, Any] = {"tool": pc.tool, "q": pc.query, "limit": pc.limit, "fmt": pc.fmt}
        nxt["seen"] = pc.seen + returned
        last_id = items[-1].get("id")
        if pc.keyset and isinstance(last_id, int):
            nxt["after"] = last_id
        else:
            nxt["offset"] = pc.offset + returned
        next_cursor = ops.codec.encode(nxt)
    truncation = None
    if dropped or cut_fields:
        truncation = {"dropped_records": dropped, "cut_fields": cut_fields, "budget_tokens": ops.max_result_tokens}
    return {
        "items": items,
        "returned": returned,
        "total": pc.total,
        "has_more": has_more,
        "next_cursor": next_cursor,
        "truncation": truncation,
        "summary": _summary(ops, pc, returned, has_more, dropped),
    }


def _summary(ops: Operations, pc: _PageContext, returned: int, has_more: bool, dropped: int) -> str:
    title = pc.entity.title
    where = f" {pc.applied}" if pc.applied else ""
    read = f" ({'; '.join(pc.notes)})" if pc.notes else ""
    if returned == 0:
        return f"No {title.lower()} match{where}{' beyond this point' if pc.seen else ''}.{read}"
    of_total = f" of {pc.total}" if pc.total is not None else ""
    order = "by id" if pc.keyset else "in the requested order"
    text = f"{title} {pc.seen + 1}–{pc.seen + returned}{of_total}, {order}."
    if pc.applied:
        text += f" Filter: {pc.applied}{read}."
    if dropped:
        text += (
            f" {dropped} more record(s) of this page did not fit the {ops.max_result_tokens}-token budget:"
            " use select for fewer fields, a narrower filter or a smaller limit."
        )
    if has_more:
        text += f" More available: call {pc.tool} with cursor=next_cursor."
    return text
