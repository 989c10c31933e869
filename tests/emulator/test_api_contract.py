"""Envelopes, statuses, auth, routing and write validation, from the upstream docs' own examples."""

from __future__ import annotations

import re

from server.emulator import DEMO_API_KEY

from .conftest import Api


def test_list_envelope_carries_total_at_top_level_and_in_meta(seeded: Api) -> None:
    """Обзор API, "Формат ответа"; the live capture puts total in meta, the docs at the top: both kept."""
    body = seeded.ok("GET", "/v1/deals", "limit=2")
    assert body["success"] is True
    assert len(body["data"]) == 2
    assert body["total"] == body["meta"]["total"] == 400
    assert body["meta"]["hasMore"] is True


def test_list_defaults_to_fifty_records_in_id_order(seeded: Api) -> None:
    """Обзор API: limit defaults to 50; the emulator's default order is id ascending."""
    data = seeded.ok("GET", "/v1/deals")["data"]
    assert [r["id"] for r in data] == list(range(1, 51))


def test_last_page_reports_has_more_false(seeded: Api) -> None:
    """Фильтрация, pagination patterns: loop `offset += data.length` until `offset >= meta.total`."""
    body = seeded.ok("GET", "/v1/deals", "limit=50&offset=380")
    assert len(body["data"]) == 20
    assert body["meta"]["hasMore"] is False


def test_get_returns_the_record_as_data(small: Api) -> None:
    """Deals: Get — `GET /v1/deals/741` answers `{success, data: {id, title, ...}}`."""
    body = small.ok("GET", "/v1/deals/1")
    assert body == {"success": True, "data": body["data"]}
    assert body["data"]["id"] == 1
    assert body["data"]["title"] == "Поставка оборудования"


def test_create_answers_201_with_the_record_stamped_by_clock_and_key_owner(small: Api) -> None:
    """Deals: Create example body and response (createdBy 1, createdAt in `...000Z` form)."""
    payload = {
        "title": "Поставка оборудования",
        "amount": 50000,
        "currency": "RUB",
        "stageId": "NEW",
        "categoryId": 0,
        "assignedById": 1,
    }
    response = small.call("POST", "/v1/deals", body=payload)
    assert response.status == 201
    data = response.json()["data"]
    assert data["id"] == 5
    assert data["amount"] == 50000
    assert data["createdBy"] == data["updatedBy"] == 1
    assert data["createdAt"] == data["updatedAt"] == "2026-04-14T08:23:59.000Z"
    assert data["stageSemanticId"] == "P"
    assert data["observers"] == []
    assert small.ok("GET", "/v1/deals/5")["data"]["title"] == "Поставка оборудования"


def test_create_accepts_a_fields_wrapper(small: Api) -> None:
    """Коды ошибок, VALIDATION_ERROR messages say `fields.title`: the body may wrap fields."""
    data = small.ok("POST", "/v1/deals", body={"fields": {"title": "Wrapped"}}, status=201)["data"]
    assert data["title"] == "Wrapped"


def test_update_returns_the_whole_updated_object(small: Api) -> None:
    """Deals: Update — PATCH `{"stageId": "WON", "amount": 75000}` returns the updated deal."""
    data = small.ok("PATCH", "/v1/deals/1", body={"stageId": "WON", "amount": 75000})["data"]
    assert (data["stageId"], data["amount"], data["title"]) == ("WON", 75000, "Поставка оборудования")
    assert data["closed"] is True
    assert data["updatedAt"] == "2026-04-14T08:23:59.000Z"
    assert small.ok("GET", "/v1/deals/1")["data"]["stageId"] == "WON"


def test_delete_answers_204_with_an_empty_body_then_the_record_is_gone(small: Api) -> None:
    """Deals: Delete — `204 No Content` with an empty body; then 404 ENTITY_NOT_FOUND."""
    response = small.call("DELETE", "/v1/deals/2")
    assert response.status == 204
    assert response.body == b""
    assert small.error("GET", "/v1/deals/2") == (404, {"code": "ENTITY_NOT_FOUND", "message": "Элемент не найден"})


