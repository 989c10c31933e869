"""What Bitrix fills in by itself: defaults on create, and fields derived from others on every write.

Deals (Deals: Create response): pipeline 0 and its first stage, the base currency, `opened` true,
`typeId` SALE, `entityTypeId` 2, the key owner as responsible; the pipeline and the stage always
agree; a final stage closes the deal and stamps `closedAt`. Contacts: type CLIENT, source CALL.
Tasks: status 2 (waiting) and priority 1 (normal), a completed task (status 5) gets `closedDate`.
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import echo, validation_error
from .lists import Lists, known_stage, stage_of
from .lists import first_stage as lists_first_stage
from .schema import DEAL_STAGES, Entity

DEAL_ENTITY_TYPE_ID = 2
TASK_WAITING, TASK_COMPLETED, TASK_NORMAL_PRIORITY = 2, 5, 1
CRM_ENTITIES = frozenset({"deals", "leads", "contacts", "companies"})
DEFAULT_DEAL_TYPE = "SALE"
DEFAULT_LEAD_STATUS = "NEW"


def first_stage(category_id: int, lists: Lists) -> str:
    """The pipeline's first stage by sort, from the statuses (the built-in list if they hold no stages).

    A pipeline without stages takes no deals: Deal Categories: Create (L24386) has its stages added
    through /v1/statuses after the pipeline is created."""
    listed = lists_first_stage(lists, category_id)
    if listed is not None:
        return listed
    stages = DEAL_STAGES.get(category_id)
    if lists.stages.get("DEAL_STAGE") or not stages:
        raise validation_error(
            [
                f"fields.categoryId: Pipeline {category_id} has no stages yet; add them with POST /v1/statuses "
                f"(entityId DEAL_STAGE_{category_id})"
            ]
        )
    return stages[0][0]


def apply_defaults(
    entity: Entity, row: dict[str, object], given: Mapping[str, object], *, owner_id: int, base_currency: str
) -> None:
    """Fills the fields a create left out with what Bitrix would put there."""

    def default(name: str, value: object) -> None:
        if name in entity.fields and given.get(name) is None:
            row[name] = value

    if entity.name in CRM_ENTITIES:
        default("opened", True)
        default("assignedById", owner_id)
        default("currency", base_currency)
        default("currencyId", base_currency)
    if entity.name == "deals":
        default("typeId", DEFAULT_DEAL_TYPE)
        row["entityTypeId"] = DEAL_ENTITY_TYPE_ID
    elif entity.name == "leads":
        default("statusId", DEFAULT_LEAD_STATUS)
    elif entity.name == "contacts":  # Contacts: Create response: typeId CLIENT, sourceId CALL
        default("typeId", "CLIENT")
        default("sourceId", "CALL")
    elif entity.name == "statuses":  # Statuses: Create response
        default("system", "N")
        default("nameInit", "")
        default("color", "")
    elif entity.name == "deal-categories":
        default("isLocked", "N")
    elif entity.name == "companies":
        default("companyType", "CUSTOMER")
        default("revenue", 0)  # Companies: Create response
    elif entity.name == "tasks":
        default("status", TASK_WAITING)
        default("priority", TASK_NORMAL_PRIORITY)
        default("responsibleId", owner_id)


def derive(
    entity: Entity,
    row: dict[str, object],
    before: Mapping[str, object] | None,
    given: Mapping[str, object],
    now: str,
    lists: Lists,
) -> None:
    """Keeps derived fields consistent after a write; `before` is None on create. A stage's pipeline
    and semantics come from the statuses (`lists`), so stages added at runtime behave like built-in ones."""
    if entity.name == "deals":
        _deal_pipeline(row, before, given, lists)
        _deal_closing(row, before, given, now, lists)
    elif entity.name == "tasks":
        _task_closing(row, before, given, now)
    if "contactId" in given and "contactIds" in entity.fields:
        contact = row.get("contactId")
        existing = row.get("contactIds")
        others = [c for c in existing if c != contact] if isinstance(existing, list) else []
        row["contactIds"] = ([contact] if contact else []) + others


def _deal_pipeline(
    row: dict[str, object], before: Mapping[str, object] | None, given: Mapping[str, object], lists: Lists
) -> None:
    stage = given.get("stageId")
    category = given.get("categoryId")
    if isinstance(stage, str) and isinstance(category, int):
        owner = stage_of(lists, stage).category
        if owner != category:
            message = f"fields.stageId: Stage '{echo(stage)}' belongs to pipeline {owner}, not {category}"
            raise validation_error([message])
    elif isinstance(stage, str):
        owner = stage_of(lists, stage).category
        current = before.get("categoryId") if before is not None else None
        if isinstance(current, int) and owner != current:
            raise validation_error(
                [
                    f"fields.stageId: Stage '{echo(stage)}' belongs to pipeline {owner}; the deal is in "
                    f"pipeline {current}. Pass categoryId {owner} with it to move the deal"
                ]
            )
        row["categoryId"] = owner
    elif isinstance(category, int):
        if before is None or before.get("categoryId") != category:
            row["stageId"] = first_stage(category, lists)
    elif before is None:
        row["categoryId"] = 0
        row["stageId"] = first_stage(0, lists)


def _deal_closing(
    row: dict[str, object], before: Mapping[str, object] | None, given: Mapping[str, object], now: str, lists: Lists
) -> None:
    stage = row.get("stageId")
    if not isinstance(stage, str) or not known_stage(lists, stage):
        return
    semantic = stage_of(lists, stage).semantic
    row["stageSemanticId"] = semantic
    closed = semantic in ("S", "F")
    was_closed = bool(before.get("closed")) if before is not None else False
    row["closed"] = closed
    if closed and not was_closed and given.get("closedAt") is None:
        row["closedAt"] = now


def _task_closing(
    row: dict[str, object], before: Mapping[str, object] | None, given: Mapping[str, object], now: str
) -> None:
    if "status" not in given and before is not None:
        return
    completed = row.get("status") == TASK_COMPLETED
    was_completed = before is not None and before.get("status") == TASK_COMPLETED
    if completed and not was_completed:
        row["closedDate"] = now
    elif not completed:
        row["closedDate"] = None
