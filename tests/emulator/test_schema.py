"""Consistency of the emulator's entity definitions."""

from __future__ import annotations

import pytest

from server.emulator import registry
from server.emulator.schema import (
    ALL_OPERATIONS,
    DEAL_CATEGORIES,
    DEAL_STAGES,
    ENTITIES,
    FIELD_TYPES,
    STAGE_SEMANTICS,
    STATUS_LISTS,
    VALUE_TYPES,
    stage_category,
    stage_entity_id,
)

ENTITY_NAMES = sorted(ENTITIES)
EVERY_ENTITY = registry.ENTITIES


def test_every_field_type_is_a_known_field_type_with_a_value_type() -> None:
    for entity in ENTITIES.values():
        for name, f in entity.fields.items():
            assert f.type in FIELD_TYPES, f"{entity.name}.{name}: {f.type}"
    assert set(VALUE_TYPES) == FIELD_TYPES


def test_entities_are_keyed_by_their_url_name_and_have_an_id_field() -> None:
    for key, entity in ENTITIES.items():
        assert key == entity.name
        assert "id" in entity.fields
        assert entity.id_kind in {"int", "str"}
    assert ENTITIES["currencies"].id_kind == "str"
    assert ENTITIES["currencies"].fields["id"].type == "string"
    assert ENTITIES["deals"].fields["id"].readonly


def test_the_brief_s_entities_are_all_defined() -> None:
    expected = {"deals", "contacts", "companies", "leads", "tasks", "users", "statuses", "deal-categories"}
    assert expected | {"currencies"} <= set(ENTITIES)


@pytest.mark.parametrize("name", ENTITY_NAMES)
def test_operations_are_known_and_batch_actions_only_exist_with_batch(name: str) -> None:
    entity = ENTITIES[name]
    assert entity.operations <= ALL_OPERATIONS
    assert {"list", "get"} <= entity.operations
    assert bool(entity.batch_actions) == ("batch" in entity.operations)
    assert set(entity.batch_actions) <= {"create", "update", "delete"}


def test_crm_entities_and_tasks_support_every_operation_and_users_all_but_entity_batch() -> None:
    for name in ("deals", "contacts", "companies", "leads", "tasks"):
        assert ENTITIES[name].operations == ALL_OPERATIONS, name
    # Users: DELETE is the documented soft delete (deactivation), see test_docs_reference.
    assert ENTITIES["users"].operations == ALL_OPERATIONS - {"batch"}
    for name in ("statuses", "deal-categories", "currencies"):
        assert ENTITIES[name].operations == {"list", "get", "create", "update", "delete", "fields"}


@pytest.mark.parametrize("name", ENTITY_NAMES)
def test_relations_point_to_an_existing_entity_through_an_existing_key(name: str) -> None:
    entity = ENTITIES[name]
    for include, rel in entity.relations.items():
        assert rel.entity in EVERY_ENTITY, f"{name}.{include}"
        if rel.owner_type:  # found from the other side: the key is the related entity's owner field
            assert rel.many and {rel.key, "entityTypeId"} <= set(EVERY_ENTITY[rel.entity].fields), f"{name}.{include}"
            continue
        # A reverse relation (deals.quote) reads the key on the other side: the quote's dealId.
        key = (EVERY_ENTITY[rel.entity] if rel.reverse else entity).fields.get(rel.key)
        assert key is not None, f"{name}.{include}: no field {rel.key}"
        # A to-many include must read an array field, a to-one include a scalar one.
        assert key.multiple == rel.many, f"{name}.{include}"


def test_documented_includes_exist() -> None:
    assert set(ENTITIES["deals"].relations) >= {"contact", "company"}
    assert ENTITIES["deals"].relations["contact"].many
    assert set(ENTITIES["leads"].relations) >= {"contact", "company"}
    assert set(ENTITIES["contacts"].relations) >= {"company"}


@pytest.mark.parametrize("name", ENTITY_NAMES)
def test_aggregatable_fields_exist_and_are_not_free_text(name: str) -> None:
    entity = ENTITIES[name]
    for agg in entity.aggregatable:
        assert agg in entity.fields, f"{name}.{agg}"
        assert entity.fields[agg].type not in {"text", "crm_multifield"}, f"{name}.{agg}"


def test_aggregatable_lists_match_the_api_reference() -> None:
    assert ENTITIES["deals"].aggregatable == (
        "amount",
        "stageId",
        "stageSemanticId",
        "categoryId",
        "assignedById",
        "sourceId",
    )
    assert "currency" not in ENTITIES["deals"].aggregatable
    assert set(ENTITIES["tasks"].aggregatable) == {"status", "priority", "responsibleId", "groupId"}


@pytest.mark.parametrize("name", ENTITY_NAMES)
def test_required_fields_are_writable(name: str) -> None:
    for field_name, f in ENTITIES[name].fields.items():
        if f.required:
            assert not f.readonly, f"{name}.{field_name}"


