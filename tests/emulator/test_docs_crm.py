"""The docs' CRM entity pages, example by example: Deals, Contacts, Companies, Leads (Create, Get, List,
Search, Update, Delete, Fields, Aggregate). Each test names its doc line (docs dump of 2026-05-05).

Choices that hold for every page below, so they are not repeated per test:
- record dates print as UTC `...000Z` (the deals pages and live captures) where the contacts, companies and
  leads pages show `+03:00` offsets;
- multifields are `[{value, valueType}]` lists (what the create pages send) where the list pages show a flat
  string (`"phone": "74955553546"`, Contacts: List L23323);
- `/fields` answers the Vibe shape (see test_api_contract), where these pages show the Bitrix shape.
Product rows (Deals/Leads: Products *) are tested with the other owners' in test_docs_rows.
"""

from __future__ import annotations

import pytest

from .conftest import Api
from .docs_portal import docs_api

NOW = "2026-04-14T08:23:59.000Z"


@pytest.fixture
def api() -> Api:
    return docs_api()


# --- Deals -----------------------------------------------------------------------------------------------


def test_L25291_deals_create_example_and_response(api: Api) -> None:
    """Body L25294-25301; response L25394-25414 (status 201)."""
    body = {"title": "Поставка оборудования", "amount": 50000, "currency": "RUB", "stageId": "NEW", "categoryId": 0}
    response = api.call("POST", "/v1/deals", body={**body, "assignedById": 1})
    assert response.status == 201
    data = response.json()["data"]
    assert {k: data[k] for k in body} == body
    assert (data["assignedById"], data["createdBy"], data["createdAt"], data["updatedAt"]) == (1, 1, NOW, NOW)
    assert (data["opened"], data["typeId"], data["observers"], data["contactIds"], data["entityTypeId"]) == (
        True,
        "SALE",
        [],
        [],
        2,
    )
    # Choice: the example shows `"closed": "N"` and `companyId`/`contactId` 0; live captures show a boolean
    # `closed` and null for an empty link, which the emulator returns (includes treat 0 and null alike).
    assert data["closed"] is False and data["companyId"] is None and data["contactId"] is None
    assert b'"amount":50000,' in response.body  # a whole number prints without `.0`


def test_L25332_deals_create_takes_user_fields(api: Api) -> None:
    """ "Пользовательские поля (`ufCrm_*`) также принимаются" (L25288)."""
    data = api.ok(
        "POST", "/v1/deals", body={"title": "t", "ufCrm_1712345678": "Д-7", "ufCrmPriority": "45"}, status=201
    )
    assert (data["data"]["ufCrm_1712345678"], data["data"]["UF_CRM_PRIORITY"]) == ("Д-7", 45)


def test_L25471_deals_delete(api: Api) -> None:
    """`DELETE /v1/deals/741` -> 204; again -> 404 ENTITY_NOT_FOUND (L25531)."""
    assert api.call("DELETE", "/v1/deals/741").status == 204
    assert api.error("DELETE", "/v1/deals/741") == (404, {"code": "ENTITY_NOT_FOUND", "message": "Элемент не найден"})


def test_L25571_deals_fields_has_every_documented_field(api: Api) -> None:
    """The field table L25624-25648 (Vibe shape, see the module docstring) plus `include` (L25654)."""
    data = api.ok("GET", "/v1/deals/fields")["data"]
    documented = [
        "id", "title", "amount", "currency", "stageId", "categoryId", "companyId", "contactId", "contactIds",
        "assignedById", "createdBy", "updatedBy", "createdAt", "updatedAt", "closedAt", "sourceId",
        "sourceDescription", "probability", "opened", "comments", "observers", "typeId", "isReturning",
    ]  # fmt: skip
    assert set(documented) <= set(data["fields"])
    readonly = {n for n, f in data["fields"].items() if f["readonly"]}
    assert {"id", "contactIds", "createdBy", "updatedBy", "createdAt", "updatedAt"} <= readonly
    assert not {"title", "amount", "stageId", "closedAt"} & readonly
    assert data["fields"]["contactIds"]["type"].endswith("[]") and data["fields"]["observers"]["type"].endswith("[]")