def test_missing_key_is_401_missing_api_key_with_the_documented_message(small: Api) -> None:
    """Коды ошибок, MISSING_API_KEY example."""
    response = small.call("GET", "/v1/deals", headers={})
    assert response.status == 401
    assert response.json() == {
        "success": False,
        "error": {"code": "MISSING_API_KEY", "message": "API key required. Pass via X-Api-Key header."},
    }


def test_unknown_key_is_401_invalid_api_key(small: Api) -> None:
    """Коды ошибок, INVALID_API_KEY example."""
    response = small.call("GET", "/v1/deals", headers={"X-Api-Key": "vibe_api_nope"})
    assert response.status == 401
    assert response.json()["error"] == {"code": "INVALID_API_KEY", "message": "Invalid API key"}


def test_bearer_authorization_is_accepted_as_the_key(small: Api) -> None:
    """vibecode-api.md §11.1: `Authorization: Bearer <vibe_api_ key>` without X-Api-Key."""
    response = small.call("GET", "/v1/deals", headers={"Authorization": f"Bearer {DEMO_API_KEY}"})
    assert response.status == 200


def test_every_response_carries_a_distinct_request_id(small: Api) -> None:
    """Коды ошибок: the `X-Request-Id` header helps support — on success, 204 and errors alike."""
    responses = [
        small.call("GET", "/v1/deals"),
        small.call("DELETE", "/v1/deals/3"),
        small.call("GET", "/v1/deals", headers={}),
    ]
    ids = [r.headers["X-Request-Id"] for r in responses]
    assert all(ids) and len(set(ids)) == 3


def test_singular_entity_path_is_404_route_not_found(small: Api) -> None:
    """vibecode-api.md §3.1 [LIVE]: `/v1/deal` → 404 ROUTE_NOT_FOUND."""
    status, error = small.error("GET", "/v1/deal")
    assert (status, error["code"]) == (404, "ROUTE_NOT_FOUND")
    assert "/v1/deals" in error["hint"]


def test_operation_the_entity_lacks_is_404_route_not_found(small: Api) -> None:
    """Statuses pages: no search operation — a route that is not generated is not found."""
    status, error = small.error("POST", "/v1/statuses/search", body={})
    assert (status, error["code"]) == (404, "ROUTE_NOT_FOUND")
    assert "search" not in error["hint"] and "list" in error["hint"]


def test_non_integer_id_is_400_invalid_params(small: Api) -> None:
    """Коды ошибок, INVALID_PARAMS example message."""
    assert small.error("GET", "/v1/deals/abc") == (
        400,
        {"code": "INVALID_PARAMS", "message": "Path parameter :id must be a positive integer"},
    )


def test_get_on_the_search_route_is_400_invalid_params(small: Api) -> None:
    """vibecode-api.md §1.6 [LIVE]: `GET /v1/deals/search` → INVALID_PARAMS (read as a bad :id)."""
    status, error = small.error("GET", "/v1/deals/search", "filter[stageId]=NEW")
    assert (status, error["code"]) == (400, "INVALID_PARAMS")


def test_currencies_are_addressed_by_string_code(small: Api) -> None:
    """vibecode-api.md §3.4: currencies' id is a string code (`RUB`)."""
    assert small.ok("GET", "/v1/currencies/RUB")["data"]["base"] is True
    created = small.ok("POST", "/v1/currencies", body={"id": "KZT", "amount": 0.2, "amountCnt": 1}, status=201)
    assert created["data"]["id"] == "KZT"
    # Currencies: Create L23769: a second create of one code is `422 BITRIX_ERROR "Currency already exists"`.
    assert small.error("POST", "/v1/currencies", body={"id": "KZT", "amount": 1, "amountCnt": 1}) == (
        422,
        {"code": "BITRIX_ERROR", "message": "Currency already exists"},
    )


