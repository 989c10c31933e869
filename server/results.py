"""Shape tool results: token estimates, budgets, long-string cuts, compact text, signed cursors.

Token estimator (documented in the README), applied to a result's compact JSON and to its text:
`ceil(small_letters_and_spaces / 3.5 + capitals / 2 + digits / 1.5 + punctuation / 1.3 + cyrillic / 1.2
+ controls + 2 × other_two_byte + 3 × three_byte + 4 × four_byte)` (characters by their UTF-8 length).
Calibrated against a real BPE tokenizer (cl100k, see tests/test_results.py): on pages of CRM
records, their text tables, prose, ids and schema JSON it counts between 5% and 80% more tokens
than cl100k (Cyrillic costs cl100k almost a token per letter), so a result within the estimate is
within the budget. Characters cl100k has few merges for (emoji, rare scripts, controls) are
counted as one token per UTF-8 byte, which no byte-level BPE exceeds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_STRING_CHARS = 400
ENVELOPE_RESERVE = 300  # tokens kept for summary, counters and cursor by handlers that fit by JSON alone
CUT_MARKER = "…[cut {n} chars]"


# One encoder for every call: json.dumps with options builds a new encoder each time, which costs
# more than encoding a small record.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def dumps(value: Any) -> str:
    """Compact JSON, non-ASCII kept as is (it is cheaper for a tokenizer than \\u escapes)."""
    return _ENCODER.encode(value)


def _byte_classes() -> bytes:
    """A bytes.translate table: d digit, u capital, p punctuation, k control, l other ASCII;
    n the lead byte of a Cyrillic letter, c every other byte of a non-ASCII character."""
    table = bytearray(b"l" * 128 + b"c" * 128)
    table[0xD0] = table[0xD1] = ord("n")  # U+0400–U+047F: Cyrillic letters, about a token each
    for ch in [*range(0x20), 0x7F]:
        table[ch] = ord("k")
    for ch in b"0123456789":
        table[ch] = ord("d")
    # Capitals start a new token in camelCase names, ids and cursors: they weigh more than other letters.
    for ch in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[ch] = ord("u")
    # Spaces stay with letters: tokenizers fold a leading space into the next word.
    for ch in b"\t\n!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~":
        table[ch] = ord("p")
    return bytes(table)


BYTE_CLASSES = _byte_classes()


def estimate_tokens(text: str) -> int:
    """Conservative token count for `text` (see the module docstring)."""
    # One C-speed translate and six counts; a Python loop over the characters would cost 50x more.
    # Non-ASCII characters cost one token per UTF-8 byte, except Cyrillic letters (two bytes, 1/1.2):
    # the other non-ASCII bytes, and Cyrillic letters (two bytes each) at 1/1.2.
    raw = text.encode()
    count = raw.translate(BYTE_CLASSES).count
    letters, capitals, digits, punctuation, controls = count(b"l"), count(b"u"), count(b"d"), count(b"p"), count(b"k")
    wide = len(raw) - letters - capitals - digits - punctuation - controls
    cyrillic = count(b"n") if wide else 0
    ascii_part = letters / 3.5 + capitals / 2 + digits / 1.5 + punctuation / 1.3 + controls
    return math.ceil(ascii_part + (wide - 2 * cyrillic) + cyrillic / 1.2)


def cut_strings(value: Any, limit: int = MAX_STRING_CHARS) -> tuple[Any, bool]:
    """Shorten strings longer than `limit` with a marker; returns (value, whether anything was cut)."""
    if isinstance(value, str):
        if len(value) > limit:
            return value[:limit] + CUT_MARKER.format(n=len(value) - limit), True
        return value, False
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        cut_any = False
        for k, v in value.items():
            out[k], cut = cut_strings(v, limit)
            cut_any = cut_any or cut
        return out, cut_any
    if isinstance(value, list):
        items = []
        cut_any = False
        for v in value:
            item, cut = cut_strings(v, limit)
            items.append(item)
            cut_any = cut_any or cut
        return items, cut_any
    return value, False


def project(record: Mapping[str, Any], fields: Sequence[str] | None, concise: bool = False) -> dict[str, Any]:
    """Keep only `fields` (in that order, id first) plus `_included`; None keeps everything.

    `concise` spends no tokens on empty values (None, "", []), drops the zero milliseconds of
    timestamps ("2026-03-16T07:27:59.000Z" → "2026-03-16T07:27:59Z"), reduces phone/e-mail
    multifields to their values ([{"value": "+7…", "valueType": "WORK"}] → ["+7…"]) and a list
    field's values to their ids and labels ([{"ID": "78", "SORT": "10", "VALUE": "Сайт"}] → {"78": "Сайт"}:
    the id is what a record stores, so it must not be dropped with the rest).
    """
    keys = record.keys() if fields is None else ["id", *[f for f in fields if f != "id"], "_included"]
    if not concise:
        return {k: record[k] for k in keys if k in record}
    out: dict[str, Any] = {}
    get = record.get
    for k in keys:
        value = get(k)
        kind = type(value)
        if kind is str:
            if not value:
                continue
            if len(value) == 24 and value[10] == "T" and value.endswith(".000Z"):
                value = value[:19] + "Z"
        elif value is None:
            continue
        elif kind is list:
            if not value:
                continue
            if isinstance(value[0], Mapping):
                value = _list_values(value) or [_multifield_value(v) for v in value]
        out[k] = value
    return out


def _list_values(entries: list[Any]) -> dict[str, Any] | None:
    """A user field's list values ({ID, SORT, VALUE, DEF}) as id → label; None for anything else
    (a phone's raw Bitrix entries have ID and VALUE too, but never SORT or DEF)."""
    if not all(isinstance(e, Mapping) and "ID" in e and "VALUE" in e and ("SORT" in e or "DEF" in e) for e in entries):
        return None
    return {str(e["ID"]): e["VALUE"] for e in entries}


def _multifield_value(entry: Any) -> Any:
    """The bare value of a multifield entry (both the camelCase and the raw Bitrix spelling)."""
    if isinstance(entry, Mapping):
        for key in ("value", "VALUE"):
            if key in entry:
                return entry[key]
    return entry


def shorten_records(records: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Records with over-long strings cut (the same objects when nothing was), and the fields that were cut."""
    cut_fields: set[str] = set()
    out = []
    for record in records:
        short: dict[str, Any] | None = None  # a copy only when something is cut
        for key, value in record.items():
            kind = type(value)
            if kind is str and len(value) <= MAX_STRING_CHARS or kind is int or kind is float or value is None:
                continue
            new, cut = cut_strings(value)
            if cut:
                cut_fields.add(key)
                short = short if short is not None else dict(record)
                short[key] = new
        out.append(short if short is not None else record if type(record) is dict else dict(record))
    return out, sorted(cut_fields)


@dataclass(frozen=True)
class Fitted:
    """Records that fit the budget, and how many were left out."""

    items: list[dict[str, Any]]
    dropped: int


def fit_records(records: Sequence[dict[str, Any]], budget_tokens: int) -> Fitted:
    """Keep whole records, in order, while their estimated tokens (as a JSON array) fit the budget.

    The first record is always kept; if even it does not fit, its strings are cut to 40 characters.
    """
    # One estimate for the whole page first: it usually fits, and then no record needs its own.
    if estimate_tokens(dumps(records)) <= budget_tokens:
        return Fitted(items=list(records), dropped=0)
    items: list[dict[str, Any]] = []
    used = 1  # the brackets
    for record in records:
        cost = estimate_tokens(dumps(record)) + 1
        if used + cost > budget_tokens:
            if items:
                break
            record, _ = cut_strings(record, 40)
            cost = estimate_tokens(dumps(record)) + 1
        items.append(record)
        used += cost
    return Fitted(items=items, dropped=len(records) - len(items))


def render_value(value: Any) -> str:
    if isinstance(value, str):
        plain = value.isprintable() and '"' not in value and "\\" not in value
        if plain and value and " " not in value and "=" not in value:
            return value
        if plain:
            return f'"{value}"'  # what json.dumps would give, at a fraction of its cost
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return dumps(value)


def render_record(record: Mapping[str, Any]) -> str:
    """One line per record: `#id key=value …`, nulls and empty lists left out."""
    parts = [f"#{record.get('id')}"]
    parts.extend(
        f"{k}={render_value(v)}" for k, v in record.items() if k != "id" and v is not None and v != [] and v != ""
    )
    return " ".join(parts)


def render_cell(value: Any) -> str:
    """A table cell: like `render_value`, but a `|` or a line break forces JSON quoting; empty is blank."""
    kind = type(value)
    if kind is str:
        if not value:
            return ""
        plain = value.isprintable() and "|" not in value and value[0] not in ' "' and value[-1] != " "
        return value if plain else json.dumps(value, ensure_ascii=False)
    if kind is int:
        return str(value)
    if value is None or value == []:
        return ""
    return render_value(value)


def render_row(record: Mapping[str, Any]) -> str:
    """A record's values as one table row (no column names): what a page's text spends per record."""
    return " | ".join(render_cell(v) for v in record.values())


def render_table(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Records as a compact table: one header line of field names, then one `|`-separated row each.

    Column names are written once instead of once per record; a field a record lacks is a blank cell.
    """
    if not records:
        return []
    columns = list(dict.fromkeys(k for r in records for k in r))
    lines = [" | ".join(columns)]
    lines.extend(" | ".join(render_cell(r.get(c)) for c in columns) for r in records)
    return lines
