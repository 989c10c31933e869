"""The field set of requisite presets (`/v1/requisite-presets/:presetId/fields`, entities index L10139),
`GET /v1/requisites/fields?presetId=N` (L19118), the fields outside the Vibe schema (L37495, L37843) and
user fields of requisites (`/v1/userfields/requisites`, L19131); each test names its doc line (docs dump
of 2026-05-05). What a preset holds is what its requisites keep (Requisites: Get, L37493).
"""

from __future__ import annotations

from typing import Any

import pytest

from server.emulator import Portal
from server.emulator.registry import generate

from .conftest import FIXED_NOW, Api

BASE = generate(seed=7, scale=0.2, now=FIXED_NOW)
PERSON = {"entityTypeId": 3, "entityId": 1, "presetId": 3, "rqLastName": "Петров", "rqKpp": "770101001"}
OPS = "/v1/requisite-presets/{}/fields"


@pytest.fixture
def api() -> Api:
    return Api(Portal(data=BASE, clock=lambda: FIXED_NOW))


def held(api: Api, preset: int) -> dict[str, dict[str, Any]]:
    return {row["fieldName"]: row for row in api.ok("GET", OPS.format(preset))["data"]}


def test_L10139_a_preset_lists_its_fields_by_sort(api: Api) -> None:
    """`list`: the preset's fields, each with its title, short-list flag and sort, in sort order."""
    body = api.ok("GET", OPS.format(3))
    rows = body["data"]
    assert body["total"] == len(rows) and {r["presetId"] for r in rows} == {3}
    assert {"rqLastName", "rqFirstName", "rqIdentDocNum", "rqInn"} <= {r["fieldName"] for r in rows}
    assert "rqKpp" not in {r["fieldName"] for r in rows}  # a person has no KPP
    assert [r["sort"] for r in rows] == sorted(r["sort"] for r in rows)
    first = rows[0]
    assert set(first) == {"id", "presetId", "fieldName", "fieldTitle", "inShortList", "sort"}
    assert api.ok("GET", f"{OPS.format(3)}/{first['id']}")["data"] == first
    foreign = held(api, 4)
    assert {"RQ_EDRPOU", "RQ_KBE", "RQ_REGON", "RQ_SIRET", "RQ_CNPJ"} <= set(foreign)  # original case
    assert not {"RQ_EDRPOU", "RQ_KBE"} & set(held(api, 1))


def test_L10139_available_and_schema(api: Api) -> None:
    """`available`: what the preset does not hold yet; `schema`: the preset field's own fields."""
    available = api.ok("GET", f"{OPS.format(3)}/available")["data"]
    assert "rqKpp" in available and "RQ_USRLE" in available and "rqLastName" not in available
    assert set(available).isdisjoint(held(api, 3))
    fields = api.ok("GET", f"{OPS.format(3)}/schema")["data"]["fields"]
    assert set(fields) == {"id", "presetId", "fieldName", "fieldTitle", "inShortList", "sort"}
    assert fields["id"]["readonly"] is True and fields["fieldName"]["type"] == "string"


def test_L37493_adding_a_field_to_the_preset_makes_requisites_keep_it(api: Api) -> None:
    """ "Реквизит хранит только поля, которые определены в его пресете": a KPP given to a person is dropped
    (and not answered) until the preset holds it; added (in Bitrix's spelling too), the next write keeps it."""
    dropped = api.ok("POST", "/v1/requisites", body=PERSON, status=201)["data"]
    assert dropped["rqLastName"] == "Петров" and "rqKpp" not in dropped
    made = api.ok("POST", OPS.format(3), body={"fieldName": "RQ_KPP", "sort": 900}, status=201)["data"]
    assert (made["fieldName"], made["fieldTitle"], made["presetId"], made["sort"]) == ("rqKpp", "КПП", 3, 900)
    assert "rqKpp" not in api.ok("GET", f"{OPS.format(3)}/available")["data"]
    kept = api.ok("POST", "/v1/requisites", body=PERSON, status=201)["data"]
    assert kept["rqKpp"] == "770101001"
    assert api.ok("GET", f"/v1/requisites/{dropped['id']}")["data"]["rqKpp"] is None  # held, never filled
    api.call("DELETE", f"{OPS.format(3)}/{made['id']}")
    assert "rqKpp" not in api.ok("POST", "/v1/requisites", body=PERSON, status=201)["data"]
    assert "rqKpp" not in api.ok("GET", f"/v1/requisites/{kept['id']}")["data"]
    api.ok("POST", OPS.format(3), body={"fieldName": "rqKpp"}, status=201)  # the stored value was only hidden
    assert api.ok("GET", f"/v1/requisites/{kept['id']}")["data"]["rqKpp"] == "770101001"


