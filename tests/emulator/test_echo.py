"""Error messages quote input back short: a 100 KB value is echoed as its first 80 characters and a count."""

from __future__ import annotations

from typing import Any

import pytest

from server.emulator.errors import ECHO_CHARS, MAX_MESSAGE_CHARS, ApiError, echo

from .conftest import Api

HUGE = "Я" * 100_000  # 100 000 characters, 200 KB of UTF-8
CASES: list[tuple[str, str, str, Any]] = [
    ("POST", "/v1/deals", "", {"title": "t", "closedAt": HUGE}),  # a date
    ("POST", "/v1/deals", "", {"title": "t", "UF_CRM_BUDGET": HUGE}),  # money
    ("POST", "/v1/deals", "", {"title": "t", "stageId": HUGE}),  # an enumeration value
    ("POST", "/v1/deals", "", {"title": "t", HUGE: 1}),  # an unknown field name
    ("PATCH", "/v1/deals/1", "", {"opened": HUGE}),  # a boolean
    ("POST", "/v1/deals/search", "", {"filter": {HUGE: 1}}),
    ("POST", "/v1/deals/search", "", {"filter": {"amount": {HUGE: 1}}}),  # an operator
    ("POST", "/v1/deals/search", "", {"filter": {"amount": {"$gt": HUGE}}}),
    ("POST", "/v1/deals/search", "", {"filter": {"createdAt": {"$gte": HUGE}}}),
    ("POST", "/v1/deals/search", "", {"sort": {HUGE: "asc"}}),
    ("POST", "/v1/deals/search", "", {"sort": {"id": HUGE}}),
    ("POST", "/v1/deals/search", "", {"select": [HUGE]}),
    ("POST", "/v1/deals/search", "", {"include": [HUGE]}),
    ("POST", "/v1/deals/aggregate", "", {"aggregate": [{"field": HUGE, "function": "sum"}]}),
    ("POST", "/v1/deals/aggregate", "", {"aggregate": [{"field": "amount", "function": HUGE}]}),
    ("POST", "/v1/deals/aggregate", "", {"groupBy": [HUGE]}),
    ("POST", "/v1/batch", "", {"calls": [{"id": "a", "entity": HUGE, "action": "list"}]}),
    ("POST", "/v1/batch", "", {"calls": [{"id": "a", "entity": "deals", "action": HUGE}]}),
    ("POST", "/v1/deals/batch", "", {"action": HUGE, "items": []}),
    ("POST", "/v1/deals/batch", "", {"action": "create", "items": [{"title": "t", "closedAt": HUGE}]}),
    ("GET", "/v1/deals", f"filter[{HUGE}]=1", None),
    ("GET", f"/v1/{HUGE}", "", None),  # a path
    ("GET", "/v1/deals/" + "9" * 100_000, "", None),  # an id
]


@pytest.mark.parametrize(("method", "path", "query", "body"), CASES, ids=range(len(CASES)))
def test_a_100_kb_value_is_echoed_short(small: Api, method: str, path: str, query: str, body: Any) -> None:
    response = small.call(method, path, query, body)
    text = response.body.decode()
    assert 400 <= response.status < 500 or '"success":false' in text  # an entity batch reports per item
    assert len(response.body) < 4000, (len(response.body), response.body[:300])
    assert "Я" * (ECHO_CHARS + 1) not in text
    assert "Я" not in text or " chars)" in text  # the echo says how much was left out


def test_echo_cuts_to_eighty_characters_and_counts_the_rest() -> None:
    assert echo("short") == "short"
    assert echo("x" * 81) == "x" * 80 + "…(+1 chars)"
    assert echo(10**100).endswith("…(+21 chars)")


def test_any_message_is_capped_even_where_input_is_quoted_without_echo() -> None:
    error = ApiError(400, "VALIDATION_ERROR", "x" * 50_000, hint="h" * 50_000)
    assert len(error.message) <= MAX_MESSAGE_CHARS + 30 and len(error.hint or "") <= MAX_MESSAGE_CHARS + 30
