"""The reference tool against the demo portal: one call resolves "won stage", "pipeline Тендеры",
"in rubles", a department or a workgroup to the ids filters need."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pytest
from portal_rig import rig

from server.client import ApiResponse
from server.errors import InvalidArguments
from server.refdata import ReferenceData, label_kind, semantics

pytestmark = pytest.mark.anyio


async def test_pipelines_come_with_their_stages_names_and_outcomes() -> None:
    r = rig()
    out = await r.dispatcher.call("reference", {"kind": "pipelines"})
    pipelines = out.structured["pipelines"]
    categories = sorted(r.portal.store.table("deal-categories").scan(), key=lambda c: c["sort"])
    assert [(p["id"], p["name"]) for p in pipelines] == [(c["id"], c["name"]) for c in categories]
    main = pipelines[0]
    assert main["default"] is True and [s["id"] for s in main["stages"]][:2] == ["NEW", "PREPARATION"]
    won = [s for p in pipelines for s in p["stages"] if s["semantics"] == "success"]
    assert {s["id"] for s in won} == {"WON", "C1:WON", "C2:WON"}
    assert 'WON "Сделка успешна" [success]' in out.text


async def test_a_pipeline_resolves_by_name_in_one_call_and_is_cached() -> None:
    r = rig()
    out = await r.dispatcher.call("reference", {"kind": "pipelines", "name": "тендеры"})
    (tenders,) = out.structured["pipelines"]
    assert tenders["id"] == 1 and [s["id"] for s in tenders["stages"]] == [
        "C1:NEW",
        "C1:PREPARATION",
        "C1:WON",
        "C1:LOSE",
    ]
    calls = len(r.seen)
    assert calls == 2  # deal-categories, then the stage lists of every pipeline at once
    by_id = await r.dispatcher.call("reference", {"kind": "pipelines", "name": 2})
    assert by_id.structured["pipelines"][0]["name"] == "Сервисные контракты" and len(r.seen) == calls
    with pytest.raises(InvalidArguments) as exc:
        await r.dispatcher.call("reference", {"kind": "pipelines", "name": "Склад"})
    assert "1 Тендеры" in str(exc.value.hint)


async def test_status_lists_one_or_all() -> None:
    r = rig()
    sources = await r.dispatcher.call("reference", {"kind": "statuses", "name": "SOURCE"})
    assert list(sources.structured["lists"]) == ["SOURCE"]
    assert {"id": "CALL", "name": "Звонок"} in sources.structured["lists"]["SOURCE"]
    every = await r.dispatcher.call("reference", {"kind": "statuses"})
    lead = every.structured["lists"]["STATUS"]
    assert {e["id"]: e.get("semantics") for e in lead}["CONVERTED"] == "success"
    assert all("semantics" not in e for e in every.structured["lists"]["INDUSTRY"])  # plain lists have none
    with pytest.raises(InvalidArguments, match="No status list 'NOPE'") as exc:
        await r.dispatcher.call("reference", {"kind": "statuses", "name": "NOPE"})
    assert "SOURCE" in str(exc.value.hint)


async def test_currencies_mark_the_base_one_first() -> None:
    out = await rig().dispatcher.call("reference", {"kind": "currencies"})
    data = out.structured
    assert data["kind"] == "currencies" and data["base"] == "RUB" and data["currencies"][0] == {
        "code": "RUB", "name": "Российский рубль", "rate": 1.0, "nominal": 1, "base": True}  # fmt: skip
    assert {c["code"] for c in data["currencies"]} == {"RUB", "USD", "EUR"}
    assert 'USD "Доллар США" 1 = 92.5 RUB' in out.text


async def test_departments_and_workgroups_name_their_people() -> None:
    r = rig()
    users = {u["id"]: f"{u['name']} {u['lastName']}" for u in r.portal.store.table("users").scan()}
    deps = (await r.dispatcher.call("reference", {"kind": "departments"})).structured["departments"]
    assert len(deps) == len(r.portal.store.table("departments").scan())
    assert all(d["head"] == users[d["headId"]] for d in deps if "headId" in d)
    sales = (await r.dispatcher.call("reference", {"kind": "departments", "name": "продаж"})).structured["departments"]
    assert [d["name"] for d in sales] == ["Продажи"] and sales[0]["parent"] == "Руководство"
    groups = (await r.dispatcher.call("reference", {"kind": "workgroups", "name": "Маркетинг"})).structured[
        "workgroups"
    ]
    assert groups and all("Маркетинг" in g["name"] and g["owner"] == users[g["ownerId"]] for g in groups)


def test_the_reference_tool_is_read_only_and_terse() -> None:
    tool = rig().dispatcher.tools["reference"]
    assert tool.annotations["readOnlyHint"] is True and tool.annotations["destructiveHint"] is False
    assert tool.input_schema["required"] == ["kind"] and "Use " in tool.description and len(tool.description) < 240
    assert tool.input_schema["properties"]["kind"]["enum"] == [
        "pipelines",
        "statuses",
        "currencies",
        "departments",
        "workgroups",
    ]


@pytest.mark.parametrize(
    ("status", "list_type", "expected"),
    [
        ({"semantics": "S"}, "DEAL_STAGE", "success"),
        ({"semantics": None}, "DEAL_STAGE_4", "in_progress"),  # Bitrix leaves in-progress stages empty
        ({"semantics": None, "extra": {"SEMANTICS": "apology"}}, "STATUS", "failure"),
        ({"semantics": None}, "SOURCE", None),
    ],
)
def test_semantics_from_either_upstream_spelling(status: dict[str, Any], list_type: str, expected: str | None) -> None:
    assert semantics(status, list_type) == expected


class Canned:
    """An upstream that lists deal categories without the default pipeline, as crm.dealcategory.list does."""

    async def request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, **_: Any
    ) -> ApiResponse:
        if path == "/v1/deal-categories":
            return ApiResponse(200, [{"id": 3, "name": "Опт", "sort": 10}], total=1)
        lists = (params or {}).get("filter", {}).get("entityId")
        assert lists == ["DEAL_STAGE", "DEAL_STAGE_3"]
        rows = [
            {"entityId": "DEAL_STAGE", "statusId": "NEW", "name": "Новая", "sort": 10, "semantics": None},
            {"entityId": "DEAL_STAGE_3", "statusId": "C3:WON", "name": "Отгружено", "sort": 20, "semantics": "S"},
        ]
        return ApiResponse(200, rows, total=2)


async def test_the_default_pipeline_is_kept_when_the_category_list_leaves_it_out() -> None:
    pipelines = await ReferenceData(Canned()).pipelines()  # type: ignore[arg-type]
    assert [(p["id"], p["default"]) for p in pipelines] == [(0, True), (3, False)]
    assert pipelines[0]["stages"] == [{"id": "NEW", "name": "Новая", "semantics": "in_progress"}]
    assert pipelines[1]["stages"][0]["semantics"] == "success"


@pytest.mark.parametrize(
    ("entity", "name", "field", "kind"),
    [
        ("deals", "stageId", None, "stage"),  # the catalog's own map first
        (
            "deals",
            "UF_CRM_SOURCE2",
            SimpleNamespace(type="crm_status", items=(), status_type="SOURCE"),
            "status:SOURCE",
        ),
        ("timelines", "stageId", SimpleNamespace(type="crm_status", items=(), status_type="DEAL_STAGE_3"), "stage"),
        (
            "items",
            "stageId",
            SimpleNamespace(type="crm_status", items=(), status_type="DYNAMIC_1032_STAGE"),
            "item_stage",
        ),
        ("tasks", "status", SimpleNamespace(type="integer", items=(("2", "Ждёт"),)), "items"),
        ("deals", "assignedById", SimpleNamespace(type="user", items=()), "user"),
        ("deals", "title", SimpleNamespace(type="string", items=()), None),
    ],
)
def test_where_a_fields_labels_come_from(entity: str, name: str, field: Any, kind: str | None) -> None:
    assert label_kind(entity, name, field) == kind
