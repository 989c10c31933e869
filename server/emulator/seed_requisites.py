"""Demo requisites: the legal details of the seeded companies (and of some contacts), their bank
accounts, addresses, and the links of invoiced deals to them.

Numbers are well formed: INN, OGRN and OGRNIP carry their check digits, KPP starts with the INN's
tax office, settlement accounts carry the control key computed with the bank's BIK, and the banks
are real ones with their published BIK and correspondent accounts. A company's `UF_CRM_INN` is
set to its requisite's INN, so both places agree. Same seed and clock, same records.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from .families_req import ADDRESSES, BANK_DETAILS, PRESET_FIELDS, REQUISITE_LINKS, REQUISITES, key_of
from .schema import Entity
from .seed import DAY, Record, _person, iso

PRESETS: tuple[tuple[int, str, int, int], ...] = (
    # id, name, countryId (1 Россия, 0 другая страна), sort
    (1, "Организация", 1, 500),
    (2, "ИП", 1, 500),
    (3, "Физ. лицо", 1, 500),
    (4, "Иностранное юрлицо", 0, 600),
)
# name, BIK, correspondent account, address
BANKS: tuple[tuple[str, str, str, str], ...] = (
    ("ПАО Сбербанк", "044525225", "30101810400000000225", "г. Москва, ул. Вавилова, д. 19"),
    ("АО «Альфа-Банк»", "044525593", "30101810200000000593", "г. Москва, ул. Каланчёвская, д. 27"),
    ("Банк ВТБ (ПАО)", "044525187", "30101810700000000187", "г. Москва, Пресненская наб., д. 12"),
    ("АО «ТБанк»", "044525974", "30101810145250000974", "г. Москва, ул. 2-я Хуторская, д. 38А, стр. 26"),
    ("ПАО «Промсвязьбанк»", "044525555", "30101810400000000555", "г. Москва, Смирновская ул., д. 10, стр. 22"),
    ("АО «Райффайзенбанк»", "044525700", "30101810200000000700", "г. Москва, ул. Троицкая, д. 17, стр. 1"),
    ("Северо-Западный банк ПАО Сбербанк", "044030653", "30101810500000000653",
     "г. Санкт-Петербург, ул. Красного Текстильщика, д. 2"),
    ("Уральский банк ПАО Сбербанк", "046577674", "30101810500000000674", "г. Екатеринбург, ул. Куйбышева, д. 67"),
)  # fmt: skip
BANK_WEIGHTS = (30, 18, 16, 14, 8, 6, 5, 3)
# city, province, postal codes, streets
CITIES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Москва", "г. Москва", ("125009", "123112", "115054", "117218", "105064", "129085", "119019", "127015"),
     ("ул. Тверская", "Ленинградский пр-т", "ул. Большая Ордынка", "Пресненская наб.", "ул. Шаболовка",
      "ул. Профсоюзная", "Варшавское ш.", "ул. Новый Арбат", "ул. Бауманская", "Огородный пр-д")),
    ("Санкт-Петербург", "г. Санкт-Петербург", ("191025", "196084", "197022", "195112"),
     ("Невский пр-т", "Лиговский пр-т", "ул. Савушкина", "Малый пр-т В.О.", "Московский пр-т")),
    ("Екатеринбург", "Свердловская обл.", ("620014", "620075", "620026"),
     ("ул. Малышева", "ул. 8 Марта", "ул. Радищева", "пр-т Ленина")),
    ("Новосибирск", "Новосибирская обл.", ("630099", "630007", "630132"),
     ("Красный пр-т", "ул. Фрунзе", "ул. Кирова")),
    ("Казань", "Республика Татарстан", ("420111", "420021", "420107"),
     ("ул. Баумана", "ул. Пушкина", "ул. Островского")),
    ("Нижний Новгород", "Нижегородская обл.", ("603005", "603950", "603001"),
     ("ул. Большая Покровская", "ул. Рождественская", "ул. Родионова")),
)  # fmt: skip
OFFICES = ("офис {n}", "помещение {r}, ком. {n}", "этаж {f}, офис {n}")
OKVED = {
    "IT": "62.01", "TELECOM": "61.10", "MANUFACTURING": "28.29", "BANKING": "64.19", "CONSULTING": "70.22",
    "FINANCE": "66.19", "GOVERNMENT": "84.11", "DELIVERY": "49.41", "ENTERTAINMENT": "90.01", "NOTPROFIT": "94.99",
    "OTHER": "46.90",
}  # fmt: skip
FULL_FORMS = {"ООО": "Общество с ограниченной ответственностью", "АО": "Акционерное общество",
              "ПАО": "Публичное акционерное общество"}  # fmt: skip
# legal form of a foreign company → (country, country code, SWIFT of its bank, bank, currency)
FOREIGN = {
    "LLC": ("США", "US", "CHASUS33", "JPMorgan Chase Bank, N.A.", "USD"),
    "Inc.": ("США", "US", "CHASUS33", "JPMorgan Chase Bank, N.A.", "USD"),
    "Ltd.": ("Великобритания", "GB", "BARCGB22", "Barclays Bank PLC", "GBP"),
    "GmbH": ("Германия", "DE", "DEUTDEFF", "Deutsche Bank AG", "EUR"),
}
EN_FIRST, EN_LAST = ("John", "Emma", "Oliver", "Sophie"), ("Smith", "Brown", "Miller")
FOREIGN_CITIES = {"US": ("New York", "10017", "NY"), "GB": ("London", "EC2N 2DB", ""), "DE": ("Berlin", "10117", "")}
# region code (INN, passport series) → where passports are issued
REGIONS = {"77": "г. Москве", "78": "г. Санкт-Петербургу", "50": "Московской области", "66": "Свердловской области",
           "54": "Новосибирской области", "16": "Республике Татарстан", "52": "Нижегородской области"}  # fmt: skip
DEAL_LINKED_STAGES = frozenset({"PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "WON", "C1:WON", "C2:WON"})


# --- check digits -----------------------------------------------------------------------------------------


def _weighted(digits: str, weights: Sequence[int]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10


def inn10(first9: str) -> str:
    """A legal entity's INN: nine digits and their check digit."""
    return first9 + str(_weighted(first9, (2, 4, 10, 3, 5, 9, 4, 6, 8)))