def test_L10139_update_changes_title_flag_and_sort_not_the_field(api: Api) -> None:
    row = held(api, 3)["rqLastName"]
    path = f"{OPS.format(3)}/{row['id']}"
    changed = api.ok("PATCH", path, body={"fieldTitle": "Фамилия клиента", "inShortList": False, "sort": 5})["data"]
    assert (changed["fieldTitle"], changed["inShortList"], changed["sort"]) == ("Фамилия клиента", False, 5)
    assert api.ok("GET", OPS.format(3))["data"][0]["fieldName"] == "rqLastName"
    status, error = api.error("PATCH", path, body={"fieldName": "rqKpp"})
    assert (status, error["code"]) == (422, "BITRIX_ERROR") and "delete" in error["message"]


def test_L10139_refusals_name_what_was_wrong(api: Api) -> None:
    status, error = api.error("GET", OPS.format(99))
    assert (status, error) == (404, {"code": "ENTITY_NOT_FOUND", "message": "The Preset with ID '99' is not found"})
    status, error = api.error("POST", OPS.format(3), body={"fieldName": "rqLastName"})
    assert (status, error["code"]) == (422, "BITRIX_ERROR") and "already in preset 3" in error["message"]
    status, error = api.error("POST", OPS.format(3), body={"fieldName": "rqShoeSize"})
    assert (status, error["code"]) == (422, "BITRIX_ERROR") and "/available" in error["message"]
    status, error = api.error("POST", OPS.format(3), body={"fieldTitle": "no name"})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR") and "fieldName" in error["message"]
    other = held(api, 1)["rqKpp"]["id"]  # preset 1's field is not found under preset 3
    status, error = api.error("GET", f"{OPS.format(3)}/{other}")
    assert (status, error["code"]) == (404, "ENTITY_NOT_FOUND")
    status, error = api.error("GET", "/v1/requisite-preset-fields")  # served only under its preset
    assert (status, error["code"]) == (404, "ROUTE_NOT_FOUND")
    call = {"id": "a", "entity": "requisite-preset-fields", "action": "create", "params": {"fieldName": "rqKpp"}}
    response = api.call("POST", "/v1/batch", body={"calls": [call]})
    assert response.json()["data"]["errors"]["a"]["code"] == "ENTITY_CUSTOM_ROUTES"


def test_L10139_a_new_preset_starts_empty_and_goes_with_its_fields(api: Api) -> None:
    made = api.ok("POST", "/v1/requisite-presets", body={"name": "ТОВ (Украина)", "countryId": 14}, status=201)
    preset = made["data"]["id"]
    assert api.ok("GET", OPS.format(preset))["data"] == []
    for name in ("rqName", "RQ_EDRPOU"):
        api.ok("POST", OPS.format(preset), body={"fieldName": name}, status=201)
    assert set(held(api, preset)) == {"rqName", "RQ_EDRPOU"}
    api.call("DELETE", f"/v1/requisite-presets/{preset}")
    status, _ = api.error("GET", OPS.format(preset))
    assert status == 404
    table = api.portal.store.table("requisite-preset-fields")
    assert not [r for r in table.scan() if r["presetId"] == preset]  # the set went with its preset


def test_L19118_requisite_fields_of_one_preset(api: Api) -> None:
    """ "Чтобы получить только поля своего пресета — добавьте `?presetId=N` к `GET /v1/requisites/fields`"."""
    every = api.ok("GET", "/v1/requisites/fields")["data"]["fields"]
    person = api.ok("GET", "/v1/requisites/fields", "presetId=3")["data"]["fields"]
    assert {"id", "entityTypeId", "entityId", "presetId", "rqLastName", "rqIdentDocNum"} <= set(person)
    assert not {"rqKpp", "rqOgrn", "RQ_EDRPOU"} & set(person) and {"rqKpp", "RQ_EDRPOU"} <= set(every)
    assert person["rqLastName"] == every["rqLastName"]
    foreign = api.ok("GET", "/v1/requisites/fields", "presetId=4")["data"]["fields"]
    assert foreign["RQ_EDRPOU"] == {"type": "string", "readonly": False, "label": "ЕДРПОУ"}  # L37296
    status, error = api.error("GET", "/v1/requisites/fields", "presetId=99")
    assert (status, error["code"]) == (404, "ENTITY_NOT_FOUND")
    status, error = api.error("GET", "/v1/requisites/fields", "presetId=abc")
    assert status == 400 and "presetId" in error["message"]


