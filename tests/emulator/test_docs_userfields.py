"""The Userfields page (docs L5936–6398), example by example; each test names its doc line (docs dump
of 2026-05-05). A definition shapes its entity: created, it is in `/fields`, in every record and in
what filters and writes accept; deleted, it is gone from all of them, values included.
"""

from __future__ import annotations

from typing import Any

import pytest

from server.emulator import Portal
from server.emulator.registry import generate

from .conftest import FIXED_NOW, Api

BASE = generate(seed=7, scale=0.2, now=FIXED_NOW)


@pytest.fixture
def api() -> Api:
    return Api(Portal(data=BASE, clock=lambda: FIXED_NOW))


def create(api: Api, entity: str, body: dict[str, Any]) -> int:
    made = api.ok("POST", f"/v1/userfields/{entity}", body=body, status=201)
    return int(made["data"]["id"])


def test_list_all_fields_of_deals_sorted_by_sort_l5955(api: Api) -> None:
    body = api.ok("GET", "/v1/userfields/deals")
    assert body["meta"]["total"] == len(body["data"]) >= 5
    first = body["data"][0]
    assert {"id", "fieldName", "userTypeId", "sort", "multiple", "mandatory", "editFormLabel", "list"} <= set(first)
    assert [int(f["sort"]) for f in body["data"]] == sorted(int(f["sort"]) for f in body["data"])
    enum = next(f for f in body["data"] if f["userTypeId"] == "enumeration")
    assert {"ID", "SORT", "VALUE", "DEF"} <= set(enum["list"][0])  # the example's list item shape


def test_create_enumeration_department_l5987(api: Api) -> None:
    body = {"userTypeId": "enumeration", "fieldName": "DEPARTMENT", "label": "Отдел", "mandatory": "N",
            "list": [{"VALUE": "Веб", "SORT": 10}, {"VALUE": "1С", "SORT": 20}]}  # fmt: skip
    field_id = create(api, "deals", body)
    got = api.ok("GET", f"/v1/userfields/deals/{field_id}")["data"]
    assert (got["fieldName"], got["editFormLabel"]["ru"]) == ("UF_CRM_DEPARTMENT", "Отдел")
    assert [v["VALUE"] for v in got["list"]] == ["Веб", "1С"]
    # The entity now has the field: in /fields with its values, in every record, filterable and writable.
    fields = api.ok("GET", "/v1/deals/fields")["data"]["fields"]
    assert [i["VALUE"] for i in fields["UF_CRM_DEPARTMENT"]["items"]] == ["Веб", "1С"]
    web = int(got["list"][0]["ID"])
    deal = api.ok("GET", "/v1/deals/1")["data"]
    assert "UF_CRM_DEPARTMENT" in deal and deal["UF_CRM_DEPARTMENT"] is None
    api.ok("PATCH", "/v1/deals/1", body={"ufCrmDepartment": web})
    found = api.search("deals", {"filter": {"UF_CRM_DEPARTMENT": web}})
    assert [d["id"] for d in found["data"]] == [1]


def test_update_makes_it_mandatory_l6014(api: Api) -> None:
    field_id = create(api, "deals", {"userTypeId": "enumeration", "fieldName": "DEPARTMENT", "label": "Отдел",
                                     "list": [{"VALUE": "Веб", "SORT": 10}]})  # fmt: skip
    body = {"mandatory": "Y", "label": "Отдел (обязательно)"}
    assert api.ok("PATCH", f"/v1/userfields/deals/{field_id}", body=body)["data"] == {"updated": True}
    got = api.ok("GET", f"/v1/userfields/deals/{field_id}")["data"]
    assert (got["mandatory"], got["editFormLabel"]["ru"]) == ("Y", "Отдел (обязательно)")
    status, error = api.error("POST", "/v1/deals", body={"title": "Без отдела"})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR") and "UF_CRM_DEPARTMENT" in error["message"]


def test_list_filters_by_type_and_by_name_l6045(api: Api) -> None:
    enums = api.ok("GET", "/v1/userfields/deals", "userTypeId=enumeration")["data"]
    assert enums and {f["userTypeId"] for f in enums} == {"enumeration"}
    name = enums[0]["fieldName"]
    assert [f["fieldName"] for f in api.ok("GET", "/v1/userfields/deals", f"fieldName={name}")["data"]] == [name]
    assert api.ok("GET", "/v1/userfields/contacts", "fieldName=UF_CRM_1545731745470")["data"] == []


