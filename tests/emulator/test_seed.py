"""The demo portal's generated data: deterministic, well-typed, and referentially intact."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest

from server.emulator.schema import ENTITIES, STAGE_SEMANTICS, VALUE_TYPES, Field, stage_category, stage_entity_id
from server.emulator.seed import BASE_COUNTS, REFERENCE_TS, generate

Data = dict[str, list[dict[str, object]]]

DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$")
MONEY_RE = re.compile(r"^\d+\.\d{2}\|(RUB|USD|EUR)$")
REFERENCE = datetime.fromtimestamp(REFERENCE_TS, UTC)

# Integer fields that hold the id of another entity's record (user-typed fields all point at users).
FOREIGN_KEYS: dict[tuple[str, str], str] = {
    ("deals", "companyId"): "companies",
    ("deals", "contactId"): "contacts",
    ("deals", "contactIds"): "contacts",
    ("deals", "categoryId"): "deal-categories",
    ("contacts", "companyId"): "companies",
    ("contacts", "leadId"): "leads",
    ("companies", "leadId"): "leads",
    ("leads", "companyId"): "companies",
    ("leads", "contactId"): "contacts",
    ("tasks", "groupId"): "workgroups",
    ("tasks", "parentId"): "tasks",
    ("users", "departmentId"): "departments",
    ("departments", "parentId"): "departments",
    ("statuses", "categoryId"): "deal-categories",
    ("workgroups", "subjectId"): "",  # sonet subjects are not an entity of the emulator
    ("deals", "entityTypeId"): "",  # the CRM type code (2 = deals), not a record id
}


@cache
def data() -> Data:
    return generate()


def _ids(d: Data, entity: str) -> set[object]:
    return {r["id"] for r in d[entity]}


def _values(record: dict[str, object], name: str, f: Field) -> list[object]:
    value = record[name]
    if f.multiple:
        assert isinstance(value, list)
        return list(value)
    return [] if value is None else [value]


def test_same_seed_gives_byte_identical_output() -> None:
    a = json.dumps(generate(seed=7, scale=0.2), ensure_ascii=False, sort_keys=False)
    b = json.dumps(generate(seed=7, scale=0.2), ensure_ascii=False, sort_keys=False)
    assert a == b


def test_different_seeds_give_different_records() -> None:
    a, b = generate(seed=1, scale=0.2), generate(seed=2, scale=0.2)
    for entity in ("deals", "contacts", "companies", "leads", "tasks"):
        assert a[entity] != b[entity], entity
    # Reference lists are the portal's configuration, not random data.
    assert a["statuses"] == b["statuses"] and a["deal-categories"] == b["deal-categories"]


def test_every_schema_entity_has_records_sorted_by_unique_id() -> None:
    d = data()
    assert set(d) == set(ENTITIES)
    for entity, records in d.items():
        assert records, entity
        ids = [r["id"] for r in records]
        kind = int if ENTITIES[entity].id_kind == "int" else str
        assert all(type(i) is kind for i in ids), entity
        keys = [(i if isinstance(i, int) else 0, str(i)) for i in ids]
        assert keys == sorted(keys), entity
        assert len(set(ids)) == len(ids), entity


def test_integer_ids_start_at_one_except_the_default_pipeline() -> None:
    d = data()
    for entity in ("deals", "contacts", "companies", "leads", "tasks", "users", "statuses"):
        assert [r["id"] for r in d[entity]] == list(range(1, len(d[entity]) + 1)), entity
    assert [r["id"] for r in d["deal-categories"]] == [0, 1, 2]
    assert [r["id"] for r in d["currencies"]] == ["EUR", "RUB", "USD"]


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_every_record_has_exactly_the_entity_fields(entity: str) -> None:
    expected = list(ENTITIES[entity].fields)
    for record in data()[entity]:
        assert list(record) == expected


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_values_have_the_declared_types(entity: str) -> None:
    fields = ENTITIES[entity].fields
    for record in data()[entity]:
        for name, f in fields.items():
            for value in _values(record, name, f):
                where = f"{entity}#{record['id']}.{name}={value!r}"
                if f.type == "double":  # whole numbers are ints, so JSON shows 50000 rather than 50000.0
                    assert type(value) is (int if float(str(value)).is_integer() else float), where
                else:
                    assert type(value) is VALUE_TYPES[f.type], where
                if f.type == "datetime":
                    assert DATETIME_RE.match(str(value)), where
                    assert datetime.fromisoformat(str(value)).tzinfo is not None, where
                elif f.type == "date":
                    assert DATE_RE.match(str(value)), where
                elif f.type == "money":
                    assert MONEY_RE.match(str(value)), where
                elif f.type == "crm_multifield":
                    assert isinstance(value, dict) and set(value) == {"value", "valueType"}, where
                    assert value["value"] and value["valueType"] in {"WORK", "MOBILE", "HOME"}, where
                elif f.type in {"string", "text"}:
                    assert value != "", where  # the API reports empty strings as null


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_enumerated_values_are_among_the_declared_items(entity: str) -> None:
    fields = ENTITIES[entity].fields
    for name, f in fields.items():
        if not f.items:
            continue
        allowed = {item_id for item_id, _ in f.items}
        for record in data()[entity]:
            for value in _values(record, name, f):
                assert str(value) in allowed, f"{entity}#{record['id']}.{name}={value!r}"


def test_every_integer_reference_field_is_known_to_this_test() -> None:
    # Guards FOREIGN_KEYS against drift: a new *Id field must be added there and so gets checked.
    for entity in ENTITIES.values():
        for name, f in entity.fields.items():
            if name != "id" and f.type == "integer" and re.search(r"Ids?$", name):
                assert (entity.name, name) in FOREIGN_KEYS, f"{entity.name}.{name}"


def test_every_foreign_key_resolves_to_an_existing_record() -> None:
    d = data()
    checked = Counter[str]()
    for entity in ENTITIES.values():
        for name, f in entity.fields.items():
            target = "users" if f.type == "user" else FOREIGN_KEYS.get((entity.name, name))
            if f.type == "crm_currency":
                target = "currencies"
            if not target:
                continue
            ids = _ids(d, target)
            for record in d[entity.name]:
                for value in _values(record, name, f):
                    assert value in ids, f"{entity.name}#{record['id']}.{name}={value!r} -> {target}"
                    checked[f"{entity.name}.{name}"] += 1
    # Not vacuous: the main links are really populated.
    for key in ("deals.companyId", "deals.contactIds", "contacts.companyId", "leads.contactId", "tasks.groupId"):
        assert checked[key] > 10, key


def test_relations_resolve_for_every_record() -> None:
    d = data()
    for entity in ENTITIES.values():
        for include, rel in entity.relations.items():
            if rel.reverse:  # the other side holds the key (deals.quote): checked with quotes' data
                continue
            if rel.owner_type:
                continue  # found from the other side (a company's requisites): test_docs_requisites checks owners
            ids = _ids(d, rel.entity)
            for record in d[entity.name]:
                value = record[rel.key]
                linked = value if rel.many else ([] if value is None else [value])
                assert isinstance(linked, list)
                assert all(v in ids for v in linked), f"{entity.name}#{record['id']} include={include}"


def test_task_crm_links_point_to_existing_deals_and_contacts() -> None:
    d = data()
    prefixes = {"D": _ids(d, "deals"), "C": _ids(d, "contacts")}
    links = [link for task in d["tasks"] for link in task["ufCrmTask"]]  # type: ignore[attr-defined]
    assert sum(link.startswith("D_") for link in links) > len(d["tasks"]) // 4
    for link in links:
        kind, _, raw_id = link.partition("_")
        assert int(raw_id) in prefixes[kind], link


def test_every_status_value_resolves_to_a_status_record() -> None:
    d = data()
    known = {(s["entityId"], s["statusId"]) for s in d["statuses"]}
    for entity in ENTITIES.values():
        for name, f in entity.fields.items():
            if f.type != "crm_status":
                continue
            for record in d[entity.name]:
                if record[name] is None:
                    continue
                entity_id = f.status_type
                if entity_id == "DEAL_STAGE":
                    entity_id = stage_entity_id(int(str(record["categoryId"])))
                assert (entity_id, record[name]) in known, f"{entity.name}#{record['id']}.{name}"
    # Every declared item is there too, so a name can be shown for any value a client may send.
    for entity in ENTITIES.values():
        for f in entity.fields.values():
            if f.type == "crm_status" and f.status_type != "DEAL_STAGE":
                assert {(f.status_type, i) for i, _ in f.items} <= known


def test_deal_stages_belong_to_the_deal_pipeline_and_semantics_agree() -> None:
    for deal in data()["deals"]:
        stage = str(deal["stageId"])
        assert stage_category(stage) == deal["categoryId"]
        semantic = STAGE_SEMANTICS[stage]
        assert deal["stageSemanticId"] == semantic
        assert deal["closed"] == (semantic != "P")
        assert deal["closedAt"] is not None  # the close date, or for open deals the planned one
        assert deal["entityTypeId"] == 2
        if semantic == "S":
            assert deal["probability"] == 100
        elif semantic == "F":
            assert deal["probability"] == 0


def test_stage_status_records_carry_pipeline_and_semantics() -> None:
    for status in data()["statuses"]:
        if str(status["entityId"]).startswith("DEAL_STAGE"):
            assert stage_entity_id(int(str(status["categoryId"]))) == status["entityId"]
            assert status["semantics"] == STAGE_SEMANTICS[str(status["statusId"])]
        else:
            assert status["categoryId"] is None


def test_deal_outcomes_and_currencies_look_like_a_real_pipeline() -> None:
    deals = data()["deals"]
    semantics = Counter(d["stageSemanticId"] for d in deals)
    # Two years of history: most old deals have ended, the open ones are the recent pipeline.
    assert 0.2 < semantics["S"] / len(deals) < 0.4
    assert 0.15 < semantics["F"] / len(deals) < 0.35
    assert semantics["P"] > semantics["S"] > semantics["F"]
    currencies = Counter(d["currency"] for d in deals)
    assert currencies["RUB"] > 0.7 * len(deals) and currencies["USD"] and currencies["EUR"]
    rub = sorted(float(str(d["amount"])) for d in deals if d["currency"] == "RUB")
    median = rub[len(rub) // 2]
    assert rub[0] >= 50_000 and 200_000 < median < 2_000_000


def test_deal_primary_contact_is_the_first_linked_contact() -> None:
    for deal in data()["deals"]:
        contact_ids = deal["contactIds"]
        assert isinstance(contact_ids, list)
        assert deal["contactId"] == (contact_ids[0] if contact_ids else None)
        assert len(set(contact_ids)) == len(contact_ids)


def test_timestamps_fall_in_the_two_years_before_the_reference_date_in_order() -> None:
    start = REFERENCE - timedelta(days=731)
    pairs = {
        "deals": ("createdAt", "updatedAt"),
        "contacts": ("createdTime", "updatedTime"),
        "companies": ("createdTime", "updatedTime"),
        "leads": ("createdTime", "updatedTime"),
        "tasks": ("createdDate", "changedDate"),
    }
    for entity, (created_key, updated_key) in pairs.items():
        for record in data()[entity]:
            created = datetime.fromisoformat(str(record[created_key]))
            updated = datetime.fromisoformat(str(record[updated_key]))
            assert start <= created <= updated < REFERENCE, f"{entity}#{record['id']}"
    for deal in data()["deals"]:
        if deal["closed"]:
            assert deal["createdAt"] <= deal["closedAt"] <= deal["updatedAt"]  # type: ignore[operator]


def test_completed_tasks_and_only_they_have_a_closed_date() -> None:
    statuses: Counter[object] = Counter()
    for task in data()["tasks"]:
        statuses[task["status"]] += 1
        assert (task["closedDate"] is not None) == (task["status"] == 5), task["id"]
        assert task["parentId"] is None or task["parentId"] < task["id"]  # type: ignore[operator]
    assert len(statuses) == 5


def test_converted_leads_are_linked_both_ways_with_their_contact() -> None:
    d = data()
    contacts = {c["id"]: c for c in d["contacts"]}
    converted = [lead for lead in d["leads"] if lead["contactId"] is not None]
    assert converted
    for lead in converted:
        assert lead["statusId"] == "CONVERTED"
        contact = contacts[lead["contactId"]]
        assert contact["leadId"] == lead["id"]
        assert (contact["name"], contact["lastName"]) == (lead["name"], lead["lastName"])
        assert lead["companyId"] == contact["companyId"]


def test_people_have_matching_emails_and_russian_phones() -> None:
    d = data()
    user_emails = [str(u["email"]) for u in d["users"]]
    assert "anna.smirnova@vektor-soft.ru" in user_emails
    assert len(set(user_emails)) == len(user_emails)
    ru_mobile = re.compile(r"^\+79\d{9}$")  # digits only, as "+79161234567" on the includes page
    contacts = d["contacts"]
    mobiles = [p["value"] for c in contacts for p in c["phone"] if p["valueType"] == "MOBILE"]  # type: ignore[attr-defined]
    assert sum(bool(ru_mobile.match(m)) for m in mobiles) > 0.8 * len(mobiles)
    with_email = [c for c in contacts if c["email"]]
    assert len(with_email) > 0.8 * len(contacts)
    assert any(str(c["email"][0]["value"]).startswith("ivan") for c in with_email)  # type: ignore[index]


def test_users_cover_four_departments_in_russian_and_english() -> None:
    d = data()
    assert len(d["users"]) == 25
    departments = {dep["id"]: dep["name"] for dep in d["departments"]}
    assert set(departments.values()) == {"Продажи", "Маркетинг", "Поддержка", "Руководство"}
    assert any(str(u["name"]).isascii() for u in d["users"])
    assert any(not str(u["name"]).isascii() for u in d["users"])
    assert any(u["isAdmin"] for u in d["users"]) and not all(u["active"] for u in d["users"])


def test_company_titles_mix_russian_legal_forms_and_english_names() -> None:
    titles = [str(c["title"]) for c in data()["companies"]]
    assert any(t.startswith("ООО «") and t.endswith("»") for t in titles)
    assert any(t.startswith("АО «") for t in titles)
    assert any(t.endswith(("LLC", "Inc.", "Ltd.", "GmbH")) for t in titles)


def test_scale_multiplies_the_big_entities_and_keeps_the_reference_ones() -> None:
    small, normal = generate(scale=0.05), data()
    for entity, base in BASE_COUNTS.items():
        assert len(normal[entity]) == base
        assert len(small[entity]) == round(base * 0.05)
    for entity in ("users", "statuses", "deal-categories", "currencies", "departments", "workgroups"):
        assert small[entity] == normal[entity], entity
    assert len(generate(scale=2.5)["deals"]) == 1000


@pytest.mark.parametrize("scale", [0, -1.0, 5000.0])
def test_scale_outside_the_supported_range_is_rejected(scale: float) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate(scale=scale)


def _at(text: object) -> float:
    return datetime.fromisoformat(str(text)).timestamp()


def test_dates_move_with_the_clock_and_repeat_for_the_same_clock() -> None:
    """Same seed and clock, same data; a clock a year later gives the same records a year later."""
    later = REFERENCE_TS + 365 * 86400
    assert generate(seed=3, scale=0.1, now=later) == generate(seed=3, scale=0.1, now=later)
    before, after = generate(seed=3, scale=0.1), generate(seed=3, scale=0.1, now=later)
    for old, new in zip(before["deals"], after["deals"], strict=True):
        assert _at(new["createdAt"]) - _at(old["createdAt"]) == 365 * 86400
        assert (new["title"], new["stageId"]) == (old["title"], old["stageId"])


def test_open_deals_have_planned_close_dates_mostly_ahead() -> None:
    open_deals = [d for d in data()["deals"] if not d["closed"]]
    ahead = [d for d in open_deals if _at(d["closedAt"]) > REFERENCE_TS]
    assert open_deals and 0.7 < len(ahead) / len(open_deals) < 0.95
    closed = [d for d in data()["deals"] if d["closed"]]
    assert all(_at(d["closedAt"]) < REFERENCE_TS for d in closed)


def test_a_realistic_share_of_open_tasks_is_overdue() -> None:
    """About a fifth of open tasks past their deadline: enough for "what is overdue?" to matter."""
    open_tasks = [t for t in data()["tasks"] if t["status"] != 5]
    overdue = [t for t in open_tasks if t["deadline"] is not None and _at(t["deadline"]) < REFERENCE_TS]
    assert len(open_tasks) > 40
    assert 0.15 <= len(overdue) / len(open_tasks) <= 0.30, (len(overdue), len(open_tasks))


def test_update_times_do_not_pile_up_on_one_instant() -> None:
    for entity, key in (("deals", "updatedAt"), ("contacts", "updatedTime"), ("tasks", "changedDate")):
        counts = Counter(r[key] for r in data()[entity])
        assert counts.most_common(1)[0][1] <= 3, (entity, counts.most_common(1))


def test_the_filtering_pages_phone_example_finds_contacts() -> None:
    """Фильтрация, «Контакты — по телефону» (L896-904): `+7916` is a substring of some stored phones."""
    found = [c for c in data()["contacts"] if any("+7916" in str(p["value"]) for p in c["phone"])]  # type: ignore[attr-defined]
    assert len(found) >= 10
