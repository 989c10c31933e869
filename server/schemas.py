"""Field metadata (`FieldSpec`) → JSON Schema: the `fields` of create/update, and field-name enums.

Compact by design: a standard camelCase name explains itself, so only user fields and fields
with allowed values carry a description (their label, and the values' names).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.catalog import FieldSpec

STRING_TYPES = frozenset({"string", "text", "url", "crm_currency", "crm_status", "location", "address"})
NUMBER_TYPES = frozenset({"double", "money", "number", "float"})
ID_TYPES = frozenset({"integer", "user", "employee", "crm_company", "crm_contact", "crm_lead", "crm_quote",
                      "crm_deal", "crm_category", "crm_entity", "crm", "iblock_section", "iblock_element"})  # fmt: skip
# Phones, e-mails, sites: the documented write shape, said once in the description.
MULTIFIELD = {
    "type": "array",
    "items": {"type": "object", "required": ["value"]},
    "description": "[{value, typeId: WORK|MOBILE|HOME|OTHER…}]",
}
ORDER_VALUES = ["asc", "desc"]


def is_user_field(name: str) -> bool:
    """UF_CRM_* (Bitrix spelling) and ufCrm* (camelCase spelling) fields are the portal's own."""
    return name.startswith(("UF_", "ufCrm", "uf_"))


def _item_id(raw: str, numeric: bool) -> str | int:
    return int(raw) if numeric else raw


def value_schema(field: FieldSpec) -> dict[str, Any]:
    """The schema of one value of `field` (without `multiple`)."""
    kind = field.type
    schema: dict[str, Any]
    if field.items:
        # Allowed values: pipelines are integer ids, everything else keeps the ids as listed.
        numeric = kind in ID_TYPES and all(i.lstrip("-").isdigit() for i, _ in field.items)
        schema = {"enum": [_item_id(i, numeric) for i, _ in field.items]}
    elif kind == "boolean":
        schema = {"type": "boolean"}
    elif kind == "char":
        schema = {"enum": ["Y", "N"]}  # Bitrix's Y/N flag
    elif kind in NUMBER_TYPES:
        schema = {"type": "number"}
    elif kind in ID_TYPES:
        schema = {"type": "integer"}
    elif kind == "date":
        schema = {"type": "string", "format": "date"}
    elif kind == "datetime":
        schema = {"type": "string", "format": "date-time"}
    elif kind in STRING_TYPES or kind == "enumeration":
        schema = {"type": "string"}
    else:
        schema = {}  # file and other structured types: passed through as the portal documents them
    return schema


def _opaque(items: tuple[tuple[str, str], ...]) -> bool:
    """Numeric ids (pipelines, list values of user fields) say nothing without their names;
    WON, CALL or RUB do, and their names stay with the fields and reference tools."""
    return any(ident.isdigit() for ident, _ in items)


def field_schema(field: FieldSpec, *, names: bool = True) -> dict[str, Any]:
    """The schema of `field` in a create/update body: its value type, arrays for multiple fields.

    `names` adds labels (user fields) and the allowed values' names to the description (create
    does; update leaves them to create's schema, to keep tools/list small).
    """
    if field.type == "crm_multifield":
        schema = dict(MULTIFIELD)
    else:
        schema = value_schema(field)
        if field.pattern:
            schema["pattern"] = field.pattern
        if field.multiple:
            schema = {"type": "array", "items": schema}
    notes = []
    if names and field.label and (is_user_field(field.name) or (field.items and _opaque(field.items))):
        notes.append(field.label)
    if names and field.items and _opaque(field.items) and any(label and label != ident for ident, label in field.items):
        notes.append(", ".join(f"{ident}={label}" for ident, label in field.items))
    if len(field.groups) > 1:
        notes.append("C{n}: stages are pipeline n's; send its categoryId too")
    if field.hint:
        notes.append(field.hint)
    if notes:
        schema["description"] = ": ".join(notes)
    return schema


def writable_fields_schema(
    fields: Mapping[str, FieldSpec], *, create: bool, names: bool | None = None
) -> dict[str, Any]:
    """The `fields` argument of create (required fields required) or update (any subset, at least one).

    `names` (default: create's) puts labels and the allowed values' names in the descriptions."""
    named = create if names is None else names
    # A fixed field (a requisite's owner, an address's key) is set on create and never changed.
    props = {
        name: field_schema(f, names=named) for name, f in fields.items() if not f.readonly and (create or not f.fixed)
    }
    schema: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    required = [name for name, f in fields.items() if f.required and not f.readonly]
    if create and required:
        schema["required"] = required
    if not create:
        schema["minProperties"] = 1
    return schema


def name_enum(fields: Mapping[str, FieldSpec]) -> list[str]:
    """Every field name, in metadata order (for select, order/sort, groupBy)."""
    return list(fields)


def order_schema(fields: Mapping[str, FieldSpec]) -> dict[str, Any]:
    """{"field": "asc"|"desc"} with the names of the entity's single-valued fields (the sortable ones)."""
    sortable = [name for name, f in fields.items() if not f.multiple and f.type != "crm_multifield"]
    return {
        "type": "object",
        "propertyNames": {"enum": sortable},
        "additionalProperties": {"enum": ORDER_VALUES},
    }
