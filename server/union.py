"""OR across fields: one search per `$or` branch, merged by id, inside one `POST /v1/batch`.

Pages go by keyset (`id > last seen`): each branch returns its first `limit` records after the
cursor, so the first `limit` ids of their union are exactly the union's next page. The total is
exact by inclusion–exclusion: the batch also counts every intersection of branches (`limit` 1,
only `total` read), so n branches cost 2^n − 1 searches — 3 for two, 31 for the maximum five —
all in one batch call (≤ 50 calls, one rate-limit unit).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from server.catalog import EntitySpec
from server.errors import BadRequest, BadResponse
from server.filters import Filter
from server.filters.fields import kind_of
from server.filters.merge import Clause, Contradiction, conditions_of, emit, merge
from server.filters.problems import FilterProblem
from server.operations import Operations, mapping

BATCH_PATH = "/v1/batch"


@dataclass(frozen=True)
class UnionPage:
    records: list[dict[str, Any]]
    total_after: int | None  # records of the union after the cursor, None when not countable
    more: bool


def _intersection(flt: Filter, clauses: list[Clause]) -> Clause | None:
    """The AND of several branches; None when no record can match. Raises FilterProblem if unsendable."""
    fields = flt.fields
    conds = [c for clause in clauses for c in conditions_of(clause)]
    names = {c.field for c in conds}
    kinds = {n: kind_of(fields.get(n)) for n in names}
    multiple = {n: bool(fields.get(n) and fields[n].multiple) for n in names}
    try:
        return merge(conds, kinds, multiple)
    except Contradiction:
        return None


async def union_page(
    ops: Operations,
    entity: EntitySpec,
    action: str,
    flt: Filter,
    limit: int,
    params: Mapping[str, Any],
    path_values: Mapping[str, object] | None = None,
) -> UnionPage:
    """The next `limit` records (by id) matching any branch of `flt`, with the exact count after them.

    `path_values` address the records where the entity's path needs them (items: entityTypeId).
    """
    branches = list(flt.branches)
    name, addressed = entity.batch_address(path_values or {})
    # Flat (not date-windowed) search in id order: the keyset paging below relies on both.
    order: dict[str, Any] = {"sort": "id", "autoWindow": False} if action == "search" else {"order": {"id": "asc"}}
    calls: list[dict[str, Any]] = []
    for i, clause in enumerate(branches):
        body = {**addressed, **params, **order, "filter": emit(clause), "limit": limit}
        calls.append({"id": f"b{i}", "entity": name, "action": action, "params": body})
    countable = True
    empty: set[str] = set()
    for size in range(2, len(branches) + 1):
        for combo in combinations(range(len(branches)), size):
            call_id = "x" + "_".join(map(str, combo))
            try:
                both = _intersection(flt, [branches[i] for i in combo])
            except FilterProblem:
                countable = False
                continue
            if both is None:
                empty.add(call_id)
                continue
            body = {**addressed, "filter": emit(both), "limit": 1, "select": ["id"], **order}
            calls.append({"id": call_id, "entity": name, "action": action, "params": body})
    resp = await ops.client.request("POST", BATCH_PATH, json_body={"calls": calls})
    data = mapping(resp.data)
    results, errors = mapping(data.get("results")), mapping(data.get("errors"))
    if errors:
        call_id, err = next(iter(errors.items()))
        err = mapping(err)
        raise BadRequest(
            f"one search of the $or failed ({call_id}): {err.get('message', 'no message')}",
            status=400,
            code=str(err.get("code") or "BATCH_CALL_FAILED"),
            hint="Each $or branch runs as its own search; check that branch's conditions.",
        )
    merged: dict[int, dict[str, Any]] = {}
    more = False
    for i in range(len(branches)):
        rows = results.get(f"b{i}")
        if not isinstance(rows, list):
            raise BadResponse(f"the batch answer has no records for $or branch {i + 1}")
        for row in rows:
            if isinstance(row, Mapping) and isinstance(row.get("id"), int):
                merged.setdefault(row["id"], dict(row))
        more = more or len(rows) >= limit
    more = more or len(merged) > limit
    total_after = _inclusion_exclusion(data, len(branches), empty) if countable else None
    if total_after is not None and total_after < len(merged):
        total_after = None  # counts that contradict the records returned (the live API has sent 0): not used
    records = [merged[k] for k in sorted(merged)][:limit]
    if total_after is not None:
        more = total_after > len(records)
    return UnionPage(records, total_after, more)


def _count(data: Mapping[str, Any], call_id: str) -> int | None:
    total = mapping(data.get("totals")).get(call_id)
    if total is None:
        total = mapping(mapping(data.get("meta")).get(call_id)).get("total")
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def _inclusion_exclusion(data: Mapping[str, Any], n: int, empty: set[str]) -> int | None:
    """|B0 ∪ … ∪ Bn-1| from the counts of every intersection."""
    total = 0
    for size in range(1, n + 1):
        sign = 1 if size % 2 else -1
        for combo in combinations(range(n), size):
            call_id = f"b{combo[0]}" if size == 1 else "x" + "_".join(map(str, combo))
            if call_id in empty:
                continue
            count = _count(data, call_id)
            if count is None:
                return None
            total += sign * count
    return total