def test_types_are_the_sixteen_of_the_table_l6077(api: Api) -> None:
    types = api.ok("GET", "/v1/userfields/deals/types")["data"]
    assert [t["USER_TYPE_ID"] for t in types] == [
        "string", "integer", "double", "boolean", "datetime", "date", "money", "url", "address",
        "enumeration", "file", "employee", "crm_status", "iblock_section", "iblock_element", "crm",
    ]  # fmt: skip
    assert api.ok("GET", "/v1/userfields/leads/types")["data"] == types  # the same for every entity


def test_get_one_field_with_its_values_l6109(api: Api) -> None:
    enum = api.ok("GET", "/v1/userfields/deals", "userTypeId=enumeration")["data"][0]
    got = api.ok("GET", f"/v1/userfields/deals/{enum['id']}")["data"]
    assert got == enum and {"showFilter", "showInList"} <= set(got)
    assert api.error("GET", f"/v1/userfields/leads/{enum['id']}")[0] == 404  # a deal field is not a lead's
    assert api.error("GET", "/v1/userfields/deals/999999") == (
        404, {"code": "NOT_FOUND", "message": "User field 999999 not found for deals"}
    )  # fmt: skip


@pytest.mark.parametrize(
    ("line", "entity", "body", "kind"),
    [
        (6161, "contacts", {"userTypeId": "string", "fieldName": "TELEGRAM", "label": "Telegram"}, "string"),
        (
            6171,
            "deals",
            {"userTypeId": "integer", "fieldName": "PRIORITY_SCORE", "label": "Приоритет", "showFilter": "Y"},
            "integer",
        ),  # fmt: skip
        (
            6199,
            "leads",
            {"userTypeId": "datetime", "fieldName": "CALLBACK_DATE", "label": "Дата перезвона"},
            "datetime",
        ),
    ],
)
def test_create_examples_of_each_type_l6161(api: Api, line: int, entity: str, body: dict[str, Any], kind: str) -> None:
    field_id = create(api, entity, body)
    name = "UF_CRM_" + str(body["fieldName"])
    assert api.ok("GET", f"/v1/userfields/{entity}/{field_id}")["data"]["fieldName"] == name
    assert api.ok("GET", f"/v1/{entity}/fields")["data"]["fields"][name]["type"] == kind


def test_create_mandatory_enumeration_source_channel_l6182(api: Api) -> None:
    values = [{"VALUE": v, "SORT": s} for v, s in (("Сайт", 10), ("Телефон", 20), ("Telegram", 30), ("Реклама", 40))]
    body = {"userTypeId": "enumeration", "fieldName": "SOURCE_CHANNEL", "label": "Канал привлечения",
            "mandatory": "Y", "list": values}  # fmt: skip
    field_id = create(api, "deals", body)
    values = api.ok("GET", f"/v1/userfields/deals/{field_id}")["data"]["list"]
    assert [v["VALUE"] for v in values] == ["Сайт", "Телефон", "Telegram", "Реклама"]
    assert len({v["ID"] for v in values}) == 4


def test_update_labels_by_language_with_upper_case_keys_l6254(api: Api) -> None:
    field_id = create(api, "contacts", {"USER_TYPE_ID": "string", "FIELD_NAME": "TELEGRAM", "LABEL": "Telegram"})
    body = {"EDIT_FORM_LABEL": {"ru": "Telegram (ник)", "en": "Telegram (handle)"}, "SHOW_FILTER": "Y"}
    api.ok("PATCH", f"/v1/userfields/contacts/{field_id}", body=body)
    got = api.ok("GET", f"/v1/userfields/contacts/{field_id}")["data"]
    assert got["editFormLabel"] == {"ru": "Telegram (ник)", "en": "Telegram (handle)"} and got["showFilter"] == "Y"
    assert api.ok("GET", "/v1/contacts/fields")["data"]["fields"]["UF_CRM_TELEGRAM"]["label"] == "Telegram (ник)"


def test_the_type_cannot_change_l6241(api: Api) -> None:
    field_id = create(api, "deals", {"userTypeId": "string", "fieldName": "NOTE"})
    status, error = api.error("PATCH", f"/v1/userfields/deals/{field_id}", body={"userTypeId": "integer"})
    assert (status, error["code"]) == (422, "BITRIX_ERROR")
    assert api.ok("GET", f"/v1/userfields/deals/{field_id}")["data"]["userTypeId"] == "string"


