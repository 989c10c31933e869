"""The docs' "{Entity}: Products *" pages of deals, leads, quotes, invoices and smart process items,
example by example; each test names the deals page's doc line, the other owners' pages (same
examples, other ids) are listed in the parameters (docs dump of 2026-05-05).

Choices: the items pages' types 156 and 180 are not on the demo portal, whose contracts type 1032
stands in; where an example addresses a row id of another record, the row is added first and its
own id is used (row ids are portal-wide).
"""

from __future__ import annotations

import pytest

from .conftest import Api
from .docs_portal import docs_api

# (owner path, the pages' first doc line): Deals L25994, Invoices L28200, Items L30483, Leads L32727, Quotes L35297.
OWNERS = [
    ("/v1/deals/741", 25994),
    ("/v1/invoices/741", 28200),
    ("/v1/items/1032/47", 30483),
    ("/v1/leads/741", 32727),
    ("/v1/quotes/741", 35297),
]
IDS = [path.split("/v1/")[1] for path, _ in OWNERS]


@pytest.fixture
def api() -> Api:
    return docs_api()


def _add(api: Api, owner: str, body: dict[str, object]) -> int:
    data = api.ok("POST", f"{owner}/products", body=body, status=201)["data"]
    assert set(data) == {"id"}
    return int(data["id"])


@pytest.mark.parametrize(("owner", "page"), OWNERS, ids=IDS)
def test_L26021_products_add_then_get_the_row(api: Api, owner: str, page: int) -> None:
    """Add: body `{ "productId": 1, "price": 25000, "quantity": 2 }`, answer `{"data": {"id": 1465}}`; the row is
    then listed (Get, `data[]` with productId, productName, price, quantity, discount, taxRate, taxIncluded)."""
    before = api.ok("GET", f"{owner}/products")["data"]
    row_id = _add(api, owner, {"productId": 1, "price": 25000, "quantity": 2})
    rows = api.ok("GET", f"{owner}/products")["data"]
    assert len(rows) == len(before) + 1
    row = next(r for r in rows if r["id"] == row_id)
    assert (row["productId"], row["price"], row["quantity"], row["discount"]) == (1, 25000, 2, 0)
    assert row["productName"] == "Битрикс24 «Базовый», 12 месяцев" and row["taxIncluded"] is False
    assert {"taxRate", "priceNetto", "priceBrutto", "measureCode", "measureName", "sort"} <= set(row)


@pytest.mark.parametrize(("owner", "page"), OWNERS, ids=IDS)
def test_L26143_products_delete(api: Api, owner: str, page: int) -> None:
    """`DELETE …/products/:rowId` → 204 (Items: 200 `{"data": true}`); then 404 ENTITY_NOT_FOUND."""
    row_id = _add(api, owner, {"productId": 2, "quantity": 1})
    response = api.call("DELETE", f"{owner}/products/{row_id}")
    if "/items/" in owner:
        assert (response.status, response.json()) == (200, {"success": True, "data": True})
    else:
        assert (response.status, response.body) == (204, b"")
    status, error = api.error("GET", f"{owner}/products/{row_id}")
    assert (status, error) == (404, {"code": "ENTITY_NOT_FOUND", "message": "Элемент не найден"})


@pytest.mark.parametrize(("owner", "page"), OWNERS, ids=IDS)
def test_L26250_products_fields(api: Api, owner: str, page: int) -> None:
    """Fields: the 21 descriptors of the example, ownerId/ownerType required and immutable, taxIncluded char."""
    data = api.ok("GET", f"{owner}/products/fields")["data"]
    assert len(data) == 21 and list(data)[:4] == ["id", "ownerId", "ownerType", "productId"]
    assert data["id"] == {"type": "integer", "isRequired": False, "isReadOnly": True, "title": "ID"}
    assert data["ownerId"] == {"type": "integer", "isRequired": True, "isReadOnly": False, "isImmutable": True,
                               "title": "ID владельца"}  # fmt: skip
    assert data["productId"]["isRequired"] is True and data["taxIncluded"]["type"] == "char"
    assert data["priceExclusive"]["isReadOnly"] is True and data["quantity"]["isReadOnly"] is False


