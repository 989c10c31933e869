"""The filter table (tests/data/filters/*.json): every operator in every syntax for every field type,
the normalisations, and every error — each error naming its key and the fix."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.catalog import FieldSpec
from server.errors import InvalidArguments
from server.filters import compile_filter
from tests.filter_fields import DATA, entity_fields

ROW_KEYS = {"description", "entity", "filter", "valid", "error_code", "canonical"}


FIELDS = entity_fields()


def rows(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return data


def cases(*names: str) -> list[Any]:
    return [pytest.param(row, id=f"{name}:{row['description']}") for name in names for row in rows(name)]


def test_every_row_has_the_table_shape() -> None:
    for name in ("operators.json", "errors.json", "normalised.json"):
        for row in rows(name):
            assert set(row) >= ROW_KEYS, row
            assert row["valid"] == (row["error_code"] is None) == (row["canonical"] is not None), row


def test_the_operator_table_covers_every_operator_syntax_and_type() -> None:
    table = rows("operators.json")
    types = {row["description"].split()[0] for row in table}
    assert types >= {"integer", "double", "user", "boolean", "date", "datetime", "crm_status", "crm_currency",
                      "crm_category", "enumeration", "string", "text", "crm_multifield"}  # fmt: skip
    assert any(row["description"].startswith("integer status") for row in table), "a numbered list (task status)"
    for op in ("eq", "ne", "gt", "gte", "lt", "lte", "contains", "in", "nin"):
        described = [row["description"].split(": ", 1)[1] for row in table]
        forms = {d.split(" in ", 1)[1] for d in described if d.startswith(f"{op} in ")}
        assert any(f.startswith("syntax 1") for f in forms) and "operator outermost" in forms, op
        if op not in ("eq", "in"):
            assert any(f.startswith("syntax 2") for f in forms) and any(f.startswith("syntax 3") for f in forms), op


@pytest.mark.parametrize("row", cases("operators.json", "normalised.json"))
def test_valid_filters_normalise_to_their_canonical_form(row: dict[str, Any]) -> None:
    fields = FIELDS[row["entity"]]
    if not row["valid"]:
        with pytest.raises(InvalidArguments) as exc:
            compile_filter(row["filter"], fields)
        assert exc.value.code == row["error_code"]
        text = f"{exc.value.message} {exc.value.hint}"
        assert all(m in text for m in row.get("mentions", [])), text
        return
    flt = compile_filter(row["filter"], fields)
    assert flt.canonical() == row["canonical"]
    for note in row.get("notes", []):
        assert note in flt.notes


@pytest.mark.parametrize("row", cases("errors.json"))
def test_each_error_names_the_key_what_was_wrong_and_the_fix(row: dict[str, Any]) -> None:
    with pytest.raises(InvalidArguments) as exc:
        compile_filter(row["filter"], FIELDS[row["entity"]])
    err = exc.value
    assert err.code == row["error_code"]
    assert err.hint, "every filter error carries a fix"
    text = f"{err.message} {err.hint}"
    for mention in row["mentions"]:
        assert mention in text, f"{mention!r} missing from: {text}"
    assert err.to_dict()["code"] == row["error_code"]


def test_label_errors_suggest_the_id_to_use() -> None:
    with pytest.raises(InvalidArguments) as exc:
        compile_filter({"UF_CRM_PRIORITY": "высокий"}, FIELDS["deals"])
    assert exc.value.suggestions == ["45"]
    assert "Use 45 (Высокий)" in str(exc.value.hint)


def test_long_item_lists_are_cut_with_a_pointer_to_the_rest() -> None:
    spec = FieldSpec("sourceId", "crm_status", items=tuple((f"S{i}", f"Источник {i}") for i in range(40)))
    with pytest.raises(InvalidArguments) as exc:
        compile_filter({"sourceId": "NOPE"}, {"sourceId": spec})
    hint = str(exc.value.hint)
    assert "S0 (Источник 0)" in hint and "S39" not in hint and "28 more" in hint and "kind=statuses" in hint
    many = FieldSpec("UF_CRM_LIST", "enumeration", items=tuple((str(i), f"V{i}") for i in range(20)))
    with pytest.raises(InvalidArguments) as exc:
        compile_filter({"UF_CRM_LIST": 99}, {"UF_CRM_LIST": many})
    assert "8 more: see the fields tool" in str(exc.value.hint)


def test_several_unknown_fields_list_the_field_names_once() -> None:
    with pytest.raises(InvalidArguments) as exc:
        compile_filter({"amont": 1, "titel": "x"}, FIELDS["deals"])
    assert str(exc.value.hint).count("Fields:") == 1
    assert "amount" in exc.value.message and "title" in exc.value.message


def test_range_on_a_numbered_list_suggests_the_ids_it_means() -> None:
    with pytest.raises(InvalidArguments) as exc:
        compile_filter({"UF_CRM_PRIORITY": {"$lt": 47}}, FIELDS["deals"])
    assert '{"UF_CRM_PRIORITY": {"$in": [45, 46]}}' in str(exc.value.hint)


def test_summary_names_items_and_says_how_values_were_read() -> None:
    flt = compile_filter(
        {"stageId": "WON", ">=amount": "100000", "closedAt": None, "title": {"%": "Пост"}}, FIELDS["deals"]
    )
    assert flt.summary() == (
        'stageId = Сделка успешна (WON), amount ≥ 100000, closedAt is empty, title contains "Пост"'
    )
    assert flt.notes == ('"100000" read as 100000',)
    either = compile_filter({"$or": [{"stageId": "WON"}, {"assignedById": 1}]}, FIELDS["deals"])
    assert either.summary() == "(stageId = Сделка успешна (WON)) or (assignedById = 1)"
    many = compile_filter({"stageId": ["NEW", "WON", "LOSE", "C1:NEW", "C1:WON"]}, FIELDS["deals"])
    assert many.summary().endswith("Новый тендер (C1:NEW), +1 more)")


def test_or_is_refused_where_it_cannot_run_with_the_in_alternative() -> None:
    with pytest.raises(InvalidArguments) as exc:
        compile_filter({"$or": [{"stageId": "WON"}, {"amount": 1}]}, FIELDS["deals"], allow_or=False)
    assert exc.value.code == "INVALID_FILTER" and "$in" in str(exc.value.hint)


def test_syntax_1_is_what_goes_upstream_and_or_needs_branches() -> None:
    flt = compile_filter({">=amount": 5, "stageId": {"!": "LOSE"}}, FIELDS["deals"])
    assert flt.upstream() == {"amount": {"$gte": 5}, "stageId": {"$ne": "LOSE"}}
    either = compile_filter({"$or": [{"stageId": "WON"}, {"amount": 1}]}, FIELDS["deals"])
    with pytest.raises(ValueError):
        either.upstream()
    assert either.branch_filters() == [{"stageId": "WON"}, {"amount": 1}]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_numbers_never_reach_the_wire(value: float) -> None:
    for name in ("amount", "title", "UF_CRM_UNLISTED"):
        with pytest.raises(InvalidArguments, match="finite"):
            compile_filter({name: value}, FIELDS["leads"])