def test_delete_removes_the_field_and_every_value_l6278(api: Api) -> None:
    field = api.ok("GET", "/v1/userfields/deals", "fieldName=UF_CRM_SCORE")["data"][0]
    holding = api.search("deals", {"filter": {">UF_CRM_SCORE": 0}, "limit": 1})["total"]
    assert holding > 0
    assert api.ok("DELETE", f"/v1/userfields/deals/{field['id']}")["data"] == {"deleted": True}
    assert api.ok("GET", "/v1/userfields/deals", "fieldName=UF_CRM_SCORE")["data"] == []
    assert "UF_CRM_SCORE" not in api.ok("GET", "/v1/deals/fields")["data"]["fields"]
    assert all("UF_CRM_SCORE" not in d for d in api.ok("GET", "/v1/deals", "limit=500")["data"])
    assert (
        api.error("POST", "/v1/deals/search", body={"filter": {">UF_CRM_SCORE": 0}})[1]["code"]
        == "INVALID_FILTER_FIELD"
    )
    assert api.error("DELETE", f"/v1/userfields/deals/{field['id']}")[0] == 404


def test_the_full_integration_example_l6311(api: Api) -> None:
    existing = api.ok("GET", "/v1/userfields/deals")["data"]
    types = [t["USER_TYPE_ID"] for t in api.ok("GET", "/v1/userfields/deals/types")["data"]]
    assert "enumeration" in types
    source = create(api, "deals", {"userTypeId": "enumeration", "fieldName": "LEAD_SOURCE", "label": "Источник лида",
                                   "mandatory": "Y", "showFilter": "Y",
                                   "list": [{"VALUE": v, "SORT": s} for v, s in (("Органический поиск", 10),
                                            ("Контекстная реклама", 20), ("Соцсети", 30), ("Рекомендация", 40),
                                            ("Холодный звонок", 50))]})  # fmt: skip
    create(api, "deals", {"userTypeId": "integer", "fieldName": "LEAD_SCORE", "label": "Скоринг лида",
                          "showFilter": "Y", "showInList": "Y"})  # fmt: skip
    create(api, "deals", {"userTypeId": "datetime", "fieldName": "EXPECTED_CLOSE", "label": "Ожидаемая дата закрытия"})
    details = api.ok("GET", f"/v1/userfields/deals/{source}")["data"]
    assert [v["VALUE"] for v in details["list"]][:2] == ["Органический поиск", "Контекстная реклама"]
    assert len(api.ok("GET", "/v1/userfields/deals")["data"]) == len(existing) + 3


def test_error_codes_of_the_page_l6389(api: Api) -> None:
    assert api.error("GET", "/v1/userfields/tasks")[1]["code"] == "UNKNOWN_ENTITY"
    assert api.error("POST", "/v1/userfields/deals", body={"fieldName": "X"}) == (
        400, {"code": "MISSING_FIELD", "message": "userTypeId is required"}
    )  # fmt: skip
    assert api.error("POST", "/v1/userfields/deals", body=["userTypeId"])[1]["code"] == "INVALID_REQUEST"
    assert api.error("POST", "/v1/userfields/deals", body={"userTypeId": "color"})[0] == 422
    create(api, "deals", {"userTypeId": "string", "fieldName": "TWICE"})
    assert api.error("POST", "/v1/userfields/deals", body={"userTypeId": "string", "fieldName": "TWICE"})[0] == 422


def test_scope_denied_without_crm_l6391() -> None:
    api = Api(Portal(data=BASE, clock=lambda: FIXED_NOW, key_scopes={"vibe_api_tasks_only": ["task"]}))
    response = api.call("GET", "/v1/userfields/deals", headers={"X-Api-Key": "vibe_api_tasks_only"})
    assert (response.status, response.json()["error"]["code"]) == (403, "SCOPE_DENIED")


def test_a_write_that_fails_changes_nothing(api: Api) -> None:
    before = api.ok("GET", "/v1/deals/fields")["data"]["fields"]
    bad = {"userTypeId": "enumeration", "fieldName": "BROKEN", "list": [{"VALUE": "ok"}, {"VALUE": ""}]}
    assert api.error("POST", "/v1/userfields/deals", body=bad)[0] == 400
    assert api.ok("GET", "/v1/deals/fields")["data"]["fields"] == before
    assert api.ok("GET", "/v1/userfields/deals", "fieldName=UF_CRM_BROKEN")["data"] == []
