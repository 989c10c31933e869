"""The inventory of the docs' examples (docs_inventory.py) stays true: every example names a test that
exists, or a reason it cannot hold; and the calendar exception holds as stated."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import Api
from .docs_inventory import EXAMPLES, EXCEPTION
from .docs_portal import docs_api

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


def test_L642_items_of_a_smart_process_by_its_entity_type_id() -> None:
    """`GET /v1/items/1058?limit=10`: types are looked up with GET /v1/smart-processes, as the page says; the
    demo portal's are 1032 and 1036, and a type it does not have is 404 SMART_PROCESS_NOT_FOUND."""
    api = docs_api()
    types = [row["entityTypeId"] for row in api.ok("GET", "/v1/smart-processes")["data"]]
    assert types == [1032, 1036]
    body = api.ok("GET", "/v1/items/1032", "limit=10")
    assert len(body["data"]) == 10 and all(row["entityTypeId"] == 1032 for row in body["data"])
    status, error = api.error("GET", "/v1/items/1058", "limit=10")
    assert (status, error["code"]) == (404, "SMART_PROCESS_NOT_FOUND")
