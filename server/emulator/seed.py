"""Deterministic, realistic demo data for every entity of the emulator."""

from __future__ import annotations

import bisect
import calendar
import gc
import itertools
import math
import random
import time
from collections.abc import Sequence
from functools import lru_cache
from typing import TypeVar

from .schema import (
    CONTACT_LOYALTY_ITEMS,
    CONTACT_SEGMENT_ITEMS,
    CURRENCY_ITEMS,
    DEAL_CATEGORIES,
    DEAL_PRIORITY_ITEMS,
    DEAL_PRODUCT_ITEMS,
    DEAL_STAGES,
    ENTITIES,
    STAGE_SEMANTICS,
    STATUS_LISTS,
    stage_entity_id,
)

Record = dict[str, object]
T = TypeVar("T")

# The default "now" when none is given; the portal passes its own clock, so dates stay relative to it.
REFERENCE_TS = calendar.timegm((2026, 11, 1, 0, 0, 0))
HISTORY_DAYS = 730
DAY = 86400

BASE_COUNTS: dict[str, int] = {"companies": 120, "contacts": 300, "leads": 200, "deals": 400, "tasks": 250}
MIN_SCALE, MAX_SCALE = 0.01, 1000.0

# --- word lists -------------------------------------------------------------------------------------------

PORTAL_DOMAIN = "vektor-soft.ru"

DEPARTMENTS: tuple[tuple[int, str, int | None, int], ...] = (
    # id, name, parentId, headId
    (1, "Руководство", None, 1),
    (2, "Продажи", 1, 3),
    (3, "Маркетинг", 1, 14),
    (4, "Поддержка", 1, 19),
)

# name, lastName, workPosition, departmentId, isAdmin, active
STAFF: tuple[tuple[str, str, str, int, bool, bool], ...] = (
    ("Анна", "Смирнова", "Генеральный директор", 1, True, True),
    ("Дмитрий", "Кузнецов", "Коммерческий директор", 1, False, True),
    ("Игорь", "Волков", "Руководитель отдела продаж", 2, False, True),
    ("Екатерина", "Морозова", "Менеджер по продажам", 2, False, True),
    ("Алексей", "Соколов", "Менеджер по продажам", 2, False, True),
    ("Мария", "Лебедева", "Менеджер по продажам", 2, False, True),
    ("Сергей", "Новиков", "Менеджер по ключевым клиентам", 2, False, True),
    ("Ольга", "Козлова", "Менеджер по продажам", 2, False, True),
    ("John", "Miller", "International Sales Manager", 2, False, True),
    ("Павел", "Егоров", "Менеджер по тендерам", 2, False, True),
    ("Наталья", "Павлова", "Менеджер по продажам", 2, False, True),
    ("Emily", "Carter", "Account Executive", 2, False, True),
    ("Артём", "Васильев", "Стажёр отдела продаж", 2, False, False),
    ("Юлия", "Фёдорова", "Директор по маркетингу", 3, False, True),
    ("Максим", "Орлов", "Интернет-маркетолог", 3, False, True),
    ("Sophie", "Turner", "Content Manager", 3, False, True),
    ("Ксения", "Никитина", "PR-менеджер", 3, False, True),
    ("Денис", "Захаров", "Дизайнер", 3, False, True),
    ("Михаил", "Белов", "Руководитель службы поддержки", 4, False, True),
    ("Татьяна", "Григорьева", "Специалист поддержки", 4, False, True),
    ("Андрей", "Романов", "Инженер внедрения", 4, False, True),
    ("David", "Brown", "Support Engineer", 4, False, True),
    ("Елена", "Алексеева", "Специалист поддержки", 4, False, False),
    ("Виктор", "Степанов", "Системный администратор", 4, True, True),
    ("Ирина", "Киселёва", "Офис-менеджер", 1, False, True),
)

WORKGROUPS: tuple[tuple[str, str], ...] = (
    ("Внедрение CRM у клиентов", "Проекты внедрения и обучения пользователей"),
    ("Маркетинг 2026", "Кампании, мероприятия и контент на год"),
    ("Тендерный отдел", "Подготовка заявок на госзакупки и коммерческие тендеры"),
    ("Customer Success", "Onboarding and renewals for international accounts"),
    ("Переезд офиса", "Новый офис на Лесной, 5"),
)

RU_COMPANY_ROOTS = (
    "Техно", "Строй", "Агро", "Энерго", "Инфо", "Транс", "Мед", "Гео", "Сиб", "Урал", "Волга", "Балт",
    "Север", "Прайм", "Альфа", "Эко", "Норд", "Вега",
)  # fmt: skip
RU_COMPANY_SUFFIXES = (
    "Сервис", "Инвест", "Групп", "Снаб", "Лайн", "Пром", "Торг", "Софт", "Систем", "Маркет", "Логистик",
    "Проект", "Холдинг", "Трейд",
)  # fmt: skip
RU_COMPANY_WORDS = (
    "Ромашка", "Вектор", "Горизонт", "Альянс", "Меридиан", "Радуга", "Кристалл", "Полюс", "Сфера", "Орбита",
    "Берёзка", "Империал", "Монолит", "Фортуна", "Гранит", "Перспектива",
)  # fmt: skip
RU_LEGAL_FORMS = ("ООО", "ООО", "ООО", "ООО", "АО", "АО", "ПАО")
EN_COMPANY_NAMES = (
    "Northwind Traders", "Contoso", "Fabrikam", "Adventure Works", "Tailspin Toys", "Wide World Importers",
    "Litware", "Proseware", "Blue Yonder Airlines", "Coho Winery", "Alpine Ski House", "Fourth Coffee",
    "Lucerne Publishing", "Trey Research", "Wingtip Toys", "Woodgrove Bank", "Humongous Insurance",
    "Southridge Video", "Margie's Travel", "Graphic Design Institute",
)  # fmt: skip
EN_LEGAL_FORMS = ("LLC", "Inc.", "Ltd.", "GmbH")

