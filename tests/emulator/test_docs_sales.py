"""The docs' Quotes pages, example by example; each test names its doc line (docs dump of 2026-05-05).

Choices that hold for every page below: record dates print as UTC `...000Z`; `/fields` answers the
Vibe shape with `include` (see test_api_contract), where the pages show the Bitrix descriptors.
"""

from __future__ import annotations

import pytest

from .conftest import Api
from .docs_portal import docs_api


@pytest.fixture
def api() -> Api:
    return docs_api()


# --- Quotes ----------------------------------------------------------------------------------------------


def test_L34602_quotes_create_example_and_response(api: Api) -> None:
    """Body L34606-34613; response L34699-34716: no contact or company (0), empty comments, beginDate at
    midnight of the day and closeDate a month on, the key's owner as creator."""
    body = {"title": "КП на серверное оборудование", "amount": 150000, "currency": "RUB", "stageId": "DRAFT",
            "dealId": 741, "assignedById": 1}  # fmt: skip
    data = api.ok("POST", "/v1/quotes", body=body, status=201)["data"]
    assert {k: data[k] for k in body} == body
    assert (data["contactId"], data["companyId"], data["comments"], data["createdBy"]) == (0, 0, "", 1)
    assert data["beginDate"] == "2026-04-14T00:00:00.000Z" and data["closeDate"] == "2026-05-14T00:00:00.000Z"
    assert data["createdAt"] == data["updatedAt"] == "2026-04-14T08:23:59.000Z"
    assert api.ok("GET", f"/v1/quotes/{data['id']}")["data"]["title"] == body["title"]


def test_quotes_create_defaults_to_the_first_status_and_the_base_currency(api: Api) -> None:
    data = api.ok("POST", "/v1/quotes", body={"title": "Черновик"}, status=201)["data"]
    assert (data["stageId"], data["currency"], data["assignedById"]) == ("DRAFT", "RUB", 1)


def test_quotes_refuse_a_status_outside_quote_status(api: Api) -> None:
    """Quotes: Create, "stageId: DRAFT, SENT, APPROVED. Список: GET /v1/statuses?filter[entityId]=QUOTE_STATUS"."""
    status, error = api.error("POST", "/v1/quotes", body={"title": "x", "stageId": "WON"})
    assert status == 400 and "stageId" in error["message"]
    rows = api.ok("GET", "/v1/statuses", "filter[entityId]=QUOTE_STATUS")["data"]
    assert [r["statusId"] for r in rows] == ["DRAFT", "SENT", "RECEIVED", "APPROVED", "DECLAINED"]
    assert [r["semantics"] for r in rows][-2:] == ["S", "F"]


def test_L34778_quotes_delete(api: Api) -> None:
    """`DELETE /v1/quotes/412` → 204 with an empty body; then 404 ENTITY_NOT_FOUND "Элемент не найден" (L34836)."""
    response = api.call("DELETE", "/v1/quotes/412")
    assert (response.status, response.body) == (204, b"")
    assert api.error("GET", "/v1/quotes/412") == (404, {"code": "ENTITY_NOT_FOUND", "message": "Элемент не найден"})


def test_L34895_quotes_fields_has_every_documented_field_and_the_includes(api: Api) -> None:
    """Fields table L34895-34911; "Доступные include: deal, contact, company" (L34918)."""
    data = api.ok("GET", "/v1/quotes/fields")["data"]
    documented = ["id", "title", "amount", "currency", "stageId", "dealId", "contactId", "companyId", "assignedById",
                  "createdBy", "comments", "beginDate", "closeDate", "createdAt", "updatedAt"]  # fmt: skip
    assert list(data["fields"])[: len(documented)] == documented
    readonly = {n for n, f in data["fields"].items() if f["readonly"]}
    assert readonly == {"id", "createdBy", "createdAt", "updatedAt"}
    assert data["include"] == ["deal", "contact", "company"]
    assert [i["ID"] for i in data["fields"]["stageId"]["items"]][:2] == ["DRAFT", "SENT"]


