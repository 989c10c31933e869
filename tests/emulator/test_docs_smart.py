"""The docs' pages of smart processes and items, example by example; each test names its doc line
(docs dump of 2026-05-05)."""

from __future__ import annotations

import pytest

from server.emulator import Portal
from server.emulator.registry import generate

from .conftest import FIXED_NOW, Api


@pytest.fixture
def api() -> Api:
    return Api(Portal(data=generate(now=FIXED_NOW), clock=lambda: FIXED_NOW))


def test_L19242_types_are_addressed_by_entity_type_id(api: Api) -> None:
    """`GET /v1/smart-processes/:entityTypeId`; the list item shape of the overview (id 3, entityTypeId…)."""
    listed = api.ok("GET", "/v1/smart-processes")["data"]
    assert [(t["id"], t["entityTypeId"], t["title"]) for t in listed] == [
        (3, 1032, "Договоры"),
        (4, 1036, "Проекты внедрения"),
    ]
    one = api.ok("GET", "/v1/smart-processes/1032")["data"]
    assert one["id"] == 3 and one["isStagesEnabled"] is True and one["isInitialized"] is True
    status, error = api.error("GET", "/v1/smart-processes/3")
    assert status == 404 and error["code"] == "SMART_PROCESS_NOT_FOUND"


def test_L29680_reserved_entity_type_ids_name_the_dedicated_api(api: Api) -> None:
    """400 INVALID_DYNAMIC_PARAM "entityTypeId 2 has a dedicated API: use /v1/deals instead"."""
    status, error = api.error("POST", "/v1/items/2/aggregate", body={})
    assert (status, error["code"]) == (400, "INVALID_DYNAMIC_PARAM")
    assert error["message"] == "entityTypeId 2 has a dedicated API: use /v1/deals instead"
    for type_id, entity in ((1, "leads"), (3, "contacts"), (4, "companies"), (7, "quotes"), (31, "invoices")):
        assert f"/v1/{entity}" in api.error("GET", f"/v1/items/{type_id}")[1]["message"]


def test_L29537_items_aggregate_by_stage(api: Api) -> None:
    """`{"aggregate": [{opportunity sum}, {opportunity avg}], "filter": {"categoryId": …}, "groupBy": "stageId"}`."""
    body = {"aggregate": [{"field": "opportunity", "function": "sum"}, {"field": "opportunity", "function": "avg"}],
            "filter": {"categoryId": 5}, "groupBy": "stageId"}  # fmt: skip
    data = api.ok("POST", "/v1/items/1032/aggregate", body=body)["data"]
    assert data["count"] == sum(g["count"] for g in data["groups"])
    assert {g["stageId"] for g in data["groups"]} <= {
        f"DT1032_5:{s}" for s in ("NEW", "PREPARATION", "CLIENT", "SUCCESS", "FAIL")
    }


def test_stages_are_dynamic_statuses_per_pipeline(api: Api) -> None:
    """statuses `entityId` `DYNAMIC_{typeId}_STAGE_{cat}` (Statuses page) with `DT{typeId}_{cat}:` stage ids."""
    rows = api.ok("GET", "/v1/statuses", "filter[entityId]=DYNAMIC_1036_STAGE_7")["data"]
    assert [r["statusId"] for r in rows] == [
        f"DT1036_7:{s}" for s in ("NEW", "PREPARATION", "CLIENT", "SUCCESS", "FAIL")
    ]
    assert api.ok("GET", "/v1/categories/1036")["data"][0]["name"] == "Внедрение"


def test_items_carry_the_spa_field_names_and_the_types_user_fields(api: Api) -> None:
    """Item keys `id, title, stageId, categoryId, opportunity, currencyId, …` plus `ufCrm<N>_*`."""
    item = api.ok("GET", "/v1/items/1032/1")["data"]
    assert {"title", "stageId", "categoryId", "opportunity", "currencyId", "assignedById", "createdTime"} <= set(item)
    assert item["entityTypeId"] == 1032 and item["ufCrm3_1712000001"].startswith("ВС-")
    assert api.ok("GET", "/v1/items/1032", "limit=1")["total"] == 60