RU_MALE_NAMES = (
    "Александр", "Алексей", "Андрей", "Антон", "Борис", "Вадим", "Владимир", "Георгий", "Денис", "Евгений",
    "Иван", "Илья", "Кирилл", "Константин", "Максим", "Михаил", "Николай", "Олег", "Роман", "Сергей",
)  # fmt: skip
RU_FEMALE_NAMES = (
    "Анастасия", "Анна", "Валентина", "Вера", "Дарья", "Евгения", "Екатерина", "Елена", "Ирина", "Ксения",
    "Людмила", "Марина", "Надежда", "Наталья", "Ольга", "Светлана", "Софья", "Татьяна", "Юлия", "Яна",
)  # fmt: skip
RU_LAST_NAMES = (
    "Иванов", "Петров", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов",
    "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев",
    "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов",
    "Белов", "Комаров", "Жуков", "Тихонов", "Богданов", "Крылов", "Виноградов", "Калинин", "Гусев",
    "Журавский", "Ковальский",
)  # fmt: skip
RU_PATRONYMICS = (
    ("Александрович", "Александровна"), ("Алексеевич", "Алексеевна"), ("Андреевич", "Андреевна"),
    ("Викторович", "Викторовна"), ("Дмитриевич", "Дмитриевна"), ("Иванович", "Ивановна"),
    ("Михайлович", "Михайловна"), ("Николаевич", "Николаевна"), ("Олегович", "Олеговна"),
    ("Петрович", "Петровна"), ("Сергеевич", "Сергеевна"), ("Юрьевич", "Юрьевна"),
)  # fmt: skip
EN_MALE_NAMES = (
    "James",
    "Robert",
    "Michael",
    "William",
    "Thomas",
    "Daniel",
    "Mark",
    "Steven",
    "Paul",
    "Kevin",
)
EN_FEMALE_NAMES = (
    "Mary",
    "Jennifer",
    "Linda",
    "Sarah",
    "Jessica",
    "Karen",
    "Laura",
    "Emma",
    "Olivia",
    "Grace",
)
EN_LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Jones", "Garcia", "Davis", "Wilson", "Anderson", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Young",
)  # fmt: skip

RU_POSTS = (
    "Генеральный директор", "Коммерческий директор", "Финансовый директор", "Главный бухгалтер",
    "Руководитель отдела закупок", "Менеджер по закупкам", "ИТ-директор", "Системный администратор",
    "Руководитель отдела продаж", "Офис-менеджер", "Юрист", "Директор по развитию",
)  # fmt: skip
EN_POSTS = ("CEO", "CFO", "CTO", "Head of Procurement", "IT Manager", "Operations Director", "Office Manager")
FREE_MAIL_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru")

RU_DEAL_TITLES = (
    "Поставка оборудования для {c}",
    "Внедрение CRM в {c}",
    "Лицензии Битрикс24 на 50 пользователей — {c}",
    "Техподдержка на год: {c}",
    "Интеграция с 1С для {c}",
    "Обучение сотрудников {c}",
    "Расширение лицензий — {c}",
    "Настройка телефонии для {c}",
    "Аудит бизнес-процессов {c}",
)
PERSON_DEAL_TITLES = (
    "Лицензия Битрикс24 «Базовый» — {c}",
    "Консультация по настройке CRM — {c}",
    "Установка и настройка ПО — {c}",
)
EN_DEAL_TITLES = (
    "CRM rollout for {c}",
    "Annual support renewal — {c}",
    "Hardware supply for {c}",
    "License upgrade for {c}",
    "Telephony integration for {c}",
)
TENDER_SUBJECTS = (
    "поставку серверного оборудования",
    "внедрение CRM-системы",
    "техническую поддержку ИС",
    "разработку корпоративного портала",
    "поставку лицензий ПО",
)
DEAL_COMMENTS = (
    "Клиент просит скидку 10% при оплате до конца квартала.",
    "Ждём подписанный договор от юристов клиента.",
    "Решение принимает финансовый директор, встреча назначена.",
    "Конкурент предложил цену ниже, готовим контраргументы.",
    "Нужна демонстрация для ИТ-отдела.",
    "Client asked for a revised quote in USD.",
)
LOSE_REASONS = ("Выбрали конкурента", "Нет бюджета", "Проект отложен", "Не устроили сроки")

LEAD_TITLES: dict[str, tuple[str, ...]] = {
    "WEB": ("Заявка с сайта: {p}", "Форма обратной связи — {c}", "Website enquiry — {c}"),
    "CALL": ("Входящий звонок — {n}", "Звонок: интерес к продукту {p}"),
    "EMAIL": ("Письмо от {n}: запрос КП", "Запрос прайс-листа — {c}"),
    "ADVERTISING": ("Реклама Яндекс.Директ: {p}", "Лид из VK Рекламы — {n}"),
    "PARTNER": ("Повторное обращение {c}", "Допродажа: {p} для {c}"),
    "RECOMMENDATION": ("Рекомендация от партнёра: {c}", "По рекомендации — {n}"),
    "TRADE_SHOW": ("Выставка «Связь-2026»: {c}", "Контакт с выставки CeBIT — {n}"),
    "OTHER": ("Запрос на демонстрацию — {c}", "Новый лид: {n}"),
}
PRODUCTS = (
    "CRM",
    "телефония",
    "облачное хранилище",
    "корпоративный портал",
    "аналитика продаж",
    "интеграция с 1С",
)
UTM_SOURCES = ("yandex", "google", "vk", "telegram", "email-newsletter")