def test_L26528_products_get_single(api: Api) -> None:
    """`GET /v1/deals/741/products/1471`: the example's row (price 5000 × 3, measure 796 шт)."""
    data = api.ok("GET", "/v1/deals/741/products/1471")["data"]
    assert (data["id"], data["productId"], data["price"], data["quantity"]) == (1471, 1, 5000, 3)
    assert (data["measureCode"], data["measureName"], data["taxRate"], data["taxIncluded"]) == (796, "шт", None, False)
    assert data["priceExclusive"] == data["priceNetto"] == data["priceBrutto"] == 5000
    status, error = api.error("GET", "/v1/quotes/741/products/1471")  # another record's row
    assert (status, error["code"]) == (404, "ENTITY_NOT_FOUND")


@pytest.mark.parametrize(("owner", "page"), OWNERS, ids=IDS)
def test_L26679_products_set_replaces_every_row(api: Api, owner: str, page: int) -> None:
    """Set: `{"items": [{productId 1, price 75000, quantity 2}, {productId 5, price 10000, quantity 1, discount
    1000}]}` answers the rows set; the earlier rows are gone ("Полная замена")."""
    _add(api, owner, {"productId": 3, "quantity": 4})
    items = [{"productId": 1, "price": 75000, "quantity": 2},
             {"productId": 5, "price": 10000, "quantity": 1, "discount": 1000}]  # fmt: skip
    data = api.ok("PUT", f"{owner}/products", body={"items": items})["data"]
    assert [(r["productId"], r["price"], r["quantity"], r["discount"]) for r in data] == [
        (1, 75000, 2, 0),
        (5, 10000, 1, 1000),
    ]
    assert [r["id"] for r in api.ok("GET", f"{owner}/products")["data"]] == [r["id"] for r in data]
    assert api.error("PUT", f"{owner}/products", body={"items": "x"}) == (
        400,
        {"code": "INVALID_PARAMS", "message": "items must be an array"},
    )
    assert api.ok("PUT", f"{owner}/products", body={"items": []})["data"] == []


@pytest.mark.parametrize(("owner", "page"), OWNERS, ids=IDS)
def test_L26854_products_update(api: Api, owner: str, page: int) -> None:
    """Update: `{ "price": 9999, "quantity": 10 }` answers the row with the new price and quantity."""
    row_id = _add(api, owner, {"productId": 1, "price": 25000, "quantity": 2})
    data = api.ok("PATCH", f"{owner}/products/{row_id}", body={"price": 9999, "quantity": 10})["data"]
    assert (data["id"], data["productId"], data["price"], data["quantity"]) == (row_id, 1, 9999, 10)
    status, error = api.error("PATCH", f"{owner}/products/999999", body={"price": 1})
    assert (status, error["code"]) == (404, "ENTITY_NOT_FOUND")


def test_products_of_a_missing_record_and_bad_rows(api: Api) -> None:
    """404 "Сделка не найдена" for a missing owner; a row's fields are validated like an entity's."""
    assert api.error("GET", "/v1/deals/999999/products")[1]["code"] == "ENTITY_NOT_FOUND"
    status, error = api.error("POST", "/v1/deals/741/products", body={"price": 1})
    assert status == 400 and "productId" in error["message"]
    status, error = api.error("POST", "/v1/deals/741/products", body={"productId": 1, "quantity": "two"})
    assert status == 400 and "quantity" in error["message"]
    status, error = api.error("POST", "/v1/deals/741/products", body={"productId": 987654})
    assert status == 400 and "987654" in error["message"]
    assert api.error("GET", "/v1/contacts/71/products")[1]["code"] == "ROUTE_NOT_FOUND"  # contacts have no rows


def test_a_set_failing_midway_keeps_the_rows(api: Api) -> None:
    """A request that fails leaves the store as it found it: the old rows survive a bad set."""
    before = api.ok("GET", "/v1/deals/741/products")["data"]
    bad = [{"productId": 1, "price": 1, "quantity": 1}, {"productId": 1, "price": "x", "quantity": 1}]
    assert api.error("PUT", "/v1/deals/741/products", body={"items": bad})[0] == 400
    assert api.ok("GET", "/v1/deals/741/products")["data"] == before