def test_L2131_batch_addresses_items_by_params_entity_type_id(api: Api) -> None:
    """Batch page: "смарт-процессы (`entity: "items"`) — внутри `params` обязательно `entityTypeId`"."""
    calls = [
        {"id": "contracts", "entity": "items", "action": "list", "params": {"entityTypeId": 1032, "limit": 2}},
        {"id": "one", "entity": "items", "action": "get", "entityId": 1, "params": {"entityTypeId": 1036}},
        {"id": "fields", "entity": "items", "action": "fields", "params": {"entityTypeId": 1036}},
        {"id": "untyped", "entity": "items", "action": "list", "params": {"limit": 2}},
        {"id": "reserved", "entity": "items", "action": "list", "params": {"entityTypeId": 2}},
        {"id": "unknown", "entity": "items", "action": "list", "params": {"entityTypeId": 998}},
        {"id": "path", "entity": "items/1032", "action": "list"},
    ]
    data = api.ok("POST", "/v1/batch", body={"calls": calls})["data"]
    assert [i["entityTypeId"] for i in data["results"]["contracts"]] == [1032, 1032]
    assert data["totals"]["contracts"] == 60
    assert data["results"]["one"]["entityTypeId"] == 1036
    assert "ufCrm4_1712000101" in data["results"]["fields"]["fields"]
    codes = {k: v["code"] for k, v in data["errors"].items()}
    assert codes == {
        "untyped": "VALIDATION_ERROR",
        "reserved": "INVALID_DYNAMIC_PARAM",
        "unknown": "SMART_PROCESS_NOT_FOUND",
        "path": "UNKNOWN_ENTITY",  # the type goes in params, not in the entity name
    }


def test_batch_creates_an_item_of_the_type_in_params(api: Api) -> None:
    calls = [{"id": "new", "entity": "items", "action": "create", "params": {"entityTypeId": 1036, "title": "X"}}]
    made = api.ok("POST", "/v1/batch", body={"calls": calls})["data"]["results"]["new"]
    assert (made["entityTypeId"], made["stageId"]) == (1036, "DT1036_7:NEW")
    assert api.ok("GET", f"/v1/items/1036/{made['id']}")["data"]["title"] == "X"


SUPPLY = {"title": "Договоры поставки", "isStagesEnabled": True, "isCategoriesEnabled": True,
          "isAutomationEnabled": True, "isBizProcEnabled": True, "isLinkWithProductsEnabled": True}  # fmt: skip


def test_L38058_create_a_type_and_work_with_its_items_at_once(api: Api) -> None:
    """Smart Processes: Create example; the answer's flags (given, else false; isSetOpenPermissions true)."""
    made = api.ok("POST", "/v1/smart-processes", body=SUPPLY, status=201)["data"]
    type_id = made["entityTypeId"]
    assert type_id >= 1030 and type_id % 2 == 0 and made["id"] == 5
    assert made["title"] == "Договоры поставки" and made["isStagesEnabled"] and made["isLinkWithProductsEnabled"]
    assert made["isClientEnabled"] is False and made["isSetOpenPermissions"] is True
    assert made["isInitialized"] is False and made["customSectionId"] is None and made["createdBy"] == 1
    assert api.ok("GET", f"/v1/smart-processes/{type_id}")["data"]["title"] == "Договоры поставки"
    assert api.ok("GET", f"/v1/items/{type_id}")["data"] == []  # "доступен в /v1/items/:entityTypeId"
    (pipeline,) = api.ok("GET", f"/v1/categories/{type_id}")["data"]
    item = api.ok("POST", f"/v1/items/{type_id}", body={"title": "Поставка №1"}, status=201)["data"]
    assert (item["categoryId"], item["stageId"]) == (pipeline["id"], f"DT{type_id}_{pipeline['id']}:NEW")
    stages = api.ok("GET", "/v1/statuses", f"filter[entityId]=DYNAMIC_{type_id}_STAGE_{pipeline['id']}")["data"]
    assert [s["statusId"].split(":")[1] for s in stages] == ["NEW", "PREPARATION", "CLIENT", "SUCCESS", "FAIL"]
    fields = api.ok("GET", f"/v1/items/{type_id}/fields")["data"]["fields"]
    assert fields["stageId"]["items"][0] == {"ID": f"DT{type_id}_{pipeline['id']}:NEW", "VALUE": "Начало"}


def test_L38255_a_type_needs_a_title_and_an_entity_type_id_in_range(api: Api) -> None:
    """422 BITRIX_ERROR "Не заполнено обязательное поле "Название"" and the entityTypeId range message."""
    status, error = api.error("POST", "/v1/smart-processes", body={"isStagesEnabled": True})
    assert (status, error["code"], error["message"]) == (
        422,
        "BITRIX_ERROR",
        'Не заполнено обязательное поле "Название"',
    )
    status, error = api.error("POST", "/v1/smart-processes", body={"title": "X", "entityTypeId": 1031})
    assert (status, error["message"]) == (422, "EntityTypeId should be more or equal than 128 and less than 192")
    assert (
        api.ok("POST", "/v1/smart-processes", body={"title": "X", "entityTypeId": 150}, status=201)["data"][
            "entityTypeId"
        ]
        == 150
    )  # "128-192 включительно"
    status, error = api.error("POST", "/v1/smart-processes", body={"title": "Y", "entityTypeId": 150})
    assert (status, error["code"]) == (422, "BITRIX_ERROR")  # unique
    assert api.ok("GET", "/v1/smart-processes", "limit=1")["total"] == 3