TASK_DEAL_TITLES = (
    "Подготовить КП: {t}",
    "Отправить договор: {t}",
    "Согласовать счёт: {t}",
    "Созвон с клиентом: {t}",
    "Follow up: {t}",
)
TASK_CONTACT_TITLES = ("Позвонить: {n}", "Отправить презентацию — {n}", "Назначить встречу с {n}")
TASK_GENERIC_TITLES = (
    "Обновить презентацию продукта",
    "Сверить акты с бухгалтерией",
    "Подготовить отчёт по продажам за месяц",
    "Провести планёрку отдела",
    "Проверить заявки с сайта",
    "Обновить прайс-лист",
    "Prepare Q3 pipeline review",
    "Разобрать входящие обращения в поддержку",
    "Настроить рассылку для клиентов",
    "Подготовить материалы к выставке",
)
TASK_DESCRIPTIONS = (
    "Уточнить требования и сроки, зафиксировать договорённости в карточке.",
    "Документы приложены к сделке. После выполнения — отметить в CRM.",
    "Срочно: клиент ждёт ответа до конца недели.",
    "See attached notes from the last call.",
)
TASK_TAGS = ("срочно", "клиент", "документы", "встреча", "внедрение", "отчёт", "звонок")

STAGE_COLORS = ("39A8EF", "2FC6F6", "55D0E0", "47E4C2", "FFA900")

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", " ": "-", "'": "", ".": "",
}  # fmt: skip

# --- small helpers ----------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def translit(text: str) -> str:
    """Lower-case Latin form of a Russian or English word, usable in e-mails and domains."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


_DAY_PREFIXES: dict[int, str] = {}


def iso(ts: float) -> str:
    """UTC timestamp as the live API prints it: 2025-03-14T08:43:59.000Z."""
    day, second = divmod(int(ts), DAY)
    prefix = _DAY_PREFIXES.get(day)
    if prefix is None:  # a few hundred distinct days, so formatting the date once each pays off
        prefix = _DAY_PREFIXES[day] = time.strftime("%Y-%m-%dT", time.gmtime(day * DAY))
    hour, rest = divmod(second, 3600)
    return f"{prefix}{hour:02d}:{rest // 60:02d}:{rest % 60:02d}.000Z"


def iso_date(ts: float) -> str:
    return time.strftime("%Y-%m-%dT00:00:00.000Z", time.gmtime(ts))


def _feminine(last_name: str) -> str:
    if last_name.endswith("ский"):
        return last_name[:-2] + "ая"
    if last_name.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return last_name + "а"
    return last_name


# The generators below draw ~30 random values per record and must make 100k deals in seconds,
# so these replace random.choice/choices/randint/sample (several times slower per call).


def _pick(rng: random.Random, options: Sequence[T]) -> T:
    return options[int(rng.random() * len(options))]


def _randint(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


def _sample(rng: random.Random, options: Sequence[T], k: int) -> list[T]:
    if k == 0:
        return []
    if k == 1:
        return [_pick(rng, options)]
    return rng.sample(options, k)


@lru_cache(maxsize=64)
def _cumulative(weights: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(itertools.accumulate(weights))


def _weighted(rng: random.Random, options: Sequence[T], weights: tuple[float, ...]) -> T:
    cum = _cumulative(weights)
    return options[bisect.bisect_right(cum, rng.random() * cum[-1])]


class Timeline:
    """Dates relative to the portal's "now": history in the two years before it, plans after it."""

    def __init__(self, now: float) -> None:
        self.now = int(now)
        self.start = self.now - HISTORY_DAYS * DAY

    def created(self, rng: random.Random) -> int:
        # Triangular towards now: the business grows, so recent months hold more records.
        return int(rng.triangular(self.start, self.now - DAY, self.now - DAY))

    def later(self, rng: random.Random, ts: int, max_days: float) -> int:
        """A moment after ts, at most max_days later and before now, spread evenly (no pile-up at now)."""
        end = min(ts + max_days * DAY, self.now - 60)
        return ts + int(rng.random() * max(60, end - ts))

    def ahead(self, rng: random.Random, low_days: float, high_days: float) -> int:
        """A working-hours moment between low_days and high_days from now."""
        day = (self.now + int(rng.uniform(low_days, high_days) * DAY)) // DAY
        return day * DAY + _randint(rng, 6, 15) * 3600


# Phones are stored as CRM multifields keep them after normalisation, digits only after the plus
# ("+79161234567" in the includes page), so the filtering page's `{"phone": {"$contains": "+7916"}}` works.
MOBILE_CODES = ("916", "903", "905", "915", "925", "926", "977", "985", "999", "965", "921", "912")


def _mobile(rng: random.Random) -> str:
    return f"+7{_pick(rng, MOBILE_CODES)}{_randint(rng, 1_000_000, 9_999_999)}"


def _office_phone(rng: random.Random, english: bool) -> str:
    if english:
        return f"+1{_pick(rng, ('212', '415', '646', '312'))}555{_randint(rng, 100, 199):04d}"
    return f"+7{_pick(rng, ('495', '499', '812', '343', '383'))}{_randint(rng, 1_000_000, 9_999_999)}"


def _plain(number: float) -> float:
    """Integral floats as ints, so they print without `.0`."""
    return int(number) if number.is_integer() else number


def parse_iso(text: str) -> int:
    """Inverse of iso(): UTC timestamp of "2025-03-14T08:43:59.000Z"."""
    return calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))


def _copy_multi(values: object) -> list[dict[str, str]]:
    # Copies, so that editing a lead's phone through the API never edits the contact's.
    if not isinstance(values, list):
        raise TypeError(f"multifield value must be a list, got {values!r}")
    return [dict(v) for v in values]


def _multi(value: str, value_type: str = "WORK") -> dict[str, str]:
    return {"value": value, "valueType": value_type}


