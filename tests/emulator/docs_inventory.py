"""Every request/response example of the docs' general pages (Обзор API, Фильтрация и поиск, Коды ошибок,
Пакетные вызовы, Лимиты и оптимизация, Связанные данные) and core entity pages (deals, contacts, companies,
leads, tasks, users, statuses, deal categories, currencies, departments, workgroups), by doc line, with the
test that holds it (`module::test`, a parametrized case as `test[Lline]`) or the reason it cannot hold.

An example is a curl request (its OAuth-application variant is the same request with other headers and is
folded into it; the application key itself is tested in test_docs_errors), a JSON block (a request body or
a response), or a code block that shows a request or a client recipe no curl block on its page shows (the
JavaScript blocks beside each curl repeat it and are not counted). Docs dump of 2026-05-05.
"""

from __future__ import annotations

from pathlib import Path

EXCEPTION = "EXCEPTION: "


def _table(rows: str) -> dict[int, tuple[str, str, str]]:
    """EXAMPLES from docs_examples.txt: doc line -> (page, kind, test or reason)."""
    lines: list[str] = []
    for text in rows.strip().splitlines():
        if text.startswith("#"):
            continue
        if text.startswith(" "):
            lines[-1] += " " + text.strip()
        else:
            lines.append(text)
    table: dict[int, tuple[str, str, str]] = {}
    page = ""
    for text in lines:
        if text.startswith("["):
            page = text.strip("[]")
            continue
        number, kind, ref = text.split(" ", 2)
        assert int(number) not in table, f"L{number} is listed twice"
        table[int(number)] = (page, kind, ref)
    return table


EXAMPLES = _table((Path(__file__).parent / "docs_examples.txt").read_text(encoding="utf-8"))
