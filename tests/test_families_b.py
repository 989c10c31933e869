"""Catalog, sale, sites, documents, bookings, bizproc, open lines, telephony and lists as typed tools,
end to end over the demo portal: every generated tool called once, the odd shapes (string ids, no get,
lists of codes, fields only), writes through the guard, and per-key scopes."""

from __future__ import annotations

from typing import Any

import pytest
from portal_rig import CATALOG, consenting, rig

from server.emulator import DEMO_API_KEY, EmulatorTransport, Portal
from server.errors import VibeCodeError

pytestmark = pytest.mark.anyio

FAMILIES = ("products", "catalog", "sale", "sites", "documents", "bookings", "bizproc", "comms", "lists")
ENTITIES = [name for ts in FAMILIES for name in CATALOG.toolsets[ts]]


def test_every_family_entity_is_in_a_toolset_of_its_own_and_in_all_but_not_default() -> None:
    default = set(CATALOG.toolsets["default"])
    for name in ENTITIES:
        spec = CATALOG.entities[name]
        assert spec.toolset in FAMILIES and not default & {name}
    assert {e.name for e in CATALOG.select(["all"], [])} >= set(ENTITIES)


async def test_every_read_tool_answers_from_the_demo_portal() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=ENTITIES)
    for name, tool in r.dispatcher.tools.items():
        if tool.target is None or tool.target.entity is None or tool.writes:
            continue
        op = tool.target.spec.name
        args: dict[str, Any] = {}
        if op == "get":
            listed = await r.dispatcher.call(f"{tool.target.ent.tool_prefix}_list", {"limit": 1})
            args = {"id": listed.structured["items"][0]["id"]}
        elif op == "aggregate":
            args = {"aggregate": [{"field": "*", "function": "count"}]}
        out = await r.dispatcher.call(name, args)
        assert "error" not in out.structured, (name, out.text)
        if op in ("list", "search") and tool.target.ent.name != "list-elements":
            assert out.structured["items"], name


def test_odd_shapes_generate_the_right_tools() -> None:
    tools = rig(entities=ENTITIES).dispatcher.tools
    # No get where the pages disable it; list elements offer only fields.
    for name in ("bizproc_templates", "bizproc_activities", "bizproc_robots", "telephony_lines"):
        assert f"{name}_list" in tools and f"{name}_get" not in tools
    assert [n for n in tools if n.startswith("list_elements_")] == ["list_elements_fields"]
    # String ids are typed as strings, integer ids stay integers.
    assert tools["order_statuses_get"].input_schema["properties"]["id"]["type"] == "string"
    assert tools["bizproc_robots_delete"].input_schema["properties"]["id"]["type"] == "string"
    assert tools["orders_get"].input_schema["properties"]["id"]["type"] == "integer"
    assert "search" not in {t.target.spec.name for t in tools.values() if t.target and t.target.entity
                            and t.target.ent.name == "bizproc-robots"}  # fmt: skip


async def test_bizproc_robots_list_returns_codes_and_take_string_ids() -> None:
    """Bizproc Robots page: `Response: { "success": true, "data": ["my_robot_1", "sms_robot"] }`, `PATCH
    /v1/bizproc-robots/:code`, `DELETE /v1/bizproc-robots/send_notification` (the page's examples)."""
    r = rig(Portal(seed=42, scale=0.2), entities=["bizproc-robots"])
    listed = await r.dispatcher.call("bizproc_robots_list", {})
    assert [i["id"] for i in listed.structured["items"]] == ["create_invoice_pdf", "send_notification"]
    await r.dispatcher.call(
        "bizproc_robots_update", {"id": "send_notification", "fields": {"handler": "https://apps.example.com/new"}},
        consenting(),
    )  # fmt: skip
    assert r.portal.store.table("bizproc-robots").peek("send_notification")["handler"] == "https://apps.example.com/new"  # type: ignore[index]
    dry = await r.dispatcher.call("bizproc_robots_delete", {"id": "send_notification", "dry_run": True}, consenting())
    assert dry.structured["dry_run"] is True and "send_notification" in r.portal.store.table("bizproc-robots")
    await r.dispatcher.call("bizproc_robots_delete", {"id": "send_notification"}, consenting())
    assert "send_notification" not in r.portal.store.table("bizproc-robots")
    assert [(a["action"], a["result"]) for a in r.audit] == [
        ("update", "done"),
        ("delete", "dry_run"),
        ("delete", "done"),
    ]
    with pytest.raises(VibeCodeError, match="does not exist") as gone:
        await r.dispatcher.call("bizproc_robots_delete", {"id": "send_notification"}, consenting())
    assert gone.value.hint == "Find the right id with bizproc_robots_list."  # robots cannot be searched