def _person(rng: random.Random, english: bool) -> tuple[str, str, str | None, bool]:
    """(name, lastName, secondName, is_male)."""
    male = rng.random() < 0.5
    if english:
        first = _pick(rng, EN_MALE_NAMES if male else EN_FEMALE_NAMES)
        return first, _pick(rng, EN_LAST_NAMES), None, male
    first = _pick(rng, RU_MALE_NAMES if male else RU_FEMALE_NAMES)
    last = _pick(rng, RU_LAST_NAMES)
    patronymic = _pick(rng, RU_PATRONYMICS)
    return (first, last, patronymic[0], True) if male else (first, _feminine(last), patronymic[1], False)


def _ids_of_items(items: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(i for i, _ in items)


def _enum_ids(items: Sequence[tuple[str, str]]) -> tuple[int, ...]:
    """Enumeration user-field values are stored as numeric ids, as live records show them."""
    return tuple(int(i) for i, _ in items)


# --- reference entities -----------------------------------------------------------------------------------


def _users(rng: random.Random, tl: Timeline) -> list[Record]:
    out: list[Record] = []
    for i, (name, last, position, dept, admin, active) in enumerate(STAFF, start=1):
        out.append(
            {
                "id": i,
                "name": name,
                "lastName": last,
                "email": f"{translit(name)}.{translit(last)}@{PORTAL_DOMAIN}",
                "active": active,
                "workPosition": position,
                "departmentId": [dept],
                "personalPhone": _mobile(rng) if rng.random() < 0.7 else None,
                "personalPhoto": None,
                "isAdmin": admin,
                "lastLogin": iso(tl.now - _randint(rng, 3600, 20 * DAY if active else 200 * DAY)),
            }
        )
    return out


def _departments() -> list[Record]:
    return [
        {"id": i, "name": name, "parentId": parent, "headId": head, "sort": 100 * i}
        for i, name, parent, head in DEPARTMENTS
    ]


def _workgroups(rng: random.Random, tl: Timeline, user_ids: Sequence[int]) -> list[Record]:
    out: list[Record] = []
    for i, (name, description) in enumerate(WORKGROUPS, start=1):
        created = tl.start + _randint(rng, 0, 200 * DAY)
        out.append(
            {
                "id": i,
                "name": name,
                "description": description,
                "active": i != len(WORKGROUPS),
                "visible": True,
                "opened": rng.random() < 0.6,
                "ownerId": _pick(rng, user_ids),
                "subjectId": 1,
                "subjectName": "Рабочие группы",
                "membersCount": _randint(rng, 3, 12),
                "dateCreate": iso(created),
                "dateUpdate": iso(tl.later(rng, created, 400)),
            }
        )
    return out


def _statuses() -> list[Record]:
    out: list[Record] = []

    def add(entity_id: str, status_id: str, name: str, sort: int, semantics: str, category: int | None) -> None:
        if semantics == "S":
            color: str | None = "7BD500"
        elif semantics == "F":
            color = "FF5752"
        elif category is not None:
            color = STAGE_COLORS[(sort // 10 - 1) % len(STAGE_COLORS)]
        else:
            color = None
        out.append(
            {
                "id": len(out) + 1,
                "entityId": entity_id,
                "statusId": status_id,
                "name": name,
                "nameInit": name,
                "sort": sort,
                "color": color,
                "semantics": semantics or None,
                "categoryId": category,
                "system": "Y",
            }
        )

    for category, stages in DEAL_STAGES.items():
        for n, (sid, name, sem) in enumerate(stages, start=1):
            add(stage_entity_id(category), sid, name, 10 * n, sem, category)
    for entity_id, values in STATUS_LISTS.items():
        for n, (sid, name, sem) in enumerate(values, start=1):
            add(entity_id, sid, name, 10 * n, sem, None)
    return out


def _deal_categories(tl: Timeline) -> list[Record]:
    # Pipeline 0 is the portal's built-in one; Bitrix reports it with id 0.
    created = (tl.start - 90 * DAY, tl.start + 40 * DAY, tl.start + 250 * DAY)
    return [
        {
            "id": cid,
            "name": name,
            "sort": sort,
            "isLocked": "N",
            "isDefault": cid == 0,
            "createdAt": iso(created[n]),
        }
        for n, (cid, name, sort) in enumerate(DEAL_CATEGORIES)
    ]


CURRENCY_RATES: dict[str, float] = {"RUB": 1.0, "USD": 92.5, "EUR": 100.4}


def _currencies() -> list[Record]:
    formats = {"RUB": "# руб.", "USD": "$#", "EUR": "€#"}
    out: list[Record] = [
        {
            "id": code,
            "amount": _plain(CURRENCY_RATES[code]),
            "amountCnt": 1,
            "base": code == "RUB",
            "sort": 100 * (n + 1),
            "fullName": full_name,
            "formatString": formats[code],
            "decPoint": "," if code == "RUB" else ".",
            "thousandsSep": " " if code == "RUB" else ",",
            "decimals": 2,
        }
        for n, (code, full_name) in enumerate(CURRENCY_ITEMS)
    ]
    return sorted(out, key=lambda r: str(r["id"]))


# --- CRM entities -----------------------------------------------------------------------------------------


class _People:
    """User ids by role, so that sales records go to salespeople and support tasks to support."""

    def __init__(self, users: Sequence[Record]) -> None:
        def ids(dept: int) -> list[int]:
            return [int(str(u["id"])) for u in users if u["departmentId"] == [dept] and u["active"]]

        self.all = [int(str(u["id"])) for u in users]
        self.active = [int(str(u["id"])) for u in users if u["active"]]
        self.sales = ids(2)
        self.marketing = ids(3)
        self.support = ids(4)
        self.managers = [int(str(u["id"])) for u in users if u["departmentId"] == [1]]
        self.bosses_and_sales = self.managers + self.sales


def _company_name(rng: random.Random, english: bool) -> tuple[str, str, str]:
    """(title, short name for deal titles, domain)."""
    if english:
        base = _pick(rng, EN_COMPANY_NAMES)
        return f"{base} {_pick(rng, EN_LEGAL_FORMS)}", base, translit(base) + ".com"
    if rng.random() < 0.35:
        base = _pick(rng, RU_COMPANY_WORDS)
    else:
        base = _pick(rng, RU_COMPANY_ROOTS) + _pick(rng, RU_COMPANY_SUFFIXES)
    title = f"{_pick(rng, RU_LEGAL_FORMS)} «{base}»"
    return title, title, translit(base) + ".ru"


_SEGMENT_BY_EMPLOYEES = {"EMPLOYEES_1": 70, "EMPLOYEES_2": 71, "EMPLOYEES_3": 72, "EMPLOYEES_4": 72}
_CONTACT_SEGMENTS = _enum_ids(CONTACT_SEGMENT_ITEMS)
_EMPLOYEES = _ids_of_items(tuple((s, n) for s, n, _ in STATUS_LISTS["EMPLOYEES"]))
_REVENUE_RANGES = {  # RUB per year, by headcount band
    "EMPLOYEES_1": (5e6, 8e7),
    "EMPLOYEES_2": (5e7, 5e8),
    "EMPLOYEES_3": (3e8, 2e9),
    "EMPLOYEES_4": (1e9, 5e10),
}
_SOURCES = tuple(s for s, _, _ in STATUS_LISTS["SOURCE"])
_SOURCE_WEIGHTS = (22, 12, 28, 12, 8, 10, 5, 3)
_INDUSTRIES = tuple(s for s, _, _ in STATUS_LISTS["INDUSTRY"])
_INDUSTRY_WEIGHTS = (20, 8, 18, 6, 10, 7, 6, 8, 4, 3, 10)


def _companies(
    rng: random.Random, tl: Timeline, n: int, people: _People
) -> tuple[list[Record], list[tuple[str, str, bool]]]:
    """Companies plus, per company, (short name, e-mail domain, is English) for the generators below."""
    out: list[Record] = []
    extra: list[tuple[str, str, bool]] = []
    for i in range(1, n + 1):
        english = rng.random() < 0.15
        title, short, domain = _company_name(rng, english)
        employees = _weighted(rng, _EMPLOYEES, (45, 30, 15, 10))
        low, high = _REVENUE_RANGES[employees]
        revenue = round(math.exp(rng.uniform(math.log(low), math.log(high))), -3)
        if english:
            revenue = round(revenue / CURRENCY_RATES["USD"], -2)
        created = tl.created(rng)
        assigned = _pick(rng, people.sales)
        phones = [_multi(_office_phone(rng, english))]
        if rng.random() < 0.3:
            phones.append(_multi(_mobile(rng), "MOBILE"))
        out.append(
            {
                "id": i,
                "title": title,
                "companyType": _weighted(
                    rng, ("CUSTOMER", "PARTNER", "SUPPLIER", "COMPETITOR", "OTHER"), (60, 12, 12, 5, 11)
                ),
                "industry": _weighted(rng, _INDUSTRIES, _INDUSTRY_WEIGHTS),
                "employees": employees,
                "revenue": int(revenue),
                "currencyId": "USD" if english else "RUB",
                "phone": phones,
                "email": [_multi(f"{_pick(rng, ('info', 'office', 'sales', 'hello'))}@{domain}")],
                "web": f"https://{domain}" if rng.random() < 0.85 else None,
                "comments": "Ключевой клиент, приоритетная поддержка." if rng.random() < 0.08 else None,
                "sourceId": _weighted(rng, _SOURCES, _SOURCE_WEIGHTS),
                "sourceDescription": None,
                "assignedById": assigned,
                "createdBy": assigned if rng.random() < 0.7 else _pick(rng, people.sales),
                "updatedBy": assigned,
                "createdTime": iso(created),
                "updatedTime": iso(tl.later(rng, created, 120)),
                "opened": rng.random() < 0.9,
                "leadId": None,
                "UF_CRM_INN": None if english else f"77{_randint(rng, 0, 99_999_999):08d}",
                "UF_CRM_BUDGET": (
                    f"{revenue * rng.uniform(0.005, 0.03):.2f}|{'USD' if english else 'RUB'}"
                    if rng.random() < 0.6
                    else None
                ),
                "UF_CRM_SEGMENT": _SEGMENT_BY_EMPLOYEES[employees],
            }
        )
        extra.append((short, domain, english))
    return out, extra


def _contacts(
    rng: random.Random, tl: Timeline, n: int, people: _People, companies: Sequence[tuple[str, str, bool]]
) -> tuple[list[Record], list[list[int]]]:
    """Contacts plus, per company index, the ids of its contacts."""
    out: list[Record] = []
    by_company: list[list[int]] = [[] for _ in companies]
    loyalty = _enum_ids(CONTACT_LOYALTY_ITEMS)
    for i in range(1, n + 1):
        company_idx = rng.randrange(len(companies)) if rng.random() < 0.8 else None
        english = companies[company_idx][2] if company_idx is not None else rng.random() < 0.05
        name, last, second, male = _person(rng, english)
        local = f"{translit(name)}.{translit(last)}"
        if company_idx is not None:
            by_company[company_idx].append(i)
            email = f"{local}@{companies[company_idx][1]}"
        else:
            email = f"{local}{_randint(rng, 1, 99)}@{_pick(rng, FREE_MAIL_DOMAINS)}"
        phones = [_multi(_mobile(rng), "MOBILE")]
        if rng.random() < 0.3:
            phones.append(_multi(_office_phone(rng, english)))
        created = tl.created(rng)
        assigned = _pick(rng, people.sales)
        out.append(
            {
                "id": i,
                "name": name,
                "lastName": last,
                "secondName": second,
                "honorific": None if english or rng.random() < 0.5 else ("HNR_RU_1" if male else "HNR_RU_2"),
                "phone": phones,
                "email": [_multi(email)] if rng.random() < 0.92 else [],
                "companyId": company_idx + 1 if company_idx is not None else None,
                "post": _pick(rng, EN_POSTS if english else RU_POSTS) if rng.random() < 0.8 else None,
                "comments": None,
                "typeId": _weighted(rng, ("CLIENT", "PARTNER", "SUPPLIER", "OTHER"), (70, 10, 10, 10)),
                "sourceId": _weighted(rng, _SOURCES, _SOURCE_WEIGHTS),
                "sourceDescription": None,
                "assignedById": assigned,
                "createdBy": assigned if rng.random() < 0.7 else _pick(rng, people.active),
                "updatedBy": assigned,
                "createdTime": iso(created),
                "updatedTime": iso(tl.later(rng, created, 90)),
                "opened": rng.random() < 0.9,
                "export": True,
                "leadId": None,
                "UF_CRM_LOYALTY": _pick(rng, loyalty) if rng.random() < 0.6 else None,
                "UF_CRM_LTV": f"{_randint(rng, 20, 5000) * 1000:.2f}|RUB" if rng.random() < 0.5 else None,
                "UF_CRM_SEGMENT": _pick(rng, _CONTACT_SEGMENTS) if rng.random() < 0.7 else None,
            }
        )
    return out, by_company


_LEAD_STATUSES = tuple(s for s, _, _ in STATUS_LISTS["STATUS"])


def _leads(
    rng: random.Random,
    tl: Timeline,
    n: int,
    people: _People,
    companies: list[Record],
    contacts: list[Record],
) -> list[Record]:
    """Leads; converted ones point at (and are pointed at by) the contact and company they became."""
    out: list[Record] = []
    lead_people = people.sales + people.marketing
    for i in range(1, n + 1):
        status = _weighted(rng, _LEAD_STATUSES, (20, 25, 15, 20, 20))
        source = _weighted(rng, _SOURCES, _SOURCE_WEIGHTS)
        contact: Record | None = None
        if status == "CONVERTED":
            candidate = _pick(rng, contacts)
            contact = candidate if candidate["leadId"] is None else None
        if contact is not None:
            contact["leadId"] = i
            name, last, second = str(contact["name"]), str(contact["lastName"]), contact["secondName"]
            company_id = contact["companyId"]
            company = companies[int(str(company_id)) - 1] if company_id is not None else None
            company_title = str(company["title"]) if company is not None else None
            if company is not None and company["leadId"] is None:
                company["leadId"] = i
            # The lead came first; the contact was created from it a few days later.
            created = max(tl.start, parse_iso(str(contact["createdTime"])) - _randint(rng, DAY, 14 * DAY))
            phones = _copy_multi(contact["phone"])
            emails = _copy_multi(contact["email"])
        else:
            english = rng.random() < 0.08
            name, last, second, _ = _person(rng, english)
            company_id = None
            company_title = _company_name(rng, english)[0] if rng.random() < 0.7 else None
            created = tl.created(rng)
            phones = [_multi(_mobile(rng), "MOBILE")] if rng.random() < 0.85 else []
            emails = (
                [_multi(f"{translit(name)}.{translit(last)}@{_pick(rng, FREE_MAIL_DOMAINS)}")]
                if rng.random() < 0.7
                else []
            )
        full_name = f"{name} {last}"
        title = _pick(rng, LEAD_TITLES[source]).format(
            p=_pick(rng, PRODUCTS), c=company_title or full_name, n=full_name
        )
        amount = int(round(math.exp(rng.uniform(math.log(3e4), math.log(3e6))), -3)) if rng.random() < 0.7 else None
        assigned = _pick(rng, lead_people)
        out.append(
            {
                "id": i,
                "title": title,
                "name": name,
                "lastName": last,
                "secondName": second,
                "statusId": status,
                "companyTitle": company_title,
                "companyId": company_id,
                "contactId": contact["id"] if contact is not None else None,
                "amount": amount,
                "currency": "RUB" if amount is not None else None,
                "sourceId": source,
                "sourceDescription": "Форма «Заказать звонок»" if source == "WEB" and rng.random() < 0.5 else None,
                "assignedById": assigned,
                "createdBy": _pick(rng, lead_people),
                "opened": True,
                "comments": "Спам, номер не отвечает." if status == "JUNK" and rng.random() < 0.5 else None,
                "post": _pick(rng, RU_POSTS) if rng.random() < 0.4 else None,
                "phone": phones,
                "email": emails,
                "createdTime": iso(created),
                "updatedTime": iso(tl.later(rng, created, 30)),
                "UF_CRM_UTM_SOURCE": _pick(rng, UTM_SOURCES) if source in ("WEB", "ADVERTISING") else None,
                "UF_CRM_BUDGET": f"{amount * 1.1:.2f}|RUB" if amount is not None and rng.random() < 0.5 else None,
                "UF_CRM_PRIORITY": _pick(rng, _PRIORITY_IDS) if rng.random() < 0.7 else None,
            }
        )
    return out


_STAGE_WEIGHTS: dict[int, tuple[int, ...]] = {
    0: (18, 12, 10, 14, 10, 21, 15),
    1: (25, 30, 25, 20),
    2: (25, 30, 30, 15),
}
_STAGE_PROBABILITY = {
    "NEW": 10,
    "PREPARATION": 20,
    "PREPAYMENT_INVOICE": 40,
    "EXECUTING": 60,
    "FINAL_INVOICE": 80,
}
_DEAL_TYPES = tuple(s for s, _, _ in STATUS_LISTS["DEAL_TYPE"])
_PRIORITY_IDS = _enum_ids(DEAL_PRIORITY_ITEMS)
_PRODUCT_IDS = _enum_ids(DEAL_PRODUCT_ITEMS)
_CATEGORY_IDS = tuple(c for c, _, _ in DEAL_CATEGORIES)
_STAGE_IDS = {cat: tuple(s for s, _, _ in stages) for cat, stages in DEAL_STAGES.items()}


def _deal_amount(rng: random.Random, currency: str) -> int:
    # Whole amounts are ints, so they print as 50000 (not 50000.0) like the docs' examples.
    if currency != "RUB":
        return int(round(math.exp(rng.uniform(math.log(1e3), math.log(8e4))), -2))
    high = 2e7 if rng.random() < 0.05 else 5e6
    return int(round(math.exp(rng.uniform(math.log(5e4), math.log(high))), -3))


def _deals(
    rng: random.Random,
    tl: Timeline,
    n: int,
    people: _People,
    companies: list[Record],
    company_extra: Sequence[tuple[str, str, bool]],
    contacts: list[Record],
    contacts_by_company: Sequence[list[int]],
) -> list[Record]:
    out: list[Record] = []
    for i in range(1, n + 1):
        company_idx = rng.randrange(len(companies)) if rng.random() < 0.9 else None
        contact_ids: list[int] = []
        if company_idx is None:
            # A deal without a company is with a private person: always a contact, never a tender.
            category = 0
            contact_ids = [_randint(rng, 1, len(contacts))]
            person = contacts[contact_ids[0] - 1]
            currency = "RUB"
            title = _pick(rng, PERSON_DEAL_TITLES).format(c=f"{person['name']} {person['lastName']}")
        else:
            category = _weighted(rng, _CATEGORY_IDS, (70, 20, 10))
            short, _, english = company_extra[company_idx]
            pool = contacts_by_company[company_idx]
            if pool:
                contact_ids = _sample(rng, pool, min(len(pool), _pick(rng, (1, 1, 1, 2, 3))))
            if english:
                currency = "USD" if rng.random() < 0.7 else "EUR"
                title = _pick(rng, EN_DEAL_TITLES).format(c=short)
            else:
                currency = _weighted(rng, ("RUB", "USD", "EUR"), (93, 4, 3))
                if category == 1:
                    title = f"Тендер на {_pick(rng, TENDER_SUBJECTS)} — {short}"
                elif category == 2:
                    title = f"Сервисный контракт на {_pick(rng, ('2025', '2026', '2027'))} год — {short}"
                else:
                    title = _pick(rng, RU_DEAL_TITLES).format(c=short)
        created = tl.created(rng)
        stage = _weighted(rng, _STAGE_IDS[category], _STAGE_WEIGHTS[category])
        if STAGE_SEMANTICS[stage] == "P" and tl.now - created > 270 * DAY and rng.random() < 0.75:
            # Deals rarely stay open for most of a year: old ones mostly ended one way or the other.
            stage = _weighted(rng, _STAGE_IDS[category][-2:], (55, 45))
        semantic = STAGE_SEMANTICS[stage]
        amount = _deal_amount(rng, currency)
        closed = semantic != "P"
        if closed:
            closed_at = tl.later(rng, created, 120)
            updated = tl.later(rng, closed_at, 20) if rng.random() < 0.2 else closed_at
        else:
            updated = tl.later(rng, created, 60)
            # The planned close date: mostly ahead, some already missed (the deal is late).
            late = rng.random() < 0.2
            closed_at = tl.later(rng, created, 90) if late else tl.ahead(rng, 2, 120)
        assigned = _pick(rng, people.sales)
        base_stage = stage.split(":")[-1]
        if semantic == "S":
            probability = 100
        elif semantic == "F":
            probability = 0
        else:
            probability = _STAGE_PROBABILITY.get(base_stage, 30)
        won = semantic == "S"
        out.append(
            {
                "id": i,
                "title": title,
                "amount": amount,
                "currency": currency,
                "stageId": stage,
                "stageSemanticId": semantic,
                "closed": closed,
                "categoryId": category,
                "companyId": company_idx + 1 if company_idx is not None else None,
                "contactId": contact_ids[0] if contact_ids else None,
                "contactIds": contact_ids,
                "assignedById": assigned,
                "createdBy": assigned if rng.random() < 0.75 else _pick(rng, people.bosses_and_sales),
                "updatedBy": assigned,
                "createdAt": iso(created),
                "updatedAt": iso(updated),
                "begindate": iso_date(created),
                "closedAt": iso(closed_at),
                "sourceId": _weighted(rng, _SOURCES, _SOURCE_WEIGHTS),
                "sourceDescription": None,
                "probability": probability,
                "opened": rng.random() < 0.9,
                "comments": (
                    _pick(rng, LOSE_REASONS)
                    if semantic == "F"
                    else (_pick(rng, DEAL_COMMENTS) if rng.random() < 0.25 else None)
                ),
                "observers": _sample(rng, people.active, _pick(rng, (0, 0, 1, 2))),
                "typeId": "SERVICE" if category == 2 else _weighted(rng, _DEAL_TYPES, (40, 15, 20, 20, 5)),
                "isReturning": rng.random() < 0.2,
                "UF_CRM_PRIORITY": _pick(rng, _PRIORITY_IDS) if rng.random() < 0.8 else None,
                "UF_CRM_BUDGET": (
                    f"{_deal_amount(rng, currency) * 1.2:.2f}|{currency}" if rng.random() < 0.4 else None
                ),
                "UF_CRM_SCORE": _plain(round(rng.uniform(0, 100), 1)) if rng.random() < 0.7 else None,
                "UF_CRM_PRODUCTS": sorted(_sample(rng, _PRODUCT_IDS, _pick(rng, (0, 1, 1, 2, 3)))),
                "UF_CRM_CONTRACT_DATE": iso_date(closed_at) if won else None,
                "ufCrm_1712345678": f"Д-{iso(created)[:4]}/{i:05d}" if won else None,
                "entityTypeId": 2,
            }
        )
    return out


_TASK_STATUSES = (2, 3, 4, 5, 6)
_TASK_PRIORITIES = (0, 1, 2)


def _tasks(
    rng: random.Random,
    tl: Timeline,
    n: int,
    people: _People,
    deals: Sequence[Record],
    contacts: Sequence[Record],
    n_groups: int,
) -> list[Record]:
    out: list[Record] = []
    for i in range(1, n + 1):
        created = tl.created(rng)
        age_days = (tl.now - created) / DAY
        # Most tasks older than a couple of months are done; recent ones are mostly still open.
        weights = (1, 1, 1, 95, 2) if age_days > 60 else (28, 27, 10, 25, 10)
        status = _weighted(rng, _TASK_STATUSES, weights)
        link = rng.random()
        crm: list[str] = []
        if link < 0.45:
            deal = _pick(rng, deals)
            crm.append(f"D_{deal['id']}")
            title = _pick(rng, TASK_DEAL_TITLES).format(t=deal["title"])
            responsible = int(str(deal["assignedById"]))
        elif link < 0.55:
            contact = _pick(rng, contacts)
            crm.append(f"C_{contact['id']}")
            title = _pick(rng, TASK_CONTACT_TITLES).format(n=f"{contact['name']} {contact['lastName']}")
            responsible = int(str(contact["assignedById"]))
        else:
            title = _pick(rng, TASK_GENERIC_TITLES)
            responsible = _pick(rng, people.active)
        deadline: int | None = None
        if rng.random() < 0.85:
            deadline = (created // DAY + _randint(rng, 1, 21)) * DAY + 15 * 3600
            if status != 5 and deadline < tl.now and rng.random() < 0.75:
                deadline = tl.ahead(rng, 1, 30)  # open work is mostly planned ahead; the rest is overdue
        planned = rng.random() < 0.4
        start_plan = created + _randint(rng, 0, 3 * DAY) if planned else None
        end_plan = start_plan + _randint(rng, DAY, 10 * DAY) if start_plan is not None else None
        closed = tl.later(rng, created, 25) if status == 5 else None
        changed = closed if closed is not None else tl.later(rng, created, 30)
        out.append(
            {
                "id": i,
                "title": title,
                "description": _pick(rng, TASK_DESCRIPTIONS) if rng.random() < 0.6 else None,
                "responsibleId": responsible,
                "createdBy": _pick(rng, people.bosses_and_sales) if rng.random() < 0.6 else responsible,
                "status": status,
                "priority": _weighted(rng, _TASK_PRIORITIES, (20, 60, 20)),
                "groupId": _randint(rng, 1, n_groups) if rng.random() < 0.3 else None,
                "parentId": _randint(rng, 1, i - 1) if i > 1 and rng.random() < 0.08 else None,
                "deadline": iso(deadline) if deadline is not None else None,
                "startDatePlan": iso(start_plan) if start_plan is not None else None,
                "endDatePlan": iso(end_plan) if end_plan is not None else None,
                "timeEstimate": _pick(rng, (0, 0, 1800, 3600, 7200, 14400, 28800)),
                "tags": _sample(rng, TASK_TAGS, _pick(rng, (0, 0, 1, 1, 2))),
                "accomplices": _sample(rng, people.active, _pick(rng, (0, 0, 0, 1, 2))),
                "auditors": _sample(rng, people.managers, _pick(rng, (0, 0, 1))),
                "closedDate": iso(closed) if closed is not None else None,
                "createdDate": iso(created),
                "changedDate": iso(changed),
                "ufCrmTask": crm,
            }
        )
    return out


# --- entry point ------------------------------------------------------------------------------------------


def scaled_counts(scale: float) -> dict[str, int]:
    """Record counts of the scalable entities for a scale factor."""
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between {MIN_SCALE} and {MAX_SCALE}, got {scale}")
    return {name: max(1, round(base * scale)) for name, base in BASE_COUNTS.items()}


def generate(seed: int = 42, scale: float = 1.0, now: float = REFERENCE_TS) -> dict[str, list[dict[str, object]]]:
    """Records for every entity in ENTITIES, keyed by entity name, each list sorted by id ascending.

    Dates lie in the two years before `now` (plans and deadlines after it); the same seed, scale and
    `now` give the same records."""
    counts = scaled_counts(scale)
    # Hundreds of thousands of small dicts trigger the cyclic GC over and over (a third of the run time
    # at scale 250) although none of them can form a cycle.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(seed, counts, Timeline(now))
    finally:
        if gc_was_enabled:
            gc.enable()


def _generate(seed: int, counts: dict[str, int], tl: Timeline) -> dict[str, list[Record]]:

    # One stream per entity: the reference data stays the same whatever the scale.
    def stream(name: str) -> random.Random:
        return random.Random(f"{seed}:{name}")

    users = _users(stream("users"), tl)
    people = _People(users)
    workgroups = _workgroups(stream("workgroups"), tl, people.active)
    companies, company_extra = _companies(stream("companies"), tl, counts["companies"], people)
    contacts, contacts_by_company = _contacts(stream("contacts"), tl, counts["contacts"], people, company_extra)
    leads = _leads(stream("leads"), tl, counts["leads"], people, companies, contacts)
    deals = _deals(
        stream("deals"), tl, counts["deals"], people, companies, company_extra, contacts, contacts_by_company
    )
    tasks = _tasks(stream("tasks"), tl, counts["tasks"], people, deals, contacts, len(workgroups))
    data: dict[str, list[Record]] = {
        "deals": deals,
        "contacts": contacts,
        "companies": companies,
        "leads": leads,
        "tasks": tasks,
        "users": users,
        "departments": _departments(),
        "workgroups": workgroups,
        "statuses": _statuses(),
        "deal-categories": _deal_categories(tl),
        "currencies": _currencies(),
    }
    missing = set(ENTITIES) - set(data)
    if missing:
        raise RuntimeError(f"seed has no generator for {sorted(missing)}")
    return data