def test_L25723_deals_get(api: Api) -> None:
    """`GET /v1/deals/741`; response L25795-25815."""
    data = api.ok("GET", "/v1/deals/741")["data"]
    expected = {
        "id": 741,
        "title": "Поставка оборудования",
        "amount": 50000,
        "currency": "RUB",
        "stageId": "EXECUTING",
        "categoryId": 0,
        "createdBy": 1,
        "createdAt": "2020-09-25T13:08:24.000Z",
        "updatedAt": "2025-08-22T13:01:31.000Z",
        "contactId": 71,
        "opened": True,
        "observers": [],
        "entityTypeId": 2,
    }
    assert {k: data[k] for k in expected} == expected


def test_L25772_deals_get_with_includes(api: Api) -> None:
    """`GET /v1/deals/741?include=contact,company` (L25778-25788)."""
    included = api.ok("GET", "/v1/deals/741", "include=contact,company")["data"]["_included"]
    assert included["contacts"][0]["id"] == 71 and included["company"]["title"] == "ООО Ромашка"


def test_L25879_deals_list_with_order_and_filter(api: Api) -> None:
    """`?limit=10&order[amount]=desc&filter[stageId]=NEW`; response L25929-25949 with `total`, `page`, `limit`."""
    body = api.ok("GET", "/v1/deals", "limit=10&order[amount]=desc&filter[stageId]=NEW")
    rows = body["data"]
    assert len(rows) == 10 and all(r["stageId"] == "NEW" for r in rows)
    assert [r["amount"] for r in rows] == sorted((r["amount"] for r in rows), reverse=True)
    assert (body["page"], body["limit"]) == (1, 10) and body["total"] > 10
    assert api.ok("GET", "/v1/deals", "limit=10&offset=20")["page"] == 3


def test_L26985_deals_search_with_order(api: Api) -> None:
    """Body `{"filter": {"stageId": "NEW"}, "limit": 10, "order": {"amount": "desc"}}` (search takes `order` too)."""
    rows = api.search("deals", {"filter": {"stageId": "NEW"}, "limit": 10, "order": {"amount": "desc"}})["data"]
    assert len(rows) == 10 and [r["amount"] for r in rows] == sorted((r["amount"] for r in rows), reverse=True)


def test_L27132_deals_update(api: Api) -> None:
    """`PATCH /v1/deals/741 {"stageId": "WON", "amount": 75000}`; response L27199-27211."""
    data = api.ok("PATCH", "/v1/deals/741", body={"stageId": "WON", "amount": 75000})["data"]
    assert (data["id"], data["title"], data["amount"], data["stageId"], data["categoryId"]) == (
        741,
        "Поставка оборудования",
        75000,
        "WON",
        0,
    )
    assert (data["updatedAt"], data["entityTypeId"], data["closed"], data["closedAt"]) == (NOW, 2, True, NOW)


def test_L27224_deals_update_of_a_missing_deal(api: Api) -> None:
    assert api.error("PATCH", "/v1/deals/999999", body={"title": "x"})[1]["code"] == "ENTITY_NOT_FOUND"


def test_L25078_deals_aggregate_sum_avg_grouped_by_stage(api: Api) -> None:
    """Body L25078-25085 (filter categoryId 0, groupBy stageId); response L25150-25178, flat group keys."""
    body = {
        "aggregate": [{"field": "amount", "function": "sum"}, {"field": "amount", "function": "avg"}],
        "filter": {"categoryId": 0},
        "groupBy": "stageId",
    }
    data = api.ok("POST", "/v1/deals/aggregate", body=body)["data"]
    assert set(data) == {"count", "aggregates", "groups", "meta"}
    assert {g["stageId"] for g in data["groups"]} <= {"NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING"} | {
        "FINAL_INVOICE",
        "WON",
        "LOSE",
    }
    assert sum(g["count"] for g in data["groups"]) == data["count"]
    assert sum(g["aggregates"]["amount"]["sum"] for g in data["groups"]) == pytest.approx(
        data["aggregates"]["amount"]["sum"]
    )
    assert data["meta"] == {**data["meta"], "totalRecords": data["count"], "truncated": False}


def test_L25125_deals_aggregate_several_group_fields(api: Api) -> None:
    """`"groupBy": ["stageId", "sourceId"]` (at most 5)."""
    groups = api.ok("POST", "/v1/deals/aggregate", body={"groupBy": ["stageId", "sourceId"]})["data"]["groups"]
    assert all({"stageId", "sourceId", "count", "aggregates"} == set(g) for g in groups)
    status, error = api.error("POST", "/v1/deals/aggregate", body={"groupBy": ["stageId"] * 6})
    assert (status, error["code"]) == (400, "INVALID_PARAMS")


