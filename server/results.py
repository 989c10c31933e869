"""Shape tool results: token estimates, budgets, long-string cuts, compact text, signed cursors.

Token estimator (documented in the README), over the compact JSON of the structured result:
`ceil(letters_and_spaces / 3.5 + digits / 1.5 + punctuation / 1.5 + non_ascii / 1.5)`.
Calibrated against a real BPE tokenizer (cl100k, see tests/test_results.py): it counts 12–40% more
tokens on pages of CRM records and their text renderings, 20–55% more on prose and ids, ~60% more
on schema JSON, so a result that fits the estimate fits the budget.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.errors import InvalidArguments

MAX_STRING_CHARS = 400
CUT_MARKER = "…[cut {n} chars]"
ENVELOPE_RESERVE = 300  # tokens kept for summary, counters and cursor


def dumps(value: Any) -> str:
    """Compact JSON, non-ASCII kept as is (it is cheaper for a tokenizer than \\u escapes)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _byte_classes() -> bytes:
    """A bytes.translate table: d digit, p punctuation, l letter/space/other ASCII, n UTF-8 lead, c continuation."""
    table = bytearray(b"l" * 128 + b"c" * 64 + b"n" * 64)
    for ch in b"0123456789":
        table[ch] = ord("d")
    # Spaces stay with letters: tokenizers fold a leading space into the next word.
    for ch in b"\t\n!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~":
        table[ch] = ord("p")
    return bytes(table)


BYTE_CLASSES = _byte_classes()


def estimate_tokens(text: str) -> int:
    """Conservative token count for `text` (see the module docstring)."""
    # One C-speed translate and four counts; a Python loop over the characters would cost 50x more.
    classes = text.encode().translate(BYTE_CLASSES)
    letters, digits, punctuation, non_ascii = (classes.count(c) for c in (b"l", b"d", b"p", b"n"))
    return math.ceil(letters / 3.5 + digits / 1.5 + punctuation / 1.5 + non_ascii / 1.5)


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
    timestamps ("2026-03-16T07:27:59.000Z" → "2026-03-16T07:27:59Z") and reduces phone/e-mail
    multifields to their values ([{"value": "+7…", "valueType": "WORK"}] → ["+7…"]).
    """
    keys = record.keys() if fields is None else ["id", *[f for f in fields if f != "id"], "_included"]
    if not concise:
        return {k: record[k] for k in keys if k in record}
    out: dict[str, Any] = {}
    for k in keys:
        value = record.get(k)
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, str) and len(value) == 24 and value.endswith(".000Z") and value[10] == "T":
            value = value[:19] + "Z"
        elif isinstance(value, list) and isinstance(value[0], Mapping):
            value = [_multifield_value(v) for v in value]
        out[k] = value
    return out


def _multifield_value(entry: Any) -> Any:
    """The bare value of a multifield entry (both the camelCase and the raw Bitrix spelling)."""
    if isinstance(entry, Mapping):
        for key in ("value", "VALUE"):
            if key in entry:
                return entry[key]
    return entry


@dataclass(frozen=True)
class Fitted:
    """Records that fit the budget, and how many were left out."""

    items: list[dict[str, Any]]
    dropped: int


def shorten_records(records: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Records with over-long strings cut, and the names of the fields that were cut."""
    cut_fields: set[str] = set()
    out = []
    for record in records:
        short = dict(record)
        for key, value in record.items():
            if isinstance(value, str) and len(value) <= MAX_STRING_CHARS or isinstance(value, int | float | None):
                continue
            short[key], cut = cut_strings(value)
            if cut:
                cut_fields.add(key)
        out.append(short)
    return out, sorted(cut_fields)


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


class CursorCodec:
    """Opaque, signed, stateless cursors: base64url(JSON payload) + '.' + HMAC-SHA256 tag.

    The payload carries the whole query, so it is deflated when that makes it shorter (a big
    filter would otherwise make every page's cursor big); the first character says which.
    """

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def encode(self, payload: Mapping[str, Any]) -> str:
        raw = dumps(payload).encode()
        packed = zlib.compress(raw, 9)
        kind, data = ("z", packed) if len(packed) < len(raw) else ("j", raw)
        body = kind + base64.urlsafe_b64encode(data).rstrip(b"=").decode()
        return f"{body}.{self._tag(body)}"

    def decode(self, cursor: str, tool: str) -> dict[str, Any]:
        """Verify and unpack a cursor made for `tool`.

        Raises:
            InvalidArguments: tampered, foreign, or made for another tool.
        """
        body, _, tag = cursor.partition(".")
        if not body or not hmac.compare_digest(tag, self._tag(body)):
            raise InvalidArguments(
                "cursor is not valid: it was altered, or it comes from another server process.",
                code="INVALID_CURSOR",
                hint="Pass next_cursor exactly as returned, or start again without cursor.",
            )
        data = base64.urlsafe_b64decode(body[1:] + "=" * (-len(body[1:]) % 4))
        payload: dict[str, Any] = json.loads(zlib.decompress(data) if body[0] == "z" else data)
        if payload.get("tool") != tool:
            raise InvalidArguments(
                f"cursor belongs to {payload.get('tool')}, not {tool}.",
                code="INVALID_CURSOR",
                hint=f"Call {payload.get('tool')} with this cursor, or start {tool} again without cursor.",
            )
        return payload

    def _tag(self, body: str) -> str:
        digest = hmac.new(self._secret, body.encode(), hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(digest).decode()
