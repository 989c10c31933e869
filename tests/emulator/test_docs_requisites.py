"""The docs' pages of requisites and the entities beside them (presets, bank details, addresses,
requisite links), example by example; each test names its doc line (docs dump of 2026-05-05).

The seeded portal (clock pinned) with requisite 42 of company 15 as the Get page prints it.
"""

from __future__ import annotations

import pytest

from server.emulator import Portal
from server.emulator.registry import generate
from server.emulator.seed_requisites import account, inn10, inn12, ogrn

from .conftest import FIXED_NOW, Api

DOC_REQUISITE = {
    "id": 42, "entityTypeId": 4, "entityId": 15, "presetId": 1, "name": "Основной реквизит", "active": True,
    "sort": 500, "code": None, "xmlId": None, "addressOnly": False, "createdAt": "2025-01-15T06:30:00.000Z",
    "updatedAt": "2026-03-20T11:00:00.000Z", "createdBy": 1, "modifyBy": 1, "rqName": "ООО «Ромашка»",
    "rqInn": "7701234567", "rqKpp": "770101001", "rqOgrn": "1027700123456", "rqOkpo": "12345678",
    "rqOkved": "62.01", "rqOktmo": None, "rqVatPayer": False, "rqCompanyName": "Ромашка",
    "rqCompanyFullName": "Общество с ограниченной ответственностью «Ромашка»", "rqDirector": "Иванов Иван Иванович",
    "rqAccountant": "Петрова Анна Сергеевна", "rqBaseDoc": "Устав",
}  # fmt: skip


@pytest.fixture
def api() -> Api:
    data = generate(now=FIXED_NOW)
    rows = data["requisites"]
    blank = dict.fromkeys(rows[0])
    data["requisites"] = [{**blank, **DOC_REQUISITE} if row["id"] == 42 else row for row in rows]
    return Api(Portal(data=data, clock=lambda: FIXED_NOW))


ROMASHKA = {"entityTypeId": 4, "entityId": 15, "presetId": 1, "name": "Основной", "rqName": "ООО «Ромашка»",
            "rqInn": "7701234567", "rqKpp": "770101001", "rqOgrn": "1027700123456", "rqCompanyName": "Ромашка",
            "rqDirector": "Иванов Иван Иванович", "rqVatPayer": True}  # fmt: skip


# --- Requisites -------------------------------------------------------------------------------------------


def test_L36818_requisite_create_answers_201_with_defaults_and_nulls(api: Api) -> None:
    """Create: the page's body; `active` true, `sort` 500, `modifyBy` null... the response at L36936."""
    data = api.ok("POST", "/v1/requisites", body=ROMASHKA, status=201)["data"]
    assert {k: data[k] for k in ROMASHKA} == ROMASHKA
    assert (data["active"], data["sort"], data["createdBy"]) == (True, 500, 1)
    assert data["createdAt"] == data["updatedAt"]
    assert data["rqAccountant"] is None and data["rqCeoName"] is None and data["rqOkpo"] is None
    assert api.ok("GET", f"/v1/requisites/{data['id']}")["data"]["rqInn"] == "7701234567"


def test_L36957_requisite_create_without_preset_is_a_bitrix_error(api: Api) -> None:
    """ "400 — не указан presetId": `BITRIX_ERROR`, "PRESET_ID field value is not specified"."""
    body = {k: v for k, v in ROMASHKA.items() if k != "presetId"}
    response = api.call("POST", "/v1/requisites", body=body)
    assert response.status == 400
    assert response.json()["error"] == {"code": "BITRIX_ERROR", "message": "PRESET_ID field value is not specified"}
    status, error = api.error("POST", "/v1/requisites", body={**ROMASHKA, "presetId": 99})
    assert (status, error["code"]) == (422, "BITRIX_ERROR")  # "несуществующий presetId" (L36973)


def test_L36798_requisite_create_needs_a_contact_or_company_that_exists(api: Api) -> None:
    """Required: entityTypeId `3` (contact) or `4` (company) and an existing entityId."""
    status, error = api.error("POST", "/v1/requisites", body={**ROMASHKA, "entityTypeId": 2})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR") and "entityTypeId" in error["message"]
    status, error = api.error("POST", "/v1/requisites", body={**ROMASHKA, "entityId": 999999})
    assert (status, error["code"]) == (422, "BITRIX_ERROR") and "999999" in error["message"]
    status, error = api.error("POST", "/v1/requisites", body={"presetId": 1})
    assert status == 400 and "entityTypeId" in error["message"] and "entityId" in error["message"]