def test_L25131_deals_count_only(api: Api) -> None:
    """`{ "filter": { "stageId": "NEW" } }` -> only `count`, `aggregates` empty, no `groups`."""
    data = api.ok("POST", "/v1/deals/aggregate", body={"filter": {"stageId": "NEW"}})["data"]
    assert data["aggregates"] == {} and "groups" not in data
    assert data["count"] == api.search("deals", {"filter": {"stageId": "NEW"}})["total"]


def test_L25137_deals_sum_of_a_money_user_field_grouped_by_another(api: Api) -> None:
    body = {"aggregate": [{"field": "UF_CRM_BUDGET", "function": "sum"}], "groupBy": "UF_CRM_PRIORITY"}
    data = api.ok("POST", "/v1/deals/aggregate", body=body)["data"]
    assert data["aggregates"]["UF_CRM_BUDGET"]["sum"] > 0
    assert all("UF_CRM_BUDGET" in g["aggregates"] for g in data["groups"])


def test_L25189_deals_aggregate_unknown_field(api: Api) -> None:
    """Choice: the example's list names categorical fields as "numeric"; the emulator lists the aggregatable
    fields and numeric user fields, and keeps the documented wording."""
    status, error = api.error("POST", "/v1/deals/aggregate", body={"aggregate": [{"field": "foo", "function": "sum"}]})
    assert (status, error["code"]) == (400, "INVALID_PARAMS")
    assert error["message"].startswith("Field 'foo' not found. Available numeric fields: amount, stageId")


# --- Contacts --------------------------------------------------------------------------------------------


def test_L22709_contacts_create(api: Api) -> None:
    """Body L22709-22717; response L22806-22823 (typeId CLIENT; the source defaults to CALL)."""
    body = {
        "name": "Иван",
        "lastName": "Петров",
        "phone": [{"value": "+79161234567", "typeId": "WORK"}],
        "email": [{"value": "ivan@company.ru", "typeId": "WORK"}],
        "companyId": 15,
        "post": "Менеджер",
        "typeId": "CLIENT",
    }
    data = api.ok("POST", "/v1/contacts", body=body, status=201)["data"]
    expected = {"name": "Иван", "lastName": "Петров", "secondName": None, "companyId": 15, "assignedById": 1}
    assert {k: data[k] for k in expected} == expected
    assert (data["createdBy"], data["createdTime"], data["opened"], data["typeId"], data["sourceId"]) == (
        1,
        NOW,
        True,
        "CLIENT",
        "CALL",
    )
    assert data["phone"] == [{"value": "+79161234567", "valueType": "WORK"}]
    assert data["email"] == [{"value": "ivan@company.ru", "valueType": "WORK"}]


def test_L22693_a_contact_needs_no_name(api: Api) -> None:
    """No field of Contacts: Create is marked required (the old `name` rule had no basis)."""
    assert api.ok("POST", "/v1/contacts", body={"lastName": "Без имени"}, status=201)["data"]["name"] is None


def test_L22880_contacts_delete(api: Api) -> None:
    assert api.call("DELETE", "/v1/contacts/85").status == 204
    assert api.error("GET", "/v1/contacts/85")[0] == 404


def test_L22981_contacts_fields(api: Api) -> None:
    """The table L23025-23048 and include `company`, `requisite` (L23053)."""
    data = api.ok("GET", "/v1/contacts/fields")["data"]
    assert {"name", "lastName", "secondName", "phone", "email", "companyId", "post", "typeId", "honorific"} <= set(
        data["fields"]
    )
    assert data["include"] == ["company", "requisite"]


def test_L23128_contacts_get_and_include_company(api: Api) -> None:
    """`GET /v1/contacts/71` (response L23191-23203); `?include=company` (L23182)."""
    data = api.ok("GET", "/v1/contacts/71", "include=company")["data"]
    assert (data["id"], data["name"], data["lastName"], data["typeId"], data["sourceId"]) == (
        71,
        "Иван",
        "Петров",
        "CLIENT",
        "WEB",
    )
    assert data["_included"]["company"]["id"] == 15


