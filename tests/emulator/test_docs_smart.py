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
