"""Pages of list/search: the upstream request a page needs, the records that fit, the cursor to the next.

Paging is exact and cheap:
- id order pages by keyset (`id > last seen`, with the id sort sent explicitly), other orders by
  offset; searches turn windowing off (`autoWindow: false`) on every page, because windowed and
  flat paging order records differently and offsets would skip or repeat;
- the cursor continues right after the last record returned, including records dropped for the
  budget, and remembers how many records fitted, so later pages fetch about that many instead of
  the whole `limit` again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from server.catalog import EntitySpec, FieldSpec
from server.context import CallContext
from server.errors import InvalidArguments, VibeCodeError
from server.filters import Condition, Filter, compile_filter
from server.names import name_keys
from server.operations import Operations, Output
from server.pagefit import fitted_page
from server.records import concise_included, money_rows, money_summary, normalise_page, with_currencies
from server.registry import Target, handles
from server.results import project, shorten_records
from server.union import union_page

DEFAULT_LIMIT = 50
QUERY_KEYS = ("filter", "sort", "order", "select", "include")
ENVELOPE_SLACK = 24  # tokens for what the measured envelope cannot know yet (final counts, cursor id)


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


def next_fetch(fetched: int, returned: int, dropped: int, limit: int) -> int:
    """How many records the next page should ask for: about what fitted, growing back when all fit."""
    if dropped:
        return min(limit, returned + max(1, returned // 4))
    if fetched < limit:
        return min(limit, max(fetched * 2, 1))
    return limit


@dataclass(frozen=True)
class PageState:
    """Where a page starts: the query it continues and the paging position."""

    query: dict[str, Any]
    limit: int
    fmt: str
    offset: int
    seen: int  # records before this page in the whole listing (a first offset included)
    after: int | None  # keyset position: the last id already returned
    fetch: int = 0  # how many records to ask upstream for: about what fitted last time (0: limit)

    @property
    def asked(self) -> int:
        return min(self.limit, self.fetch) if self.fetch else self.limit


def page_state(ops: Operations, tool: str, args: Mapping[str, Any], on: str = "") -> PageState:
    """The page asked for: a fresh query from the arguments, or the one a cursor carries.

    `on` names what a tool serving several record types is paging ("items/1032"): a cursor
    continues only the type it was made for.

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
    if state.get("on", "") != on:
        made_for = str(state.get("on")).rpartition("/")[2]
        raise InvalidArguments(
            f"cursor continues {tool} for entityTypeId {made_for}, not {on.rpartition('/')[2]}.",
            code="INVALID_CURSOR",
            hint=f"Pass entityTypeId={made_for} with this cursor, or start again without cursor.",
        )
    carried = state.get("q")
    if not isinstance(carried, dict):
        raise InvalidArguments("cursor could not be read.", code="INVALID_CURSOR", hint="Start again without cursor.")
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
        after=int(after) if isinstance(after, int) else None,
        fetch=int(state["n"]) if isinstance(state.get("n"), int) and state["n"] > 0 else 0,
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
    cut_fields: tuple[str, ...] = ()  # fields whose long strings were cut on every page record
    asked: int = 0  # how many records this page asked upstream for
    on: str = ""  # the record type paged, for tools serving several ("items/1032")
    money: tuple[Mapping[str, Any], ...] = ()  # each record's money and currency, selected or not


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
    on = target.base.removeprefix("/v1/") if entity.path_args else ""
    st = page_state(ops, tool, args, on)
    query = st.query
    # Records without an id (addresses, keyed by type and owner) page by offset, in the portal's order.
    keyset = not entity.composite_key and sort_is_default(query.get("sort", query.get("order")))
    shown = query.get("select") or (list(entity.key_fields) if st.fmt == "concise" else None)

    bound = dict(target.bound)
    checked = checked_filter(ops.meta(entity, bound).fields, query.get("filter"), tool, keyset=keyset, offset=st.offset)
    flt: Filter | None = checked
    if keyset and st.after is not None:
        flt = checked.and_also(Condition("id", "gt", st.after))
    params: dict[str, Any] = {"limit": st.asked}
    if st.offset:
        params["offset"] = st.offset
    if shown is not None:
        # A money field's currency is fetched with it (not shown unless selected) for the money summary.
        params["select"] = [*([] if entity.composite_key else ["id"]), *with_currencies(entity, shown)]
    if query.get("include"):
        params["include"] = query["include"]
    # The order argument is named as the spec names it: sort (search, in the body), order (list).
    for key in ("sort", "order"):
        if key in query and key in target.spec.arguments:
            params[key] = query[key]
    if keyset and "order" in target.spec.arguments and "order" not in params:
        params["order"] = {"id": "asc"}  # keyset paging needs the id order said, not assumed

    records: list[Mapping[str, Any]] = []
    page_total: int | None = 0
    upstream_more = False
    if flt is None:
        pass  # the cursor's position already excludes every record the filter allows
    elif flt.branches:
        action = "search" if target.spec.method == "POST" else "list"
        union = await union_page(ops, entity, action, flt, st.asked, params, bound)
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
        # Bizproc activities and robots list bare codes, not records: each code is the record's id.
        records = [r if isinstance(r, Mapping) else {"id": r} for r in resp.data or [] if isinstance(r, Mapping | str)]
        page_total = resp.total
        if page_total == 0 and records:
            page_total = None  # the live API has been seen reporting 0 alongside data
        upstream_more = bool(resp.meta.get("hasMore")) or (
            page_total is not None and st.offset + len(records) < page_total
        )
    money = money_rows(entity, normalise_page(records, ops.meta(entity, bound).fields))
    shaped = await shape_records(ops, entity, records, shown, st.fmt, target.base, bound)
    shortened, cut_fields = shorten_records(shaped)
    total = page_total
    if total is not None and keyset and st.after is not None:
        total += st.seen  # a keyset page's upstream total counts only what lies after the cursor
    pc = _PageContext(
        entity, tool, query, st.limit, st.fmt, st.seen, st.offset, total, keyset, upstream_more,
        checked.summary(), checked.notes, tuple(cut_fields), st.asked, on, tuple(money),
    )  # fmt: skip

    budget = ops.max_result_tokens
    keep = (*entity.key_fields, *name_keys(entity))
    fitted = fitted_page(
        shortened, lambda items, shrunk: _envelope(ops, pc, items, len(shortened), shrunk), budget, keep, ENVELOPE_SLACK
    )
    if fitted is None:
        raise VibeCodeError(
            f"even one record does not fit the {budget}-token budget next to this query's cursor and summary.",
            code="RESULT_TOO_LARGE",
            hint="Shorten the filter (fewer $in values), or raise VIBECODE_MAX_RESULT_TOKENS.",
        )
    structured, text, tokens = fitted
    return Output(structured=structured, text=text, tokens=tokens)