def test_L36982_fields_outside_the_preset_are_dropped_silently(api: Api) -> None:
    """ "Поля, которых нет в пресете, игнорируются": an ООО requisite keeps no passport number."""
    data = api.ok("POST", "/v1/requisites", body={**ROMASHKA, "rqIdentDocNum": "123456"}, status=201)["data"]
    assert "rqIdentDocNum" not in data and data["rqInn"] == "7701234567"  # answered: its preset's fields only
    person = {"entityTypeId": 3, "entityId": 71, "presetId": 3, "rqLastName": "Петров", "rqKpp": "770101001"}
    data = api.ok("POST", "/v1/requisites", body=person, status=201)["data"]
    assert data["rqLastName"] == "Петров" and "rqKpp" not in data
    assert api.portal.store.table("requisites").peek(data["id"])["rqKpp"] is None  # not kept either


def test_L37367_requisite_get_prints_the_page_example(api: Api) -> None:
    """Get: `GET /v1/requisites/42`, the response at L37414."""
    data = api.ok("GET", "/v1/requisites/42")["data"]
    assert {k: data[k] for k in DOC_REQUISITE if k not in ("createdAt", "updatedAt")} == {
        k: v for k, v in DOC_REQUISITE.items() if k not in ("createdAt", "updatedAt")
    }
    assert data["rqCeoName"] is None  # "Поля пресета, которые не заполнены, возвращаются как null"


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_L37469_requisite_missing_is_entity_not_found_with_its_message(api: Api, method: str) -> None:
    """404 on get (L37469), update (L37996) and delete (L37072): "The Requisite with ID '999999999' is not found"."""
    response = api.call(method, "/v1/requisites/999999999", body={"rqInn": "1"} if method == "PATCH" else None)
    assert response.status == 404
    assert response.json()["error"] == {
        "code": "ENTITY_NOT_FOUND",
        "message": "The Requisite with ID '999999999' is not found",
    }


def test_L37532_requisite_list_of_one_company(api: Api) -> None:
    """List: `?filter[entityTypeId]=4&filter[entityId]=15`, `meta.total` and `meta.hasMore` (L37570)."""
    body = api.ok("GET", "/v1/requisites", "filter[entityTypeId]=4&filter[entityId]=15")
    assert [r["id"] for r in body["data"]][-1] == 42 or 42 in [r["id"] for r in body["data"]]
    assert all((r["entityTypeId"], r["entityId"]) == (4, 15) for r in body["data"])
    assert body["meta"]["total"] == len(body["data"]) and body["meta"]["hasMore"] is False
    selected = api.ok("GET", "/v1/requisites", "select=id,rqName,rqInn&filter[entityId]=15&filter[entityTypeId]=4")
    assert set(selected["data"][0]) == {"id", "rqName", "rqInn"}


def test_L37697_requisite_search_page_examples(api: Api) -> None:
    """Search: `{filter: {entityTypeId: 4, active: true}, limit: 20, order: {sort: "asc"}}`, by INN (L37764) and
    by an international field in UPPER_SNAKE_CASE (L37770)."""
    found = api.search(
        "requisites", {"filter": {"entityTypeId": 4, "active": True}, "limit": 20, "order": {"sort": "asc"}}
    )
    assert len(found["data"]) == 20 and all(r["entityTypeId"] == 4 for r in found["data"])
    by_inn = api.search("requisites", {"filter": {"rqInn": "7701234567"}})["data"]
    assert [r["id"] for r in by_inn] == [42]
    api.ok("PATCH", "/v1/requisites/42", body={"RQ_SIRET": "73282932000074"})
    assert [r["id"] for r in api.search("requisites", {"filter": {"RQ_SIRET": "73282932000074"}})["data"]] == []
    # Preset 1 (a Russian organisation) holds no SIRET: the value was dropped. A foreign one keeps it.
    foreign = {
        "entityTypeId": 4,
        "entityId": 15,
        "presetId": 4,
        "rqName": "Fourth Coffee SAS",
        "RQ_SIRET": "73282932000074",
    }
    made = api.ok("POST", "/v1/requisites", body=foreign, status=201)["data"]
    assert [r["id"] for r in api.search("requisites", {"filter": {"RQ_SIRET": "73282932000074"}})["data"]] == [
        made["id"]
    ]