def test_L23265_contacts_list(api: Api) -> None:
    """Response L23316-23335: `meta.total`, `meta.hasMore`."""
    body = api.ok("GET", "/v1/contacts", "limit=10")
    assert len(body["data"]) == 10 and body["meta"]["total"] == 300 and body["meta"]["hasMore"] is True


def test_L23405_contacts_search_by_company_ordered_by_last_name(api: Api) -> None:
    """`{"filter": {"companyId": 15}, "limit": 10, "order": {"lastName": "asc"}}`."""
    rows = api.search("contacts", {"filter": {"companyId": 15}, "limit": 10, "order": {"lastName": "asc"}})["data"]
    assert 71 in [r["id"] for r in rows] and all(r["companyId"] == 15 for r in rows)
    names = [r["lastName"] for r in rows]
    assert names == sorted(names, key=str.casefold)


def test_L23550_contacts_update(api: Api) -> None:
    """`PATCH /v1/contacts/71 {"phone": [{"value": "+79169876543", "typeId": "MOBILE"}], "post": "Директор"}`."""
    body = {"phone": [{"value": "+79169876543", "typeId": "MOBILE"}], "post": "Директор"}
    data = api.ok("PATCH", "/v1/contacts/71", body=body)["data"]
    assert (data["post"], data["phone"], data["updatedTime"]) == (
        "Директор",
        [{"value": "+79169876543", "valueType": "MOBILE"}],
        NOW,
    )
    assert 71 in [r["id"] for r in api.search("contacts", {"filter": {"phone": {"$contains": "+7916987"}}})["data"]]


def test_L22516_contacts_aggregate_count_by_type(api: Api) -> None:
    """`{"filter": {"assignedById": 1}, "groupBy": "typeId"}`; response L22610-22625 (`aggregates` {})."""
    seeded_owner = api.ok("GET", "/v1/contacts", "limit=1&order[id]=asc")["data"][0]["assignedById"]
    data = api.ok(
        "POST", "/v1/contacts/aggregate", body={"filter": {"assignedById": seeded_owner}, "groupBy": "typeId"}
    )
    groups = data["data"]["groups"]
    assert data["data"]["aggregates"] == {} and sum(g["count"] for g in groups) == data["data"]["count"] > 0
    assert all(g["aggregates"] == {} for g in groups)


def test_L22581_contacts_count_everything(api: Api) -> None:
    """`{}` -> the count of all contacts."""
    assert api.ok("POST", "/v1/contacts/aggregate", body={})["data"]["count"] == 300


def test_L22587_contacts_sum_a_money_user_field_by_segment(api: Api) -> None:
    """`{"aggregate": [{"field": "UF_CRM_LTV", "function": "sum"}], "groupBy": "UF_CRM_SEGMENT"}`."""
    body = {"aggregate": [{"field": "UF_CRM_LTV", "function": "sum"}], "groupBy": "UF_CRM_SEGMENT"}
    data = api.ok("POST", "/v1/contacts/aggregate", body=body)["data"]
    assert {g["UF_CRM_SEGMENT"] for g in data["groups"]} >= {75, 76, 77}
    assert data["aggregates"]["UF_CRM_LTV"]["sum"] > 0


def test_L22636_contacts_group_by_a_field_that_is_not_aggregatable(api: Api) -> None:
    status, error = api.error("POST", "/v1/contacts/aggregate", body={"groupBy": "name"})
    assert (status, error) == (
        400,
        {
            "code": "INVALID_PARAMS",
            # The live capture (deals) ends the list with a full stop; the page's example does not.
            "message": "groupBy field 'name' is not aggregatable on this entity. "
            "Available: typeId, sourceId, assignedById.",
        },
    )


# --- Companies -------------------------------------------------------------------------------------------


def test_L21563_companies_create(api: Api) -> None:
    """Body L21563-21570; response L21654-21668 (revenue 0, base currency, opened)."""
    body = {
        "title": "ООО Ромашка",
        "companyType": "CUSTOMER",
        "industry": "IT",
        "phone": [{"value": "+74951234567", "typeId": "WORK"}],
        "email": [{"value": "info@romashka.ru", "typeId": "WORK"}],
        "web": "https://romashka.ru",
    }
    data = api.ok("POST", "/v1/companies", body=body, status=201)["data"]
    assert (data["title"], data["industry"], data["revenue"], data["currencyId"], data["opened"]) == (
        "ООО Ромашка",
        "IT",
        0,
        "RUB",
        True,
    )
    # Choice: the response shows `typeId`, the Companies: Fields table (L21818) `companyType`: one name kept.
    assert data["companyType"] == "CUSTOMER" and "typeId" not in data