async def test_bizproc_robot_create_and_duplicate_code() -> None:
    """Bizproc Robots: Create example; a second create of the same code is ERROR_ACTIVITY_ALREADY_INSTALLED."""
    r = rig(Portal(seed=42, scale=0.2), entities=["bizproc-robots"])
    body = {
        "code": "send_sms", "handler": "https://myapp.example.com/robot-handler",
        "name": "Отправить уведомление", "useSubscription": "Y", "documentType": ["crm", "CCrmDocumentDeal", "DEAL"],
        "properties": {"message": {"Name": {"ru": "Текст уведомления"}, "Type": "string", "Required": "Y"}},
    }  # fmt: skip
    out = await r.dispatcher.call("bizproc_robots_create", {"fields": body}, consenting())
    assert out.structured["item"]["id"] == "send_sms"
    with pytest.raises(VibeCodeError) as exc:
        await r.dispatcher.call("bizproc_robots_create", {"fields": body}, consenting())
    assert exc.value.code == "ERROR_ACTIVITY_ALREADY_INSTALLED"


async def test_order_status_string_id_round_trip() -> None:
    """Order Statuses page: `POST /v1/order-statuses` with `{"type":"value","sort":1,"notify":"true"}` plus the
    id sale.status.add needs; `GET/PATCH/DELETE /v1/order-statuses/:id` with the string id."""
    r = rig(Portal(seed=42, scale=0.2), entities=["order-statuses"])
    await r.dispatcher.call("order_statuses_create", {"fields": {"id": "RV", "type": "O", "sort": 150}}, consenting())
    got = await r.dispatcher.call("order_statuses_get", {"id": "RV"})
    assert got.structured["item"]["type"] == "O"
    await r.dispatcher.call("order_statuses_update", {"id": "RV", "fields": {"notify": True}}, consenting())
    assert r.portal.store.table("order-statuses").peek("RV")["notify"] is True  # type: ignore[index]
    await r.dispatcher.call("order_statuses_delete", {"id": "RV"}, consenting())
    assert "RV" not in r.portal.store.table("order-statuses")


async def test_telephony_line_without_get_is_updated_through_search_plan() -> None:
    """Telephony Lines: `PATCH /v1/telephony-lines/:id` (no get: the plan reads the line by search)."""
    r = rig(Portal(seed=42, scale=0.2), entities=["telephony-lines"])
    out = await r.dispatcher.call("telephony_lines_update", {"id": 2, "fields": {"name": "СПб, офис"}}, consenting())
    assert "Updated" in out.structured["summary"] and ("GET", "/v1/telephony-lines/2") not in r.seen
    assert r.portal.store.table("telephony-lines").peek(2)["name"] == "СПб, офис"  # type: ignore[index]


async def test_basket_item_create_from_the_page_example() -> None:
    """Basket Items page: `POST /v1/basket-items` with `{"orderId":1,"productId":1,"name":"value"}`."""
    r = rig(Portal(seed=42, scale=0.2), entities=["basket-items"])
    args = {"fields": {"orderId": 1, "productId": 1, "name": "value"}}
    out = await r.dispatcher.call("basket_items_create", args, consenting())
    row = r.portal.store.table("basket-items").peek(out.structured["item"]["id"])
    assert row is not None and row["orderId"] == 1 and row["dateInsert"]


async def test_orders_aggregate_by_status_counts_the_seed() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["orders"])
    out = await r.dispatcher.call(
        "orders_aggregate", {"aggregate": [{"field": "price", "function": "sum"}], "groupBy": ["statusId"]}
    )
    rows = r.portal.store.table("orders").scan()
    paid = sum(float(row["price"]) for row in rows if row["statusId"] == "F")  # type: ignore[arg-type]
    assert paid > 0 and str(int(paid))[:4] in out.text.replace(" ", "").replace(",", "")


async def test_a_key_without_the_sale_scope_is_denied_and_me_says_so() -> None:
    limited = "vibe_api_nosale_000000000000000"
    scopes = ["crm", "catalog", "task", "user"]
    portal = Portal(seed=42, scale=0.2, key_scopes={limited: scopes})
    transport = EmulatorTransport(portal)
    import httpx

    async with httpx.AsyncClient(transport=transport, base_url="https://vibecode.bitrix24.tech") as http:
        me = (await http.get("/v1/me", headers={"X-Api-Key": limited})).json()["data"]
        assert me["scopes"] == sorted(scopes) and "orders" not in me["api"]["entityApi"]["entities"]
        denied = await http.get("/v1/orders", headers={"X-Api-Key": limited})
        assert denied.status_code == 403 and denied.json()["error"]["code"] == "SCOPE_DENIED"
        assert (await http.get("/v1/catalog-products", headers={"X-Api-Key": limited})).status_code == 200
        full = (await http.get("/v1/me", headers={"X-Api-Key": DEMO_API_KEY})).json()["data"]
        assert {"sale", "catalog", "landing", "bizproc", "telephony", "lists"} <= set(full["scopes"])


async def test_crm_product_create_from_the_page_example_and_its_section_include() -> None:
    """Products page: `POST /v1/products` with `{"name":"value","active":"true","price":1}` (the tool sends
    the boolean); the product's section comes with include=section."""
    r = rig(Portal(seed=42, scale=0.2), entities=["products", "product-sections"])
    out = await r.dispatcher.call(
        "products_create", {"fields": {"name": "value", "active": True, "price": 1}}, consenting()
    )
    row = r.portal.store.table("products").peek(out.structured["item"]["id"])
    assert row is not None and row["price"] == 1 and row["createdAt"]
    got = await r.dispatcher.call("products_get", {"id": 2, "include": ["section"], "response_format": "detailed"})
    assert "Лицензии Битрикс24" in got.text