def test_L37896_requisite_update_changes_given_fields_only(api: Api) -> None:
    """Update: the page's body; the answer holds every field, `updatedAt` new, `modifyBy` the caller (L37960)."""
    body = {"rqInn": "7701234567", "rqKpp": "770101001", "rqDirector": "Сидоров Пётр Ильич"}
    data = api.ok("PATCH", "/v1/requisites/42", body=body)["data"]
    assert data["rqDirector"] == "Сидоров Пётр Ильич" and data["rqAccountant"] == "Петрова Анна Сергеевна"
    assert data["updatedAt"] != DOC_REQUISITE["updatedAt"] and data["modifyBy"] == 1


def test_L38019_requisite_preset_and_owner_stay_for_life(api: Api) -> None:
    """ "Сменить пресет нельзя", "Перенос между сущностями невозможен": the record keeps them."""
    data = api.ok("PATCH", "/v1/requisites/42", body={"presetId": 3, "entityId": 16, "name": "Новое имя"})["data"]
    assert (data["presetId"], data["entityId"], data["name"]) == (1, 15, "Новое имя")


def test_L38027_empty_string_clears_a_field_answered_as_null(api: Api) -> None:
    """ "Пустое значение очищает поле ... Vibe приводит очищенные строки к null"."""
    assert api.ok("PATCH", "/v1/requisites/42", body={"rqOkpo": ""})["data"]["rqOkpo"] is None


def test_L37096_requisite_delete_is_204_and_takes_bank_details_and_addresses(api: Api) -> None:
    """Delete: 204 No Content (L37066); "Удаление каскадное" — its addresses and bank details go too."""
    made = api.ok("POST", "/v1/requisites", body=ROMASHKA, status=201)["data"]
    bank = api.ok("POST", "/v1/bank-details", body={"entityId": made["id"], "name": "Основной счёт"}, status=201)
    address = {"typeId": 6, "entityTypeId": 8, "entityId": made["id"], "city": "Москва"}
    api.ok("POST", "/v1/addresses", body=address, status=201)
    response = api.call("DELETE", f"/v1/requisites/{made['id']}")
    assert (response.status, response.body) == (204, b"")
    assert api.call("GET", f"/v1/bank-details/{bank['data']['id']}").status == 404
    assert api.call("GET", f"/v1/addresses/6/8/{made['id']}").status == 404


def test_L37125_requisite_fields_vibe_schema_and_upper_snake_with_labels(api: Api) -> None:
    """Fields: camelCase `{type, readonly}` and outside-schema `RQ_EDRPOU` with its label (L37296)."""
    fields = api.ok("GET", "/v1/requisites/fields")["data"]["fields"]
    assert fields["id"]["readonly"] is True and fields["rqInn"] == {"type": "string", "readonly": False, "label": "ИНН"}
    assert fields["RQ_EDRPOU"] == {"type": "string", "readonly": False, "label": "ЕДРПОУ"}
    camel = [n for n in fields if not n.startswith("RQ_")]
    assert len(camel) == 58 and {"createdAt", "modifyBy", "rqIdentDocDepCode", "rqStampPresent"} <= set(camel)


def test_L36584_requisite_aggregate_grouped_by_owner_type(api: Api) -> None:
    """Aggregate: `{filter: {active: true}, groupBy: "entityTypeId"}` → count, groups with count (L36678)."""
    data = api.ok("POST", "/v1/requisites/aggregate", body={"filter": {"active": True}, "groupBy": "entityTypeId"})[
        "data"
    ]
    assert data["count"] == sum(g["count"] for g in data["groups"])
    assert {g["entityTypeId"] for g in data["groups"]} == {3, 4}
    assert "groups" not in api.ok("POST", "/v1/requisites/aggregate", body={})["data"]  # "{}" (L36652)
    both = api.ok("POST", "/v1/requisites/aggregate", body={"groupBy": ["entityTypeId", "presetId"]})["data"]
    assert {(g["entityTypeId"], g["presetId"]) for g in both["groups"]} >= {(4, 1), (3, 3)}


# --- Presets, bank details, addresses, links (L10136-10140, L19121-19131) --------------------------------


def test_L19126_presets_are_the_source_of_preset_id(api: Api) -> None:
    """ "Пресеты реквизитов ... Источник presetId для создания реквизита" — ООО, ИП, физлицо, иностранное."""
    names = {r["id"]: r["name"] for r in api.ok("GET", "/v1/requisite-presets")["data"]}
    assert names == {1: "Организация", 2: "ИП", 3: "Физ. лицо", 4: "Иностранное юрлицо"}
    made = api.ok("POST", "/v1/requisite-presets", body={"name": "ООО (УСН)", "countryId": 1}, status=201)["data"]
    assert (made["entityTypeId"], made["active"]) == (8, True)
    requisite = {**ROMASHKA, "presetId": made["id"], "rqUsn": "6%"}
    # A new preset holds no fields until they are added to it (Поля пресета, L19127).
    assert "rqUsn" not in api.ok("POST", "/v1/requisites", body=requisite, status=201)["data"]
    api.ok("POST", f"/v1/requisite-presets/{made['id']}/fields", body={"fieldName": "rqUsn"}, status=201)
    assert api.ok("POST", "/v1/requisites", body=requisite, status=201)["data"]["rqUsn"] == "6%"
    assert api.ok("POST", "/v1/requisite-presets/aggregate", body={"groupBy": "countryId"})["data"]["count"] == 5


