"""Product rows as tools: `{entity}_products` reads, `{entity}_products_edit` adds, updates, deletes or
replaces them through the write guard (plan, dry run, confirmation, audit), for deals, leads, quotes,
invoices and smart process items."""

from __future__ import annotations

from typing import Any

import pytest
from portal_rig import CATALOG, consenting, rig

from server.client import VibeCodeClient
from server.cursor import CursorCodec
from server.dispatch import Dispatcher
from server.emulator import DEMO_API_KEY, EmulatorTransport, Portal
from server.errors import InvalidArguments, NotConfirmed, WriteRefused
from server.operations import Operations
from server.safety import WritePolicy
from server.tools import build_tools

pytestmark = pytest.mark.anyio

OWNERS = ("deals", "leads", "quotes", "invoices", "items")


def test_two_tools_per_owner_none_in_the_default_set() -> None:
    tools = rig().dispatcher.tools
    for owner in OWNERS:
        assert {f"{owner}_products", f"{owner}_products_edit"} <= set(tools)
        assert tools[f"{owner}_products"].annotations["readOnlyHint"] is True
        assert tools[f"{owner}_products_edit"].annotations["destructiveHint"] is True
    assert "entityTypeId" in tools["items_products_edit"].input_schema["required"]
    assert {"products", "products_edit"} <= CATALOG.skipped(["default"], [])  # the default set leaves them out


async def test_read_every_row_or_one() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["quotes"])
    out = await r.dispatcher.call("quotes_products", {"id": 1})
    rows = out.structured["rows"]
    assert rows and out.structured["owner"] == "quote #1" and "Σ price × quantity" in out.structured["summary"]
    one = await r.dispatcher.call("quotes_products", {"id": 1, "row_id": rows[0]["id"], "response_format": "detailed"})
    assert one.structured["rows"][0]["priceNetto"] is not None


async def test_add_two_units_of_a_product_to_a_deal() -> None:
    """The assistant's task "add 2 units of product 3 to deal 12": one call, audited, rows shown after."""
    r = rig(Portal(seed=42, scale=0.2), entities=["deals"])
    before = len((await r.dispatcher.call("deals_products", {"id": 12})).structured["rows"])
    out = await r.dispatcher.call(
        "deals_products_edit", {"id": 12, "edit": "add", "row": {"productId": 3, "quantity": 2}}
    )
    rows = out.structured["rows"]
    assert len(rows) == before + 1 and out.structured["summary"].startswith("Added row #")
    added = rows[-1]
    assert (added["productId"], added["quantity"], added["price"]) == (3, 2, 124200)  # the catalog's price
    assert [(a["action"], a["result"], a["confirmation"]) for a in r.audit] == [("create", "done", "not_required")]


async def test_update_and_delete_a_row_by_its_row_id() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["invoices"])
    rows = (await r.dispatcher.call("invoices_products", {"id": 1})).structured["rows"]
    row_id = rows[0]["id"]
    dry = await r.dispatcher.call("invoices_products_edit", {"id": 1, "edit": "update", "row_id": row_id,
                                                              "row": {"quantity": 7}, "dry_run": True})  # fmt: skip
    assert dry.structured["plan"]["items"][0]["changes"]["quantity"]["to"] == 7
    expect = dry.structured["plan"]["fingerprints"]
    done = await r.dispatcher.call(
        "invoices_products_edit",
        {"id": 1, "edit": "update", "row_id": row_id, "row": {"quantity": 7}, "expect": expect},
    )
    assert next(x for x in done.structured["rows"] if x["id"] == row_id)["quantity"] == 7
    delete = {"id": 1, "edit": "delete", "row_id": row_id}
    with pytest.raises(NotConfirmed):  # a delete asks a human; this client cannot
        await r.dispatcher.call("invoices_products_edit", delete)
    gone = await r.dispatcher.call("invoices_products_edit", delete, consenting())
    assert row_id not in [x["id"] for x in gone.structured["rows"]]
    with pytest.raises(Exception, match="not a product row"):
        await r.dispatcher.call("invoices_products_edit", delete, consenting())


async def test_set_replaces_every_row_says_so_and_asks_first() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["quotes"])
    current = (await r.dispatcher.call("quotes_products", {"id": 2})).structured["rows"]
    new = [{"productId": 1, "price": 75000, "quantity": 2}]
    dry = await r.dispatcher.call("quotes_products_edit", {"id": 2, "edit": "set", "rows": new, "dry_run": True})
    assert f"REPLACE all product rows of quote #2, destructive: {len(current)} removed, 1 added" in dry.text
    with pytest.raises(NotConfirmed):
        await r.dispatcher.call("quotes_products_edit", {"id": 2, "edit": "set", "rows": new})
    assert (await r.dispatcher.call("quotes_products", {"id": 2})).structured["rows"] == current  # nothing written
    asked: list[str] = []
    out = await r.dispatcher.call("quotes_products_edit", {"id": 2, "edit": "set", "rows": new}, consenting(asked))
    assert [x["productId"] for x in out.structured["rows"]] == [1] and "REPLACE all" in asked[0]
    assert [(a["action"], a["result"]) for a in r.audit][-2:] == [("set", "refused"), ("set", "done")]


async def test_safe_write_refuses_a_set_but_allows_an_add() -> None:
    """safe-write allows no delete; a set removes the current rows, so it is refused before anything is read."""
    ops = Operations(VibeCodeClient(DEMO_API_KEY, transport=EmulatorTransport(Portal(seed=42, scale=0.2))),
                     CursorCodec(b"s"), 6000)  # fmt: skip
    safe = Dispatcher(build_tools(CATALOG, CATALOG.select([], ["deals"]), ops), policy=WritePolicy("safe-write"))
    with pytest.raises(WriteRefused) as refused:  # by the write mode, not for want of a confirmation
        await safe.call("deals_products_edit", {"id": 12, "edit": "set", "rows": []})
    assert refused.value.code == "WRITE_MODE"
    out = await safe.call("deals_products_edit", {"id": 12, "edit": "add", "row": {"productId": 1}})
    assert out.structured["summary"].startswith("Added")


async def test_smart_process_items_rows_take_the_type() -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["items"])
    out = await r.dispatcher.call(
        "items_products_edit", {"entityTypeId": 1032, "id": 3, "edit": "add", "row": {"productId": 14, "quantity": 12}}
    )
    assert out.structured["rows"][-1]["productId"] == 14 and ("POST", "/v1/items/1032/3/products") in r.seen


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"edit": "add"}, "needs row"),
        ({"edit": "add", "row": {"quantity": 2}}, "productId"),
        ({"edit": "update", "row": {"quantity": 2}}, "row_id"),
        ({"edit": "delete", "row_id": 1, "row": {"quantity": 2}}, "takes no row"),
        ({"edit": "set"}, "needs rows"),
    ],
)
async def test_each_edit_says_what_it_needs(args: dict[str, Any], message: str) -> None:
    r = rig(Portal(seed=42, scale=0.2), entities=["deals"])
    with pytest.raises(InvalidArguments, match=message):
        await r.dispatcher.call("deals_products_edit", {"id": 12, **args})
    assert r.seen == []  # refused before anything was read or sent