async def shape_records(
    ops: Operations,
    entity: EntitySpec,
    raw: Any,
    shown: list[str] | None,
    fmt: str,
    base: str | None = None,
    bound: Mapping[str, object] | None = None,
) -> list[dict[str, Any]]:
    """Upstream records → catalog spelling, projected; concise adds names and concise includes."""
    concise = fmt == "concise"
    meta = ops.meta(entity, bound).fields  # items of a known type: that type's own fields
    out = [project(r, shown, concise=concise) for r in normalise_page(raw or [], meta)]
    if concise:
        for rec in out:
            if "_included" in rec:
                rec["_included"] = concise_included(rec["_included"])
        if base and (entity.path_args or entity.bound):
            await ops.names.annotate_typed(entity, out, meta, base)
        else:
            await ops.names.annotate(entity, out, meta)
    return out


def _envelope(
    ops: Operations, pc: _PageContext, items: list[dict[str, Any]], fetched: int, shrunk_fields: list[str]
) -> dict[str, Any]:
    """The list/search result for `items`, with the cursor that continues right after them."""
    returned = len(items)
    dropped = fetched - returned
    has_more = (dropped > 0 or pc.upstream_more) and returned > 0
    next_cursor = None
    if has_more:
        nxt: dict[str, Any] = {"tool": pc.tool, "q": pc.query, "limit": pc.limit, "fmt": pc.fmt}
        if pc.on:
            nxt["on"] = pc.on
        nxt["seen"] = pc.seen + returned
        n = next_fetch(pc.asked, returned, dropped, pc.limit)
        if n < pc.limit:
            nxt["n"] = n
        last_id = items[-1].get("id")
        if pc.keyset and isinstance(last_id, int):
            nxt["after"] = last_id
        else:
            nxt["offset"] = pc.offset + returned
        next_cursor = ops.codec.encode(nxt)
    truncation = truncation_of(dropped, [*pc.cut_fields, *shrunk_fields], ops.max_result_tokens)
    summary = _summary(ops, pc, returned, has_more, dropped)
    # Money of the records returned, per currency (never of records the budget left for later).
    order = pc.query.get("sort", pc.query.get("order"))
    money = money_summary(pc.entity, pc.money[:returned], order, pc.query.get("filter"))
    if money and returned:
        summary += " " + money
    return {
        "items": items,
        "returned": returned,
        "total": pc.total,
        "has_more": has_more,
        "next_cursor": next_cursor,
        "truncation": truncation,
        "summary": summary,
    }


def truncation_of(dropped: int, cut_fields: Iterable[str], budget: int) -> dict[str, Any] | None:
    """A page's `truncation`: the records and fields the token budget left out (None when nothing)."""
    cut = sorted(set(cut_fields))
    return {"dropped_records": dropped, "cut_fields": cut, "budget_tokens": budget} if dropped or cut else None


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
