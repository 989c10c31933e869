"""Demo comments and time records of the seeded tasks: discussion while a task is open, hours on work done.

Deterministic for a seed and a "now"; each record falls between its task's creation and its close
(or now), by the task's responsible person or its creator.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from .seed import Record, iso
from .values import parse_instant

COMMENTS_OPEN = (
    "Взял в работу, сегодня посмотрю.",
    "Уточнил у клиента детали, жду ответа до конца дня.",
    "Нужны доступы к тестовому стенду — кто может выдать?",
    "Перенёс срок: клиент попросил подождать до следующей недели.",
    "Черновик готов, приложил в папку «Коммерческие предложения».",
    "Созвонились, договорились о демо в четверг.",
    "Please review the draft before I send it to the client.",
    "Блокер: нет подписанного договора, без него не начинаем.",
)
COMMENTS_DONE = (
    "Готово, результат отправлен клиенту.",
    "Закрываю: клиент подтвердил получение.",
    "Сделано, счёт выставлен и оплачен.",
    "Done — notes are in the deal timeline.",
)
COMMENTS_CHECK = ("Проверьте, пожалуйста, и примите работу.", "Отправил на согласование руководителю.")
TIME_NOTES = (
    "Подготовка коммерческого предложения",
    "Звонок с клиентом",
    "Настройка демо-стенда",
    "Согласование договора",
    "Выезд к клиенту",
    "Разбор требований",
    None,
    None,
)
OPEN, IN_PROGRESS, CHECK, DONE = 2, 3, 4, 5
QUARTER_HOUR = 900


def records(seed: int, data: Mapping[str, Sequence[Record]], now: float) -> dict[str, list[Record]]:
    """Comments and time records for the tasks in `data`."""
    rng = random.Random(f"{seed}:tasks_extra")
    comments: list[Record] = []
    spent: list[Record] = []
    for task in data.get("tasks", ()):
        status = task.get("status")
        start = parse_instant(str(task["createdDate"]))
        end = parse_instant(str(task["closedDate"])) if task.get("closedDate") else now
        end = max(start + 60, min(end, now))
        people = [p for p in (task.get("responsibleId"), task.get("createdBy")) if isinstance(p, int)] or [1]
        moments = sorted(rng.uniform(start, end) for _ in range(rng.choice((0, 1, 1, 2, 3))))
        for index, moment in enumerate(moments):
            last = index == len(moments) - 1
            pool = COMMENTS_DONE if last and status == DONE else COMMENTS_CHECK if last and status == CHECK else None
            comments.append(
                {
                    "id": len(comments) + 1,
                    "taskId": task["id"],
                    "authorId": rng.choice(people),
                    "message": rng.choice(pool or COMMENTS_OPEN),
                    "createdAt": iso(moment),
                }
            )
        if status not in (IN_PROGRESS, CHECK, DONE) or rng.random() < 0.3:
            continue
        for _ in range(rng.choice((1, 1, 2, 3))):
            seconds = rng.randint(1, 16) * QUARTER_HOUR
            stop = rng.uniform(start, end)
            spent.append(
                {
                    "id": len(spent) + 1,
                    "taskId": task["id"],
                    "userId": people[0],
                    "seconds": seconds,
                    "minutes": round(seconds / 60),
                    "commentText": rng.choice(TIME_NOTES),
                    "createdDate": iso(stop),
                    "dateStart": iso(stop - seconds),
                    "dateStop": iso(stop),
                }
            )
    comments.sort(key=lambda c: str(c["createdAt"]))  # ids grow with time, as on a real portal
    for number, comment in enumerate(comments, 1):
        comment["id"] = number
    return {"task-comments": comments, "task-time": spent}