def test_L21720_companies_delete(api: Api) -> None:
    assert api.call("DELETE", "/v1/companies/15").status == 204


def test_L21827_companies_fields(api: Api) -> None:
    data = api.ok("GET", "/v1/companies/fields")["data"]
    assert {"title", "companyType", "industry", "revenue", "currencyId", "phone", "email", "web", "leadId"} <= set(
        data["fields"]
    )


def test_L21973_companies_get(api: Api) -> None:
    """`GET /v1/companies/1`; response L22031-22043."""
    data = api.ok("GET", "/v1/companies/1")["data"]
    assert {"id", "title", "industry", "companyType", "assignedById", "createdTime", "updatedTime"} <= set(data)


def test_L22105_companies_list_filtered_with_select(api: Api) -> None:
    """`?limit=10&filter[industry]=IT&select=id,title,phone`."""
    rows = api.ok("GET", "/v1/companies", "limit=10&filter[industry]=IT&select=id,title,phone")["data"]
    assert rows and all(set(r) == {"id", "title", "phone"} for r in rows)
    ids = [r["id"] for r in api.search("companies", {"filter": {"industry": "IT"}, "limit": 5000})["data"]]
    assert [r["id"] for r in rows] == ids[:10]


def test_L22238_companies_search(api: Api) -> None:
    rows = api.search("companies", {"filter": {"industry": "IT"}, "limit": 10})["data"]
    assert len(rows) == 10 and all(r["industry"] == "IT" for r in rows)


def test_L22376_companies_update(api: Api) -> None:
    data = api.ok("PATCH", "/v1/companies/15", body={"title": "ЗАО Ложки (обновлено)", "industry": "MANUFACTURING"})
    assert (data["data"]["title"], data["data"]["industry"], data["data"]["updatedTime"]) == (
        "ЗАО Ложки (обновлено)",
        "MANUFACTURING",
        NOW,
    )


def test_L21343_companies_aggregate_revenue_by_industry(api: Api) -> None:
    body = {
        "aggregate": [{"field": "revenue", "function": "sum"}, {"field": "revenue", "function": "avg"}],
        "filter": {"companyType": "CUSTOMER"},
        "groupBy": "industry",
    }
    data = api.ok("POST", "/v1/companies/aggregate", body=body)["data"]
    assert data["count"] > 0 and data["aggregates"]["revenue"]["sum"] > 0
    assert sum(g["count"] for g in data["groups"]) == data["count"]


def test_L21424_companies_count_customers(api: Api) -> None:
    data = api.ok("POST", "/v1/companies/aggregate", body={"filter": {"companyType": "CUSTOMER"}})["data"]
    assert data["count"] == api.search("companies", {"filter": {"companyType": "CUSTOMER"}})["total"] > 0


def test_L21430_companies_sum_budget_by_segment(api: Api) -> None:
    body = {"aggregate": [{"field": "UF_CRM_BUDGET", "function": "sum"}], "groupBy": "UF_CRM_SEGMENT"}
    data = api.ok("POST", "/v1/companies/aggregate", body=body)["data"]
    assert {g["UF_CRM_SEGMENT"] for g in data["groups"]} >= {70, 71, 72}


def test_L21488_companies_aggregate_unknown_field(api: Api) -> None:
    status, error = api.error(
        "POST", "/v1/companies/aggregate", body={"aggregate": [{"field": "foo", "function": "sum"}]}
    )
    assert (status, error["code"]) == (400, "INVALID_PARAMS") and "revenue" in error["message"]


# --- Leads -----------------------------------------------------------------------------------------------


def test_L32049_leads_create(api: Api) -> None:
    """Body L32049-32056; response L32141-32150 (statusId NEW, opened, the key owner responsible)."""
    body = {
        "title": "Заявка с сайта",
        "name": "Мария",
        "lastName": "Сидорова",
        "phone": [{"value": "+79161234567", "typeId": "WORK"}],
        "sourceId": "WEB",
        "statusId": "NEW",
    }
    data = api.ok("POST", "/v1/leads", body=body, status=201)["data"]
    assert (data["title"], data["statusId"], data["assignedById"], data["createdBy"], data["opened"]) == (
        "Заявка с сайта",
        "NEW",
        1,
        1,
        True,
    )
    assert (data["createdTime"], data["sourceId"]) == (NOW, "WEB")
    assert api.ok("POST", "/v1/leads", body={"title": "Только название"}, status=201)["data"]["statusId"] == "NEW"