def test_L37843_international_and_rare_fields_only_in_original_case(api: Api) -> None:
    """Written, answered and filtered as `RQ_EDRPOU`, `RQ_USRLE`, on requisites of presets that hold them;
    the camel-cased spelling is unknown."""
    api.ok("POST", OPS.format(4), body={"fieldName": "RQ_USRLE"}, status=201)
    body = {"entityTypeId": 4, "entityId": 1, "presetId": 4, "rqName": "ТОВ «Ромашка»", "RQ_EDRPOU": "32855961",
            "RQ_USRLE": "1027700132195"}  # fmt: skip
    made = api.ok("POST", "/v1/requisites", body=body, status=201)["data"]
    assert (made["RQ_EDRPOU"], made["RQ_USRLE"]) == ("32855961", "1027700132195")
    found = api.search("requisites", {"filter": {"RQ_EDRPOU": "32855961"}})["data"]
    assert [r["id"] for r in found] == [made["id"]]
    listed = api.ok("GET", "/v1/requisites", "filter[RQ_USRLE]=1027700132195")["data"]
    assert [r["id"] for r in listed] == [made["id"]]
    status, error = api.error("POST", "/v1/requisites/search", body={"filter": {"rqEdrpou": "32855961"}})
    assert (status, error["code"]) == (400, "INVALID_FILTER_FIELD")
    organisation = api.ok("POST", "/v1/requisites", body={**body, "presetId": 1}, status=201)["data"]
    assert not [n for n in organisation if n.startswith("RQ_")]  # preset 1 holds none of them
    foreign = api.ok("GET", f"/v1/requisites/{made['id']}")["data"]
    assert foreign["RQ_KBE"] is None and foreign["RQ_EDRPOU"] == "32855961"  # preset 4 holds them all
    listed = api.search("requisites", {"filter": {"presetId": [1, 4]}, "limit": 500})["data"]
    assert {r["presetId"] for r in listed if "RQ_EDRPOU" in r} == {4}


def test_L19131_user_fields_of_requisites(api: Api) -> None:
    """`POST /v1/userfields/requisites`: a UF_CRM_* field of requisites (ENTITY_ID CRM_REQUISITE) is at once
    in `/fields` (L37297's `UF_CRM_…` with its label), kept by a write whatever the preset, and filterable."""
    made = api.ok(
        "POST", "/v1/userfields/requisites", body={"fieldName": "INTERNAL_CODE", "userTypeId": "string",
                                                    "label": "Внутренний код"}, status=201,
    )  # fmt: skip
    field_id = made["data"]["id"]
    definition = api.ok("GET", f"/v1/userfields/requisites/{field_id}")["data"]
    assert (definition["entityId"], definition["fieldName"]) == ("CRM_REQUISITE", "UF_CRM_INTERNAL_CODE")
    fields = api.ok("GET", "/v1/requisites/fields")["data"]["fields"]
    assert fields["UF_CRM_INTERNAL_CODE"] == {"type": "string", "readonly": False, "label": "Внутренний код"}
    assert "UF_CRM_INTERNAL_CODE" in api.ok("GET", "/v1/requisites/fields", "presetId=3")["data"]["fields"]
    requisite = api.ok("POST", "/v1/requisites", body={**PERSON, "UF_CRM_INTERNAL_CODE": "K-7"}, status=201)["data"]
    assert requisite["UF_CRM_INTERNAL_CODE"] == "K-7"
    found = api.search("requisites", {"filter": {"UF_CRM_INTERNAL_CODE": "K-7"}})["data"]
    assert [r["id"] for r in found] == [requisite["id"]]
    api.ok("PATCH", f"/v1/userfields/requisites/{field_id}", body={"mandatory": "Y"})
    api.ok("DELETE", f"/v1/userfields/requisites/{field_id}")
    assert "UF_CRM_INTERNAL_CODE" not in api.ok("GET", f"/v1/requisites/{requisite['id']}")["data"]
    status, error = api.error("POST", "/v1/requisites/search", body={"filter": {"UF_CRM_INTERNAL_CODE": "K-7"}})
    assert (status, error["code"]) == (400, "INVALID_FILTER_FIELD")
