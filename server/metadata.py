"""Field metadata per entity: the portal's live `fields` answers, cached, or the static catalog.

`EntityMeta` is what schemas and validation read: fields as `FieldSpec`s (enumeration, stage,
pipeline and currency fields with their allowed values), the include relations and bulk
actions the portal reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from server.catalog import EntitySpec, FieldSpec


@dataclass(frozen=True)
class EntityMeta:
    """One entity's metadata as the portal (or, failing that, the catalog) describes it."""

    fields: Mapping[str, FieldSpec]
    include: tuple[str, ...]
    live: bool = False

    @staticmethod
    def static(entity: EntitySpec) -> EntityMeta:
        """The catalog's own field list (used when the portal cannot be asked)."""
        return EntityMeta(fields=entity.fields, include=entity.include)
