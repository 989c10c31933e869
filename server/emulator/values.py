"""Field values by type: comparable keys for filters and sorting, and date parsing/formatting."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from .errors import echo
from .schema import Field

NUMERIC_TYPES = frozenset({"integer", "double", "user", "crm_category", "crm_company", "crm_contact", "crm_lead"})
DATE_TYPES = frozenset({"date", "datetime"})
TRUE_STRINGS = frozenset({"true", "y", "1", "yes"})
FALSE_STRINGS = frozenset({"false", "n", "0", "no"})

Key = float | str | bool
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Normalizer = Callable[[object], Key | None]


class BadValue(ValueError):
    """A value that cannot be read as the field's type; the message says what was expected."""


@lru_cache(maxsize=262_144)
def parse_instant(text: str) -> float:
    """ISO 8601 date or date-time to epoch seconds; no zone means UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadValue(f"expected ISO 8601 date, received '{echo(text)}'") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    epoch = moment.timestamp()
    try:
        # Years 1 and 9999 with an offset parse but fall outside what UTC (and format_instant) can hold.
        format_instant(epoch)
    except OverflowError:
        raise BadValue(f"date out of range (years 0001–9999 in UTC), received '{echo(text)}'") from None
    return epoch


def format_instant(epoch: float) -> str:
    """Epoch seconds in the CRM output form `2026-04-14T08:43:59.000Z`."""
    # Whole milliseconds first: a float epoch near year 9999 is coarser than a microsecond.
    moment = _EPOCH + timedelta(milliseconds=round(epoch * 1000))
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def _number(value: object) -> float:
    if isinstance(value, bool):
        raise BadValue(f"expected number, received boolean {value}")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        text = value.split("|", 1)[0].strip()
        try:
            number = float(text)
        except ValueError:
            raise BadValue(f"expected number, received '{echo(value)}'") from None
        return int(number) if number.is_integer() and "." not in text else number
    raise BadValue(f"expected number, received {type_name(value)}")


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_STRINGS:
        return True
    if text in FALSE_STRINGS:
        return False
    raise BadValue(f"expected boolean, received '{echo(value)}'")


def _instant(value: object) -> float:
    if isinstance(value, str) and value:
        return parse_instant(value)
    raise BadValue(f"expected ISO 8601 date, received {type_name(value)}")


def _text(value: object) -> str:
    if isinstance(value, dict):
        inner = value.get("value", value.get("VALUE"))
        return "" if inner is None else str(inner)
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def strict_normalizer(field: Field) -> Callable[[object], Key]:
    """Reads a value of the field's type or raises BadValue (used for filter operands)."""
    if field.type in NUMERIC_TYPES or field.type == "money":
        return _number
    if field.type == "boolean":
        return _boolean
    if field.type in DATE_TYPES:
        return _instant
    return _text


def lenient_normalizer(field: Field) -> Normalizer:
    """Like strict_normalizer but maps empty or unreadable stored values to None.

    Stored values are nearly always already of the field's type, so those return at once.
    """
    strict = strict_normalizer(field)
    fast: tuple[type, ...] = (str,)
    if strict is _number:
        fast = (int, float) if field.type != "money" else ()
    elif strict is _boolean:
        fast = (bool,)
    elif strict is _instant:
        fast = ()

    def normalize(value: object) -> Key | None:
        if value.__class__ in fast:
            return None if value == "" else value  # type: ignore[return-value]
        if value is None or value == "":
            return None
        try:
            return strict(value)
        except BadValue:
            return None

    return normalize


def type_name(value: object) -> str:
    """The JSON type name Zod-style messages use ('string', 'number', ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def plain_number(value: float) -> float:
    """Integral floats as ints, so JSON shows 100000 rather than 100000.0 (as JavaScript does)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def dump(payload: object) -> bytes:
    """JSON as the portal writes it: UTF-8, compact, never NaN or Infinity.

    Text that is not valid Unicode (a lone surrogate echoed from a URL path) is written escaped
    rather than failing the response.
    """
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        return text.encode()
    except UnicodeEncodeError:
        return json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
