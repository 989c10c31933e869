"""Requisites (реквизиты) of contacts and companies with their presets, bank details, addresses and
links to deals, quotes and invoices.

Fields follow "# Entity: Requisites" and the "Requisites: *" pages (2026-05-05): the 60 camelCase
fields of the Vibe schema plus international ones in UPPER_SNAKE_CASE. The index names the other
four entities and their operations only; their fields are Bitrix's (crm.requisite.preset,
crm.requisite.bankdetail, crm.address, crm.requisite.link) camel-cased the way requisites are.
Addresses and requisite links have no id of their own: they are addressed by a composite key
(`/v1/addresses/:typeId/:entityTypeId/:entityId`, `/v1/requisite-links/:entityTypeId/:entityId`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .errors import ApiError, invalid_params
from .schema import Entity, Field, ro, rw
from .store import RecordId, Store

_READ = frozenset({"list", "get", "create", "update", "delete", "search", "aggregate", "fields"})
CONTACT, COMPANY, REQUISITE, LEAD = 3, 4, 8, 1
OWNER_ITEMS = ((str(CONTACT), "Контакт"), (str(COMPANY), "Компания"))
OWNER_TABLES: Mapping[int, str] = MappingProxyType({CONTACT: "contacts", COMPANY: "companies", LEAD: "leads"})
# crm.enum.addresstype on a Russian portal.
ADDRESS_TYPES: tuple[tuple[str, str], ...] = (
    ("1", "Фактический адрес"),
    ("4", "Адрес регистрации"),
    ("6", "Юридический адрес"),
    ("8", "Почтовый адрес"),
    ("9", "Адрес бенефициара"),
    ("11", "Адрес доставки"),
)
# Addresses belong to requisites (8) and to leads (1).
ADDRESS_OWNERS = ((str(LEAD), "Лид"), (str(REQUISITE), "Реквизит"))
# What a requisite link may point at: deals, quotes, invoices (old 5 and smart 31).
LINK_OWNERS: Mapping[int, str] = MappingProxyType({2: "deals", 5: "invoices", 7: "quotes", 31: "invoices"})


_STAMPS = {
    "createdAt": ro("datetime", "Дата создания"),
    "updatedAt": ro("datetime", "Дата изменения"),
    "createdBy": ro("user", "Кем создан"),
    "modifyBy": ro("user", "Кем изменён"),
}

_LEGAL = {
    "rqName": "Полное наименование",
    "rqCompanyName": "Сокращённое название",
    "rqCompanyFullName": "Полное название",
    "rqCompanyRegDate": "Дата регистрации",
    "rqDirector": "ФИО директора",
    "rqAccountant": "ФИО главного бухгалтера",
    "rqCeoName": "ФИО руководителя",
    "rqCeoWorkPos": "Должность руководителя",
    "rqContact": "Контактное лицо",
    "rqEmail": "Email организации",
    "rqPhone": "Телефон организации",
    "rqFax": "Факс",
    "rqInn": "ИНН",
    "rqKpp": "КПП",
    "rqUsn": "УСН",
    "rqOgrn": "ОГРН",
    "rqOgrnip": "ОГРНИП",
    "rqOkpo": "ОКПО",
    "rqOkved": "ОКВЭД",
    "rqOktmo": "ОКТМО",
    "rqVatPayer": "Плательщик НДС",
    "rqVatId": "ИНН для НДС",
    "rqVatCertDate": "Дата свидетельства НДС",
    "rqVatCertNum": "Номер свидетельства НДС",
    "rqResidenceCountry": "Страна регистрации",
    "rqBaseDoc": "Документ-основание",
    "rqBaseDocDate": "Дата документа-основания",
    "rqBaseDocNum": "Номер документа-основания",
    "rqRegCertNum": "Свидетельство о регистрации — номер",
    "rqRegCertDate": "Свидетельство о регистрации — дата",
    "rqRegOrganization": "Регистрирующий орган",
    "rqStateReg": "Государственная регистрация",
    "rqMnplReg": "Муниципальная регистрация",
    "rqStampPresent": "Наличие печати",
}
_PERSON = {
    "rqFirstName": "Имя",
    "rqLastName": "Фамилия",
    "rqSecondName": "Отчество",
    "rqIdentDocType": "Документ, удостоверяющий личность",
    "rqIdentDocSer": "Серия документа",
    "rqIdentDocNum": "Номер документа",
    "rqIdentDocDate": "Дата выдачи",
    "rqIdentDocIssuedBy": "Кем выдан",
    "rqIdentDocDepCode": "Код подразделения",
}
# Outside the Vibe schema: answered and filtered in Bitrix's own spelling, with a label.
_INTERNATIONAL = {
    "RQ_EDRPOU": "ЕДРПОУ",
    "RQ_DRFO": "ДРФО",
    "RQ_KBE": "КБе",
    "RQ_IIN": "ИИН",
    "RQ_BIN": "БИН",
    "RQ_REGON": "REGON",
    "RQ_KRS": "KRS",
    "RQ_PESEL": "PESEL",
    "RQ_SIRET": "SIRET",
    "RQ_SIREN": "SIREN",
    "RQ_RCS": "RCS",
    "RQ_CAPITAL": "Capital",
    "RQ_CNPJ": "CNPJ",
    "RQ_CPF": "CPF",
    "RQ_LEGAL_FORM": "Форма юрлица",
}
# Rare service fields of a few presets (Requisites: Fields, "Редкие служебные поля"): also as Bitrix spells them.
_RARE = {
    "RQ_USRLE": "ЕГРЮЛ",
    "RQ_IFNS": "ИФНС",
    "RQ_COMPANY_ID": "Регистрационный номер компании",
    "RQ_IDENT_TYPE": "Тип идентификации",
    "RQ_IDENT_DOC_PERS_NUM": "Личный номер",
    "RQ_ST_CERT_SER": "Серия свидетельства о постановке на учёт",
    "RQ_ST_CERT_NUM": "Номер свидетельства о постановке на учёт",
    "RQ_ST_CERT_DATE": "Дата свидетельства о постановке на учёт",
    "RQ_VAT_CERT_SER": "Серия свидетельства НДС",
}
_BOOLEAN = frozenset({"rqVatPayer", "rqStampPresent"})
_DATES = frozenset({"rqCompanyRegDate", "rqVatCertDate", "rqBaseDocDate", "rqRegCertDate", "rqIdentDocDate"})


def _rq(name: str, label: str) -> Field:
    return rw("boolean" if name in _BOOLEAN else "date" if name in _DATES else "string", label)


REQUISITES = Entity(
    name="requisites",
    scope="crm",
    operations=_READ,
    fields={
        "id": ro("integer", "ID реквизита"),
        "entityTypeId": rw("integer", "Тип владельца", required=True, items=OWNER_ITEMS),
        "entityId": rw("integer", "ID контакта или компании", required=True),
        "presetId": rw("integer", "Пресет"),  # required, but refused as Bitrix words it (see prepare)
        "name": rw("string", "Название"),
        "code": rw("string", "Символьный код"),
        "xmlId": rw("string", "Внешний идентификатор"),
        "originatorId": rw("string", "ID системы-источника"),
        "active": rw("boolean", "Активен"),
        "sort": rw("integer", "Сортировка"),
        **_STAMPS,
        "addressOnly": rw("boolean", "Только адрес"),
        **{name: _rq(name, label) for name, label in _LEGAL.items()},
        **{name: _rq(name, label) for name, label in _PERSON.items()},
        **{name: rw("string", label) for name, label in _INTERNATIONAL.items()},
        **{name: rw("date" if name.endswith("_DATE") else "string", label) for name, label in _RARE.items()},
    },
    # Requisites: Aggregate — identifiers and codes only: count and groupBy.
    aggregatable=("entityTypeId", "presetId", "entityId", "active"),
    batch_actions=(),
)

REQUISITE_PRESETS = Entity(
    name="requisite-presets",
    scope="crm",
    operations=_READ,
    fields={
        "id": ro("integer", "ID пресета"),
        "entityTypeId": ro("integer", "Тип сущности (8 — реквизит)"),
        "countryId": rw("integer", "Страна", required=True),
        "name": rw("string", "Название", required=True),
        "active": rw("boolean", "Активен"),
        "sort": rw("integer", "Сортировка"),
        "xmlId": rw("string", "Внешний идентификатор"),
        **_STAMPS,
    },
    aggregatable=("countryId", "active"),
    batch_actions=(),
)

BANK_DETAILS = Entity(
    name="bank-details",
    scope="crm",
    operations=_READ,
    fields={
        "id": ro("integer", "ID банковских реквизитов"),
        "entityTypeId": ro("integer", "Тип владельца (8 — реквизит)"),
        "entityId": rw("integer", "ID реквизита", required=True),
        "countryId": ro("integer", "Страна"),
        "name": rw("string", "Название", required=True),
        "code": rw("string", "Символьный код"),
        "xmlId": rw("string", "Внешний идентификатор"),
        "originatorId": rw("string", "ID системы-источника"),
        "active": rw("boolean", "Активен"),
        "sort": rw("integer", "Сортировка"),
        **_STAMPS,
        "rqBankName": rw("string", "Наименование банка"),
        "rqBankAddr": rw("string", "Адрес банка"),
        "rqBankRouteNum": rw("string", "Routing number"),
        "rqBik": rw("string", "БИК"),
        "rqMfo": rw("string", "МФО"),
        "rqAccName": rw("string", "Получатель"),
        "rqAccNum": rw("string", "Расчётный счёт"),
        "rqIik": rw("string", "ИИК"),
        "rqAccCurrency": rw("string", "Валюта счёта"),
        "rqCorAccNum": rw("string", "Корреспондентский счёт"),
        "rqIban": rw("string", "IBAN"),
        "rqSwift": rw("string", "SWIFT"),
        "rqBic": rw("string", "BIC"),
        "comments": rw("text", "Комментарий"),
    },
    aggregatable=("entityId", "rqBik", "rqAccCurrency", "active"),
    batch_actions=(),
)

ADDRESSES = Entity(
    name="addresses",
    scope="crm",
    operations=frozenset({"list", "get", "create", "update", "delete", "fields"}),
    fields={
        "typeId": rw("integer", "Тип адреса", required=True, items=ADDRESS_TYPES),
        "entityTypeId": rw("integer", "Тип владельца", required=True, items=ADDRESS_OWNERS),
        "entityId": rw("integer", "ID владельца", required=True),
        "address1": rw("string", "Улица, дом, корпус, строение"),
        "address2": rw("string", "Квартира / офис"),
        "city": rw("string", "Город"),
        "postalCode": rw("string", "Почтовый индекс"),
        "region": rw("string", "Район"),
        "province": rw("string", "Область"),
        "country": rw("string", "Страна"),
        "countryCode": rw("string", "Код страны"),
        "locAddrId": ro("integer", "ID адреса в модуле местоположений"),
        "anchorTypeId": ro("integer", "Тип основной сущности"),
        "anchorId": ro("integer", "ID основной сущности"),
    },
    batch_actions=(),
    id_kind="composite",
)

REQUISITE_LINKS = Entity(
    name="requisite-links",
    scope="crm",
    # The index's register and unregister: POST /v1/requisite-links, DELETE .../:entityTypeId/:entityId.
    operations=frozenset({"list", "get", "register", "unregister", "fields"}),
    fields={
        "entityTypeId": rw("integer", "Тип сущности (2 сделка, 7 предложение, 31 счёт)", required=True),
        "entityId": rw("integer", "ID сущности", required=True),
        "requisiteId": rw("integer", "Реквизит клиента", required=True),
        "bankDetailId": rw("integer", "Банковские реквизиты клиента"),
        "mcRequisiteId": rw("integer", "Реквизит своей компании"),
        "mcBankDetailId": rw("integer", "Банковские реквизиты своей компании"),
    },
    batch_actions=(),
    id_kind="composite",
)

ENTITIES: Mapping[str, Entity] = MappingProxyType(
    {e.name: e for e in (REQUISITES, REQUISITE_PRESETS, BANK_DETAILS, ADDRESSES, REQUISITE_LINKS)}
)
# The fields that make up each composite key, in path order.
KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"addresses": ("typeId", "entityTypeId", "entityId"), "requisite-links": ("entityTypeId", "entityId")}
)
# Fields a record keeps for life (Requisites: Update, "Сменить пресет нельзя", "Перенос ... невозможен").
FIXED: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "requisites": ("entityTypeId", "entityId", "presetId"),
        "bank-details": ("entityId",),
        "addresses": KEYS["addresses"],
        "requisite-links": KEYS["requisite-links"],
    }
)
_NAMES = {"requisites": "Requisite", "requisite-presets": "Preset", "bank-details": "BankDetail"}
# Fields every requisite has whatever its preset; the rest are a preset's to hold (a seeded preset holds
# PRESET_FIELDS, a new one none until fields are added at /v1/requisite-presets/:presetId/fields).
SERVICE = frozenset(
    ["id", "entityTypeId", "entityId", "presetId", "name", "code", "xmlId", "originatorId", "active", "sort",
     *_STAMPS, "addressOnly"]
)  # fmt: skip
_ORG = frozenset(_LEGAL) - {"rqOgrnip"}
PRESET_FIELDS: Mapping[int, frozenset[str]] = MappingProxyType(
    {
        1: SERVICE | _ORG,
        2: SERVICE
        | {
            "rqName",
            "rqFirstName",
            "rqLastName",
            "rqSecondName",
            "rqInn",
            "rqOgrnip",
            "rqOkpo",
            "rqOkved",
            "rqOktmo",
            "rqVatPayer",
            "rqRegCertNum",
            "rqRegCertDate",
            "rqPhone",
            "rqEmail",
        },  # fmt: skip
        3: SERVICE | {"rqName", "rqInn", *_PERSON},
        4: SERVICE
        | {
            "rqName",
            "rqCompanyName",
            "rqCompanyFullName",
            "rqDirector",
            "rqVatId",
            "rqResidenceCountry",
            "rqEmail",
            "rqPhone",
            *_INTERNATIONAL,
        },  # fmt: skip
    }
)


# The table of the presets' field sets (`/v1/requisite-presets/:presetId/fields`, families_presets).
PRESET_FIELD_TABLE = "requisite-preset-fields"

# The route an operation named as upstream names it takes (requisite links: register is a POST).
ROUTE_OF = MappingProxyType({"register": "create", "unregister": "delete"})


def serves(entity: Entity, operation: str) -> bool:
    """Whether the entity answers the route of `operation` (create, delete, …), under any name."""
    return operation in entity.operations or any(ROUTE_OF.get(op) == operation for op in entity.operations)


# --- composite keys ---------------------------------------------------------------------------------------


def fold_path(segments: tuple[str, ...]) -> tuple[str, ...]:
    """`v1/addresses/6/8/42` → `v1/addresses`, `6/8/42`: the key's parts travel as one path id."""
    if len(segments) < 3 or segments[0] != "v1" or segments[1] not in KEYS:
        return segments
    size = len(KEYS[segments[1]])
    if len(segments) != 2 + size:
        return segments
    return ("v1", segments[1], "/".join(segments[2:]))