def test_L35069_quotes_get_with_its_three_includes(api: Api) -> None:
    """`GET /v1/quotes/412?include=deal,contact,company`; response L35093-35116."""
    data = api.ok("GET", "/v1/quotes/412", "include=deal,contact,company")["data"]
    assert (data["stageId"], data["dealId"], data["contactId"], data["companyId"]) == ("SENT", 741, 71, 15)
    included = data["_included"]
    assert (included["deal"]["id"], included["deal"]["title"], included["deal"]["amount"]) == (
        741,
        "Поставка оборудования",
        50000,
    )
    assert (included["contact"]["name"], included["contact"]["lastName"]) == ("Иван", "Петров")
    assert included["company"]["title"] == "ООО Ромашка"


def test_L35183_quotes_list_by_status_ordered_by_amount(api: Api) -> None:
    """`GET /v1/quotes?limit=10&order[amount]=desc&filter[stageId]=DRAFT`; response L35232-35251 (total, page,
    limit)."""
    body = api.ok("GET", "/v1/quotes", "limit=10&order[amount]=desc&filter[stageId]=DRAFT")
    rows = body["data"]
    assert rows and all(r["stageId"] == "DRAFT" for r in rows)
    assert [r["amount"] for r in rows] == sorted((r["amount"] for r in rows), reverse=True)
    assert (body["page"], body["limit"]) == (1, 10) and body["total"] >= len(rows)


def test_L36287_quotes_search(api: Api) -> None:
    """Body L36287-36291 `{filter: {stageId: DRAFT}, limit: 10, order: {amount: desc}}`."""
    rows = api.search("quotes", {"filter": {"stageId": "DRAFT"}, "limit": 10, "order": {"amount": "desc"}})["data"]
    assert rows and all(r["stageId"] == "DRAFT" for r in rows) and len(rows) <= 10
    assert [r["amount"] for r in rows] == sorted((r["amount"] for r in rows), reverse=True)


def test_L36432_quotes_update(api: Api) -> None:
    """`PATCH /v1/quotes/412` `{stageId: APPROVED, amount: 145000}`; response L36503-36516; 404 for a missing one."""
    data = api.ok("PATCH", "/v1/quotes/412", body={"stageId": "APPROVED", "amount": 145000})["data"]
    assert (data["id"], data["stageId"], data["amount"], data["dealId"]) == (412, "APPROVED", 145000, 741)
    assert data["updatedAt"] == "2026-04-14T08:23:59.000Z"
    status, error = api.error("PATCH", "/v1/quotes/999999", body={"amount": 1})
    assert (status, error["code"]) == (404, "ENTITY_NOT_FOUND")


def test_L34389_quotes_aggregate_by_status(api: Api) -> None:
    """Body L34389-34397 (sum and avg of amount for assignedById 1, by stageId); response shape L34497-34527."""
    body = {"aggregate": [{"field": "amount", "function": "sum"}, {"field": "amount", "function": "avg"}],
            "filter": {"assignedById": 1}, "groupBy": "stageId"}  # fmt: skip
    data = api.ok("POST", "/v1/quotes/aggregate", body=body)["data"]
    assert data["count"] == sum(g["count"] for g in data["groups"]) == data["meta"]["totalRecords"]
    assert {g["stageId"] for g in data["groups"]} <= {"DRAFT", "SENT", "RECEIVED", "APPROVED", "DECLAINED"}
    assert set(data["aggregates"]["amount"]) == {"sum", "avg"}


def test_L34477_quotes_aggregate_a_user_field_by_another(api: Api) -> None:
    """`{"aggregate": [{"field": "UF_CRM_DISCOUNT", "function": "sum"}], "groupBy": "UF_CRM_PRIORITY"}`."""
    body = {"aggregate": [{"field": "UF_CRM_DISCOUNT", "function": "sum"}], "groupBy": "UF_CRM_PRIORITY"}
    data = api.ok("POST", "/v1/quotes/aggregate", body=body)["data"]
    assert data["aggregates"]["UF_CRM_DISCOUNT"]["sum"] > 0 and len(data["groups"]) > 1


def test_L34536_quotes_aggregate_of_an_unknown_field(api: Api) -> None:
    """400 INVALID_PARAMS "Field 'foo' not found. Available numeric fields: amount, stageId, assignedById"."""
    status, error = api.error("POST", "/v1/quotes/aggregate", body={"aggregate": [{"field": "foo", "function": "sum"}]})
    assert (status, error["code"]) == (400, "INVALID_PARAMS")
    assert error["message"].startswith("Field 'foo' not found. Available numeric fields: amount, stageId, assignedById")


