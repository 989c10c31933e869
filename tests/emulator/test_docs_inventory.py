"""The inventory of the docs' examples (docs_inventory.py) stays true: every example names a test that
exists, or a reason it cannot hold; and the calendar exception holds as stated."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import Api
from .docs_inventory import EXAMPLES, EXCEPTION

TESTS = Path(__file__).resolve().parent.parent


def test_every_example_names_an_existing_test_or_a_reason() -> None:
    sources: dict[str, str] = {}
    for line, (page, kind, ref) in EXAMPLES.items():
        assert page and kind in ("request", "json", "code"), line
        if ref.startswith(EXCEPTION):
            assert len(ref) > len(EXCEPTION) + 20, f"L{line}: an exception needs its reason"
            continue
        module, _, test = ref.partition("::")
        name, _, case = test.partition("[")
        path = TESTS / (module.replace(".", "/") + ".py")
        source = sources.setdefault(module, path.read_text(encoding="utf-8") if path.exists() else "")
        assert re.search(rf"^(async )?def {name}\(", source, re.M), f"L{line}: no {name} in {module}"
        if case:  # a parametrized case: its line is a row of the module's table
            assert re.search(rf"\(\s*{case.strip('L]')},", source), f"L{line}: no row for {case[:-1]} in {module}"


def test_L933_the_calendar_filter_example_meets_the_disabled_search(small: Api) -> None:
    """Фильтрация и поиск L933 searches calendar events by `dateFrom`; Entity: Calendar Events (L17400)
    disables list and search, and the portal follows the entity page: the route is absent, and says so."""
    body = {"filter": {"dateFrom": {"$gte": "2026-04-01T00:00:00"}}}
    status, error = small.error("POST", "/v1/calendar-events/search", body=body)
    assert (status, error["code"]) == (404, "ROUTE_NOT_FOUND") and "get" in error["hint"]
