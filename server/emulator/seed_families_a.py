"""Demo data for the drive, calendar events and CRM activities, built on the core seed's records.

Deterministic for a seed and a "now"; every date is relative to the portal's clock.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from urllib.parse import quote

from .seed import DAY, Record, Timeline, _pick, _randint, iso
from .values import parse_instant

PORTAL_HOST = "demo.bitrix24.ru"
MSK = 3 * 3600  # the demo company works in Moscow time (UTC+3)
HOUR = 3600

# Common drive: folder path → files in it (name, size in KB).
COMMON_TREE: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = (
    (
        "",
        (("Регламент работы с CRM.pdf", 842), ("Прайс-лист 2026.xlsx", 126), ("Реквизиты ООО «Вектор Софт».docx", 38)),
    ),
    ("Договоры", (("Шаблон договора поставки.docx", 64),)),
    ("Договоры/2025", ()),
    ("Договоры/2026", ()),
    ("Коммерческие предложения", ()),
    ("Маркетинг", (("Медиаплан Q1.xlsx", 212),)),
    ("Маркетинг/Логотипы и брендбук", (("logo-vektor.svg", 18), ("Брендбук 2026.pdf", 14_220))),
    ("Маркетинг/Презентации", (("Презентация компании (RU).pptx", 9_870), ("Company overview (EN).pptx", 9_410))),
    ("Бухгалтерия", (("Акт сверки — шаблон.xlsx", 41), ("Счёт — шаблон.docx", 35))),
    ("Кадры", (("Положение об отпусках.pdf", 310), ("Onboarding checklist.docx", 27))),
)
USER_FOLDERS = ("Загруженные файлы", "Документы")
USER_FILES = (("Отчёт о продажах.xlsx", 96), ("Заметки со встречи.docx", 22), ("Скан паспорта сделки.pdf", 1_540))

MEETINGS = (
    ("Планёрка отдела продаж", "Переговорная «Москва»"),
    ("Демонстрация CRM для клиента", "Zoom"),
    ("Встреча 1:1 с руководителем", "Кабинет 305"),
    ("Обучение: новые функции портала", "Конференц-зал"),
    ("Sales pipeline review", "Teams"),
    ("Звонок с клиентом по КП", ""),
    ("Согласование договора с юристами", "Переговорная «Казань»"),
)

ACTIVITY_SUBJECTS: Mapping[int, tuple[str, ...]] = {
    1: ("Звонок: выявить потребности", "Звонок: обсудить КП", "Звонок: напомнить об оплате", "Follow-up call"),
    2: ("Встреча: презентация решения", "Встреча: подписание договора", "Демо для команды клиента"),
    3: ("Подготовить коммерческое предложение", "Выставить счёт", "Согласовать скидку с руководителем"),
    6: ("Отправлено КП", "Письмо: условия поставки", "Re: вопросы по внедрению"),
}
DEAL_OWNER, LEAD_OWNER, CONTACT_OWNER, COMPANY_OWNER = 2, 1, 3, 4


def records(seed: int, data: Mapping[str, Sequence[Record]], now: float) -> dict[str, list[Record]]:
    """Storages, folders, files, calendar events and activities for the core records in `data`."""
    tl = Timeline(now)
    users = [u for u in data["users"] if u.get("active")]
    storages, folders, files = _drive(random.Random(f"{seed}:drive"), tl, users, data["workgroups"], data["companies"])
    return {
        "storages": storages,
        "folders": folders,
        "files": files,
        "calendar-events": _events(random.Random(f"{seed}:calendar"), tl, users, data["companies"]),
        "activities": _activities(random.Random(f"{seed}:activities"), tl, data),
        "timelines": _timelines(random.Random(f"{seed}:timelines"), tl, data),
    }


def _ids(rows: Sequence[Record]) -> list[int]:
    return [int(str(r["id"])) for r in rows]


def _drive(
    rng: random.Random, tl: Timeline, users: Sequence[Record], groups: Sequence[Record], companies: Sequence[Record]
) -> tuple[list[Record], list[Record], list[Record]]:
    storages: list[Record] = []
    folders: list[Record] = []
    files: list[Record] = []
    staff = _ids(users)

    def folder(name: str, parent: int | None, storage: int, author: int, created: int) -> int:
        fid = len(folders) + 1
        folders.append(
            {
                "id": fid,
                "name": name,
                "parentId": parent,
                "storageId": storage,
                "code": None,
                "createdBy": author,
                "createdAt": iso(created),
            }  # fmt: skip
        )
        return fid

    def file(name: str, kb: int, folder_id: int, storage: int, author: int, created: int) -> None:
        fid = len(files) + 1
        updated = tl.later(rng, created, 120)
        files.append(
            {
                "id": fid,
                "name": name,
                "size": kb * 1024 + _randint(rng, 0, 1023),
                "folderId": folder_id,
                "storageId": storage,
                "type": "file",
                "downloadUrl": f"https://{PORTAL_HOST}/disk/downloadFile/{fid}/?&ncc=1&filename={quote(name)}",
                "createdBy": author,
                "updatedBy": _pick(rng, staff) if updated != created else author,
                "createdAt": iso(created),
                "updatedAt": iso(updated),
            }  # fmt: skip
        )

    def storage(name: str, kind: str, owner: int) -> tuple[int, int]:
        sid = len(storages) + 1
        root = folder(name, None, sid, owner if kind == "user" else 1, tl.start)
        storages.append({"id": sid, "name": name, "entityType": kind, "entityId": owner, "rootObjectId": root})
        return sid, root

    sid, root = storage("Общий диск", "common", 1)
    paths = {"": root}
    for path, content in COMMON_TREE:
        if path:
            parent, _, name = path.rpartition("/")
            paths[path] = folder(name, paths[parent], sid, _pick(rng, staff), tl.created(rng))
        for name, kb in content:
            file(name, kb, paths[path], sid, _pick(rng, staff), tl.created(rng))
    for company in companies[:12]:
        title = str(company.get("title") or "")
        created = tl.created(rng)
        year = "2026" if created > tl.now - 300 * DAY else "2025"
        file(f"Договор поставки — {title}.docx", _randint(rng, 40, 90), paths[f"Договоры/{year}"], sid, 3, created)
        file(f"КП для {title}.pdf", _randint(rng, 300, 2400), paths["Коммерческие предложения"], sid, 3, created)
    for user in users[:8]:
        uid = int(str(user["id"]))
        sid, root = storage(f"{user.get('name')} {user.get('lastName')}", "user", uid)
        for name in USER_FOLDERS:
            fid = folder(name, root, sid, uid, tl.created(rng))
            for fname, kb in USER_FILES[: _randint(rng, 0, 2)]:
                file(fname, kb, fid, sid, uid, tl.created(rng))
    for group in groups:
        sid, root = storage(str(group.get("name")), "group", int(str(group["id"])))
        folder("Документы группы", root, sid, int(str(group.get("ownerId") or 1)), tl.created(rng))
    return storages, folders, files


def _events(rng: random.Random, tl: Timeline, users: Sequence[Record], companies: Sequence[Record]) -> list[Record]:
    """Two weeks back and two weeks ahead of "now", working hours in Moscow time."""
    out: list[Record] = []
    today = tl.now - tl.now % DAY
    staff = _ids(users)
    for day in range(-14, 15):
        midnight = today + day * DAY
        if (midnight // DAY + 3) % 7 >= 5:  # 1970-01-01 was a Thursday: skip Saturdays and Sundays
            continue
        for _ in range(_randint(rng, 2, 5)):
            owner = _pick(rng, staff[:12])
            name, location = _pick(rng, MEETINGS)
            if "клиент" in name:
                name += f" {_pick(rng, companies).get('title')}"
            start = midnight + _randint(rng, 9, 17) * HOUR - MSK
            length = _pick(rng, (HOUR // 2, HOUR, HOUR, 2 * HOUR))
            attendees = sorted({owner, *rng.sample(staff, _randint(rng, 0, 3))})
            created = start - _randint(rng, 1, 10) * DAY
            out.append(
                {
                    "id": len(out) + 1,
                    "name": name,
                    "description": None,
                    "type": "user",
                    "ownerId": owner,
                    "ownerType": "",
                    "from": iso(start),
                    "to": iso(start + length),
                    "skipTime": False,
                    "importance": _pick(rng, ("normal", "normal", "high", "low")),
                    "accessibility": "busy",
                    "location": location or None,
                    "color": "#9dcf00",
                    "textColor": None,
                    "sectionId": owner,
                    "isPrivate": False,
                    "isMeeting": len(attendees) > 1,
                    "attendees": attendees,
                    "remind": [],
                    "rrule": None,
                    "createdBy": owner,
                    "createdAt": iso(created),
                    "updatedAt": iso(created),
                }  # fmt: skip
            )
    return out


def _activities(rng: random.Random, tl: Timeline, data: Mapping[str, Sequence[Record]]) -> list[Record]:
    """Calls, meetings, tasks and e-mails on deals (most), leads, contacts and companies."""
    out: list[Record] = []
    owners: list[tuple[int, Record, int]] = [(DEAL_OWNER, d, _randint(rng, 0, 3)) for d in data["deals"]]
    owners += [(LEAD_OWNER, lead, _randint(rng, 0, 1)) for lead in data["leads"]]
    owners += [(CONTACT_OWNER, c, 1) for c in data["contacts"] if rng.random() < 0.15]
    owners += [(COMPANY_OWNER, c, 1) for c in data["companies"] if rng.random() < 0.1]
    for owner_type, record, count in owners:
        born = int(parse_instant(str(record.get("createdAt") or record.get("createdTime"))))
        responsible = int(str(record.get("assignedById") or 1))
        for _ in range(count):
            kind = _pick(rng, (1, 1, 2, 3, 3, 6))
            start = born + _randint(rng, 0, 60) * DAY + _randint(rng, 9, 18) * HOUR - born % DAY - MSK
            end = start + (HOUR if kind == 2 else 15 * 60)
            out.append(
                {
                    "id": len(out) + 1,
                    "typeId": kind,
                    "ownerTypeId": owner_type,
                    "ownerId": record["id"],
                    "subject": _pick(rng, ACTIVITY_SUBJECTS[kind]),
                    "description": None,
                    "responsibleId": responsible,
                    "priority": _pick(rng, (1, 2, 2, 3)),
                    "direction": 1 if kind in (1, 6) and rng.random() < 0.4 else 2,
                    "completed": end < tl.now and rng.random() < 0.9,
                    "startTime": iso(start),
                    "endTime": iso(end),
                    "deadline": iso(end),
                    "createdAt": iso(min(born, tl.now)),
                    "updatedAt": iso(min(end, tl.now)),
                }  # fmt: skip
            )
    return out


COMMENTS = (
    "Клиент просит скидку 5% при оплате до конца месяца",
    "Согласовали техническое задание, ждём подписи",
    "Перенесли демо на следующую неделю по просьбе клиента",
    "Отправили обновлённое КП, цена зафиксирована до конца квартала",
    "Decision maker is on vacation until the 20th",
    "Юристы клиента прислали правки к договору",
)


def _timelines(rng: random.Random, tl: Timeline, data: Mapping[str, Sequence[Record]]) -> list[Record]:
    """Operator comments on deals (most), contacts and companies, after each record was created."""
    out: list[Record] = []
    owners = [("deal", d) for d in data["deals"] if rng.random() < 0.5]
    owners += [("contact", c) for c in data["contacts"] if rng.random() < 0.1]
    owners += [("company", c) for c in data["companies"] if rng.random() < 0.2]
    for kind, record in owners:
        born = int(parse_instant(str(record.get("createdAt") or record.get("createdTime"))))
        for _ in range(_randint(rng, 1, 3)):
            out.append(
                {
                    "id": len(out) + 1,
                    "entityType": kind,
                    "entityId": record["id"],
                    "comment": _pick(rng, COMMENTS),
                    "authorId": int(str(record.get("assignedById") or 1)),
                    "createdAt": iso(tl.later(rng, born, 90)),
                }  # fmt: skip
            )
    return out