def test_L38150_relations_and_the_client_field_side_effect(api: Api) -> None:
    """`relations` kept as given; isClientEnabled adds contacts and companies to relations.parent (isPredefined Y)."""
    body = {"title": "Договоры поставки", "relations": {"parent": [{"entityTypeId": 2, "isChildrenListEnabled": "Y"}],
            "child": [{"entityTypeId": 3, "isChildrenListEnabled": "Y"}]},
            "linkedUserFields": {"TASKS_TASK|UF_CRM_TASK": "Y"}, "isClientEnabled": True}  # fmt: skip
    made = api.ok("POST", "/v1/smart-processes", body=body, status=201)["data"]
    parents = made["relations"]["parent"]
    assert parents[0] == {"entityTypeId": 2, "isChildrenListEnabled": "Y"}
    assert [(p["entityTypeId"], p.get("isPredefined")) for p in parents[1:]] == [(3, "Y"), (4, "Y")]
    assert made["relations"]["child"] == [{"entityTypeId": 3, "isChildrenListEnabled": "Y"}]


def test_L39100_update_changes_only_what_is_given(api: Api) -> None:
    """Smart Processes: Update example; `{}` answers the current state; entityTypeId cannot change; 404 text."""
    type_id = api.ok("POST", "/v1/smart-processes", body=SUPPLY, status=201)["data"]["entityTypeId"]
    body = {
        "title": "Договоры поставки (обновлённое название)",
        "code": "supply_contracts",
        "isAutomationEnabled": False,
    }
    updated = api.ok("PATCH", f"/v1/smart-processes/{type_id}", body=body)["data"]
    assert (updated["title"], updated["code"], updated["isAutomationEnabled"]) == (
        "Договоры поставки (обновлённое название)", "supply_contracts", False
    )  # fmt: skip
    assert updated["isBizProcEnabled"] is True and updated["entityTypeId"] == type_id
    assert api.ok("PATCH", f"/v1/smart-processes/{type_id}", body={})["data"] == updated
    status, error = api.error("PATCH", f"/v1/smart-processes/{type_id}", body={"entityTypeId": type_id + 2})
    assert (status, error["code"]) == (422, "BITRIX_ERROR")
    status, error = api.error("PATCH", "/v1/smart-processes/99999", body={"title": "x"})
    assert (status, error["code"]) == (404, "SMART_PROCESS_NOT_FOUND")
    assert error["message"] == "Smart process with entityTypeId=99999 not found"


def test_L38311_delete_only_an_empty_type_and_never_reuse_its_id(api: Api) -> None:
    """Smart Processes: Delete: 204; a type with items is 422 BITRIX_ERROR; 404 for an unknown one."""
    status, error = api.error("DELETE", "/v1/smart-processes/1032")
    assert (status, error["code"]) == (422, "BITRIX_ERROR")
    assert error["message"] == "Вы не можете удалить тип сущности, у которого есть элементы"
    type_id = api.ok("POST", "/v1/smart-processes", body=SUPPLY, status=201)["data"]["entityTypeId"]
    assert api.call("DELETE", f"/v1/smart-processes/{type_id}").status == 204
    assert api.error("GET", f"/v1/smart-processes/{type_id}")[1]["code"] == "SMART_PROCESS_NOT_FOUND"
    assert api.error("GET", f"/v1/items/{type_id}")[1]["code"] == "SMART_PROCESS_NOT_FOUND"
    assert api.ok("GET", "/v1/statuses", f"filter[entityId]=DYNAMIC_{type_id}_STAGE_8")["data"] == []
    again = api.ok("POST", "/v1/smart-processes", body=SUPPLY, status=201)["data"]["entityTypeId"]
    assert again > type_id  # "entityTypeId не переиспользуется"
    assert api.error("DELETE", "/v1/smart-processes/99999")[0] == 404


def test_types_are_written_through_their_own_routes_not_inside_a_batch(api: Api) -> None:
    calls = [{"id": "t", "entity": "smart-processes", "action": "create", "params": {"title": "X"}},
             {"id": "l", "entity": "smart-processes", "action": "list"}]  # fmt: skip
    data = api.ok("POST", "/v1/batch", body={"calls": calls})["data"]
    assert data["errors"]["t"]["code"] == "ACTION_NOT_SUPPORTED" and len(data["results"]["l"]) == 2
