"""The success responses the docs print on the general and core entity pages, replayed: the request of each
example is sent to the demo portal (over the docs' records) and its answer must carry every key the example
shows, in `data` (or its first record), at the top level and in `meta`. Each row names its doc line.

Readings chosen where a page contradicts the others (see test_docs_crm's module notes for dates and
multifields): `/fields` answers one camelCase shape under `fields` for every entity, where the Currencies
and Statuses pages print raw Bitrix UPPER keys (L23960, L39559); Statuses: Create prints `SYSTEM` and
`CATEGORY_ID` beside camelCase keys (L39345) where Statuses: Get/List print camelCase only, so the portal
answers `system` and `categoryId`; a `select` is honoured where a list example prints fields it did not
select (L22153, L23315, L24203, L32664), so those keys are checked on the same request without `select`;
Companies: Create prints `typeId` (L21653) where Companies: Get and Fields name the field `companyType`, which
the portal answers.
Ids the docs' records do not have are replaced by ones the demo data has (the row says which).
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api
from .docs_portal import docs_api

Row = tuple[int, str, str, Any, str, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]
# line, method, path (with query), body, kind of `data`, its keys, top-level keys, meta keys, keys not expected
RESPONSES: list[Row] = [
    (2272, "POST", "/v1/batch", {"calls": [
        {"id": "deals", "entity": "deals", "action": "list",
         "params": {"filter": {"stageId": "NEW"}, "select": ["id", "title", "amount"], "limit": 50}},
        {"id": "contacts", "entity": "contacts", "action": "list",
         "params": {"select": ["id", "name", "lastName"], "limit": 20}},
        {"id": "user1", "entity": "users", "action": "get", "entityId": 1},
    ]}, "object", ("errors", "meta", "results", "summary", "totals"), (), (), ()),
    (10309, "GET", "/v1/deals/741?include=contact,company", None, "object",
     ("_included", "companyId", "contactId", "id", "title"), (), (), ()),
    (10437, "GET", "/v1/deals?limit=10&include=company", None, "list",
     ("_included", "companyId", "id", "title"), ("meta", "total"), ("hasMore",), ()),
    (19857, "DELETE", "/v1/users/5", None, "object", ("active", "deactivated", "id", "user"), (), (), ()),  # users/123
    (21452, "POST", "/v1/companies/aggregate", {
        "aggregate": [{"field": "revenue", "function": "sum"}, {"field": "revenue", "function": "avg"}],
        "filter": {"companyType": "CUSTOMER"}, "groupBy": "industry",
    }, "object", ("aggregates", "count", "groups", "meta"), (), (), ()),
    (21653, "POST", "/v1/companies", {
        "title": "ООО Ромашка", "companyType": "CUSTOMER", "industry": "IT",
        "phone": [{"value": "+74951234567", "typeId": "WORK"}],
        "email": [{"value": "info@romashka.ru", "typeId": "WORK"}],
        "web": "https://romashka.ru",
    }, "object", ("assignedById", "createdBy", "createdTime", "currencyId", "id", "industry", "opened", "revenue",
                  "title", "updatedTime"), (), (), ()),
    (21905, "GET", "/v1/companies/fields", None, "object", ("fields",), (), (), ()),
    (22030, "GET", "/v1/companies/1", None, "object",
     ("assignedById", "companyType", "createdTime", "id", "industry", "title", "updatedTime"), (), (), ()),
    (22153, "GET", "/v1/companies?limit=10&filter[industry]=IT", None, "list",
     ("assignedById", "email", "id", "industry", "phone", "title"), ("meta",), ("hasMore", "total"), ()),
    (22302, "POST", "/v1/companies/search", {"filter": {"industry": "IT"}, "limit": 10}, "list",
     ("assignedById", "id", "industry", "title"), (), (), ()),
    (22431, "PATCH", "/v1/companies/1", {"title": "ЗАО Ложки (обновлено)", "industry": "MANUFACTURING"}, "object",
     ("assignedById", "createdTime", "id", "industry", "title", "updatedTime"), (), (), ()),
    (22609, "POST", "/v1/contacts/aggregate", {"filter": {"assignedById": 1}, "groupBy": "typeId"}, "object",
     ("aggregates", "count", "groups", "meta"), (), (), ()),
    (22805, "POST", "/v1/contacts", {
        "name": "Иван", "lastName": "Петров", "phone": [{"value": "+79161234567", "typeId": "WORK"}],
        "email": [{"value": "ivan@company.ru", "typeId": "WORK"}], "companyId": 15, "post": "Менеджер",
        "typeId": "CLIENT",
    }, "object", ("assignedById", "companyId", "createdBy", "createdTime", "id", "lastName", "name", "opened", "post",
                  "secondName", "sourceId", "typeId", "updatedTime"), (), (), ()),
    (23062, "GET", "/v1/contacts/fields", None, "object", ("fields",), (), (), ()),
    (23190, "GET", "/v1/contacts/71", None, "object",
     ("assignedById", "companyId", "createdTime", "id", "lastName", "name", "sourceId", "typeId", "updatedTime"),
     (), (), ()),
    (23315, "GET", "/v1/contacts?limit=10&filter[companyId]=15", None, "list",
     ("assignedById", "companyId", "email", "id", "lastName", "name", "phone", "sourceId", "typeId"), ("meta",),
     ("hasMore", "total"), ()),
    (23473, "POST", "/v1/contacts/search", {"filter": {"companyId": 15}, "limit": 10, "order": {"lastName": "asc"}},
     "list", ("assignedById", "companyId", "id", "lastName", "name", "phone", "typeId"), (), (), ()),
    (23617, "PATCH", "/v1/contacts/71", {"phone": [{"value": "+79169876543", "typeId": "MOBILE"}], "post": "Директор"},
     "object", ("assignedById", "companyId", "createdTime", "id", "lastName", "name", "updatedTime"), (), (), ()),
    (23756, "POST", "/v1/currencies", {"id": "CNY", "amount": 12.7, "amountCnt": 1, "fullName": "Китайский юань",
                                       "sort": 300}, "object", ("id",), (), (), ()),
    (23960, "GET", "/v1/currencies/fields", None, "object", ("fields",), (), (), ()),  # UPPER keys on the page
    (24081, "GET", "/v1/currencies/USD", None, "object",
     ("amount", "amountCnt", "base", "decPoint", "decimals", "formatString", "fullName", "id", "sort",
      "thousandsSep"), (), (), ()),
    (24203, "GET", "/v1/currencies", None, "list",
     ("amount", "amountCnt", "base", "decPoint", "decimals", "formatString", "fullName", "id", "sort",
      "thousandsSep"), ("meta",), ("hasMore", "total"), ()),
    (24343, "PATCH", "/v1/currencies/USD", {"amount": 94.2}, "true", (), (), (), ()),
    (24454, "POST", "/v1/deal-categories", {"name": "Корпоративные продажи", "sort": 200}, "object", ("id",), (), (),
     ()),
    (24653, "GET", "/v1/deal-categories/fields", None, "object", ("batch", "fields"), (), (), ()),
    (24766, "GET", "/v1/deal-categories/2", None, "object", ("createdAt", "id", "isLocked", "name", "sort"), (), (),
     ()),  # deal-categories/3
    (24877, "GET", "/v1/deal-categories?order[sort]=asc", None, "list",
     ("createdAt", "id", "isLocked", "name", "sort"), ("meta",), ("hasMore", "total"), ()),
    (25006, "PATCH", "/v1/deal-categories/2", {"name": "Корпоративные продажи B2B"}, "true", (), (), (), ()),
    (25186, "POST", "/v1/deals/aggregate", {
        "aggregate": [{"field": "amount", "function": "sum"}, {"field": "amount", "function": "avg"}],
        "filter": {"categoryId": 0}, "groupBy": "stageId",
    }, "object", ("aggregates", "count", "groups", "meta"), (), (), ()),
    (25391, "POST", "/v1/deals", {"title": "Поставка оборудования", "amount": 50000, "currency": "RUB",
                                  "stageId": "NEW", "categoryId": 0, "assignedById": 1}, "object",
     ("amount", "assignedById", "categoryId", "closed", "companyId", "contactId", "contactIds", "createdAt",
      "createdBy", "currency", "entityTypeId", "id", "observers", "opened", "stageId", "title", "typeId",
      "updatedAt"), (), (), ()),
    (25655, "GET", "/v1/deals/fields", None, "object", ("fields",), (), (), ()),
    (25794, "GET", "/v1/deals/741", None, "object",
     ("amount", "assignedById", "categoryId", "companyId", "contactId", "contactIds", "createdAt", "createdBy",
      "currency", "entityTypeId", "id", "observers", "opened", "stageId", "title", "updatedAt"), (), (), ()),
    (25928, "GET", "/v1/deals?limit=10&order[amount]=desc&filter[stageId]=NEW", None, "list",
     ("amount", "assignedById", "categoryId", "companyId", "contactId", "createdAt", "currency", "id", "opened",
      "stageId", "title"), ("limit", "page", "total"), (), ()),
    (27054, "POST", "/v1/deals/search", {"filter": {"stageId": "NEW"}, "limit": 10, "order": {"amount": "desc"}},
     "list", ("amount", "assignedById", "categoryId", "createdAt", "currency", "id", "stageId", "title"), (), (), ()),
    (27198, "PATCH", "/v1/deals/741", {"stageId": "WON", "amount": 75000}, "object",
     ("amount", "assignedById", "categoryId", "currency", "entityTypeId", "id", "stageId", "title", "updatedAt"),
     (), (), ()),
    (31936, "POST", "/v1/leads/aggregate", {
        "aggregate": [{"field": "amount", "function": "sum"}, {"field": "amount", "function": "avg"}],
        "filter": {"sourceId": "WEB"}, "groupBy": "statusId",
    }, "object", ("aggregates", "count", "groups", "meta"), (), (), ()),
    (32137, "POST", "/v1/leads", {"title": "Заявка с сайта", "name": "Мария", "lastName": "Сидорова",
                                  "phone": [{"value": "+79161234567", "typeId": "WORK"}], "sourceId": "WEB",
                                  "statusId": "NEW"}, "object",
     ("assignedById", "createdBy", "createdTime", "id", "opened", "sourceId", "statusId", "title", "updatedTime"),
     (), (), ()),
    (32401, "GET", "/v1/leads/fields", None, "object", ("fields",), (), (), ()),
    (32526, "GET", "/v1/leads/42", None, "object",
     ("amount", "assignedById", "comments", "companyId", "companyTitle", "contactId", "createdBy", "createdTime",
      "currency", "email", "id", "lastName", "name", "opened", "phone", "secondName", "sourceDescription",
      "sourceId", "statusId", "title", "updatedTime"), (), (), ()),
    (32664, "GET", "/v1/leads?limit=10&filter[statusId]=NEW", None, "list",
     ("amount", "assignedById", "createdTime", "currency", "id", "lastName", "name", "sourceId", "statusId",
      "title"), ("meta",), ("hasMore", "total"), ()),
    (33786, "POST", "/v1/leads/search", {"filter": {"statusId": "NEW", ">=amount": 100000}, "limit": 10,
                                         "order": {"createdTime": "desc"}}, "list",
     ("amount", "assignedById", "createdTime", "currency", "id", "sourceId", "statusId", "title"), (), (), ()),
    (33938, "PATCH", "/v1/leads/42", {"statusId": "IN_PROCESS", "amount": 250000, "assignedById": 3,
                                      "title": "Заявка с сайта — горячий клиент"}, "object",
     ("assignedById", "createdTime", "id", "statusId", "title", "updatedTime"), (), (), ()),
    (39345, "POST", "/v1/statuses", {"entityId": "SOURCE", "statusId": "PARTNER_NEW", "name": "Партнёр", "sort": 50},
     "object", ("categoryId", "color", "entityId", "id", "name", "nameInit", "semantics", "sort", "statusId",
                "system"), (), (), ()),  # PARTNER is seeded already: a new code, as the example intends
    (39559, "GET", "/v1/statuses/fields", None, "object", ("fields",), (), (), ()),  # UPPER keys on the page
    (39677, "GET", "/v1/statuses/1", None, "object",
     ("color", "entityId", "id", "name", "nameInit", "semantics", "sort", "statusId"), (), (), ()),
    (39795, "GET", "/v1/statuses?filter[entityId]=DEAL_STAGE&order[sort]=asc", None, "list",
     ("color", "entityId", "id", "name", "semantics", "sort", "statusId"), ("meta",), ("hasMore", "total"), ()),
    (39928, "PATCH", "/v1/statuses/42", {"name": "Предоплата получена", "sort": 35}, "true", (), (), (), ()),
    (40033, "POST", "/v1/tasks/aggregate", {
        "aggregate": [{"field": "status", "function": "sum"}, {"field": "status", "function": "avg"}],
    }, "object", ("aggregates", "count", "meta"), (), (), ()),
]  # fmt: skip


@pytest.mark.parametrize("row", RESPONSES, ids=[f"L{row[0]}" for row in RESPONSES])
def test_documented_response_keys(row: Row) -> None:
    line, method, target, body, kind, keys, top, meta, absent = row
    path, _, query = target.partition("?")
    api: Api = docs_api()
    response = api.call(method, path, query, body)
    assert response.status in (200, 201), (line, response.body[:300])
    payload = response.json()
    assert payload["success"] is True
    data = payload["data"]
    if kind == "true":
        assert data is True
        return
    record = data[0] if kind == "list" else data
    assert isinstance(record, dict), (line, data)
    missing = set(keys) - set(record)
    assert not missing, f"L{line}: the answer lacks {sorted(missing)}"
    assert not set(absent) & set(record)
    assert set(top) <= set(payload), f"L{line}: top-level {sorted(set(top) - set(payload))}"
    assert set(meta) <= set(payload.get("meta", {})), f"L{line}: meta lacks {sorted(set(meta) - set(payload['meta']))}"