def test_L25775_deals_include_quote(api: Api) -> None:
    """Deals: Get, "Доступные include: contact, company, quote": the deal's latest quote (its dealId)."""
    data = api.ok("GET", "/v1/deals/741", "include=contact,company,quote")["data"]
    assert data["_included"]["quote"]["id"] == 741  # quotes 412 and 741 name deal 741; the latest is shown
    assert api.ok("GET", "/v1/deals/742", "include=quote")["data"]["_included"]["quote"]["id"] == 52
    assert "quote" in api.ok("GET", "/v1/deals/fields")["data"]["include"]


# --- Invoices --------------------------------------------------------------------------------------------


def test_L27497_invoices_create_example_and_response(api: Api) -> None:
    """Body L27497-27505 with stage `DT31_5:N`; response L27597-27614 (categoryId 5 follows the stage)."""
    body = {"title": "Счёт за услуги", "stageId": "DT31_5:N", "contactId": 42, "companyId": 15,
            "opportunity": 150000, "currencyId": "RUB", "assignedById": 1}  # fmt: skip
    data = api.ok("POST", "/v1/invoices", body=body, status=201)["data"]
    assert {k: data[k] for k in body} == body
    assert (data["categoryId"], data["createdBy"]) == (5, 1)
    assert data["createdTime"] == data["updatedTime"] == "2026-04-14T08:23:59.000Z"


def test_invoices_create_without_a_stage_starts_in_the_first_pipelines_first_stage(api: Api) -> None:
    data = api.ok("POST", "/v1/invoices", body={"title": "Без стадии"}, status=201)["data"]
    assert (data["stageId"], data["categoryId"], data["currencyId"]) == ("DT31_5:N", 5, "RUB")
    moved = api.ok("POST", "/v1/invoices", body={"title": "Абонентка", "categoryId": 8}, status=201)["data"]
    assert moved["stageId"] == "DT31_8:N"


def test_invoice_stages_are_dt31_statuses_per_pipeline(api: Api) -> None:
    """Invoices: Fields, stageId "Формат: DT31_{categoryId}:{stage}. Список стадий: GET
    /v1/statuses?filter[entityId]=SMART_INVOICE_STAGE_{categoryId}"."""
    rows = api.ok("GET", "/v1/statuses", "filter[entityId]=SMART_INVOICE_STAGE_5")["data"]
    assert [r["statusId"] for r in rows] == ["DT31_5:N", "DT31_5:S", "DT31_5:P", "DT31_5:D"]
    assert [r["semantics"] for r in rows] == [None, None, "S", "F"]
    status, error = api.error("POST", "/v1/invoices", body={"title": "x", "stageId": "DT31_5:P", "categoryId": 8})
    assert status == 400 and "belongs to pipeline 5, not 8" in error["message"]


def test_L27691_invoices_delete(api: Api) -> None:
    """`DELETE /v1/invoices/891` → 204; a second delete 404 ENTITY_NOT_FOUND (L27731)."""
    response = api.call("DELETE", "/v1/invoices/891")
    assert (response.status, response.body) == (204, b"")
    assert api.error("DELETE", "/v1/invoices/891")[1]["code"] == "ENTITY_NOT_FOUND"


def test_L27784_invoices_fields(api: Api) -> None:
    """Fields table L27784-27798; "Доступные include: contact, company"."""
    data = api.ok("GET", "/v1/invoices/fields")["data"]
    documented = {"id", "title", "stageId", "categoryId", "contactId", "companyId", "mycompanyId", "opportunity",
                  "currencyId", "assignedById", "createdBy", "createdTime", "updatedTime"}  # fmt: skip
    assert documented <= set(data["fields"])
    assert {n for n in documented if data["fields"][n]["readonly"]} == {"id", "createdBy", "createdTime", "updatedTime"}
    assert data["include"] == ["contact", "company"]
    assert "DT31_5:P" in [i["ID"] for i in data["fields"]["stageId"]["items"]]


