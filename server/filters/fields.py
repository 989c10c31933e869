"""Field lookup for filters: names (both user-field spellings), closest names, and type kinds."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from functools import lru_cache

from server.catalog import FieldSpec

from .problems import FIELD, FilterProblem, problem, show

# A kind groups field types that take the same operators and values.
KINDS: Mapping[str, str] = {
    **dict.fromkeys(("integer", "user", "crm_company", "crm_contact", "crm_lead", "crm_deal", "crm_category"), "int"),
    **dict.fromkeys(("double", "money", "float", "number"), "float"),
    **dict.fromkeys(("boolean", "bool"), "bool"),
    "date": "date",
    "datetime": "datetime",
    **dict.fromkeys(("crm_status", "crm_currency"), "code"),  # string codes: NEW, C1:WON, RUB
    "enumeration": "enum",  # item ids, usually numbers
    **dict.fromkeys(("string", "text", "char", "url", "crm_multifield", "email", "phone", "address"), "text"),
}
ANY = "any"  # a type this server does not know: every operator, values passed as given

EQUALITY = frozenset({"eq", "ne", "in", "nin"})
RANGE = frozenset({"gt", "gte", "lt", "lte"})
OPS_BY_KIND: Mapping[str, frozenset[str]] = {
    "int": EQUALITY | RANGE,
    "float": EQUALITY | RANGE,
    "date": EQUALITY | RANGE,
    "datetime": EQUALITY | RANGE,
    "bool": EQUALITY,
    "code": EQUALITY | {"contains"},
    "enum": EQUALITY,
    "text": EQUALITY | {"contains"},
    ANY: EQUALITY | RANGE | {"contains"},
}
KIND_NAMES: Mapping[str, str] = {
    "int": "a whole number",
    "float": "a number",
    "date": "a date",
    "datetime": "a date-time",
    "bool": "true/false",
    "code": "a code",
    "enum": "a list item",
    "text": "text",
    ANY: "a value",
}


def kind_of(spec: FieldSpec | None) -> str:
    return ANY if spec is None else KINDS.get(spec.type, ANY)


def is_user_field(name: str) -> bool:
    return name.startswith(("UF_", "uf"))


def _squash(name: str) -> str:
    """UF_CRM_1234 and ufCrm_1234, UF_CRM_PRIORITY and ufCrmPriority squash alike."""
    return name.replace("_", "").casefold()


@lru_cache(maxsize=256)
def _index(names: tuple[str, ...]) -> Mapping[str, str]:
    return {_squash(n): n for n in names if is_user_field(n)}


def resolve(name: str, fields: Mapping[str, FieldSpec], key: str) -> tuple[str, FieldSpec | None]:
    """The field's name in the metadata and its spec.

    A user field written in the other spelling resolves to the metadata's. When the metadata
    lists no user fields at all (the static catalog), a user-field name passes unchecked.

    Raises:
        FilterProblem: an unknown field, with the closest names.
    """
    spec = fields.get(name)
    if spec is not None:
        return name, spec
    if is_user_field(name):
        names = tuple(fields)
        index = _index(names)
        other = index.get(_squash(name))
        if other is not None:
            return other, fields[other]
        if not index:
            return name, None
    raise unknown_field(name, fields, key)


def unknown_field(name: str, fields: Mapping[str, FieldSpec], key: str) -> FilterProblem:
    close = closest(name, fields)
    did = f"Did you mean {' or '.join(close)}?" if close else ""
    shown = list(fields)
    listing = ", ".join(shown[:40]) + (f", … ({len(shown)} in all)" if len(shown) > 40 else "")
    return problem(FIELD, key, f"no field {show(name)} here", did or "Check the name.", close, f"Fields: {listing}.")


def closest(name: str, fields: Mapping[str, FieldSpec], n: int = 3) -> list[str]:
    """Names spelled alike (case and underscores ignored), labelled alike, then close by difflib."""
    squashed = _squash(name)
    folded = name.casefold()
    out = [f for f in fields if _squash(f) == squashed]
    out += [f for f, spec in fields.items() if spec.label and spec.label.casefold() == folded]
    lowered = {f.casefold(): f for f in fields}
    out += [lowered[c] for c in difflib.get_close_matches(folded, list(lowered), n=n, cutoff=0.6)]
    return list(dict.fromkeys(out))[:n]
