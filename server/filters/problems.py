"""What a filter can get wrong, collected so one error answers every mistake at once."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from server.errors import InvalidArguments

# The codes follow the upstream ones where upstream has the same failure (INVALID_FILTER_FIELD, ...).
SYNTAX = "INVALID_FILTER"
FIELD = "INVALID_FILTER_FIELD"
OPERATOR = "INVALID_FILTER_OPERATOR"
VALUE = "INVALID_FILTER_VALUE"
CONTRADICTION = "CONTRADICTORY_FILTER"

THREE_FORMS = (
    'Write an object of conditions, in any of three forms (mixable): {"amount": {"$gte": 1000}}, '
    '{">=amount": 1000}, {"amount": {">=": 1000}}; a bare value means equals, an array means any of.'
)


def show(value: Any) -> str:
    """A value as the model wrote it, in JSON, shortened."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Problem:
    """One mistake: the filter key as written, what was wrong, and how to fix it."""

    code: str
    key: str
    wrong: str
    fix: str
    suggestions: tuple[str, ...] = ()
    context: str = ""  # a long shared tail (the field list): said once when several problems share it

    def sentence(self) -> str:
        where = f"filter key {show(self.key)}" if self.key else "filter"
        return f"{where}: {self.wrong}"


class FilterProblem(Exception):
    """Raised inside the filter package for one problem; collected by the validator."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.wrong)
        self.problem = problem


def problem(
    code: str, key: str, wrong: str, fix: str, suggestions: Iterable[str] = (), context: str = ""
) -> FilterProblem:
    return FilterProblem(Problem(code, key, wrong, fix, tuple(suggestions), context))


def to_error(problems: list[Problem]) -> InvalidArguments:
    """One InvalidArguments naming every problem, each with its fix."""
    first = problems[0]
    suggestions = list(dict.fromkeys(s for p in problems for s in p.suggestions))[:8] or None
    contexts = " ".join(dict.fromkeys(p.context for p in problems if p.context))
    if len(problems) == 1:
        hint = f"{first.fix} {contexts}".strip()
        return InvalidArguments(first.sentence() + ".", code=first.code, hint=hint, suggestions=suggestions)
    parts = [f"({n}) {p.sentence()}; {p.fix}" for n, p in enumerate(problems, 1)]
    return InvalidArguments(
        f"filter has {len(problems)} problems: " + " ".join(parts),
        code=first.code,
        hint=f"Fix each one; nothing was sent. {contexts}".strip(),
        suggestions=suggestions,
    )
