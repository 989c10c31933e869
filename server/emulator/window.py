"""Windowed search: a `/search` whose date condition spans more than 14 days runs as 7-day windows.

Лимиты и оптимизация, «Поиск с разбиением по датам»: the windows are merged and de-duplicated by id,
`meta.windowCount` tells how many there were, `"autoWindow": false` turns it off. Фильтрация,
«Что НЕ работает»: offset 0 goes through the window merge and offset > 0 would not, so an offset
page over a wide range is refused with 400 UNSTABLE_OFFSET_PAGINATION. The emulator's merge returns
the same records a flat query would; what it reproduces is the metadata and the refusal.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .errors import ApiError, validation_error
from .filters import Condition
from .schema import Entity
from .values import DATE_TYPES, BadValue, parse_instant, type_name

DAY = 86400
WIDE_RANGE = 14 * DAY
WINDOW = 7 * DAY
LOWER = frozenset({"gt", "gte"})
UPPER = frozenset({"lt", "lte"})


def auto_window_flag(raw: object) -> bool:
    """The body's `autoWindow` (default true)."""
    if raw is None:
        return True
    if not isinstance(raw, bool):
        raise validation_error([f"autoWindow: Expected boolean, received {type_name(raw)}"])
    return raw


def window_count(conditions: Iterable[Condition], entity: Entity, now: float) -> int:
    """How many 7-day windows the widest date range of the filter splits into; 0 when not wider than 14 days.

    A range open at the top runs to now; one with no lower bound cannot be split and is not windowed.
    """
    lower: dict[str, float] = {}
    upper: dict[str, float] = {}
    for cond in conditions:
        field = entity.fields.get(cond.field)
        if field is None or field.type not in DATE_TYPES or not isinstance(cond.value, str):
            continue
        try:
            moment = parse_instant(cond.value)
        except BadValue:
            continue
        if cond.op in LOWER:
            lower[cond.field] = max(lower.get(cond.field, moment), moment)
        elif cond.op in UPPER:
            upper[cond.field] = min(upper.get(cond.field, moment), moment)
    widest = max((upper.get(name, now) - start for name, start in lower.items()), default=0.0)
    return math.ceil(widest / WINDOW) if widest > WIDE_RANGE else 0


def unstable_offset(offset: int, windows: int) -> ApiError:
    return ApiError(
        400,
        "UNSTABLE_OFFSET_PAGINATION",
        f"offset {offset} on a search split into {windows} date windows: offset 0 goes through the window "
        "merge and later offsets would not, so the pages would not fit together",
        hint="Fetch the range in one request (limit up to 5000), or page it yourself with "
        "\"autoWindow\": false and sort: 'id', moving offset by data.length until offset >= meta.total",
    )
