"""Defaults on create and derived fields on every write, as the docs' create responses show them."""

from __future__ import annotations

from .conftest import Api

NOW = "2026-04-14T08:23:59.000Z"


def test_a_deal_with_only_a_title_lands_in_the_main_pipeline_as_deals_create_shows(small: Api) -> None:
    """Deals: Create response (L25394-25414): categoryId 0, stage NEW, RUB, opened, typeId SALE, entityTypeId 2."""
    data = small.ok("POST", "/v1/deals", body={"title": "Только название"}, status=201)["data"]
    assert (data["categoryId"], data["stageId"], data["stageSemanticId"]) == (0, "NEW", "P")
    assert (data["currency"], data["opened"], data["typeId"], data["entityTypeId"]) == ("RUB", True, "SALE", 2)
    assert (data["closed"], data["closedAt"], data["assignedById"]) == (False, None, 1)
    assert data["observers"] == [] and data["contactIds"] == []


def test_the_base_currency_comes_from_the_portals_currencies(make_api: object) -> None:
    api = make_api({"currencies": [{"id": "USD", "amount": 1, "amountCnt": 1, "base": True}]})  # type: ignore[operator]
    assert api.ok("POST", "/v1/deals", body={"title": "x"}, status=201)["data"]["currency"] == "USD"
    assert api.ok("POST", "/v1/leads", body={"title": "x"}, status=201)["data"]["currency"] == "USD"


def test_a_pipeline_alone_puts_the_deal_in_its_first_stage_and_a_stage_alone_sets_the_pipeline(small: Api) -> None:
    assert (
        small.ok("POST", "/v1/deals", body={"title": "t", "categoryId": 1}, status=201)["data"]["stageId"] == "C1:NEW"
    )
    data = small.ok("POST", "/v1/deals", body={"title": "t", "stageId": "C2:EXECUTING"}, status=201)["data"]
    assert (data["categoryId"], data["stageId"]) == (2, "C2:EXECUTING")


def test_a_stage_of_another_pipeline_is_rejected_and_nothing_is_written(small: Api) -> None:
    before = small.ok("GET", "/v1/deals", "limit=50")["total"]
    status, error = small.error("POST", "/v1/deals", body={"title": "t", "stageId": "C1:NEW", "categoryId": 0})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")
    assert "pipeline 1" in error["message"]
    assert small.ok("GET", "/v1/deals", "limit=50")["total"] == before
    status, error = small.error("PATCH", "/v1/deals/1", body={"stageId": "C1:WON"})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")
    assert "categoryId 1" in error["message"]
    assert small.ok("GET", "/v1/deals/1")["data"]["stageId"] == "NEW"


def test_moving_between_pipelines_keeps_stage_and_pipeline_in_agreement(small: Api) -> None:
    data = small.ok("PATCH", "/v1/deals/1", body={"categoryId": 2})["data"]
    assert (data["categoryId"], data["stageId"]) == (2, "C2:NEW")
    data = small.ok("PATCH", "/v1/deals/1", body={"categoryId": 1, "stageId": "C1:PREPARATION"})["data"]
    assert (data["categoryId"], data["stageId"]) == (1, "C1:PREPARATION")


def test_a_final_stage_closes_the_deal_and_stamps_the_close_date_once(small: Api) -> None:
    data = small.ok("PATCH", "/v1/deals/1", body={"stageId": "LOSE"})["data"]
    assert (data["closed"], data["stageSemanticId"], data["closedAt"]) == (True, "F", NOW)
    reopened = small.ok("PATCH", "/v1/deals/1", body={"stageId": "EXECUTING"})["data"]
    assert (reopened["closed"], reopened["stageSemanticId"]) == (False, "P")
    given = small.ok("PATCH", "/v1/deals/1", body={"stageId": "WON", "closedAt": "2026-04-01T10:00:00Z"})["data"]
    assert given["closedAt"] == "2026-04-01T10:00:00.000Z"


def test_tasks_get_their_default_status_and_priority_and_a_close_date_when_completed(small: Api) -> None:
    task = small.ok("POST", "/v1/tasks", body={"title": "Позвонить"}, status=201)["data"]
    assert (task["status"], task["priority"], task["responsibleId"], task["closedDate"]) == (2, 1, 1, None)
    done = small.ok("PATCH", f"/v1/tasks/{task['id']}", body={"status": 5})["data"]
    assert done["closedDate"] == NOW
    again = small.ok("PATCH", f"/v1/tasks/{task['id']}", body={"status": 3})["data"]
    assert again["closedDate"] is None


def test_user_fields_take_both_spellings_in_writes_filters_select_and_sort(small: Api) -> None:
    """Deals: Create/Fields: `ufCrm_*` accepted; Deals: Aggregate filters `UF_CRM_*`; both name one field."""
    data = small.ok("PATCH", "/v1/deals/2", body={"ufCrmPriority": "47", "UF_CRM_1712345678": "Д-1"})["data"]
    assert (data["UF_CRM_PRIORITY"], data["ufCrm_1712345678"]) == (47, "Д-1")  # enumeration ids are numbers
    assert small.ids("deals", {"filter": {"ufCrmPriority": "47"}}) == [2]
    assert small.ids("deals", {"filter": {"UF_CRM_PRIORITY": 47}}) == [2]
    assert small.ids("deals", {"filter": {"!UF_CRM_1712345678": None}}) == [2]
    rows = small.search("deals", {"select": ["ufCrmPriority"], "sort": {"ufCrmPriority": "desc"}})["data"]
    assert rows[0] == {"id": 2, "UF_CRM_PRIORITY": 47}
    body = {"groupBy": "ufCrmPriority"}
    groups = small.ok("POST", "/v1/deals/aggregate", body=body)["data"]["groups"]
    assert {g["UF_CRM_PRIORITY"] for g in groups} >= {45, 47}


def test_whole_amounts_print_without_a_fraction(small: Api) -> None:
    response = small.call("POST", "/v1/deals", body={"title": "t", "amount": 50000.0})
    assert b'"amount":50000,' in response.body


def test_enumeration_values_are_numeric_ids_as_live_records_show(seeded: Api) -> None:
    """Live captures: enumeration user fields hold the value's id as a number, several as an array (`[493]`);
    filters take the id as a number or as the string `/fields` lists in `items`."""
    deal = seeded.search("deals", {"filter": {"UF_CRM_PRIORITY": "45"}, "limit": 1})["data"][0]
    assert deal["UF_CRM_PRIORITY"] == 45
    assert all(
        isinstance(v, int) for r in seeded.ok("GET", "/v1/deals", "limit=100")["data"] for v in r["UF_CRM_PRODUCTS"]
    )
    assert (
        seeded.search("deals", {"filter": {"UF_CRM_PRIORITY": 45}})["total"]
        == seeded.search("deals", {"filter": {"UF_CRM_PRIORITY": "45"}})["total"]
    )


def test_an_enumeration_value_outside_its_items_is_refused(small: Api) -> None:
    status, error = small.error("PATCH", "/v1/deals/1", body={"UF_CRM_PRIORITY": "высокий"})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")
    assert small.ok("PATCH", "/v1/deals/1", body={"UF_CRM_PRIORITY": "47"})["data"]["UF_CRM_PRIORITY"] == 47
