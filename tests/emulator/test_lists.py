"""Allowed values follow the store: stages, statuses, pipelines and currencies added or removed at runtime
show in `/fields` and are accepted (or refused) by writes without a restart; odd stage ids never crash."""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.emulator import Portal
from server.emulator.schema import stage_category

from .conftest import FIXED_NOW, KEY, Api, store_snapshot


@pytest.fixture(scope="module")
def data() -> dict[str, list[dict[str, object]]]:
    portal = Portal(seed=7, scale=0.05, clock=lambda: FIXED_NOW)
    return {name: [dict(row) for row in table.scan()] for name, table in portal.store.tables.items()}


@pytest.fixture
def api(data: dict[str, list[dict[str, object]]]) -> Api:
    return Api(Portal(data=data, clock=lambda: FIXED_NOW))


def items(api: Api, entity: str, field: str) -> list[str]:
    return [item["ID"] for item in api.ok("GET", f"/v1/{entity}/fields")["data"]["fields"][field].get("items", [])]


def batch_items(api: Api, entity: str, field: str) -> list[str]:
    calls = [{"id": "f", "entity": entity, "action": "fields"}]
    described = api.ok("POST", "/v1/batch", body={"calls": calls})["data"]["results"]["f"]
    return [item["ID"] for item in described["fields"][field].get("items", [])]


def test_a_stage_added_without_restart_is_listed_in_fields_and_accepted_by_writes(api: Api) -> None:
    stage = {"entityId": "DEAL_STAGE_1", "statusId": "C1:NEGOTIATION", "name": "Переговоры", "sort": 25}
    assert "C1:NEGOTIATION" not in items(api, "deals", "stageId")
    status, error = api.error("POST", "/v1/deals", body={"title": "t", "stageId": "C1:NEGOTIATION"})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")
    created = api.ok("POST", "/v1/statuses", body=stage, status=201)["data"]
    listed = items(api, "deals", "stageId")
    assert listed.index("C1:PREPARATION") < listed.index("C1:NEGOTIATION") < listed.index("C1:WON")  # by sort
    assert "C1:NEGOTIATION" in batch_items(api, "deals", "stageId")
    deal = api.ok("POST", "/v1/deals", body={"title": "t", "stageId": "C1:NEGOTIATION"}, status=201)["data"]
    assert (deal["categoryId"], deal["stageSemanticId"], deal["closed"]) == (1, "P", False)
    found = api.search("deals", {"filter": {"stageId": "C1:NEGOTIATION"}})["data"]
    assert [row["id"] for row in found] == [deal["id"]]
    # Deleted again: gone from fields and refused by writes; the deal keeps the value it has.
    assert api.call("DELETE", f"/v1/statuses/{created['id']}").status == 204
    assert "C1:NEGOTIATION" not in items(api, "deals", "stageId")
    status, error = api.error("PATCH", f"/v1/deals/{deal['id']}", body={"stageId": "C1:NEGOTIATION"})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")


def test_a_final_stage_added_at_runtime_closes_the_deal_like_a_built_in_one(api: Api) -> None:
    stage = {"entityId": "DEAL_STAGE", "statusId": "LOST_TO_RIVAL", "name": "Ушли к конкуренту", "semantics": "F"}
    api.ok("POST", "/v1/statuses", body=stage, status=201)
    deal = api.ok("POST", "/v1/deals", body={"title": "t"}, status=201)["data"]
    moved = api.ok("PATCH", f"/v1/deals/{deal['id']}", body={"stageId": "LOST_TO_RIVAL"})["data"]
    assert (moved["categoryId"], moved["stageSemanticId"], moved["closed"]) == (0, "F", True)
    assert moved["closedAt"] == "2026-04-14T08:23:59.000Z"


def test_a_pipeline_added_at_runtime_is_listed_and_a_deal_created_in_it_gets_its_first_stage(api: Api) -> None:
    pipeline = api.ok("POST", "/v1/deal-categories", body={"name": "Партнёры", "sort": 400}, status=201)["data"]
    category = pipeline["id"]
    assert str(category) in items(api, "deals", "categoryId")
    for sort, code in ((20, "WORK"), (10, "START")):
        stage = {"entityId": f"DEAL_STAGE_{category}", "statusId": f"C{category}:{code}", "name": code, "sort": sort}
        api.ok("POST", "/v1/statuses", body=stage, status=201)
    deal = api.ok("POST", "/v1/deals", body={"title": "t", "categoryId": category}, status=201)["data"]
    assert (deal["categoryId"], deal["stageId"]) == (category, f"C{category}:START")


