"""`include` from the docs page `# Связанные данные (include)`."""

from __future__ import annotations

from collections.abc import Callable

from .conftest import Api, deal


def test_deal_with_contact_and_company_follows_the_docs_example(small: Api) -> None:
    """Связанные данные: `GET /v1/deals/741?include=contact,company` — contacts pluralised with link
    fields, company as an object."""
    data = small.ok("GET", "/v1/deals/1", "include=contact,company")["data"]
    included = data["_included"]
    assert set(included) == {"contacts", "company"}
    first, second = included["contacts"]
    assert (first["id"], first["name"], first["isPrimary"], first["sort"], first["roleId"]) == (71, "Иван", True, 10, 0)
    assert (second["id"], second["isPrimary"], second["sort"]) == (85, False, 20)
    assert included["company"]["title"] == "ООО Ромашка"


def test_an_empty_or_zero_link_gives_null(small: Api) -> None:
    """Связанные данные, "Один-к-одному": `null` when the link field is empty or 0."""
    assert small.ok("GET", "/v1/leads/50", "include=contact")["data"]["_included"]["contact"]["id"] == 71
    assert small.ok("GET", "/v1/leads/51", "include=contact")["data"]["_included"] == {"contact": None}
    assert small.ok("GET", "/v1/deals/4", "include=company")["data"]["_included"] == {"company": None}


def test_list_and_search_include_per_record(small: Api) -> None:
    """Связанные данные: `GET /v1/deals?limit=10&include=company` and search `"include": [...]`."""
    listed = small.ok("GET", "/v1/deals", "limit=2&include=company&select=title")["data"]
    assert [d["_included"]["company"]["id"] for d in listed] == [15, 15]
    assert "companyId" not in listed[0]  # the link is read from the record even when not selected
    found = small.search("deals", {"filter": {"stageId": "WON"}, "include": ["contact", "company"]})["data"]
    assert found[0]["_included"]["contacts"] == []


def test_unknown_include_lists_the_available_relations(small: Api) -> None:
    """vibecode-api.md §6: `"Unknown include 'manager'. Available: ..."`."""
    assert small.error("GET", "/v1/deals/1", "include=manager") == (
        400,
        {"code": "INVALID_INCLUDE", "message": "Unknown include 'manager'. Available: contact, company, quote"},
    )
    assert small.error("GET", "/v1/companies", "include=contact")[1]["message"] == (
        "Unknown include 'contact'. Available: requisite"
    )


def test_more_than_three_relations_is_include_limit_exceeded(small: Api) -> None:
    """Связанные данные, "Лимиты": at most 3 relations per request."""
    status, error = small.error("POST", "/v1/deals/search", body={"include": ["a", "b", "c", "d"]})
    assert (status, error["code"]) == (400, "INCLUDE_LIMIT_EXCEEDED")


def test_include_is_skipped_above_200_records(make_api: Callable[..., Api]) -> None:
    """Связанные данные, "Лимиты": more than 200 records → no `_included`, `meta.includeSkipped: true`."""
    api = make_api({"deals": [deal(i) for i in range(1, 202)]})
    body = api.ok("GET", "/v1/deals", "limit=201&include=company")
    assert body["meta"]["includeSkipped"] is True
    assert "_included" not in body["data"][0]
    small_page = api.ok("GET", "/v1/deals", "limit=200&include=company")
    assert "includeSkipped" not in small_page["meta"]
    assert small_page["data"][0]["_included"] == {"company": None}
