"""Field metadata for filter tests: the static catalog with list items laid over it, as live metadata has them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from server.catalog import FieldSpec, load_catalog

DATA = Path(__file__).parent / "data" / "filters"


def entity_fields() -> dict[str, Mapping[str, FieldSpec]]:
    overlay = json.loads((DATA / "fields.json").read_text(encoding="utf-8"))
    out: dict[str, Mapping[str, FieldSpec]] = {}
    for name, entity in load_catalog().entities.items():
        fields = dict(entity.fields)
        for field, raw in overlay.get(name, {}).items():
            base = fields.get(field, FieldSpec(field, raw["type"]))
            items = tuple((str(i), str(label)) for i, label in raw.get("items", []))
            groups = tuple((str(p), tuple(ids)) for p, ids in raw.get("groups", []))
            fields[field] = replace(
                base,
                type=raw["type"],
                label=raw.get("label", ""),
                multiple=raw.get("multiple", False),
                items=items,
                groups=groups,
            )
        out[name] = fields
    return out
