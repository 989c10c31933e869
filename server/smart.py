"""Smart process types as typed toolsets of their own, discovered from the portal at start-up.

A tool's input schema cannot change with an argument, so `items_*` (entityTypeId as an argument)
can only offer what every type shares. When the portal has few types (`typed_max_types` of the
`smart` toolset in tool_specs/toolsets.json), each type also gets `sp_{slug}_{operation}` tools
bound to its entityTypeId, with schemas from that type's own field metadata: its user fields, its
stages and pipelines as enums. The tool list is fixed for the life of the process (a type created
later is reached through `items_*`), so every client sees the same list.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server import specs
from server.catalog import EntitySpec, FieldSpec

TYPES_CALL = "~smart-processes"  # the call id of the type list inside the metadata batch
MAX_TYPES = 50  # types whose fields are fetched: one /v1/batch
MAX_SLUG = 40  # keeps `sp_{slug}_aggregate` within 64 characters
TYPED_OPERATIONS = ("search", "get", "create", "update", "delete", "aggregate")
CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        (
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ),  # fmt: skip
        strict=True,
    )
)


@dataclass(frozen=True)
class SmartType:
    """One smart process type as the portal lists it."""

    entity_type_id: int
    title: str
    code: str = ""

    @property
    def key(self) -> str:
        """Where its items live, and the key of their field metadata."""
        return f"items/{self.entity_type_id}"


def typed_max_types() -> int:
    """Up to this many types, each gets typed tools of its own (above it, only items_*)."""
    return int(specs.load("toolsets.json")["toolsets"]["smart"].get("typed_max_types", 0))


def types_call() -> dict[str, Any]:
    """The `/v1/batch` call that lists the portal's types (sent with the first metadata batch)."""
    select = ["id", "entityTypeId", "title", "code"]
    params = {"select": select, "limit": MAX_TYPES}
    return {"id": TYPES_CALL, "entity": "smart-processes", "action": "list", "params": params}


def parse_types(raw: Any) -> tuple[SmartType, ...]:
    """The types of a list answer, by entityTypeId; rows without a usable entityTypeId are skipped."""
    out: dict[int, SmartType] = {}
    for row in raw if isinstance(raw, list) else []:
        if not isinstance(row, Mapping):
            continue
        type_id = row.get("entityTypeId")
        if isinstance(type_id, int) and not isinstance(type_id, bool) and type_id > 0:
            out[type_id] = SmartType(type_id, str(row.get("title") or ""), str(row.get("code") or ""))
    return tuple(out[k] for k in sorted(out))


def fields_calls(types: Iterable[SmartType]) -> list[dict[str, Any]]:
    """`fields` of each type's items, addressed as the batch page documents (`params.entityTypeId`)."""
    return [
        {"id": t.key, "entity": "items", "action": "fields", "params": {"entityTypeId": t.entity_type_id}}
        for t in types
    ]


def slug(text: str) -> str:
    """`Проекты внедрения` → `proekty_vnedreniya`; ASCII letters, digits and single underscores."""
    out = []
    for ch in text.lower():
        ch = CYRILLIC.get(ch, ch)
        ch = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
        if ch:  # the hard and soft signs have no letter of their own
            out.append(ch if ch.isalnum() or ch == "_" else "_")
    return re.sub(r"_+", "_", "".join(out)).strip("_")[:MAX_SLUG].strip("_")


def prefixes(types: Sequence[SmartType]) -> dict[int, str]:
    """A stable, unique tool prefix per type: `sp_` + the slug of its code, else of its title, else its id.

    Depends only on the types themselves; a slug two types share gets each type's entityTypeId appended.
    """
    bases = {t.entity_type_id: slug(t.code) or slug(t.title) or str(t.entity_type_id) for t in types}
    counts: dict[str, int] = {}
    for base in bases.values():
        counts[base] = counts.get(base, 0) + 1
    out: dict[int, str] = {}
    for type_id, base in sorted(bases.items()):
        name = f"sp_{base}" if counts[base] == 1 else f"sp_{base}_{type_id}"
        out[type_id] = name if name not in out.values() else f"sp_{type_id}"
    return out


def typed_entities(
    items: EntitySpec, types: Sequence[SmartType], fields_of: Mapping[str, Mapping[str, FieldSpec]]
) -> list[EntitySpec]:
    """One entity spec per type, bound to its entityTypeId, when there are at most `typed_max_types`."""
    if not types or len(types) > typed_max_types():
        return []
    names = prefixes(types)
    out = []
    for t in types:
        fields = dict(fields_of.get(t.key) or items.fields)
        user = [n for n in fields if n.startswith("ufCrm")]
        summary = f"Items of the smart process «{t.title}» (entityTypeId {t.entity_type_id}, already bound)"
        summary += f"; its own fields: {', '.join(user)}." if user else "."
        out.append(
            dataclasses.replace(
                items,
                title=f"{t.title} items",
                summary=summary,
                operations=tuple(op for op in TYPED_OPERATIONS if op in items.operations),
                fields=fields,
                prefix=names[t.entity_type_id],
                bound=(("entityTypeId", t.entity_type_id),),
            )
        )
    return out