def test_L19128_bank_details_of_a_requisite(api: Api) -> None:
    """`GET /v1/bank-details?entityTypeId=8&entityId=:requisiteId`: account, BIK, correspondent account."""
    rows = api.ok("GET", "/v1/bank-details", "entityTypeId=8&entityId=1")["data"]
    assert rows and all((r["entityTypeId"], r["entityId"]) == (8, 1) for r in rows)
    first = rows[0]
    assert len(first["rqBik"]) == 9 and first["rqCorAccNum"].endswith(first["rqBik"][-3:])
    assert first["rqAccNum"] == account(first["rqBik"], first["rqAccNum"][:8], first["rqAccNum"][9:])
    status, error = api.error("POST", "/v1/bank-details", body={"entityId": 999999, "name": "Счёт"})
    assert (status, error["code"]) == (422, "BITRIX_ERROR")
    made = api.ok("POST", "/v1/bank-details", body={"entityId": 42, "name": "Счёт", "rqBik": "044525225"}, status=201)
    assert (made["data"]["entityTypeId"], made["data"]["countryId"]) == (8, 1)


def test_L19129_addresses_by_composite_key(api: Api) -> None:
    """`GET /v1/addresses?entityTypeId=8&entityId=:requisiteId`; "Композитный ключ (typeId, entityTypeId, entityId)":
    `/v1/addresses/:typeId/:entityTypeId/:entityId` for get, update and delete (L10138)."""
    listed = api.ok("GET", "/v1/addresses", "entityTypeId=8&entityId=1")["data"]
    assert listed and all("id" not in r for r in listed)
    legal = next(r for r in listed if r["typeId"] == 6)
    assert api.ok("GET", "/v1/addresses/6/8/1")["data"] == legal
    updated = api.ok("PATCH", "/v1/addresses/6/8/1", body={"address2": "офис 12", "entityId": 2})["data"]
    assert (updated["address2"], updated["entityId"], updated["anchorTypeId"]) == ("офис 12", 1, 4)
    body = {"typeId": 11, "entityTypeId": 8, "entityId": 42, "address1": "ул. Тверская, д. 1", "city": "Москва"}
    assert "id" not in api.ok("POST", "/v1/addresses", body=body, status=201)["data"]
    status, error = api.error("POST", "/v1/addresses", body=body)
    assert (status, error["code"]) == (400, "BITRIX_ERROR")  # the key is taken: update it instead
    assert api.call("DELETE", "/v1/addresses/11/8/42").status == 204
    status, error = api.error("GET", "/v1/addresses/11/8/42")
    assert (status, error["code"]) == (404, "ENTITY_NOT_FOUND")
    status, error = api.error("GET", "/v1/addresses/x/8/42")
    assert (status, error["code"]) == (400, "INVALID_PARAMS")
    fields = api.ok("GET", "/v1/addresses/fields")["data"]["fields"]
    assert {"typeId", "entityTypeId", "entityId", "address1", "postalCode"} <= set(fields) and "id" not in fields


