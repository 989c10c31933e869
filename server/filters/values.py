"""Operand values by field kind: safe coercions (reported), ISO 8601 dates, list items, phones."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from server.catalog import FieldSpec

from .fields import ANY, KIND_NAMES, RANGE
from .problems import VALUE, FilterProblem, problem, show

NUMBER = re.compile(r"-?\d+(\.\d+)?")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?")
TRUE = frozenset({"true", "y", "yes", "1"})
FALSE = frozenset({"false", "n", "no", "0"})
PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
PHONE = re.compile(r"\+?\d+")
ITEMS_SHOWN = 12
# Where a model finds every allowed value when the error cannot list them all.
WHERE_LISTED = {
    "crm_status": "the reference tool lists them (kind=pipelines for stages, kind=statuses for other lists)",
    "crm_category": "the reference tool lists them (kind=pipelines)",
    "crm_currency": "the reference tool lists them (kind=currencies)",
}

# Local date forms a model may copy from a document, and how to read them.
_TIME = r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?"
DAY_FIRST = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})" + _TIME)
YEAR_FIRST = re.compile(r"(\d{4})[./](\d{1,2})[./](\d{1,2})" + _TIME)
SPACED = re.compile(r"(\d{4})-(\d{2})-(\d{2})" + r"(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)")
COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


class Coerced:
    """A value read for a field, with a note when it was changed on the way."""

    __slots__ = ("note", "value")

    def __init__(self, value: Any, note: str | None = None) -> None:
        self.value = value
        self.note = note


def coerce(kind: str, spec: FieldSpec | None, name: str, key: str, op: str, value: Any) -> Coerced:
    """One operand for `name` (kind `kind`).

    Raises:
        FilterProblem: a value of the wrong type, a non-ISO date, an unknown list item.
    """
    if value is None or value == "":
        if op not in ("eq", "ne", "in", "nin"):
            raise problem(VALUE, key, "null with a comparison means nothing", _empty_fix(name))
        return Coerced(None, f"{show(value)} read as empty" if value == "" else None)
    if isinstance(value, float) and not math.isfinite(value):  # JSON has no NaN or Infinity to send
        raise problem(VALUE, key, f"{value} is not a finite number", "Give a finite number.")
    if op == "contains":
        return _substring(kind, spec, name, key, value)
    if kind in ("int", "float"):
        try:
            out = _number(kind, name, key, value)
        except FilterProblem:
            if spec is None or not spec.items or kind != "int":
                raise
            out = Coerced(value)  # a pipeline's name, say: the item check below answers with its id
    elif kind == "bool":
        out = _boolean(name, key, value)
    elif kind in ("date", "datetime"):
        out = Coerced(_instant(kind, name, key, value))
    elif kind == ANY:
        out = Coerced(value)
    else:
        out = _text(kind, spec, name, key, value)
    if spec is not None and spec.items and kind in ("int", "code", "enum") and op not in RANGE:
        return _item(spec, name, key, out, value)
    return out


def _empty_fix(name: str) -> str:
    return f'{{"{name}": null}} finds empty values, {{"{name}": {{"$ne": null}}}} filled ones.'


def _number(kind: str, name: str, key: str, value: Any) -> Coerced:
    whole = kind == "int"
    example = f'{{"{name}": {{"$gte": {100 if whole else 1000.5}}}}}'
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise problem(VALUE, key, f"{show(value)} is not {KIND_NAMES[kind]}", f"Give a number: {example}.")
    note = None
    if isinstance(value, str):
        text = value.strip()
        if not NUMBER.fullmatch(text):
            guess = text.replace(" ", "").replace("\u00a0", "").replace(",", ".")
            fix = f"write {guess}" if NUMBER.fullmatch(guess) else "give a number"
            raise problem(
                VALUE,
                key,
                f"{show(value)} is not {KIND_NAMES[kind]}",
                f"{fix[0].upper()}{fix[1:]} (JSON number, no spaces or units): {example}.",
                [guess] if NUMBER.fullmatch(guess) else [],
            )
        number: int | float = float(text) if "." in text else int(text)
        note = f"{show(value)} read as {number}"
    else:
        number = value
    if isinstance(number, float) and not math.isfinite(number):
        raise problem(VALUE, key, f"{show(value)} is not a finite number", f"Give a number: {example}.")
    if whole:
        if isinstance(number, float) and not number.is_integer():
            raise problem(VALUE, key, f"{show(value)} is not a whole number", f"{name} holds whole numbers (ids).")
        number = int(number)
    return Coerced(number, note)


def _boolean(name: str, key: str, value: Any) -> Coerced:
    if isinstance(value, bool):
        return Coerced(value)
    text = str(value).strip().casefold() if isinstance(value, str | int) else None
    if text in TRUE or text in FALSE:
        flag = text in TRUE
        return Coerced(flag, f"{show(value)} read as {'true' if flag else 'false'}")
    raise problem(VALUE, key, f"{show(value)} is not true/false", f'Use true or false: {{"{name}": true}}.')


def _instant(kind: str, name: str, key: str, value: Any) -> str:
    example = "2026-01-31" if kind == "date" else "2026-01-31 or 2026-01-31T09:00:00"
    if not isinstance(value, str):
        raise problem(
            VALUE, key, f"{show(value)} is not a date", f"Dates are ISO 8601 strings: {example} (Z or ±hh:mm allowed)."
        )
    text = value.strip()
    if ISO_DATE.fullmatch(text) or ISO_DATETIME.fullmatch(text):
        try:
            if len(text) == 10:
                date.fromisoformat(text)
            else:
                datetime.fromisoformat(text)
        except ValueError:
            wrong = f"{show(value)} is not a real calendar date"
            raise problem(VALUE, key, wrong, f"Check the day and month: {example}.") from None
        return text
    fixed = local_to_iso(text)
    if fixed is not None:
        raise problem(VALUE, key, f"{show(value)} is not ISO 8601", f"Write {show(fixed)} (year-month-day).", [fixed])
    raise problem(
        VALUE, key, f"{show(value)} is not an ISO 8601 date", f"Write it as {example}; today is {date.today()}."
    )


def local_to_iso(text: str) -> str | None:
    """The ISO 8601 spelling of a common local date form (31.01.2026, 2026/01/31, ...), if it is one."""
    parts: tuple[str | None, ...] | None = None
    if m := DAY_FIRST.fullmatch(text):
        day, month = int(m[1]), int(m[2])
        if "/" in text[:6] and day <= 12 < month:  # 01/31/2026 can only be month first
            day, month = month, day
        parts = (m[3], str(month), str(day), m[4], m[5], m[6])
    elif m := YEAR_FIRST.fullmatch(text) or SPACED.fullmatch(text):
        parts = (m[1], m[2], m[3], m[4], m[5], m[6])
    elif m := COMPACT.fullmatch(text):
        parts = (m[1], m[2], m[3], None, None, None)
    if parts is None:
        return None
    year, month_s, day_s, hour, minute, second = parts
    iso = f"{year}-{int(str(month_s)):02d}-{int(str(day_s)):02d}"
    try:
        date.fromisoformat(iso)
    except ValueError:
        return None
    if hour is not None:
        iso += f"T{int(hour):02d}:{minute}:{second or '00'}"
    return iso


def _text(kind: str, spec: FieldSpec | None, name: str, key: str, value: Any) -> Coerced:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise problem(VALUE, key, f"{show(value)} is not {KIND_NAMES[kind]}", f'Give text: {{"{name}": "..."}}.')
    if isinstance(value, str):
        return _phone(spec, name, value) or Coerced(value)
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if kind == "enum":
        return Coerced(text)
    return Coerced(text, f"{show(value)} read as text {show(text)}")


def _substring(kind: str, spec: FieldSpec | None, name: str, key: str, value: Any) -> Coerced:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise problem(
            VALUE, key, f"$contains needs text, received {show(value)}", f'{{"{name}": {{"$contains": "text"}}}}.'
        )
    text = value if isinstance(value, str) else str(value)
    if not text.strip():
        raise problem(VALUE, key, "$contains with empty text matches everything", "Give some text, or leave it out.")
    return _phone(spec, name, text) or Coerced(text)


def _phone(spec: FieldSpec | None, name: str, value: str) -> Coerced | None:
    """Phones are matched as stored, without spaces or punctuation (+79161234567), as the docs show."""
    if spec is None or spec.type != "crm_multifield" or name.casefold() != "phone":
        return None
    compact = PHONE_PUNCTUATION.sub("", value)
    if compact == value or not PHONE.fullmatch(compact):
        return None
    note = f"phone {show(value)} sent as {show(compact)}"
    if compact.startswith("8") and len(compact) >= 4:
        note += "; numbers are stored with the country code: for a Russian number write +7 for the leading 8"
    return Coerced(compact, note)


def item_label(spec: FieldSpec, value: Any) -> str | None:
    text = str(value)
    return next((label for item_id, label in spec.items if item_id == text), None)


def _item(spec: FieldSpec, name: str, key: str, got: Coerced, raw: Any) -> Coerced:
    """A list value (enumeration item, stage, pipeline, currency) checked against the allowed items."""
    text = str(got.value)
    numeric_ids = all(i.lstrip("-").isdigit() for i, _ in spec.items)
    for item_id, _label in spec.items:
        if item_id == text:
            value = int(item_id) if numeric_ids else item_id
            return Coerced(value, got.note)
    folded = text.casefold().strip()
    by_id = [(i, lab) for i, lab in spec.items if i.casefold() == folded]
    by_label = [(i, lab) for i, lab in spec.items if lab.casefold().strip() == folded]
    if by_id or by_label:
        matches = by_id or by_label
        use = [int(i) if numeric_ids else i for i, _ in matches]
        shown = " or ".join(f"{show(u)} ({lab})" for u, (_i, lab) in zip(use, matches, strict=True))
        if by_id:
            wrong = f"{show(raw)} is not an id of {name} (ids are case-sensitive)"
        else:
            which = "item" if len(matches) == 1 else "the label of items"
            wrong = f"{show(raw)} is {which} {', '.join(show(i) for i in use)} of {name}"
        return_fix = f"Use {shown}." if len(use) == 1 else f"Use one of {shown}, or $in for all of them."
        raise problem(VALUE, key, wrong, return_fix, [str(i) for i in use])
    listing = ", ".join(f"{i} ({lab})" for i, lab in spec.items[:ITEMS_SHOWN])
    more = len(spec.items) - ITEMS_SHOWN
    tail = f", … {more} more: {WHERE_LISTED.get(spec.type, 'see the fields tool')}" if more > 0 else ""
    close = [i for i, _ in spec.items if i.casefold().startswith(folded[:2])][:3] if folded else []
    wrong = f"{show(raw)} is not an allowed value of {name}"
    raise problem(VALUE, key, wrong, f"Allowed: {listing}{tail}.", close)