def _part(raw: str, name: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or int(raw) <= 0:
        raise invalid_params(f"Path parameter :{name} must be a positive integer")
    return int(raw)


def parse_key(entity: Entity, raw: object) -> RecordId:
    """The stored key of a composite path id (`6/8/42`)."""
    names = KEYS[entity.name]
    parts = str(raw).split("/") if isinstance(raw, str | int) else []
    if len(parts) != len(names):
        raise invalid_params(f"Path must name {', '.join(':' + n for n in names)}")
    return key_of(entity, {n: _part(p, n) for n, p in zip(names, parts, strict=True)})


def key_of(entity: Entity, row: Mapping[str, object]) -> str:
    """The stored key of a record: its key fields zero-padded, so records sort by owner, then type."""
    names = KEYS[entity.name]
    ordered = [n for n in ("entityTypeId", "entityId", "typeId") if n in names]
    return ":".join(f"{row.get(n) or 0:012d}" for n in ordered)


def public(entity: Entity, record: dict[str, object], store: Store | None = None) -> dict[str, object]:
    """A record as answered: a composite-keyed one has no `id` of its own; a requisite has the fields its
    preset holds, its user fields and the service ones (Requisites: Get, "Набор полей зависит от пресета")."""
    if entity.name in KEYS:
        record.pop("id", None)
    elif entity.name == "requisites" and store is not None and "presetId" in record:
        held = preset_holds(store, record["presetId"])
        for name in [n for n in record if n not in held and not n.startswith("UF_")]:
            del record[name]
    return record


def missing(entity: Entity, key: RecordId) -> ApiError | None:
    """The not-found error an entity's pages show, None for the generic one."""
    if entity.name in _NAMES:
        return ApiError(404, "ENTITY_NOT_FOUND", f"The {_NAMES[entity.name]} with ID '{key}' is not found")
    if entity.name in KEYS:
        what = "Address" if entity.name == "addresses" else "Requisite link"
        return ApiError(404, "ENTITY_NOT_FOUND", f"{what} not found")
    return None


# --- writes -----------------------------------------------------------------------------------------------


def _bitrix(message: str, status: int = 422) -> ApiError:
    return ApiError(status, "BITRIX_ERROR", message)


def _exists(store: Store, table: str, key: object) -> bool:
    return table in store.tables and isinstance(key, int) and store.table(table).peek(key) is not None


def prepare(
    entity: Entity,
    row: dict[str, object],
    given: Mapping[str, object],
    store: Store,
    before: Mapping[str, object] | None,
) -> None:
    """Checks and defaults of a create (`before` None) or update: owners exist, keys stay, presets rule."""
    if entity.name not in ENTITIES:
        return
    for name in given:
        if row.get(name) == "" and entity.fields[name].type in ("string", "text", "date"):
            row[name] = None  # "" clears a field, and Vibe answers a cleared one as null
    if before is not None:
        for name in FIXED.get(entity.name, ()):
            row[name] = before.get(name)  # kept for life: a new value is ignored, as upstream
        if entity.name == "requisites":
            _within_preset(row, given, store)
        return
    defaults = {"active": True, "sort": 500, "addressOnly": False}
    row.update({k: v for k, v in defaults.items() if k in entity.fields and given.get(k) is None})
    if entity.name == "requisites":
        _new_requisite(row, given, store)
    elif entity.name == "requisite-presets":
        row["entityTypeId"] = REQUISITE
    elif entity.name == "bank-details":
        requisite = store.table("requisites").peek(row["entityId"]) if isinstance(row["entityId"], int) else None
        if requisite is None:
            raise _bitrix(f"The Requisite with ID '{row['entityId']}' is not found")
        row["entityTypeId"] = REQUISITE
        preset = store.table("requisite-presets").peek(requisite.get("presetId"))  # type: ignore[arg-type]
        row["countryId"] = preset.get("countryId") if preset is not None else None
    elif entity.name == "addresses":
        _new_address(row, store)
    elif entity.name == "requisite-links":
        _new_link(row, store)


def _new_requisite(row: dict[str, object], given: Mapping[str, object], store: Store) -> None:
    preset = row.get("presetId")
    if preset in (None, 0):
        raise _bitrix("PRESET_ID field value is not specified", 400)  # the Create page's error example
    if not _exists(store, "requisite-presets", preset):
        raise _bitrix(f"The Preset with ID '{preset}' is not found")
    owner = OWNER_TABLES[int(str(row["entityTypeId"]))]
    if not _exists(store, owner, row["entityId"]):
        what = {"contacts": "Contact", "companies": "Company"}.get(owner, "Lead")
        raise _bitrix(f"The {what} with ID '{row['entityId']}' is not found")
    _within_preset(row, given, store)


def preset_holds(store: Store, preset: object) -> frozenset[str]:
    """The fields a requisite of `preset` keeps: the service ones and those its field set holds now."""
    held = (r.get("fieldName") for r in store.table(PRESET_FIELD_TABLE).scan() if r.get("presetId") == preset)
    return SERVICE | frozenset(str(name) for name in held)


def _within_preset(row: dict[str, object], given: Mapping[str, object], store: Store) -> None:
    """Fields outside the requisite's preset are dropped silently (Requisites: Create, "Известные особенности");
    user fields belong to every requisite."""
    allowed = preset_holds(store, row.get("presetId"))
    for name in given:
        if name not in allowed and not name.startswith("UF_"):
            row[name] = None


def _new_address(row: dict[str, object], store: Store) -> None:
    owner = "requisites" if row["entityTypeId"] == REQUISITE else "leads"
    if not _exists(store, owner, row["entityId"]):
        raise _bitrix(f"The owner entity (ENTITY_TYPE_ID {row['entityTypeId']}, ID {row['entityId']}) is not found")
    row["id"] = key_of(ADDRESSES, row)
    if row["id"] in store.table("addresses"):
        raise _bitrix(f"Address of type {row['typeId']} already exists for this entity; update it instead", 400)
    row["anchorTypeId"], row["anchorId"] = row["entityTypeId"], row["entityId"]
    if row["entityTypeId"] == REQUISITE:  # an address of a requisite is anchored at the requisite's owner
        requisite = store.table("requisites").peek(row["entityId"])  # type: ignore[arg-type]
        if requisite is not None:
            row["anchorTypeId"], row["anchorId"] = requisite.get("entityTypeId"), requisite.get("entityId")


def _new_link(row: dict[str, object], store: Store) -> None:
    """crm.requisite.link.register: the entity's one link, replaced if there is one."""
    kind, entity_id = row["entityTypeId"], row["entityId"]
    table = LINK_OWNERS.get(kind) if isinstance(kind, int) else None
    if table is None:
        raise _bitrix(
            f"Requisites cannot be linked to entity type {kind}; use 2 (deal), 7 (quote) or 31 (invoice)", 400
        )
    if table in store.tables and not _exists(store, table, entity_id):
        raise _bitrix(f"The entity (ENTITY_TYPE_ID {kind}, ID {entity_id}) is not found")
    for req_field, bank_field in (("requisiteId", "bankDetailId"), ("mcRequisiteId", "mcBankDetailId")):
        requisite_id, bank_id = row.get(req_field) or 0, row.get(bank_field) or 0
        row[req_field], row[bank_field] = requisite_id, bank_id
        if requisite_id and not _exists(store, "requisites", requisite_id):
            raise _bitrix(f"The Requisite with ID '{requisite_id}' is not found")
        if bank_id:
            bank = store.table("bank-details").peek(bank_id)  # type: ignore[arg-type]
            if bank is None or bank.get("entityId") != requisite_id:
                raise _bitrix(f"The BankDetail with ID '{bank_id}' does not belong to requisite {requisite_id}")
    client = _client_of(store, table, entity_id)
    requisite = store.table("requisites").peek(row["requisiteId"]) if row["requisiteId"] else None  # type: ignore[arg-type]
    if requisite is not None and client and (requisite.get("entityTypeId"), requisite.get("entityId")) not in client:
        raise _bitrix(f"The Requisite with ID '{row['requisiteId']}' belongs to none of the entity's clients")
    key = row["id"] = key_of(REQUISITE_LINKS, row)
    links = store.table("requisite-links")
    if key in links:
        links.delete(key)  # register replaces the entity's link


def _client_of(store: Store, table: str, entity_id: object) -> set[tuple[object, object]]:
    """(entityTypeId, id) of the company and contacts of a deal, quote or invoice; empty when unknown."""
    if table not in store.tables or not isinstance(entity_id, int):
        return set()
    record = store.table(table).peek(entity_id)
    if record is None:
        return set()
    out: set[tuple[object, object]] = set()
    if record.get("companyId"):
        out.add((COMPANY, record.get("companyId")))
    contacts = record.get("contactIds") or ([record["contactId"]] if record.get("contactId") else [])
    for contact in contacts if isinstance(contacts, list) else []:
        out.add((CONTACT, contact))
    return out


def cascade(entity: Entity, key: RecordId, store: Store) -> None:
    """What goes with a deleted record: a requisite's bank details, addresses and links (Requisites:
    Delete, "Удаление каскадное"); a contact's or company's requisites."""
    if "requisites" not in store.tables:
        return
    if entity.name == "requisite-presets" and PRESET_FIELD_TABLE in store.tables:
        fields = store.table(PRESET_FIELD_TABLE)
        for row_id in [r["id"] for r in fields.scan() if r.get("presetId") == key]:
            fields.delete(row_id)  # type: ignore[arg-type]
        return
    if entity.name in ("contacts", "companies"):
        kind = CONTACT if entity.name == "contacts" else COMPANY
        owned: list[RecordId] = [
            r["id"]  # type: ignore[misc]
            for r in store.table("requisites").scan()
            if (r.get("entityTypeId"), r.get("entityId")) == (kind, key)
        ]
        for requisite_id in owned:
            store.table("requisites").delete(requisite_id)
            cascade(REQUISITES, requisite_id, store)
        return
    if entity.name != "requisites":
        return
    doomed = {
        "bank-details": [r["id"] for r in store.table("bank-details").scan() if r.get("entityId") == key],
        "addresses": [
            r["id"]
            for r in store.table("addresses").scan()
            if (r.get("entityTypeId"), r.get("entityId")) == (REQUISITE, key)
        ],
        "requisite-links": [r["id"] for r in store.table("requisite-links").scan() if r.get("requisiteId") == key],
    }
    for table, ids in doomed.items():
        for record_id in ids:
            store.table(table).delete(record_id)  # type: ignore[arg-type]
