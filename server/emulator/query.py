"""Sort (string, object, array forms), select, limit/offset, as list and search read them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus

from .errors import ApiError, echo, invalid_params, unknown_filter_field
from .filters import query_filter
from .schema import Entity
from .values import Normalizer, type_name

DEFAULT_LIMIT = 50
MAX_LIMIT = 5000
MAX_DIGITS = 18
ASC = frozenset({"asc", "1"})
DESC = frozenset({"desc", "-1"})

Row = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    desc: bool = False


DEFAULT_SORT = (SortKey("id"),)


def parse_sort(raw: object, entity: Entity) -> tuple[SortKey, ...]:
    """`"id,-amount"`, `{"id": "asc", "amount": -1}` (key order) or `["id", "-amount"]`."""
    if raw is None:
        return DEFAULT_SORT
    keys: list[SortKey] = []
    if isinstance(raw, str):
        keys = [_signed(part.strip()) for part in raw.split(",") if part.strip()]
    elif isinstance(raw, list):
        for item in raw:
            if not isinstance(item, str):
                raise _bad_type(item)
            if item.strip():
                keys.append(_signed(item.strip()))
    elif isinstance(raw, dict):
        keys = [SortKey(str(name), _direction(str(name), value)) for name, value in raw.items()]
    else:
        raise _bad_type(raw)
    keys = [SortKey(entity.field_name(k.field), k.desc) for k in keys]
    for key in keys:
        if key.field not in entity.fields:
            raise ApiError(
                400,
                "UNKNOWN_SORT_FIELD",
                f"Unknown sort field '{echo(key.field)}'",
                hint=f"Available fields: {', '.join(entity.fields)}",
            )
    if not keys:
        return DEFAULT_SORT
    if all(k.field != "id" for k in keys):
        keys.append(SortKey("id"))  # a total order, so offset paging is stable
    return tuple(keys)


def _signed(text: str) -> SortKey:
    if text.startswith("-"):
        return SortKey(text[1:], True)
    return SortKey(text[1:] if text.startswith("+") else text)


def _direction(name: str, value: object) -> bool:
    text = str(value).strip().lower() if isinstance(value, str | int) and not isinstance(value, bool) else None
    if text in ASC:
        return False
    if text in DESC:
        return True
    raise ApiError(
        400,
        "INVALID_SORT_DIRECTION",
        f"Invalid sort direction for '{echo(name)}': {echo(repr(value))}. Use asc, desc, 1 or -1",
    )


def _bad_type(value: object) -> ApiError:
    return ApiError(
        400,
        "INVALID_SORT_TYPE",
        f"sort must be a string, an object or an array of strings, received {type_name(value)}",
        hint='Examples: "id,-createdAt", {"id": "asc", "amount": -1}, ["id", "-amount"]',
    )


def row_sort_key(name: str, norm: Normalizer, multiple: bool) -> Callable[[Row], tuple[int, object]]:
    """A row's sort key on one field: empty values first, text case-folded."""

    def sort_key(row: Row) -> tuple[int, object]:
        value = row.get(name)
        if multiple and isinstance(value, list):
            value = value[0] if value else None
        normalized = norm(value)
        if normalized is None:
            return (0, 0)
        return (1, normalized.casefold() if isinstance(normalized, str) else normalized)

    return sort_key


def row_text_key(name: str) -> Callable[[Row], str]:
    return lambda row: str(row.get(name))


