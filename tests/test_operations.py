from __future__ import annotations

from typing import Any

import pytest

from server.catalog import load_catalog
from server.filters import Condition, compile_filter
from server.paging import sort_is_default

DEALS = load_catalog().entities["deals"].fields


@pytest.mark.parametrize(
    ("sort", "keyset"),
    [
        (None, True), ("id", True), ("+id", True), (["id"], True), ({"id": "asc"}, True), ({"id": 1}, True),
        ("-id", False), ("amount", False), ("id,-amount", False), (["id", "amount"], False),
        ({"id": "desc"}, False), ({"amount": "asc"}, False), ({"id": "asc", "amount": "asc"}, False),
    ],
)  # fmt: skip
def test_only_id_ascending_pages_by_keyset(sort: Any, keyset: bool) -> None:
    assert sort_is_default(sort) is keyset


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (None, {"id": {"$gt": 50}}),
        ({"stageId": "WON"}, {"stageId": "WON", "id": {"$gt": 50}}),
        ({"id": {"$lte": 300}}, {"id": {"$gt": 50, "$lte": 300}}),
        ({"id": {"$gt": 80}}, {"id": {"$gt": 80}}),
        ({"id": [3, 70, 90]}, {"id": {"$in": [70, 90]}}),
        ({"id": {">=": 10}}, {"id": {"$gt": 50}}),
        ({">id": 20, "id": 99}, {"id": 99}),
        ({"id": [3, 7]}, None),  # nothing lies beyond the cursor: no upstream call at all
    ],
)
def test_keyset_condition_is_anded_into_the_callers_id_terms(
    flt: dict[str, Any] | None, expected: dict[str, Any] | None
) -> None:
    after = compile_filter(flt, DEALS).and_also(Condition("id", "gt", 50))
    assert (after.upstream() if after is not None else None) == expected