def test_unknown_top_level_list_parameter_is_invalid_filter_field(small: Api) -> None:
    """vibecode-api.md §2.2 [LIVE]: `?start=0` → 400 "Unknown filter field 'start'"."""
    assert small.error("GET", "/v1/deals", "start=0") == (
        400,
        {"code": "INVALID_FILTER_FIELD", "message": "Unknown filter field 'start'"},
    )


def test_bare_field_query_parameter_filters_by_equality(small: Api) -> None:
    """Choice: the live `start` error says top-level params are read as filter fields, so `?stageId=` filters."""
    assert [r["id"] for r in small.ok("GET", "/v1/deals", "stageId=WON")["data"]] == [2]


def test_limit_above_5000_is_400_invalid_params(small: Api) -> None:
    """Обзор API: limit maximum 5000."""
    assert small.error("GET", "/v1/deals", "limit=5001")[1]["code"] == "INVALID_PARAMS"
    assert small.error("POST", "/v1/deals/search", body={"limit": 0})[1]["code"] == "INVALID_PARAMS"
    assert small.ok("GET", "/v1/deals", "limit=5000")["total"] == 4


def test_body_that_is_not_json_is_400_validation_error(small: Api) -> None:
    """Коды ошибок, VALIDATION_ERROR causes: malformed JSON body."""
    assert small.error("POST", "/v1/deals", body=b"{not json")[1]["code"] == "VALIDATION_ERROR"


def test_bad_create_lists_every_field_problem_in_one_validation_error(small: Api) -> None:
    """Choice: Deals: Create lists 400 INVALID_REQUEST, the newer audited Коды ошибок page VALIDATION_ERROR
    with `fields.x: ...; fields.y: ...` — the emulator follows Коды ошибок."""
    status, error = small.error(
        "POST", "/v1/deals", body={"foo": 1, "id": 9, "amount": "5", "stageId": "NOPE", "UF_CRM_PRIORITY": 99}
    )
    assert status == 400 and error["code"] == "VALIDATION_ERROR"
    # In schema order, as Zod reports (Коды ошибок L1285 puts fields.title before fields.stageId); unknown last.
    assert error["message"].split("; ") == [
        "fields.id: Field is read-only",
        "fields.title: Required",
        "fields.amount: Expected number, received string",
        error["message"].split("; ")[3],
        "fields.UF_CRM_PRIORITY: Invalid enum value. Expected '45' | '46' | '47', received '99'",
        "fields.foo: Unknown field",
    ]
    assert error["message"].split("; ")[3].startswith("fields.stageId: Invalid enum value. Expected 'NEW' | ")


def test_update_rejects_wrong_types_and_keeps_the_record(small: Api) -> None:
    """Коды ошибок VALIDATION_ERROR example: `fields.stageId: Expected string, received number`."""
    assert small.error("PATCH", "/v1/deals/1", body={"stageId": 5}) == (
        400,
        {"code": "VALIDATION_ERROR", "message": "fields.stageId: Expected string, received number"},
    )
    assert small.ok("GET", "/v1/deals/1")["data"]["stageId"] == "NEW"


def test_update_of_a_missing_record_is_404(small: Api) -> None:
    """Deals: Update errors: 404 ENTITY_NOT_FOUND."""
    assert small.error("PATCH", "/v1/deals/999", body={"title": "x"})[0] == 404


def test_dates_are_stored_in_the_crm_output_form(small: Api) -> None:
    """vibecode-api.md §11.3: CRM dates come back as `2026-04-14T08:43:59.000Z` whatever ISO form went in."""
    data = small.ok("PATCH", "/v1/deals/1", body={"closedAt": "2026-04-14T11:43:59+03:00"})["data"]
    assert data["closedAt"] == "2026-04-14T08:43:59.000Z"
    assert small.error("PATCH", "/v1/deals/1", body={"closedAt": "tomorrow"})[1]["code"] == "VALIDATION_ERROR"