def parse_select(raw: object, entity: Entity) -> tuple[str, ...] | None:
    """Field list (array or comma string); `id` is always kept; None means every field."""
    if raw is None:
        return None
    if isinstance(raw, str):
        names = [part.strip() for part in raw.split(",") if part.strip()]
    elif isinstance(raw, list) and all(isinstance(n, str) for n in raw):
        names = [n.strip() for part in raw for n in str(part).split(",") if n.strip()]
    else:
        raise invalid_params(f"select must be an array of field names, received {type_name(raw)}")
    if not names or "*" in names:
        return None
    chosen = ["id"]
    for name in names:
        if name in ("UF_*", "ufCrm_*"):
            chosen.extend(n for n, f in entity.fields.items() if f.user_field and n not in chosen)
            continue
        name = entity.field_name(name)
        if name not in entity.fields:
            available = ", ".join(entity.fields)
            raise invalid_params(f"Unknown select field '{echo(name)}'", hint=f"Available fields: {available}")
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def project(row: Row, select: tuple[str, ...] | None) -> dict[str, object]:
    """A new dict with the selected fields (lists copied), never the stored row."""
    if select is None:
        return dict(row)  # lists are shared safely: stored rows are replaced on write, never mutated
    out: dict[str, object] = {}
    for name in select:
        if name in row:
            value = row[name]
            out[name] = list(value) if isinstance(value, list) else value
    return out


def parse_int(name: str, raw: object, default: int, *, minimum: int, maximum: int | None = None) -> int:
    """A page parameter from JSON (number) or a query string (digits)."""
    if raw is None:
        return default
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    elif isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        if len(raw.strip()) > MAX_DIGITS:
            raise invalid_params(f"{name} must be an integer of at most {MAX_DIGITS} digits")
        value = int(raw.strip())
    if value is None:
        raise invalid_params(f"{name} must be an integer, received {_short(raw)}")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise invalid_params(f"{name} must be {bound}, received {value}")
    return value


def _short(raw: object) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


def page_params(limit: object, offset: object) -> tuple[int, int]:
    return (
        parse_int("limit", limit, DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT),
        parse_int("offset", offset, 0, minimum=0),
    )


def query_pairs(query: str) -> list[tuple[str, str]]:
    """Decoded `name=value` pairs; an `=` inside brackets belongs to the name (`filter[>=amount]=1`)."""
    pairs: list[tuple[str, str]] = []
    for part in query.split("&"):
        if not part:
            continue
        depth, cut = 0, len(part)
        for index, char in enumerate(part):
            if char == "[":
                depth += 1
            elif char == "]":
                depth = max(0, depth - 1)
            elif char == "=" and depth == 0:
                cut = index
                break
        pairs.append((unquote_plus(part[:cut]), unquote_plus(part[cut + 1 :])))
    return pairs


LIST_PARAMS = frozenset({"limit", "offset", "select", "select[]", "sort", "include", "include[]"})


def list_query(pairs: list[tuple[str, str]], entity: Entity) -> dict[str, object]:
    """`GET /v1/{entity}` query parameters as the same raw values a search body carries.

    A bare parameter naming a field is an equality filter; any other unknown parameter is rejected
    the way the live API rejects `start`: 400 INVALID_FILTER_FIELD "Unknown filter field 'start'".
    """
    filter_pairs: list[tuple[str, str]] = []
    order: dict[str, object] = {}
    select: list[str] = []
    include: list[str] = []
    bare: dict[str, object] = {}
    out: dict[str, object] = {}
    for name, value in pairs:
        if name.startswith("filter["):
            filter_pairs.append((name, value))
        elif name.startswith("order[") and name.endswith("]") and name.count("[") == 1:
            order[name[len("order[") : -1]] = value
        elif name in ("select", "select[]"):
            select.append(value)
        elif name in ("include", "include[]"):
            include.append(value)
        elif name in LIST_PARAMS:
            out[name] = value
        elif entity.field_name(name) in entity.fields:
            bare[entity.field_name(name)] = value
        else:
            raise unknown_filter_field(name)
    query_filter_obj = query_filter(filter_pairs)
    for field_name, field_value in bare.items():
        query_filter_obj.setdefault(field_name, field_value)
    out["filter"] = query_filter_obj or None
    if "sort" not in out and order:
        out["sort"] = order
    if select:
        out["select"] = ",".join(select)
    if include:
        out["include"] = ",".join(include)
    return out