def inn12(first10: str) -> str:
    """A person's INN: ten digits and two check digits."""
    n11 = str(_weighted(first10, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)))
    return first10 + n11 + str(_weighted(first10 + n11, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)))


def ogrn(first12: str) -> str:
    return first12 + str(int(first12) % 11 % 10)


def ogrnip(first14: str) -> str:
    return first14 + str(int(first14) % 13 % 10)


def account(bik: str, head: str, tail: str) -> str:
    """A settlement account: `head` (balance account and currency, 8 digits), the control key, `tail` (11)."""
    digits = bik[-3:] + head + "0" + tail
    weights = (7, 1, 3) * 8
    total = sum(int(d) * w % 10 for d, w in zip(digits, weights[: len(digits)], strict=True))
    return head + str(total % 10 * 3 % 10) + tail


def iban(country: str, bban: str) -> str:
    """An IBAN with its mod-97 check digits."""
    rearranged = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(rearranged) % 97:02d}{bban}"


# --- records ------------------------------------------------------------------------------------------------


def _blank(entity: Entity) -> dict[str, object]:
    return {n: [] if f.multiple else False if f.type == "boolean" else None for n, f in entity.fields.items()}


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(int(rng.random() * 10)) for _ in range(n))


def _pick(rng: random.Random, options: Sequence[str]) -> str:
    return options[int(rng.random() * len(options))]


