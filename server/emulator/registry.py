"""Every entity the demo portal serves: the CRM core (`schema`) and the entity families beside it.

`generate` also seeds the product rows (`rows.TABLE`), a table of the portal that is no entity."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from . import (
    chats,
    families_a,
    families_b,
    families_c,
    families_presets,
    families_req,
    families_smart,
    families_tasks,
    schema,
    seed_chats,
    seed_families_a,
    seed_families_b,
    seed_families_c,
    seed_requisites,
    seed_smart,
    seed_tasks,
    userfields,
)
from . import seed as seed_data
from .schema import Entity
from .seed import Record

ENTITIES: Mapping[str, Entity] = MappingProxyType(
    {
        **schema.ENTITIES,
        **families_a.ENTITIES,
        **families_smart.ENTITIES,
        **families_b.ENTITIES,
        **families_c.ENTITIES,
        **families_tasks.ENTITIES,
        **userfields.ENTITIES,
        **families_req.ENTITIES,
        **families_presets.ENTITIES,
        chats.CHATS.name: chats.CHATS,
    }
)


def generate(seed: int = 42, scale: float = 1.0, now: float = seed_data.REFERENCE_TS) -> dict[str, list[Record]]:
    """Demo records for every entity in ENTITIES (see `seed.generate`)."""
    data = seed_data.generate(seed, scale, now)
    data.update(seed_families_a.records(seed, data, now))
    data.update(seed_smart.records(seed, data, now))
    data.update(seed_families_b.records(seed, now))
    data.update(seed_families_c.records(seed, data, now))
    data.update(seed_families_c.product_rows(seed, data))
    data.update(seed_tasks.records(seed, data, now))
    data["userfields"] = userfields.seed(ENTITIES)
    data.update(seed_requisites.records(seed, data, now))
    data[families_presets.ENTITY_NAME] = families_presets.seed(data["requisite-presets"])
    data.update(seed_chats.records(seed, data, now))
    return data
