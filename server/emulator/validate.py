"""Create/update bodies checked against field metadata, with Zod-style `fields.x: ...` messages."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .errors import ApiError, echo, validation_error
from .schema import Entity, Field
from .values import NUMERIC_TYPES, BadValue, format_instant, parse_instant, plain_number, type_name

INTEGER_TYPES = NUMERIC_TYPES - {"double"}
TEXT_TYPES = frozenset({"string", "text", "char", "url", "file", "crm_status", "crm_currency"})
MONEY = re.compile(r"^-?\d+(\.\d+)?(\|[A-Z]{3})?$")
DEFAULT_CURRENCY = "RUB"
# Integers beyond 2^53 lose precision in the upstream's JavaScript; Bitrix stores amounts as DECIMAL(18,2).
MAX_INTEGER = 2**53 - 1
MAX_NUMBER = 1e15
MAX_ID_DIGITS = 18


def fields_of(body: object, entity: Entity) -> dict[str, object]:
    """The field map of a create/update body: flat, or wrapped as `{"fields": {...}}`."""
    if not isinstance(body, dict):
        raise validation_error([f"fields: Expected object, received {type_name(body)}"])
    if set(body) == {"fields"} and isinstance(body["fields"], dict) and "fields" not in entity.fields:
        body = body["fields"]
    return {entity.field_name(str(name)): value for name, value in body.items()}


def check_write(entity: Entity, values: Mapping[str, object], *, create: bool) -> dict[str, object]:
    """Coerced values, or VALIDATION_ERROR listing every problem."""
    issues: list[str] = []
    out: dict[str, object] = {}
    for name, value in values.items():
        field = entity.fields.get(name)
        if field is None:
            issues.append(f"fields.{echo(name)}: Unknown field")
        elif field.readonly:
            issues.append(f"fields.{echo(name)}: Field is read-only")
        elif value is None:
            if field.required:
                issues.append(f"fields.{echo(name)}: Expected {_expected(field)}, received null")
            else:
                out[name] = [] if field.multiple else None
        else:
            try:
                out[name] = coerce(field, value)
            except BadValue as exc:
                issues.append(f"fields.{echo(name)}: {exc}")
    if create:
        for name, field in entity.fields.items():
            if field.required and name not in values:
                issues.append(f"fields.{echo(name)}: Required")
    if issues:
        # Zod reports in schema order: "fields.title: Required; fields.stageId: Expected string, ..." (L1285).
        order = {name: index for index, name in enumerate(entity.fields)}
        issues.sort(key=lambda issue: order.get(issue[len("fields.") :].split(":", 1)[0], len(order)))
        raise validation_error(issues)
    return out


def coerce(field: Field, value: object) -> object:
    """One field value in its stored form; raises BadValue with the Zod-like reason."""
    if field.type == "crm_multifield":
        items = value if isinstance(value, list) else [value]
        return [_multifield(item) for item in items]
    if field.multiple:
        if not isinstance(value, list):
            raise BadValue(f"Expected array, received {type_name(value)}")
        return [_scalar(field, item) for item in value]
    return _scalar(field, value)


def _scalar(field: Field, value: object) -> object:
    kind = field.type
    if kind in NUMERIC_TYPES:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadValue(f"Expected number, received {type_name(value)}")
        if kind in INTEGER_TYPES:
            if isinstance(value, float) and not value.is_integer():
                raise BadValue("Expected integer, received float")
            result: object = _bounded(int(value), MAX_INTEGER)
        else:
            result = plain_number(float(_bounded(value, MAX_NUMBER)))  # 50000, not 50000.0, as the docs print
    elif kind == "money":
        result = _money(value)
    elif kind == "boolean":
        if isinstance(value, str) and value in ("Y", "N", "true", "false"):
            return value in ("Y", "true")  # Bitrix "Y"/"N"; the Workgroups page sends "true"
        if not isinstance(value, bool):
            raise BadValue(f"Expected boolean, received {type_name(value)}")
        return value
    elif kind in ("date", "datetime"):
        if not isinstance(value, str):
            raise BadValue(f"Expected string, received {type_name(value)}")
        try:
            result = format_instant(parse_instant(value))
        except BadValue:
            raise BadValue(f"Invalid {kind}, expected ISO 8601, received '{echo(value)}'") from None
    elif kind == "enumeration":
        # Records hold the value's numeric id, as live captures show (`[493]`); "45" is read as 45.
        if isinstance(value, str) and value.isascii() and value.isdigit():
            if len(value) > MAX_ID_DIGITS:
                raise BadValue(f"Expected an enumeration id, received a {len(value)}-digit number")
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadValue(f"Expected number, received {type_name(value)}")
        result = value
    elif kind in TEXT_TYPES:
        if not isinstance(value, str):
            raise BadValue(f"Expected string, received {type_name(value)}")
        result = value
    else:
        result = value
    if field.items:
        _check_item(field, result)
    return result


def _money(value: object) -> str | float:
    if isinstance(value, bool):
        raise BadValue("Expected number or 'amount|CURRENCY' string, received boolean")
    if isinstance(value, int | float):
        return f"{_bounded(value, MAX_NUMBER):.2f}|{DEFAULT_CURRENCY}"
    if isinstance(value, str) and MONEY.match(value):
        _bounded(float(value.split("|", 1)[0]), MAX_NUMBER)
        return value if "|" in value else f"{value}|{DEFAULT_CURRENCY}"
    raise BadValue(f"Expected number or 'amount|CURRENCY' string, received '{echo(value)}'")


def _bounded(value: float, limit: float) -> float:
    if not -limit <= value <= limit:
        raise BadValue(f"Number must be between {-limit:.15g} and {limit:.15g}")
    return value


def _check_item(field: Field, value: object) -> None:
    allowed = [item_id for item_id, _ in field.items]
    if str(value) not in allowed:
        options = " | ".join(f"'{a}'" for a in allowed)
        raise BadValue(f"Invalid enum value. Expected {echo(options, 400)}, received '{echo(value)}'")


def _multifield(item: object) -> dict[str, object]:
    if isinstance(item, str):
        return {"value": item, "valueType": "WORK"}
    if isinstance(item, dict):
        value = item.get("value", item.get("VALUE"))
        if isinstance(value, str) and value:
            kind = item.get("valueType", item.get("typeId", item.get("VALUE_TYPE", "WORK")))
            return {"value": value, "valueType": str(kind)}
    raise BadValue("Expected string or {value, valueType}, received " + type_name(item))


def _expected(field: Field) -> str:
    if field.multiple:
        return "array"
    if field.type in NUMERIC_TYPES:
        return "number"
    return "boolean" if field.type == "boolean" else "string"


def conflict(message: str) -> ApiError:
    return ApiError(409, "ALREADY_EXISTS", message)
