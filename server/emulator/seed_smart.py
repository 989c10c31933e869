"""Demo data for the smart processes: the types, their pipelines and stages, and their items."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from .families_smart import TYPES, SmartType, status_record
from .seed import DAY, Record, Timeline, _pick, _randint, iso, iso_date

ITEM_COUNTS = {1032: 60, 1036: 25}
# How items spread over a pipeline's stages: most in progress, some signed, a few lost.
STAGE_WEIGHTS = {"NEW": 3, "PREPARATION": 3, "CLIENT": 2, "SUCCESS": 4, "FAIL": 1}


def records(seed: int, data: Mapping[str, Sequence[Record]], now: float) -> dict[str, list[Record]]:
    """Types, pipelines, items and the stage statuses added to `data["statuses"]`."""
    tl = Timeline(now)
    out: dict[str, list[Record]] = {"smart-processes": [_type(t, tl) for t in TYPES]}
    statuses = list(data["statuses"])
    for t in TYPES:
        out[f"categories/{t.entity_type_id}"] = [
            {"id": cat, "entityTypeId": t.entity_type_id, "name": name, "sort": 100 * n, "isDefault": n == 1}
            for n, (cat, name, _) in enumerate(t.pipelines, start=1)
        ]
        for cat, _, stages in t.pipelines:
            for n, (code, name, sem) in enumerate(stages, start=1):
                list_id = f"DYNAMIC_{t.entity_type_id}_STAGE_{cat}"
                statuses.append(status_record(len(statuses) + 1, list_id, t.stage_id(cat, code), name, n, sem, cat))
        out[f"items/{t.entity_type_id}"] = _items(random.Random(f"{seed}:items:{t.entity_type_id}"), t, tl, data)
    out["statuses"] = statuses
    return out


def _type(t: SmartType, tl: Timeline) -> Record:
    created = tl.start - 200 * DAY
    flags = dict.fromkeys(
        ("isCategoriesEnabled", "isStagesEnabled", "isClientEnabled", "isLinkWithProductsEnabled",
         "isObserversEnabled", "isSourceEnabled", "isAutomationEnabled", "isBizProcEnabled", "isDocumentsEnabled",
         "isRecyclebinEnabled", "isSetOpenPermissions", "isUseInUserfieldEnabled", "isBeginCloseDatesEnabled",
         "isInitialized"),
        True,
    )  # fmt: skip
    flags.update(isMycompanyEnabled=False, isRecurringEnabled=False, isPaymentsEnabled=False, isCountersEnabled=False)
    return {"id": t.id, "entityTypeId": t.entity_type_id, "title": t.title, "code": t.code, "customSectionId": None,
            **flags, "relations": None, "createdBy": 1, "updatedBy": 1, "createdTime": iso(created),
            "updatedTime": iso(created + 30 * DAY)}  # fmt: skip


def _items(rng: random.Random, t: SmartType, tl: Timeline, data: Mapping[str, Sequence[Record]]) -> list[Record]:
    companies = list(data["companies"])
    sales = [int(str(u["id"])) for u in data["users"] if u.get("departmentId") in ([2], [4]) and u.get("active")]
    out: list[Record] = []
    for n in range(1, ITEM_COUNTS[t.entity_type_id] + 1):
        cat, _, stages = t.pipelines[0] if rng.random() < 0.8 or len(t.pipelines) == 1 else t.pipelines[1]
        codes = [code for code, _, _ in stages]
        code = rng.choices(codes, [STAGE_WEIGHTS.get(c, 1) for c in codes])[0]
        company = _pick(rng, companies)
        created = tl.created(rng)
        moved = tl.later(rng, created, 60)
        title = f"Договор №{n:03d}/{iso(created)[:4]} — {company.get('title')}"
        if t.code == "implementation":
            title = f"Внедрение CRM — {company.get('title')}"
        row: Record = {
            "id": n, "title": title, "stageId": t.stage_id(cat, code), "categoryId": cat,
            "opportunity": float(_randint(rng, 12, 480) * 10_000), "currencyId": "RUB",
            "companyId": company["id"], "contactId": None, "assignedById": _pick(rng, sales), "observers": [],
            "sourceId": _pick(rng, ("CALL", "EMAIL", "WEB", "PARTNER", "RECOMMENDATION")),
            "begindate": iso_date(created), "closedate": iso_date(created + _randint(rng, 30, 365) * DAY),
            "createdBy": 1, "updatedBy": 1, "movedBy": 1, "createdTime": iso(created), "updatedTime": iso(moved),
            "movedTime": iso(moved), "entityTypeId": t.entity_type_id,
        }  # fmt: skip
        for suffix, kind, _ in t.user_fields:
            if kind == "string" and t.code == "contracts":
                row[t.uf(suffix)] = f"ВС-{iso(created)[:4]}/{n:03d}"
            elif kind == "string":
                row[t.uf(suffix)] = f"https://demo.bitrix24.ru/docs/path/Проекты/{n:03d}/"
            elif kind == "date":
                row[t.uf(suffix)] = iso_date(created + 365 * DAY)
            else:
                row[t.uf(suffix)] = float(_randint(rng, 20, 400))
        out.append(row)
    return out