class _Builder:
    def __init__(self, rng: random.Random, now: float) -> None:
        self.rng, self.now = rng, now
        self.requisites: list[Record] = []
        self.banks: list[Record] = []
        self.addresses: list[Record] = []

    def stamps(self, created: str, by: object) -> dict[str, object]:
        return {"createdAt": created, "updatedAt": created, "createdBy": by, "modifyBy": by}

    def requisite(self, values: Mapping[str, object], created: str, by: object) -> Record:
        row = _blank(REQUISITES)
        allowed = PRESET_FIELDS[int(str(values["presetId"]))]
        row.update({k: v for k, v in values.items() if k in allowed})
        row.update(id=len(self.requisites) + 1, active=True, sort=500, **self.stamps(created, by))
        self.requisites.append(row)
        return row

    def bank(self, requisite: Record, values: Mapping[str, object], country: int) -> None:
        row = _blank(BANK_DETAILS)
        row.update(values)
        row.update(id=len(self.banks) + 1, entityTypeId=8, entityId=requisite["id"], countryId=country, active=True)
        row.update(sort=500, **self.stamps(str(requisite["createdAt"]), requisite["createdBy"]))
        self.banks.append(row)

    def address(self, requisite: Record, type_id: int, values: Mapping[str, object]) -> None:
        row = _blank(ADDRESSES)
        row.update(values)
        row.update(typeId=type_id, entityTypeId=8, entityId=requisite["id"])
        row.update(anchorTypeId=requisite["entityTypeId"], anchorId=requisite["entityId"])
        row["id"] = key_of(ADDRESSES, row)
        self.addresses.append(row)

    def russian_address(self, city_index: int | None = None) -> dict[str, object]:
        rng = self.rng
        city, province, codes, streets = CITIES[city_index if city_index is not None else int(rng.random() * 6)]
        house = f"д. {1 + int(rng.random() * 120)}" + (
            f", стр. {1 + int(rng.random() * 5)}" if rng.random() < 0.4 else ""
        )
        office = _pick(rng, OFFICES).format(
            n=100 + int(rng.random() * 800), r=_pick(rng, ("I", "II", "III")), f=1 + int(rng.random() * 20)
        )
        return {"address1": f"{_pick(rng, streets)}, {house}", "address2": office, "city": city,
                "postalCode": _pick(rng, codes), "province": province, "country": "Россия",
                "countryCode": "RU"}  # fmt: skip

    def russian_bank(self, requisite: Record, head: str, name: str = "Основной счёт") -> None:
        rng = self.rng
        bank, bik, corr, address = BANKS[rng.choices(range(len(BANKS)), BANK_WEIGHTS)[0]]
        number = account(bik, head, _digits(rng, 11))
        self.bank(requisite, {"name": name, "rqBankName": bank, "rqBik": bik, "rqCorAccNum": corr,
                              "rqBankAddr": address, "rqAccNum": number, "rqAccCurrency": "RUB",
                              "rqAccName": requisite.get("rqName")}, 1)  # fmt: skip


def _date(ts: float) -> str:
    return iso(ts)[:10]