def test_required_on_create_only_where_the_docs_say_so() -> None:
    """Errors page L1285 (`fields.title: Required` for a deal), Statuses: Create L39267-39271, Deal Categories:
    Create L24392 and Currencies: Fields L23964-23966 (`isRequired: true`); nothing else has a documented basis."""

    def required(name: str) -> set[str]:
        return {k for k, f in ENTITIES[name].fields.items() if f.required}

    assert required("deals") == {"title"}
    assert required("statuses") == {"entityId", "statusId", "name"}
    assert required("deal-categories") == {"name"}
    assert required("currencies") == {"id", "amount", "amountCnt"}
    for name in ("contacts", "companies", "leads", "tasks", "users", "departments", "workgroups"):
        assert required(name) == set(), name


def test_crm_status_fields_carry_a_status_type_and_items() -> None:
    seen = 0
    for entity in ENTITIES.values():
        for name, f in entity.fields.items():
            if f.type == "crm_status":
                seen += 1
                assert f.status_type, f"{entity.name}.{name}"
                assert f.items, f"{entity.name}.{name}"
                if f.status_type != "DEAL_STAGE":
                    assert f.items == tuple((s, n) for s, n, _ in STATUS_LISTS[f.status_type])
    assert seen >= 10


def test_enumerations_carry_items_with_unique_string_ids() -> None:
    for entity in ENTITIES.values():
        for name, f in entity.fields.items():
            if f.type == "enumeration":
                assert f.items, f"{entity.name}.{name}"
            ids = [i for i, _ in f.items]
            assert len(ids) == len(set(ids)), f"{entity.name}.{name}"
            assert all(isinstance(i, str) and isinstance(v, str) and v for i, v in f.items)


def test_task_status_and_priority_are_enumerations_with_bitrix_ids() -> None:
    tasks = ENTITIES["tasks"].fields
    assert [i for i, _ in tasks["status"].items] == ["2", "3", "4", "5", "6"]
    assert dict(tasks["status"].items)["5"] == "Завершена"
    assert [i for i, _ in tasks["priority"].items] == ["0", "1", "2"]


def test_user_fields_are_flagged_named_like_bitrix_and_labelled() -> None:
    found = set()
    for entity in ENTITIES.values():
        for name, f in entity.fields.items():
            is_uf_name = name.startswith(("UF_CRM_", "ufCrm"))
            assert f.user_field == is_uf_name, f"{entity.name}.{name}"
            if f.user_field:
                assert f.label, f"{entity.name}.{name}"
                found.add((entity.name, name))
    assert {
        ("deals", "UF_CRM_PRIORITY"),
        ("deals", "UF_CRM_BUDGET"),
        ("deals", "UF_CRM_SCORE"),
        ("deals", "ufCrm_1712345678"),
        ("contacts", "UF_CRM_LOYALTY"),
        ("companies", "UF_CRM_INN"),
    } <= found
    assert ENTITIES["deals"].fields["UF_CRM_BUDGET"].type == "money"


def test_every_field_has_a_russian_or_latin_label() -> None:
    for entity in ENTITIES.values():
        for name, f in entity.fields.items():
            assert f.label.strip(), f"{entity.name}.{name}"


def test_deal_stage_items_list_every_pipeline_stage_once() -> None:
    stage_field = ENTITIES["deals"].fields["stageId"]
    ids = [i for i, _ in stage_field.items]
    expected = [s for stages in DEAL_STAGES.values() for s, _, _ in stages]
    assert ids == expected
    assert ids[:7] == ["NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "WON", "LOSE"]
    assert {"C1:NEW", "C1:PREPARATION", "C1:WON", "C1:LOSE"} <= set(ids)
    assert set(DEAL_STAGES) == {c for c, _, _ in DEAL_CATEGORIES}


def test_every_pipeline_has_one_won_and_one_lost_stage_and_stages_encode_their_pipeline() -> None:
    for category, stages in DEAL_STAGES.items():
        semantics = [sem for _, _, sem in stages]
        assert semantics.count("S") == 1 and semantics.count("F") == 1, category
        for stage_id, _, sem in stages:
            assert stage_category(stage_id) == category
            assert STAGE_SEMANTICS[stage_id] == sem


def test_stage_entity_id_follows_the_crm_status_naming() -> None:
    assert stage_entity_id(0) == "DEAL_STAGE"
    assert stage_entity_id(1) == "DEAL_STAGE_1"
    assert stage_category("C12:WON") == 12
    assert stage_category("CONVERTED") == 0


def test_lead_statuses_and_sources_are_the_portal_defaults() -> None:
    assert [s for s, _, _ in STATUS_LISTS["STATUS"]] == ["NEW", "IN_PROCESS", "PROCESSED", "CONVERTED", "JUNK"]
    assert [s for s, _, _ in STATUS_LISTS["SOURCE"]] == [
        "CALL",
        "EMAIL",
        "WEB",
        "ADVERTISING",
        "PARTNER",
        "RECOMMENDATION",
        "TRADE_SHOW",
        "OTHER",
    ]
