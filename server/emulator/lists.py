"""Allowed values that follow the store: stages and statuses from `/v1/statuses`, pipelines from
`deal-categories` (a smart process's from `categories/{type}`), currencies from `/v1/currencies`.

A stage or pipeline added at runtime shows in `GET /v1/{entity}/fields` and is accepted by writes at
once, as on Bitrix24; one deleted disappears. A list the store holds no rows for keeps the built-in
values of the field (a hand-made portal without a statuses table still validates its stages).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from .schema import STAGE_SEMANTICS, Entity, Field, stage_category
from .store import Row, Store

Items = tuple[tuple[str, str], ...]
# `DEAL_STAGE_3`, `DYNAMIC_1032_STAGE_7`: one pipeline's stages; at most 9 digits, as pipeline ids are.
_PIPELINE_LIST = re.compile(r"^(?P<base>.*_STAGE)(?:_(?P<category>[0-9]{1,9}))?$")


@dataclass(frozen=True, slots=True)
class Stage:
    category: int
    semantic: str  # P, S or F


@dataclass(frozen=True, slots=True)
class Lists:
    """One version of the store's reference lists (rebuilt when one of their tables changes)."""

    statuses: Mapping[str, Items]  # entityId (pipelines folded into their base list) -> items
    stages: Mapping[str, Mapping[str, Stage]]  # stage list (DEAL_STAGE) -> statusId -> pipeline, semantics
    categories: Mapping[str, Items]  # entity name -> its pipelines
    currencies: Items


def build(store: Store) -> Lists:
    statuses: dict[str, list[tuple[tuple[int, int, int], str, str]]] = {}
    stages: dict[str, dict[str, Stage]] = {}
    for row in _rows(store, "statuses"):
        entity_id, status_id = row.get("entityId"), row.get("statusId")
        if not isinstance(entity_id, str) or not isinstance(status_id, str):
            continue
        name = str(row.get("name") or status_id)
        m = _PIPELINE_LIST.match(entity_id)
        base = m.group("base") if m else entity_id
        category = int(m.group("category") or 0) if m else 0
        order = (category, _int(row.get("sort")), _int(row.get("id")))
        statuses.setdefault(base, []).append((order, status_id, name))
        if m:
            semantic = row.get("semantics")
            stages.setdefault(base, {})[status_id] = Stage(category, semantic if semantic in ("S", "F") else "P")
    categories: dict[str, Items] = {}
    deal_pipelines = _pipelines(_rows(store, "deal-categories"))
    if deal_pipelines:
        categories["deals"] = deal_pipelines
    for name in store.tables:
        if name.startswith("categories/"):
            pipelines = _pipelines(_rows(store, name))
            if pipelines:
                categories["items/" + name.split("/", 1)[1]] = pipelines
    currencies = tuple(
        (str(row["id"]), str(row.get("fullName") or row["id"]))
        for row in sorted(_rows(store, "currencies"), key=lambda r: (_int(r.get("sort")), str(r.get("id"))))
        if isinstance(row.get("id"), str)
    )
    return Lists(
        statuses={k: tuple((sid, name) for _, sid, name in sorted(v, key=lambda e: e[0])) for k, v in statuses.items()},
        stages=stages,
        categories=categories,
        currencies=currencies,
    )


def field_items(lists: Lists, entity: Entity, field: Field) -> Items | None:
    """The field's allowed values as the store holds them, or None to keep its built-in ones."""
    if field.type == "crm_status" and field.status_type:
        return lists.statuses.get(field.status_type) or None
    if field.type == "crm_category":
        return lists.categories.get(entity.name) or None
    if field.type == "crm_currency" and field.items:
        return lists.currencies or None
    return None


def live_entity(lists: Lists, entity: Entity) -> Entity:
    """`entity` with the allowed values of its reference fields taken from `lists`."""
    changed: dict[str, Field] = {}
    for name, field in entity.fields.items():
        items = field_items(lists, entity, field)
        if items is not None and items != field.items:
            changed[name] = replace(field, items=items)
    return replace(entity, fields={**entity.fields, **changed}) if changed else entity


DEAL_STAGE = "DEAL_STAGE"


def stage_of(lists: Lists, stage_id: str) -> Stage:
    """A deal stage's pipeline and semantics: from the statuses when listed there, else from its id."""
    found = lists.stages.get(DEAL_STAGE, {}).get(stage_id)
    if found is not None:
        return found
    return Stage(stage_category(stage_id), STAGE_SEMANTICS.get(stage_id, "P"))


def known_stage(lists: Lists, stage_id: str) -> bool:
    return stage_id in lists.stages.get(DEAL_STAGE, {}) or stage_id in STAGE_SEMANTICS


def first_stage(lists: Lists, category_id: int) -> str | None:
    """A deal pipeline's first stage by sort, as the statuses hold them (None if they hold none)."""
    stages = lists.stages.get(DEAL_STAGE, {})
    for status_id, _ in lists.statuses.get(DEAL_STAGE, ()):
        if stages[status_id].category == category_id:
            return status_id
    return None


def _rows(store: Store, name: str) -> list[Row]:
    table = store.tables.get(name)
    return table.scan() if table is not None else []


def _pipelines(rows: list[Row]) -> Items:
    ordered = sorted(rows, key=lambda r: (_int(r.get("sort")), _int(r.get("id"))))
    return tuple((str(row["id"]), str(row.get("name") or row["id"])) for row in ordered if "id" in row)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
