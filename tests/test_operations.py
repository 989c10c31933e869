from __future__ import annotations

from typing import Any

import pytest

from server.paging import after_id, sort_is_default


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
        ({"id": {"$lte": 300}}, {"id": {"$lte": 300, "$gt": 50}}),
        ({"id": {"$gt": 80}}, {"id": {"$gt": 80}}),
        ({"id": [3, 70, 90]}, {"id": [3, 70, 90], ">id": 50}),
        ({"id": {">=": 10}}, {"id": {">=": 10}, ">id": 50}),
        ({">id": 20, "id": 99}, {">id": 50, "id": 99}),
    ],
)
def test_keyset_condition_is_anded_without_touching_the_callers_terms(
    flt: dict[str, Any] | None, expected: dict[str, Any]
) -> None:
    assert after_id(flt, 50) == expected
