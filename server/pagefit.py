"""Fit a page's records to the token budget, rendering and measuring each record once.

A page is measured as the sum of its parts: the envelope's JSON with no records, each record's
JSON, the commas between them, and the text (summary, table, cursor). The estimator counts
character classes, so a whole string's estimate is at most the sum of its parts' estimates: the
sum is a safe bound, and it lets a page be re-measured for a different number of records without
serialising or rendering any record again. Table cells are rendered once per record and reused
for every candidate page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.budget import record_cost, shrink_record
from server.results import dumps, estimate_tokens, render_cell


class RenderedRecords:
    """Records with their table cells and JSON estimates, computed on first use and kept."""

    def __init__(self, records: Sequence[dict[str, Any]]) -> None:
        self.records = list(records)
        self._cells: list[dict[str, str]] = []
        self._json: list[int] = []

    def cells(self, k: int) -> list[dict[str, str]]:
        """The rendered cells of the first `k` records."""
        cells = self._cells
        while len(cells) < k:
            cells.append({key: render_cell(v) for key, v in self.records[len(cells)].items()})
        return cells if len(cells) == k else cells[:k]

    def json_tokens(self, k: int) -> list[int]:
        """The JSON estimates of the first `k` records."""
        done = self._json
        while len(done) < k:
            done.append(estimate_tokens(dumps(self.records[len(done)])))
        return done if len(done) == k else done[:k]

    def row_cost(self, i: int) -> int:
        """What record `i` adds to a page: its JSON, its table row, a comma and a line break."""
        cells = self.cells(i + 1)[i]
        return self.json_tokens(i + 1)[i] + estimate_tokens(" | ".join(cells.values())) + 2

    def table(self, k: int) -> list[str]:
        """The first `k` records as a table: a header of field names, then one `|`-separated row each."""
        if not k:
            return []
        cells = self.cells(k)
        columns = list(dict.fromkeys(c for row in cells for c in row))
        lines = [" | ".join(columns)]
        lines.extend(" | ".join(row.get(c, "") for c in columns) for row in cells)
        return lines


def page_text(structured: Mapping[str, Any], rendered: RenderedRecords | None = None) -> str:
    """The page as text: summary, a table of the records (header, one row each), then the cursor.

    `rendered` holds the page's records (its first `len(items)` are the items) when already rendered.
    """
    items = structured["items"]
    lines = [structured["summary"], *(rendered or RenderedRecords(items)).table(len(items))]
    if structured.get("next_cursor"):
        lines.append(f"next_cursor: {structured['next_cursor']}")
    return "\n".join(lines)


def measure(structured: Mapping[str, Any], rendered: RenderedRecords, whole: bool = False) -> tuple[str, int]:
    """The page's text and a bound on its cost (text and JSON together) that is never below the estimate.

    `whole` measures the JSON in one piece (cheaper when the records' own estimates are not needed).
    """
    k = len(structured["items"])
    text = page_text(structured, rendered)
    if whole:
        return text, estimate_tokens(dumps(structured)) + estimate_tokens(text)
    envelope = estimate_tokens(dumps({**structured, "items": []}))
    records = sum(rendered.json_tokens(k)) + math.ceil(max(k - 1, 0) / 1.3)
    return text, envelope + records + estimate_tokens(text)


@dataclass
class Fit:
    """The records a page keeps, and what the budget cost it."""

    items: list[dict[str, Any]]
    dropped_fields: list[str]


def fit_page(rendered: RenderedRecords, available: int, keep: tuple[str, ...]) -> Fit:
    """Whole records in order while they fit `available` tokens; a first record over it alone is shrunk."""
    used = 0
    for i, rec in enumerate(rendered.records):
        used += rendered.row_cost(i)
        if used > available:
            if not i:
                shrunk = shrink_record(rec, max(available, 1), keep)
                return Fit([shrunk.record], sorted({*shrunk.dropped, *shrunk.cut}))
            return Fit(rendered.records[:i], [])
    return Fit(list(rendered.records), [])


Envelope = Callable[[list[dict[str, Any]], list[str]], dict[str, Any]]


def fitted_page(
    records: list[dict[str, Any]], envelope: Envelope, budget: int, keep: tuple[str, ...], slack: int
) -> tuple[dict[str, Any], str, int] | None:
    """The page's structure, text and cost within `budget`; None if not even one record fits.

    `envelope(items, shrunk_fields)` builds the result for the records kept (its cursor continues
    right after them). Records are never cut in the middle of a page: the last ones are left for
    the next page; a first record too big on its own is shrunk.
    """
    # Measure the envelope with a stand-in record (its summary and cursor are the longest the page
    # can have), add records while their own costs fit the rest, then check the whole result and
    # give back records (or shrink the only one) until it fits. Records past the first that does
    # not fit are never rendered.
    rendered = RenderedRecords(records)
    probe = envelope([{"id": 0}], [])
    available = budget - measure(probe, RenderedRecords(probe["items"]), whole=True)[1] - slack
    fit = fit_page(rendered, available, keep)
    items = fit.items
    if items and items[0] is not records[0]:
        rendered = RenderedRecords(items)  # the first record was shrunk
    while True:
        structured = envelope(items, fit.dropped_fields)
        text, tokens = measure(structured, rendered)
        if tokens <= budget or not items:
            return structured, text, tokens
        if len(items) > 1:
            items = items[:-1]
            continue
        if list(items[0]) == ["id"]:
            return None
        over = tokens - budget
        shrunk = shrink_record(items[0], max(record_cost(items[0]) - over - 8, 1), keep)
        items = [shrunk.record]
        rendered = RenderedRecords(items)
        fit.dropped_fields = sorted({*fit.dropped_fields, *shrunk.dropped, *shrunk.cut})
