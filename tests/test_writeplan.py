from __future__ import annotations

import pytest

from server.writeplan import Plan, PlanItem, changes, fingerprint, same_value, stale


@pytest.mark.parametrize(
    ("old", "new", "same"),
    [
        (5, "5", True),
        ("1500.50", 1500.5, True),
        (None, "", True),
        ([], None, True),
        ("Y", True, True),
        (False, "N", True),
        (True, "N", False),
        ("WON", "won", False),
        ([1, 2], ["1", "2"], True),
        ([1, 2], [2, 1], False),
        ("abc", "abd", False),
        (float("nan"), float("nan"), False),
        ({"a": 1}, {"a": 1}, True),
    ],
)
def test_same_value_compares_as_the_portal_stores(old: object, new: object, same: bool) -> None:
    assert same_value(old, new) is same


def test_changes_lists_only_fields_that_differ() -> None:
    current = {"id": 7, "stageId": "NEW", "amount": "100", "title": "A"}
    assert changes(current, {"stageId": "WON", "amount": 100, "title": "A"}) == {
        "stageId": {"from": "NEW", "to": "WON"}
    }


def test_fingerprint_moves_with_the_watched_fields_and_the_update_stamp() -> None:
    base = {"id": 1, "stageId": "NEW", "title": "x", "updatedAt": "2026-01-01T00:00:00Z"}
    fp = fingerprint(base, ["stageId"])
    assert fingerprint({**base, "title": "other"}, ["stageId"]) == fp
    assert fingerprint({**base, "stageId": "WON"}, ["stageId"]) != fp
    assert fingerprint({**base, "updatedAt": "2026-01-02T00:00:00Z"}, ["stageId"]) != fp


def test_plan_summary_names_count_examples_cost_and_skips() -> None:
    items = [
        PlanItem(id=i, label=f"Deal {i}", changes={"stageId": {"from": "NEW", "to": "WON"}}, fingerprint=str(i))
        for i in range(1, 8)
    ]
    plan = Plan(tool="deals_update", entity="deals", action="update", items=items, missing=[99], units=30, rate=10)
    text = plan.summary()
    assert text.startswith("update 7 deals record(s) (30 API unit(s), about 2 s).")
    assert "#1 «Deal 1»: stageId NEW → WON" in text and "… and 2 more" in text and "Not found (skipped): 99" in text
    assert plan.to_dict(limit=2)["count"] == 7 and len(plan.to_dict(limit=2)["items"]) == 2


def test_stale_reports_records_changed_since_the_dry_run() -> None:
    dry = Plan("deals_update", "deals", "update", [PlanItem(1, fingerprint="a"), PlanItem(2, fingerprint="b")])
    real = Plan("deals_update", "deals", "update", [PlanItem(1, fingerprint="a"), PlanItem(2, fingerprint="c")])
    assert stale(dry.fingerprints(), real) == ["2"]
    assert stale(dry.fingerprints(), dry) == []
