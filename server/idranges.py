"""Id lists written compactly and exactly: `101–180, 185, 190–192`.

A bulk write of thousands of records reports which ids it changed; as a JSON list that is about
two tokens per id and would not fit a result's budget. Runs of consecutive integers in the order
given become `first–last` (three or more), everything else is listed as is, so the text expands
back to exactly the same ids in the same order (`expand`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

DASH = "–"  # en dash: never part of an integer id, so a run cannot be mistaken for a negative number
SEP = ", "


def _as_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit() and value.isascii() and (value == "0" or value[0] != "0"):
        return int(value)
    return None


def _word(value: Any) -> str:
    text = str(value)
    plain = (
        text.isprintable() and DASH not in text and "," not in text and text[:1] not in ('"', "") and _int(text) is None
    )
    # Quoted, with commas escaped so that splitting on ", " never cuts a quoted id.
    return text if plain else json.dumps(text, ensure_ascii=False).replace(",", "\\u002c")


def compact(ids: Iterable[Any], max_chars: int | None = None) -> str:
    """`ids` in their order, runs of consecutive integers as `first–last`: "101–180, 185".

    With `max_chars`, a list longer than that keeps its first runs and ends with how many ids
    were left out and the last one: "101–180, 185, … 2400 more, the last 9999".
    """
    parts = _parts(ids)
    text = SEP.join(parts)
    if max_chars is None or len(text) <= max_chars:
        return text
    kept: list[str] = []
    size = 0
    for part in parts:
        if size + len(part) + 2 > max_chars - 40:
            break
        kept.append(part)
        size += len(part) + 2
    shown = len(expand(SEP.join(kept)))
    everything = expand(text)
    last = everything[-1]
    return SEP.join(
        [*kept, f"… {len(everything) - shown} more, the last {last if isinstance(last, int) else _word(last)}"]
    )


def _parts(ids: Iterable[Any]) -> list[str]:
    parts: list[str] = []
    run: list[int] = []

    def flush() -> None:
        if len(run) >= 3:
            parts.append(f"{run[0]}{DASH}{run[-1]}")
        else:
            parts.extend(str(i) for i in run)
        run.clear()

    for value in ids:
        number = _as_int(value)
        if number is not None and run and number == run[-1] + 1:
            run.append(number)
            continue
        flush()
        if number is not None:
            run.append(number)
        else:
            parts.append(_word(value))
    flush()
    return parts


def _int(text: str) -> int | None:
    return int(text) if text.removeprefix("-").isdigit() and text.isascii() else None


def expand(text: str) -> list[int | str]:
    """The ids `compact` wrote, in order: `compact`'s inverse (a digit string comes back as an integer)."""
    out: list[int | str] = []
    for part in text.split(SEP) if text else ():
        first, dash, last = part.partition(DASH)
        low, high, number = _int(first), _int(last), _int(part)
        if dash and low is not None and high is not None:
            out.extend(range(low, high + 1))
        elif number is not None:
            out.append(number)
        else:
            out.append(json.loads(part) if part.startswith('"') else part)
    return out
