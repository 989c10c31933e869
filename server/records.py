"""Record shaping that needs the catalog: key spelling, concise includes, money across currencies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from server import specs
from server.catalog import EntitySpec, FieldSpec
from server.results import project


def _canon(name: str) -> str:
    return name.replace("_", "").lower()


@cache
def _spelling(fields: tuple[str, ...]) -> dict[str, str]:
    return {_canon(f): f for f in fields}


def normalise_keys(record: Mapping[str, Any], fields: Mapping[str, FieldSpec]) -> dict[str, Any]:
    """`record` with its keys spelled as the catalog spells them (RESPONSIBLE_ID → responsibleId).

    Tasks and users may answer in UPPER_SNAKE case; keys the catalog does not know (user fields
    such as UF_CRM_1234) are kept as they are.
    """
    if all(k in fields or k.startswith(("UF_", "uf")) or k == "_included" for k in record):
        return dict(record)
    spelling = _spelling(tuple(fields))
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = key if key in fields or key.startswith(("UF_", "uf")) else spelling.get(_canon(key), key)
        if name not in out or key == name:
            out[name] = value
    return out


def normalise_page(records: Iterable[Any], fields: Mapping[str, FieldSpec]) -> list[Mapping[str, Any]]:
    """The mappings among `records`, keys spelled as the catalog spells them (see `normalise_keys`).

    Records already in the catalog's spelling are passed through as they are (not copied), and the
    check is made once per distinct set of keys, not once per record.
    """
    plain: dict[tuple[str, ...], bool] = {}
    out: list[Mapping[str, Any]] = []
    for record in records:
        if not isinstance(record, Mapping):
            continue
        keys = tuple(record)
        ok = plain.get(keys)
        if ok is None:
            ok = plain[keys] = all(k in fields or k.startswith(("UF_", "uf")) or k == "_included" for k in keys)
        out.append(record if ok else normalise_keys(record, fields))
    return out


def concise_included(included: Any, fields: Mapping[str, FieldSpec] | None = None) -> Any:
    """Related records (`_included`) in concise form: the few fields that name and reach them.

    Which fields is data (`includes` in tool_specs/names.json); an unknown kind keeps id and name.
    """
    if not isinstance(included, Mapping):
        return included
    kinds = specs.load("names.json")["includes"]
    out: dict[str, Any] = {}
    for kind, value in included.items():
        keep: list[str] = kinds.get(kind) or ["id", "title", "name", "lastName"]

        def shape(rec: Any, keep: list[str] = keep) -> Any:
            return project(normalise_keys(rec, fields or {}), keep, concise=True) if isinstance(rec, Mapping) else rec

        out[kind] = [shape(r) for r in value] if isinstance(value, list) else shape(value)
    return out


def money_fields(entity: EntitySpec) -> Mapping[str, str]:
    """{money field: its currency field} for `entity` (from tool_specs/names.json)."""
    money: Mapping[str, str] = specs.load("names.json")["money"].get(entity.name, {})
    return money


def with_currencies(entity: EntitySpec, shown: Sequence[str]) -> list[str]:
    """`shown` plus the currency of each money field in it, so a page's money summary can split its
    amounts by currency even when the caller's select left the currency out."""
    money = money_fields(entity)
    return list(dict.fromkeys([*shown, *(money[f] for f in shown if f in money)]))


def money_rows(entity: EntitySpec, records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each record's money fields and their currencies (records in the catalog's spelling)."""
    names = [name for pair in money_fields(entity).items() for name in pair]
    return [{name: rec[name] for name in names if name in rec} for rec in records] if names else []


def _sort_fields(sort: Any) -> list[str]:
    if isinstance(sort, str):
        return [p.strip().lstrip("+-") for p in sort.split(",") if p.strip()]
    if isinstance(sort, list):
        return [str(p).lstrip("+-") for p in sort]
    if isinstance(sort, Mapping):
        return [str(k) for k in sort]
    return []


def _amount(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def format_amount(value: float) -> str:
    return f"{value:,.0f}" if value.is_integer() or abs(value) >= 100 else f"{value:,.2f}"


def _one_currency(flt: Any, currency_field: str) -> bool:
    """True when the filter pins the currency to one value, so a money sort compares like with like."""
    if not isinstance(flt, Mapping):
        return False
    value = flt.get(currency_field)
    if isinstance(value, Mapping):
        value = value.get("$eq", value.get("=", value.get("$in")))
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return isinstance(value, str)


def money_summary(entity: EntitySpec, records: Sequence[Mapping[str, Any]], sort: Any, flt: Any = None) -> str:
    """A summary sentence: the page's money per currency, and a warning when a money sort may mix currencies.

    `records` carry each money field with its currency (see `money_rows`): a missing currency is one
    the record has not set, never one the page did not ask for."""
    parts = []
    for amount_field, currency_field in money_fields(entity).items():
        totals: dict[str, float] = {}
        for rec in records:
            amount = _amount(rec.get(amount_field))
            if amount is not None:
                cur = str(rec.get(currency_field) or "no currency")
                totals[cur] = totals.get(cur, 0.0) + amount
        if not totals:
            continue
        by_currency = "; ".join(f"{format_amount(v)} {c}" for c, v in sorted(totals.items(), key=lambda kv: -kv[1]))
        parts.append(f"{amount_field} on this page by currency: {by_currency}.")
        if amount_field in _sort_fields(sort) and not _one_currency(flt, currency_field):
            parts.append(
                f"Sorted by {amount_field} as plain numbers, currencies not converted: "
                f"filter by {currency_field} to rank within one currency."
            )
    return " ".join(parts)