def test_L19130_requisite_links_register_get_unregister(api: Api) -> None:
    """ "Связи реквизитов — POST /v1/requisite-links": a deal's requisite (and bank), keyed by
    `/v1/requisite-links/:entityTypeId/:entityId` (L10140); register replaces the entity's link."""
    deal = api.search("deals", {"filter": {"companyId": 15}, "limit": 1})["data"][0]
    bank = api.ok("GET", "/v1/bank-details", "entityId=42")["data"]
    body = {"entityTypeId": 2, "entityId": deal["id"], "requisiteId": 42}
    data = api.ok("POST", "/v1/requisite-links", body=body, status=201)["data"]
    assert data == {**body, "bankDetailId": 0, "mcRequisiteId": 0, "mcBankDetailId": 0}
    if bank:
        again = api.ok("POST", "/v1/requisite-links", body={**body, "bankDetailId": bank[0]["id"]}, status=201)
        assert again["data"]["bankDetailId"] == bank[0]["id"]
    assert api.ok("GET", f"/v1/requisite-links/2/{deal['id']}")["data"]["requisiteId"] == 42
    listed = api.ok("GET", "/v1/requisite-links", f"entityTypeId=2&entityId={deal['id']}")["data"]
    assert len(listed) == 1
    other = next(
        r for r in api.search("requisites", {"filter": {"entityTypeId": 4}, "limit": 50})["data"] if r["entityId"] != 15
    )
    status, error = api.error("POST", "/v1/requisite-links", body={**body, "requisiteId": other["id"]})
    assert (status, error["code"]) == (422, "BITRIX_ERROR")  # not a requisite of the deal's client
    assert api.call("DELETE", f"/v1/requisite-links/2/{deal['id']}").status == 204
    assert api.call("GET", f"/v1/requisite-links/2/{deal['id']}").status == 404


def test_L22022_include_requisite_on_companies_and_contacts(api: Api) -> None:
    """`GET /v1/companies/1?include=requisite` — "Доступные include: requisite"; contacts list it too."""
    company = api.ok("GET", "/v1/companies/15", "include=requisite")["data"]
    assert 42 in [r["id"] for r in company["_included"]["requisites"]]
    assert "requisite" in api.ok("GET", "/v1/contacts/fields")["data"]["include"]
    person = api.search("requisites", {"filter": {"entityTypeId": 3}, "limit": 1})["data"][0]
    contact = api.ok("GET", f"/v1/contacts/{person['entityId']}", "include=requisite,company")["data"]
    assert [r["id"] for r in contact["_included"]["requisites"]] == [person["id"]]
    listed = api.search("companies", {"filter": {"id": [15, 16]}, "include": ["requisite"]})["data"]
    assert all(r["_included"]["requisites"] is not None for r in listed)


def test_requisite_links_go_with_their_requisite_and_company(api: Api) -> None:
    """Deleting a company deletes its requisites, and so their bank details, addresses and links."""
    links = api.ok("GET", "/v1/requisite-links", "limit=1")["data"]
    requisite = api.ok("GET", f"/v1/requisites/{links[0]['requisiteId']}")["data"]
    assert api.call("DELETE", f"/v1/companies/{requisite['entityId']}").status == 204
    assert api.call("GET", f"/v1/requisites/{requisite['id']}").status == 404
    assert not api.ok("GET", "/v1/requisite-links", f"requisiteId={requisite['id']}")["data"]


def test_seeded_numbers_carry_their_check_digits(api: Api) -> None:
    """INN, OGRN, KPP of the seeded requisites are well formed, and a company's INN field matches its requisite."""
    rows = api.search("requisites", {"filter": {"presetId": [1, 3]}, "limit": 500})["data"]
    for row in rows:
        if row["id"] == 42:
            continue  # the docs' example number carries no check digit
        inn = row["rqInn"]
        assert inn == (inn10(inn[:9]) if len(inn) == 10 else inn12(inn[:10])), row
        if row["presetId"] == 1:
            assert row["rqKpp"][:4] == inn[:4] and row["rqOgrn"] == ogrn(row["rqOgrn"][:12])
    company = api.ok("GET", "/v1/companies/1")["data"]
    first = api.ok("GET", "/v1/requisites", "entityTypeId=4&entityId=1")["data"]
    assert not first or first[0]["rqInn"] == company["UF_CRM_INN"]


def test_seeded_requisites_belong_to_records_that_exist() -> None:
    """Every requisite's contact or company, bank detail's and address's requisite, link's deal and requisite."""
    data = generate(now=FIXED_NOW)
    ids = {
        name: {r["id"] for r in data[name]} for name in ("contacts", "companies", "deals", "requisites", "bank-details")
    }
    owners = {3: "contacts", 4: "companies"}
    assert all(r["entityId"] in ids[owners[r["entityTypeId"]]] for r in data["requisites"])
    assert {r["presetId"] for r in data["requisites"]} == {1, 2, 3, 4}
    assert all(r["entityId"] in ids["requisites"] for r in data["bank-details"])
    assert all(r["entityTypeId"] == 8 and r["entityId"] in ids["requisites"] for r in data["addresses"])
    for link in data["requisite-links"]:
        assert link["entityId"] in ids["deals"] and link["requisiteId"] in ids["requisites"]
        assert link["bankDetailId"] in ids["bank-details"] | {0}
    assert len(data["requisite-links"]) > 20 and len(data["addresses"]) > len(data["requisites"])