def test_a_currency_and_a_source_added_at_runtime_are_listed_and_accepted(api: Api) -> None:
    api.ok("POST", "/v1/currencies", body={"id": "KZT", "amount": 0.2, "amountCnt": 1, "fullName": "Тенге"}, status=201)
    api.ok("POST", "/v1/statuses", body={"entityId": "SOURCE", "statusId": "FAIR", "name": "Ярмарка"}, status=201)
    assert "KZT" in items(api, "deals", "currency") and "KZT" in items(api, "companies", "currencyId")
    assert "FAIR" in items(api, "contacts", "sourceId") and "FAIR" in items(api, "leads", "sourceId")
    deal = api.ok("POST", "/v1/deals", body={"title": "t", "currency": "KZT", "sourceId": "FAIR"}, status=201)
    assert (deal["data"]["currency"], deal["data"]["sourceId"]) == ("KZT", "FAIR")


STAGE_IDS = st.one_of(
    st.sampled_from(
        ["Cx:NEW", "C:NEW", "C999999999999999999999:NEW", "C1:", "C-1:NEW", "C١:NEW", "C 1:NEW", "c1:NEW", ":", ""]
    ),
    st.builds(lambda digits, rest: f"C{digits}:{rest}", st.text("0123456789", max_size=30), st.text(max_size=5)),
    st.text(max_size=12),
)


@given(STAGE_IDS)
def test_stage_category_reads_any_stage_id_without_raising(stage_id: str) -> None:
    category = stage_category(stage_id)
    assert 0 <= category < 10**9
    if stage_id.startswith("C1:"):
        assert category == 1


@given(STAGE_IDS, st.sampled_from(["DEAL_STAGE", "DEAL_STAGE_1", "DEAL_STAGE_999999999999"]), st.integers(-1, 3))
def test_odd_stage_ids_listed_or_not_never_give_a_5xx(stage_id: str, list_id: str, category: int) -> None:
    """Whatever stage ids the statuses hold and a write names, the answer is a 2xx or a 4xx that wrote nothing."""
    api = Api(Portal(data=_small_data(), clock=lambda: FIXED_NOW))
    status = {"entityId": list_id, "statusId": stage_id, "name": "Странная", "semantics": "S"}
    _checked(api, "POST", "/v1/statuses", status)
    _checked(api, "POST", "/v1/deals", {"title": "t", "stageId": stage_id})
    _checked(api, "POST", "/v1/deals", {"title": "t", "stageId": stage_id, "categoryId": category})
    _checked(api, "PATCH", "/v1/deals/1", {"stageId": stage_id})
    _checked(api, "PATCH", "/v1/deals/1", {"categoryId": category})
    _checked(api, "POST", "/v1/deals/search", {"filter": {"stageId": stage_id}})
    _checked(api, "POST", "/v1/deals/aggregate", {"groupBy": ["stageId"], "aggregate": [{"function": "count"}]})
    _checked(api, "GET", "/v1/deals/fields", None)


def _checked(api: Api, method: str, path: str, body: object) -> None:
    before = store_snapshot(api.portal)
    raw = b"" if body is None else json.dumps(body).encode()
    response = asyncio.run(api.portal.handle(method, path, "", KEY, raw))
    assert response.status < 500, response.body[:300]
    if response.status >= 400:
        assert store_snapshot(api.portal) == before


def _small_data() -> dict[str, list[dict[str, object]]]:
    stages = [
        {"id": n, "entityId": "DEAL_STAGE" if ":" not in sid else "DEAL_STAGE_1", "statusId": sid, "name": sid}
        for n, sid in enumerate(("NEW", "WON", "C1:NEW", "C1:WON"), start=1)
    ]
    return {
        "deals": [{"id": 1, "title": "Сделка", "stageId": "NEW", "categoryId": 0, "contactIds": []}],
        "statuses": stages,
        "deal-categories": [{"id": 0, "name": "Общая"}, {"id": 1, "name": "Тендеры"}],
    }


def test_a_deal_cannot_enter_a_pipeline_that_has_no_stages_yet(api: Api) -> None:
    """Deal Categories: Create (L24386): stages are added through /v1/statuses after the pipeline exists; a
    deal sent to the pipeline before that is refused, naming the way to add them, and nothing is written."""
    category = api.ok("POST", "/v1/deal-categories", body={"name": "Пустая"}, status=201)["data"]["id"]
    before = store_snapshot(api.portal)
    status, error = api.error("POST", "/v1/deals", body={"title": "t", "categoryId": category})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")
    assert f"entityId DEAL_STAGE_{category}" in error["message"]
    assert store_snapshot(api.portal) == before
