"""Demo chats of the seeded company: department chats, an open company chat, CRM chats bound to deals and
a lead, private dialogs, their messages over the last weeks and the files posted in them.

Deterministic for a seed and a "now". The key's user (user 1) is in most chats and has a few unread
messages; one closed chat of the support team and one private dialog are not theirs, so a reader can
meet DIALOG_NOT_FOUND. Files posted in chats are drive files in each chat's folder under «Файлы чатов».
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from urllib.parse import quote

from .chats import COLORS, MESSAGES
from .chats_base import HOST, msk
from .seed import DAY, Record, iso

ME = 1
WORK_START, WORK_HOURS = 6 * 3600, 10 * 3600  # 09:00–19:00 Moscow time, in UTC seconds of the day
GROUPS = (  # title, department (0: everyone), type, what is said there, owner
    ("Отдел продаж", 2, "chat", "sales", 3),
    ("Маркетинг", 3, "chat", "marketing", 14),
    ("Служба поддержки", 4, "chat", "support", 19),
    ("Руководство", 1, "chat", "management", 1),
    ("Вектор-Софт: общий чат", 0, "open", "general", 1),
)
SAID: Mapping[str, tuple[str, ...]] = {
    "sales": (
        "Коллеги, кто возьмёт входящую заявку с сайта?",
        "Беру, уже звоню клиенту.",
        "Напоминаю: план месяца закрываем до 25-го, проверьте сделки в стадии «Переговоры».",
        "Клиент просит скидку 7%, согласуем?",
        "Согласовано, но только при предоплате 50%.",
        "Кто может завтра подменить на встрече в 11:00?",
        "Отправил КП трём участникам тендера, жду ответов до пятницы.",
        "Обновил шаблон договора поставки, лежит в папке «Договоры».",
        "Итоги недели: 4 сделки выиграны, 2 проиграны по цене.",
    ),
    "marketing": (
        "Выложили кейс про внедрение на сайт, посмотрите.",
        "Бюджет на контекст в этом месяце урезали на 20%.",
        "Нужны отзывы клиентов для лендинга — у кого есть контакты?",
        "Вебинар переносим на четверг, 15:00.",
        "Заявок с выставки пока 38, передаю в продажи.",
    ),
    "support": (
        "У клиента не открывается отчёт по продажам, кто посмотрит?",
        "Посмотрел: слетели права у роли, поправил.",
        "Новая версия выходит в понедельник, готовим инструкцию.",
        "Очередь обращений разобрана, осталось 3 сложных.",
        "Please check ticket #4521, the customer is waiting since yesterday.",
    ),
    "management": (
        "Совещание по бюджету переносится на среду.",
        "Прошу подготовить прогноз выручки на квартал.",
        "Утвердили найм двух менеджеров в отдел продаж.",
        "Результаты квартала выше плана на 8%, спасибо всем.",
    ),
    "general": (
        "Коллеги, в пятницу корпоратив в 18:00, не забудьте отметиться.",
        "Кто забыл зарядку в переговорной №2?",
        "Офис завтра открыт с 8:00 — будут менять кондиционеры.",
        "Поздравляем Ирину с днём рождения!",
        "Напоминаю про отпускной график на лето, заполните до конца месяца.",
    ),
    "deal": (
        "Клиент подтвердил условия по телефону.",
        "КП отправлено, ждём обратной связи до пятницы.",
        "Коллеги, КП утверждено. Можно выставлять счёт.",
        "Юристы клиента прислали правки к договору, посмотрите пункт 4.2.",
        "Договор подписан с обеих сторон.",
        "Нужна спецификация по оборудованию — кто подготовит?",
        "Оплата поступила, передаю в отдел внедрения.",
    ),
    "private": (
        "Привет! Есть минутка обсудить клиента?",
        "Да, давай после обеда.",
        "Скинь, пожалуйста, последнюю версию презентации.",
        "Отправил на почту.",
        "Хорошо, жду документы.",
        "Созвонимся завтра в 10?",
        "Договорились.",
    ),
}
FILES = (  # chat kind → (file name, size in KB) posted there
    ("sales", "План продаж — квартал.xlsx", 48),
    ("marketing", "Медиаплан.xlsx", 36),
    ("deal", "Коммерческое предложение.pdf", 240),
    ("deal", "Спецификация оборудования.docx", 64),
)


def records(seed: int, data: Mapping[str, Sequence[Record]], now: float) -> dict[str, list[Record]]:
    """Chats, their messages, and the drive folders and files they add (after the drive's own)."""
    rng = random.Random(f"{seed}:chats")
    users = [u for u in data.get("users", ()) if u.get("active") is not False]
    folders, files = list(data.get("folders", ())), list(data.get("files", ()))
    chats: list[Record] = []
    plans: list[tuple[Record, str]] = []

    def chat(title: str, kind: str, members: list[int], said: str, owner: int, **extra: object) -> None:
        cid = len(chats) + 1
        row: Record = {
            "id": cid, "type": kind, "title": title, "description": "", "owner": owner,
            "managers": [owner] if owner else [], "users": members, "color": COLORS[cid % len(COLORS)], "avatar": "",
            "entityType": "", "entityId": "", "muteList": [], "read": {}, "folderId": None, "dateCreate": "",
        }  # fmt: skip
        row.update(extra)
        if kind != "private" and ME in members and owner != ME:  # the director manages every chat she is in
            row["managers"] = [owner, ME] if owner else [ME]
        chats.append(row)
        plans.append((row, said))

    for title, department, kind, said, owner in GROUPS:
        members = [int(str(u["id"])) for u in users if not department or department in _ints(u.get("departmentId"))]
        members = sorted({*members, ME} if kind == "chat" or department == 0 else set(members))
        chat(title, kind, members, said, owner if owner in members else members[0])
    support = [int(str(u["id"])) for u in users if 4 in _ints(u.get("departmentId")) and u["id"] != ME]
    if support:
        chat("Дежурства поддержки", "chat", support, "support", support[0])
    deals = {int(str(d["id"])): d for d in data.get("deals", ())}
    for deal_id in (12, 1, 3, 7):
        deal = deals.get(deal_id)
        if deal is None:
            continue
        seller = deal.get("assignedById") if isinstance(deal.get("assignedById"), int) else 3
        members = sorted({ME, 3, int(str(seller))})
        chat(f"Чат по сделке: {deal.get('title')}", "chat", members, "deal", int(str(seller)),
             entityType="CRM", entityId=f"DEAL|{deal_id}")  # fmt: skip
    for lead in list(data.get("leads", ()))[:1]:
        chat(f"Чат по лиду: {lead.get('title')}", "chat", [ME, 4], "deal", 4, entityType="CRM",
             entityId=f"LEAD|{lead['id']}")  # fmt: skip
    for a, b in ((ME, 2), (ME, 3), (ME, 14), (ME, 19), (3, 4)):
        if any(int(str(u["id"])) == b for u in users):
            chat("", "private", [a, b], "private", 0)
    messages = _messages(rng, plans, now)
    _read_marks(chats, messages)
    _files(rng, chats, plans, messages, folders, files, now)
    return {"chats": chats, MESSAGES: messages, "folders": folders, "files": files}


def _ints(raw: object) -> list[int]:
    return [v for v in raw if isinstance(v, int)] if isinstance(raw, list) else []


def _moment(rng: random.Random, now: float, days: int) -> float:
    day = int(now // DAY) - rng.randint(1, days)
    return day * DAY + WORK_START + rng.randint(0, WORK_HOURS)


def _messages(rng: random.Random, plans: list[tuple[Record, str]], now: float) -> list[Record]:
    """Every chat's messages in one time line, numbered in order (ids grow with time in every chat)."""
    drafts: list[tuple[float, Record]] = []
    for row, said in plans:
        members = _ints(row["users"])
        count = rng.randint(4, 7) if said in ("private", "deal") else rng.randint(8, 16)
        times = sorted(_moment(rng, now, 40) for _ in range(count))
        row["dateCreate"] = msk(times[0] - rng.randint(1, 20) * DAY)
        pool = SAID[said]
        for index, moment in enumerate(times):
            text = pool[index % len(pool)] if said in ("private", "deal") else rng.choice(pool)
            author = members[index % len(members)] if said == "private" else rng.choice(members)
            drafts.append((moment, {"chatId": row["id"], "authorId": author, "date": msk(moment), "text": text}))
    drafts.sort(key=lambda d: d[0])
    return [
        {"id": i, **m, "params": {}, "repliedMessageId": 0, "forwardMessageId": 0}
        for i, (_, m) in enumerate(drafts, start=1)
    ]


def _read_marks(chats: list[Record], messages: list[Record]) -> None:
    """Everyone has read everything, except the key's user: the last two messages of every third chat."""
    for row in chats:
        own = [int(str(m["id"])) for m in messages if m["chatId"] == row["id"]]
        marks = {str(u): own[-1] for u in _ints(row["users"])} if own else {}
        if own and str(ME) in marks and int(str(row["id"])) % 3 == 0 and len(own) > 2:
            marks[str(ME)] = own[-3]
        row["read"] = marks


def _files(
    rng: random.Random,
    chats: list[Record],
    plans: list[tuple[Record, str]],
    messages: list[Record],
    folders: list[Record],
    files: list[Record],
    now: float,
) -> None:
    """Folders for the group chats under «Файлы чатов» on the common drive, and the files posted in them."""
    root = next((f for f in folders if f.get("parentId") is None), None)
    top = max((int(str(f["id"])) for f in folders), default=0) + 1
    created = now - 60 * DAY
    folders.append(
        {
            "id": top,
            "name": "Файлы чатов",
            "parentId": root["id"] if root else None,
            "storageId": root.get("storageId") if root else None,
            "code": "IM_CHATS",
            "createdBy": ME,
            "createdAt": iso(created),
        }  # fmt: skip
    )
    said = {int(str(row["id"])): kind for row, kind in plans}
    for row in chats:
        if row["type"] == "private":
            continue
        fid = max(int(str(f["id"])) for f in folders) + 1
        folders.append(
            {
                "id": fid,
                "name": f"Чат #{row['id']}",
                "parentId": top,
                "storageId": folders[-1]["storageId"],
                "code": None,
                "createdBy": row["owner"] or ME,
                "createdAt": iso(created),
            }  # fmt: skip
        )
        row["folderId"] = fid
        for kind, name, kb in FILES:
            if kind != said[int(str(row["id"]))]:
                continue
            own = [m for m in messages if m["chatId"] == row["id"]]
            carrier = own[rng.randint(0, len(own) - 1)] if own else None
            if carrier is None or carrier.get("params"):
                continue
            file_id = max((int(str(f["id"])) for f in files), default=0) + 1
            size = kb * 1024 + rng.randint(0, 1023)
            files.append(
                {
                    "id": file_id,
                    "name": name,
                    "size": size,
                    "folderId": fid,
                    "storageId": folders[-1]["storageId"],
                    "type": "file",
                    "downloadUrl": f"https://{HOST}/disk/downloadFile/{file_id}/?&ncc=1&filename={quote(name)}",
                    "createdBy": carrier["authorId"],
                    "updatedBy": carrier["authorId"],
                    "createdAt": iso(created),
                    "updatedAt": iso(created),
                }  # fmt: skip
            )
            carrier["params"] = {"FILE_ID": [file_id]}