def test_fields_answer_one_vibe_schema_shape_with_enumeration_items(seeded: Api) -> None:
    """Choice between two documented shapes: Deals: Fields (L25656-25666), Contacts, Companies, Leads and
    Statuses: Fields show Bitrix `{type, isRequired, isReadOnly, title}`; Deal Categories: Fields (L24654-24666),
    Requisites (L37282-37300) and Smart Processes (L38537-38552) show the Vibe schema `{type, readonly, label}`.
    The emulator serves the Vibe shape for every entity and no key either shape lacks, except `items` for
    fixed value lists (entities index L10267); several values show as `type[]`, as the pages' tables write
    `number[]` (Deals: Fields L25582)."""
    for entity in ("deals", "contacts", "companies", "leads", "tasks", "users", "statuses", "currencies"):
        for name, desc in seeded.ok("GET", f"/v1/{entity}/fields")["data"]["fields"].items():
            assert set(desc) <= {"type", "readonly", "label", "items"}, (entity, name, desc)
            assert isinstance(desc["type"], str) and isinstance(desc["readonly"], bool)
    data = seeded.ok("GET", "/v1/deals/fields")["data"]
    fields = data["fields"]
    assert fields["id"] == {"type": "integer", "readonly": True, "label": "ID"}
    assert fields["title"] == {"type": "string", "readonly": False, "label": "Название"}
    assert fields["observers"]["type"] == "user[]"
    assert fields["UF_CRM_PRIORITY"]["items"][0] == {"ID": "45", "VALUE": "Высокий"}
    assert {"ID": "SOURCE_X", "VALUE": "x"} not in fields["sourceId"]["items"]
    assert fields["sourceId"]["items"][0] == {"ID": "CALL", "VALUE": "Звонок"}
    assert data["include"] == ["contact", "company", "quote"]
    assert data["batch"] == ["create", "update", "delete"]


def test_me_describes_the_personal_key(seeded: Api) -> None:
    """Ключи и авторизация, `/v1/me` for a `vibe_api_` key, plus the live `accessMode` and `owner.userId`."""
    data = seeded.ok("GET", "/v1/me")["data"]
    assert data["type"] == "personal"
    assert data["portal"] == "demo.bitrix24.ru"
    assert data["api"]["entityApi"]["entities"]["deals"] == "/v1/deals"
    assert data["rateLimit"] == {"requestsPerSecond": 10}
    assert data["owner"]["userId"] == 1
    assert data["owner"]["name"]
    assert data["accessMode"] == "READWRITE"
    assert data["expiresAt"] is None
    assert "crm" in data["scopes"]


def test_users_patch_of_a_readonly_field_is_readonly_field(small: Api) -> None:
    """Users page: readonly fields (`isAdmin`, `lastLogin`, ...) are rejected with 400 READONLY_FIELD."""
    status, error = small.error("PATCH", "/v1/users/1", body={"isAdmin": True, "name": "Лета"})
    assert (status, error["code"]) == (400, "READONLY_FIELD")
    assert "isAdmin" in error["message"]
    assert small.ok("PATCH", "/v1/users/1", body={"name": "Лета"})["data"]["name"] == "Лета"


def test_whole_numbers_print_without_a_fraction_for_every_entity(seeded: Api) -> None:
    """As JavaScript prints them (`"amount": 50000`, Deals: Create L25394), whatever the records were loaded
    from: a seeded 150000.0 is answered as 150000 by every entity's list."""
    for name, entity in seeded.portal.entities.items():
        if "list" not in entity.operations or name == "timelines":  # timelines list one record's only
            continue
        body = seeded.call("GET", f"/v1/{name}", "limit=5000").body
        fractions = re.findall(rb'"\w+":-?\d+\.0[,}\]]', body)
        assert not fractions, (name, fractions[:3])