def _company(b: _Builder, company: dict[str, object]) -> Record | None:
    rng = b.rng
    title = str(company["title"])
    created, by = str(company["createdTime"]), company["assignedById"]
    first, last, second, _ = _person(rng, False)
    director = f"{last} {first} {second}"
    acc_first, acc_last, acc_second, _ = _person(rng, False)
    form, _, rest = title.partition(" ")
    if company.get("currencyId") == "USD":  # an English-named foreign company
        suffix = title.rsplit(" ", 1)[-1]
        country, code, swift, bank, currency = FOREIGN.get(suffix, FOREIGN["LLC"])
        requisite = b.requisite(
            {"entityTypeId": 4, "entityId": company["id"], "presetId": 4, "name": "Реквизиты нерезидента",
             "rqName": title, "rqCompanyName": title.rsplit(" ", 1)[0], "rqCompanyFullName": title,
             "rqVatId": f"{code}{_digits(rng, 9)}", "rqResidenceCountry": country,
             "rqDirector": f"{_pick(rng, EN_FIRST)} {_pick(rng, EN_LAST)}"},
            created, by,
        )  # fmt: skip
        bban = f"{swift[:4]}{_digits(rng, 14)}" if code == "GB" else _digits(rng, 18)
        b.bank(requisite, {"name": f"Счёт в {currency}", "rqBankName": bank, "rqSwift": swift,
                           "rqAccCurrency": currency,
                           "rqIban": iban(code, bban) if code != "US" else None,
                           "rqAccNum": _digits(rng, 12) if code == "US" else None,
                           "rqBankRouteNum": "021000021" if code == "US" else None, "rqAccName": title}, 0)  # fmt: skip
        city, postal, state = FOREIGN_CITIES[code]
        b.address(requisite, 6, {"address1": f"{10 + int(rng.random() * 400)} Main Street", "city": city,
                                 "postalCode": postal, "province": state or None, "country": country,
                                 "countryCode": code})  # fmt: skip
        return requisite
    base = rest.strip("«»") if rest.startswith("«") else title
    inn = company.get("UF_CRM_INN")
    inn = inn10(str(inn)[:9]) if isinstance(inn, str) and len(inn) == 10 else inn10("77" + _digits(rng, 7))
    company["UF_CRM_INN"] = inn  # the company's INN field and its requisite agree
    reg = rng.uniform(3 * 365, 20 * 365) * DAY
    year = iso(b.now - reg)[2:4]
    requisite = b.requisite(
        {"entityTypeId": 4, "entityId": company["id"], "presetId": 1, "name": "Основные реквизиты",
         "rqName": title, "rqCompanyName": base, "rqCompanyFullName": f"{FULL_FORMS.get(form, form)} «{base}»",
         "rqInn": inn, "rqKpp": f"{inn[:4]}01001", "rqOgrn": ogrn(f"1{year}77{_digits(rng, 7)}"),
         "rqOkpo": _digits(rng, 8), "rqOkved": OKVED.get(str(company.get("industry")), "46.90"),
         "rqOktmo": f"45{_digits(rng, 6)}", "rqCompanyRegDate": _date(b.now - reg),
         "rqDirector": director, "rqCeoName": director, "rqCeoWorkPos": "Генеральный директор",
         "rqAccountant": f"{acc_last} {acc_first} {acc_second}", "rqVatPayer": rng.random() < 0.8,
         "rqBaseDoc": "Устав", "rqStampPresent": rng.random() < 0.6},
        created, by,
    )  # fmt: skip
    b.russian_bank(requisite, "40702810")
    if rng.random() < 0.15:
        b.russian_bank(requisite, "40702810", "Резервный счёт")
    legal = b.russian_address(0)  # INN 77..: registered in Moscow
    b.address(requisite, 6, legal)
    if rng.random() < 0.6:
        b.address(requisite, 1, legal if rng.random() < 0.5 else b.russian_address())
    if rng.random() < 0.25:
        b.address(requisite, 8, {**legal, "address2": f"а/я {100 + int(rng.random() * 900)}"})
    if rng.random() < 0.08:  # a branch: same INN, its own KPP and address
        branch_city = 1 + int(rng.random() * 5)
        branch = b.requisite(
            {**{k: requisite[k] for k in ("entityTypeId", "entityId", "presetId", "rqName", "rqCompanyName",
                                          "rqCompanyFullName", "rqInn", "rqOgrn", "rqDirector", "rqVatPayer")},
             "name": f"Филиал в г. {CITIES[branch_city][0]}", "rqKpp": f"{inn[:4]}02001", "rqBaseDoc": "Доверенность"},
            created, by,
        )  # fmt: skip
        b.russian_bank(branch, "40702810")
        b.address(branch, 1, b.russian_address(branch_city))
    return requisite


