"""The result of a bulk write, fitted to the token budget without losing what was done.

The counts and the summary always come whole (the summary's id lists are bounded); the written
ids come exact and compact (`server.idranges`), cut to the first ones and a count of the rest
only when they alone would not fit; failed items are listed in full while they fit (at most
`MAX_LISTED_ERRORS`), the rest counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from server.budget import result_tokens
from server.idranges import compact
from server.operations import Output

MAX_LISTED_ERRORS = 20  # failed items listed in full; the rest are counted
RESERVE = 120  # tokens for the "first N errors listed" note and rounding


def _error_line(e: Mapping[str, Any]) -> str:
    return f"item {e['index']}{' #' + str(e['id']) if 'id' in e else ''}: {e['code']} {e['message']}"


def _build(head: dict[str, Any], ids: str, errors: Sequence[Mapping[str, Any]], total: int) -> Output:
    summary = head["summary"]
    if total > len(errors):
        summary += f" First {len(errors)} errors listed." if errors else " Errors not listed: over the token budget."
    structured = {**head, "ids": ids, "errors": list(errors), "summary": summary}
    lines = [summary, f"ids: {ids}", *(_error_line(e) for e in errors)]
    return Output(structured, "\n".join(lines))


def bulk_output(
    head: dict[str, Any], done_ids: Sequence[Any], errors: Sequence[Mapping[str, Any]], budget: int
) -> Output:
    """`head` (action, counts, summary) with the written ids and the failed items that fit `budget`."""
    room = budget - RESERVE
    chars = None
    while True:
        ids = compact(done_ids, chars)
        bare = _build(head, ids, [], len(errors))
        used = result_tokens(bare.structured, bare.text)
        if used <= room or len(ids) <= 200:
            break
        # Each id costs about two characters per token, in both channels.
        chars = max(200, min(len(ids) // 2, len(ids) - (used - room) * 3 // 4))
    listed: list[Mapping[str, Any]] = []
    for e in errors[:MAX_LISTED_ERRORS]:
        cost = result_tokens({"e": e}, _error_line(e)) + 4
        if used + cost > room:
            break
        listed.append(e)
        used += cost
    return _build(head, ids, listed, len(errors))