def test_L27978_invoices_get_with_includes_and_its_404(api: Api) -> None:
    """`GET /v1/invoices/891?include=contact,company` (L27978); response L27986-28013; 404 NOT_FOUND "Entity not
    found" (L28022-28028)."""
    data = api.ok("GET", "/v1/invoices/891", "include=contact,company")["data"]
    assert (data["stageId"], data["categoryId"], data["opportunity"]) == ("DT31_5:N", 5, 150000)
    assert data["_included"]["contact"]["id"] == 42 and data["_included"]["company"]["title"] == "ООО Ромашка"
    assert api.error("GET", "/v1/invoices/999999") == (404, {"code": "NOT_FOUND", "message": "Entity not found"})


def test_L28078_invoices_list_by_stage_newest_first(api: Api) -> None:
    """`GET /v1/invoices?limit=10&sort=-createdTime&filter[stageId]=DT31_5:N`; response L28143-28163."""
    body = api.ok("GET", "/v1/invoices", "limit=10&sort=-createdTime&filter[stageId]=DT31_5:N")
    rows = body["data"]
    assert rows and all(r["stageId"] == "DT31_5:N" for r in rows)
    assert [r["createdTime"] for r in rows] == sorted((r["createdTime"] for r in rows), reverse=True)
    assert body["total"] >= len(rows)


def test_L29193_invoices_search(api: Api) -> None:
    """Body L29193-29199: `{">=opportunity": 100000, "assignedById": 1}`, sort `-createdTime`, limit 100."""
    body = {"filter": {">=opportunity": 100000, "assignedById": 1}, "sort": "-createdTime", "limit": 100}
    rows = api.search("invoices", body)["data"]
    assert rows and all(r["opportunity"] >= 100000 and r["assignedById"] == 1 for r in rows)


def test_L29356_invoices_update(api: Api) -> None:
    """`PATCH /v1/invoices/891` `{opportunity: 200000, stageId: "DT31_5:WON"}`; response L29412-29428. Choice:
    `WON` is no stage of this portal's invoice pipeline 5 (its statuses are N, S, P, D), so the example's
    body is refused naming the stage; the paid stage `DT31_5:P` goes through. Missing: 404 NOT_FOUND."""
    status, error = api.error("PATCH", "/v1/invoices/891", body={"opportunity": 200000, "stageId": "DT31_5:WON"})
    assert status == 400 and "stageId" in error["message"]
    data = api.ok("PATCH", "/v1/invoices/891", body={"opportunity": 200000, "stageId": "DT31_5:P"})["data"]
    assert (data["id"], data["stageId"], data["categoryId"], data["opportunity"]) == (891, "DT31_5:P", 5, 200000)
    assert data["updatedTime"] == "2026-04-14T08:23:59.000Z"
    assert api.error("PATCH", "/v1/invoices/999999", body={"opportunity": 1})[1]["code"] == "NOT_FOUND"


def test_L27283_invoices_aggregate_by_stage(api: Api) -> None:
    """Body L27283-27291 (sum and avg of opportunity for assignedById 1, by stageId); response L27396-27418."""
    body = {"aggregate": [{"field": "opportunity", "function": "sum"}, {"field": "opportunity", "function": "avg"}],
            "filter": {"assignedById": 1}, "groupBy": "stageId"}  # fmt: skip
    data = api.ok("POST", "/v1/invoices/aggregate", body=body)["data"]
    assert data["count"] == sum(g["count"] for g in data["groups"]) > 0
    assert all(g["stageId"].startswith("DT31_") for g in data["groups"])


def test_L27371_invoices_aggregate_a_user_field_by_another(api: Api) -> None:
    """`{"aggregate": [{"field": "UF_CRM_TAX", "function": "sum"}], "groupBy": "UF_CRM_PAYMENT_METHOD"}`."""
    body = {"aggregate": [{"field": "UF_CRM_TAX", "function": "sum"}], "groupBy": "UF_CRM_PAYMENT_METHOD"}
    data = api.ok("POST", "/v1/invoices/aggregate", body=body)["data"]
    assert data["aggregates"]["UF_CRM_TAX"]["sum"] > 0
    assert {81, 82, 83} <= {g["UF_CRM_PAYMENT_METHOD"] for g in data["groups"]}