def _person_requisite(b: _Builder, contact: Mapping[str, object], entrepreneur: bool) -> None:
    rng = b.rng
    first, last, second = (str(contact.get(k) or "") for k in ("name", "lastName", "secondName"))
    full = " ".join(p for p in (last, first, second) if p)
    created, by = str(contact["createdTime"]), contact["assignedById"]
    region = _pick(rng, tuple(REGIONS))
    common = {"entityTypeId": 3, "entityId": contact["id"], "rqFirstName": first, "rqLastName": last,
              "rqSecondName": second or None, "rqInn": inn12(region + _digits(rng, 8))}  # fmt: skip
    if entrepreneur:
        year = iso(b.now - rng.uniform(2 * 365, 12 * 365) * DAY)[2:4]
        requisite = b.requisite(
            {**common, "presetId": 2, "name": "ИП", "rqName": f"ИП {full}",
             "rqOgrnip": ogrnip(f"3{year}{region}{_digits(rng, 9)}"), "rqOkved": "62.02", "rqVatPayer": False},
            created, by,
        )  # fmt: skip
        b.russian_bank(requisite, "40802810")
        b.address(requisite, 4, {**b.russian_address(), "address2": f"кв. {1 + int(rng.random() * 300)}"})
        return
    issued = b.now - rng.uniform(365, 15 * 365) * DAY
    requisite = b.requisite(
        {**common, "presetId": 3, "name": "Паспортные данные", "rqName": full, "rqIdentDocType": "Паспорт",
         "rqIdentDocSer": f"{region}{_digits(rng, 2)}", "rqIdentDocNum": _digits(rng, 6),
         "rqIdentDocDate": _date(issued), "rqIdentDocIssuedBy": f"ГУ МВД России по {REGIONS[region]}",
         "rqIdentDocDepCode": f"{region}0-{_digits(rng, 3)}"},
        created, by,
    )  # fmt: skip
    b.address(requisite, 4, {**b.russian_address(), "address2": f"кв. {1 + int(rng.random() * 300)}"})
    if rng.random() < 0.5:
        b.russian_bank(requisite, "40817810", "Личный счёт")


def _links(b: _Builder, deals: Sequence[Mapping[str, object]]) -> list[Record]:
    """Deals at an invoicing stage or won, of a company with requisites: the requisite and account they bill."""
    main: dict[object, Record] = {}
    for owned in b.requisites:
        if owned["entityTypeId"] == 4:
            main.setdefault(owned["entityId"], owned)
    account_of: dict[object, object] = {}
    for bank in b.banks:
        account_of.setdefault(bank["entityId"], bank["id"])
    out: list[Record] = []
    for deal in deals:
        requisite = main.get(deal.get("companyId"))
        if requisite is None or deal.get("stageId") not in DEAL_LINKED_STAGES or b.rng.random() < 0.3:
            continue
        row = {"entityTypeId": 2, "entityId": deal["id"], "requisiteId": requisite["id"],
               "bankDetailId": account_of.get(requisite["id"], 0), "mcRequisiteId": 0, "mcBankDetailId": 0}  # fmt: skip
        row["id"] = key_of(REQUISITE_LINKS, row)
        out.append(row)
    return out


def records(seed: int, data: Mapping[str, list[Record]], now: float) -> dict[str, list[Record]]:
    """Presets, requisites, bank details, addresses and requisite links over the seeded CRM records."""
    rng = random.Random(f"{seed}:requisites")
    b = _Builder(rng, now)
    for company in data.get("companies", ()):
        if rng.random() < 0.92:  # a few companies were entered without their details
            _company(b, company)
    for contact in data.get("contacts", ()):
        if not contact.get("companyId") and rng.random() < 0.15:
            _person_requisite(b, contact, entrepreneur=rng.random() < 0.4)
    first = iso(now - 2 * 365 * DAY)
    presets: list[Record] = [
        {"id": pid, "entityTypeId": 8, "countryId": country, "name": name, "active": True, "sort": sort,
         "xmlId": None, "createdAt": first, "updatedAt": first, "createdBy": 1, "modifyBy": 1}
        for pid, name, country, sort in PRESETS
    ]  # fmt: skip
    b.addresses.sort(key=lambda row: str(row["id"]))
    links = sorted(_links(b, data.get("deals", ())), key=lambda row: str(row["id"]))
    return {
        "requisite-presets": presets,
        "requisites": b.requisites,
        "bank-details": b.banks,
        "addresses": b.addresses,
        "requisite-links": links,
    }