def test_L32220_leads_delete(api: Api) -> None:
    assert api.call("DELETE", "/v1/leads/42").status == 204
    assert api.error("GET", "/v1/leads/42")[0] == 404


def test_L32321_leads_fields(api: Api) -> None:
    """Field table L32327-32348 and include `contact`, `company`."""
    data = api.ok("GET", "/v1/leads/fields")["data"]
    assert {"title", "name", "statusId", "companyTitle", "amount", "currency", "phone", "email", "createdTime"} <= set(
        data["fields"]
    )
    assert data["include"] == ["contact", "company"]


def test_L32470_leads_get_and_include(api: Api) -> None:
    """`GET /v1/leads/42`; `?include=contact,company` (L32519)."""
    data = api.ok("GET", "/v1/leads/42")["data"]
    assert {"id", "title", "name", "lastName", "statusId", "sourceId", "createdTime", "updatedTime"} <= set(data)
    included = api.ok("GET", "/v1/leads/50", "include=contact,company")["data"]["_included"]
    assert included["contact"]["id"] == 71 and included["company"] is None


def test_L32616_leads_list_filtered_with_select(api: Api) -> None:
    rows = api.ok("GET", "/v1/leads", "limit=10&filter[statusId]=NEW&select=id,title,statusId,amount")["data"]
    assert len(rows) == 10 and all(
        set(r) == {"id", "title", "statusId", "amount"} and r["statusId"] == "NEW" for r in rows
    )


def test_L33718_leads_search_new_above_an_amount_newest_first(api: Api) -> None:
    """`{"filter": {"statusId": "NEW", ">=amount": 100000}, "limit": 10, "order": {"createdTime": "desc"}}`."""
    body = {"filter": {"statusId": "NEW", ">=amount": 100000}, "limit": 10, "order": {"createdTime": "desc"}}
    rows = api.search("leads", body)["data"]
    assert rows and all(r["statusId"] == "NEW" and r["amount"] >= 100000 for r in rows)
    assert [r["createdTime"] for r in rows] == sorted((r["createdTime"] for r in rows), reverse=True)


def test_L33863_leads_update(api: Api) -> None:
    body = {"statusId": "IN_PROCESS", "amount": 250000, "assignedById": 3, "title": "Заявка с сайта — горячий клиент"}
    data = api.ok("PATCH", "/v1/leads/50", body=body)["data"]
    assert {k: data[k] for k in body} == body and data["updatedTime"] == NOW


def test_L31827_leads_aggregate_amount_by_status(api: Api) -> None:
    body = {
        "aggregate": [{"field": "amount", "function": "sum"}, {"field": "amount", "function": "avg"}],
        "filter": {"sourceId": "WEB"},
        "groupBy": "statusId",
    }
    data = api.ok("POST", "/v1/leads/aggregate", body=body)["data"]
    assert data["count"] > 0 and {g["statusId"] for g in data["groups"]} <= {
        "NEW",
        "IN_PROCESS",
        "PROCESSED",
        "CONVERTED",
        "JUNK",
    }


def test_L31908_leads_count_new(api: Api) -> None:
    data = api.ok("POST", "/v1/leads/aggregate", body={"filter": {"statusId": "NEW"}})["data"]
    assert data["count"] == api.search("leads", {"filter": {"statusId": "NEW"}})["total"] > 0


def test_L31914_leads_sum_budget_by_priority(api: Api) -> None:
    body = {"aggregate": [{"field": "UF_CRM_BUDGET", "function": "sum"}], "groupBy": "UF_CRM_PRIORITY"}
    data = api.ok("POST", "/v1/leads/aggregate", body=body)["data"]
    assert data["aggregates"]["UF_CRM_BUDGET"]["sum"] > 0 and len(data["groups"]) >= 3


def test_L31976_leads_aggregate_unknown_field(api: Api) -> None:
    status, error = api.error("POST", "/v1/leads/aggregate", body={"aggregate": [{"field": "foo", "function": "sum"}]})
    assert (status, error["code"]) == (400, "INVALID_PARAMS") and "amount" in error["message"]
