from __future__ import annotations

import pytest

from server.errors import InvalidArguments
from server.results import (
    CursorCodec,
    cut_strings,
    dumps,
    estimate_tokens,
    fit_records,
    project,
    render_record,
)


def test_estimator_counts_cyrillic_heavier_than_ascii() -> None:
    assert estimate_tokens("abc" * 100) == 100
    assert estimate_tokens("абв" * 100) == 200
    assert estimate_tokens("") == 0


def test_long_strings_are_cut_with_a_marker_saying_how_much() -> None:
    value, cut = cut_strings({"a": "x" * 1000, "b": ["y" * 10]}, limit=100)
    assert cut and value["a"].startswith("x" * 100) and value["a"].endswith("…[cut 900 chars]")
    assert value["b"] == ["y" * 10]


def test_fit_keeps_whole_records_in_order_within_the_budget() -> None:
    records = [{"id": i, "title": "t" * 90} for i in range(1, 51)]
    fitted = fit_records(records, budget_tokens=400)
    assert 0 < len(fitted.items) < 50 and fitted.dropped == 50 - len(fitted.items)
    assert [r["id"] for r in fitted.items] == list(range(1, len(fitted.items) + 1))
    assert sum(estimate_tokens(dumps(r)) + 1 for r in fitted.items) <= 400


def test_fit_never_returns_nothing_when_one_record_is_bigger_than_the_budget() -> None:
    fitted = fit_records([{"id": 1, "comments": "z" * 5000}], budget_tokens=20)
    assert len(fitted.items) == 1 and fitted.cut_fields == ["comments"]
    assert len(fitted.items[0]["comments"]) < 100


def test_project_keeps_id_first_and_included() -> None:
    rec = {"title": "T", "amount": 5, "id": 3, "_included": {"company": None}, "other": 1}
    assert list(project(rec, ["amount", "title"])) == ["id", "amount", "title", "_included"]
    assert project(rec, None) == rec


def test_render_record_is_one_compact_line_without_nulls() -> None:
    line = render_record({"id": 7, "title": "Поставка оборудования", "stageId": "NEW", "closedAt": None, "x": []})
    assert line == '#7 title="Поставка оборудования" stageId=NEW'


def test_cursor_round_trips_and_rejects_tampering_and_other_tools() -> None:
    codec = CursorCodec(b"k" * 32)
    cur = codec.encode({"tool": "deals_search", "after": 50})
    assert codec.decode(cur, "deals_search") == {"tool": "deals_search", "after": 50}
    body, _, tag = cur.partition(".")
    forged = CursorCodec(b"other").encode({"tool": "deals_search", "after": 0})
    for bad in (forged, body[:-2] + "AA." + tag, "garbage"):
        with pytest.raises(InvalidArguments) as exc:
            codec.decode(bad, "deals_search")
        assert exc.value.code == "INVALID_CURSOR"
    with pytest.raises(InvalidArguments, match="belongs to deals_search"):
        codec.decode(cur, "contacts_search")


def test_concise_projection_leaves_out_empty_values_and_zero_milliseconds() -> None:
    rec = {"id": 1, "title": "T", "closedAt": None, "observers": [], "comments": "", "amount": 0,
           "updatedAt": "2026-03-16T07:27:59.000Z", "createdAt": "2026-03-16T07:27:59.120Z"}  # fmt: skip
    assert project(rec, None, concise=True) == {
        "id": 1, "title": "T", "amount": 0, "updatedAt": "2026-03-16T07:27:59Z", "createdAt": "2026-03-16T07:27:59.120Z"
    }  # fmt: skip
    assert project(rec, ["closedAt", "amount"], concise=True) == {"id": 1, "amount": 0}
