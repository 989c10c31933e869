"""The scenario benchmark's scripts still work: each answers its question within its call limit.

Every task's script runs against the in-process demo portal the way `bench/scenarios.py` runs it;
where the task has a plain-tools script, both must give the same answer (a name missing from a
concise result, or an aggregate that miscounts, shows up as a different answer); the scenarios of
the other entity families are checked against the portal; the promised three (a booking, a drive
listing, a smart-process count) take at most three calls on a fresh server with their toolset.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench.scenario_families import (
    FAMILIES,
    PROMISED_CALLS,
    PROMISES,
    add_channel,
    bank_matches,
    channel_set,
    company_bank,
    funnel_counted,
    log_work,
    smart_funnel,
    work_logged,
)
from bench.scenario_kit import Call, Check, Run, ScenarioError, Script, Task, execute, run_task
from bench.scenario_tasks import TASKS
from bench.scenarios import promises

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("task", TASKS + FAMILIES, ids=lambda t: t.title)
async def test_a_task_answers_within_its_call_limit(task: Task) -> None:
    """Family scenarios have no baseline: their `check` reads the truth from the portal's REST API."""
    outcome = await run_task(task)
    assert 1 <= len(outcome.now.calls) <= task.limit
    assert outcome.answer  # an empty answer would agree with an empty baseline
    if outcome.baseline is not None:
        assert outcome.baseline.answer == outcome.answer
        assert len(outcome.now.calls) <= len(outcome.baseline.calls)  # never more calls than the plain tools
    else:
        assert task.check is not None


@pytest.mark.parametrize("task", PROMISES, ids=lambda t: t.title)
async def test_a_promised_task_takes_at_most_three_calls_with_its_toolset(task: Task) -> None:
    assert task.limit == PROMISED_CALLS == 3 and task.toolsets[0] == "default" and task.check is not None
    outcome = await run_task(task)  # raises past the limit, or when the portal disagrees
    assert 1 <= len(outcome.now.calls) <= PROMISED_CALLS


def test_the_benchmark_fails_loudly_when_a_promise_is_broken(capsys: pytest.CaptureFixture[str]) -> None:
    task = PROMISES[1]
    run = Run(call_tool=None, client=None)  # type: ignore[arg-type]
    run.calls = [Call("storages_list", {}, 10, 10, "")] * (PROMISED_CALLS + 1)
    with pytest.raises(SystemExit) as exited:
        promises([(task, run)])
    assert exited.value.code == 1
    assert f"{task.title}: 4 calls, promised at most 3" in capsys.readouterr().err


async def test_the_plain_tools_have_no_names_aggregate_or_batch() -> None:
    async def named(r: Run) -> object:
        return (await r.call("deals_get", {"id": 247}))["item"]

    plain = await execute(named, plain=True)
    assert "assignedById" in plain.answer and "assignedBy" not in plain.answer
    now = await execute(named)
    assert now.answer["assignedBy"] and now.answer["assignedById"] == plain.answer["assignedById"]

    async def aggregate(r: Run) -> object:
        return await r.call("deals_aggregate", {"groupBy": ["stageId"]})

    with pytest.raises(ScenarioError, match="no aggregate"):
        await execute(aggregate, plain=True)


async def test_a_family_check_rejects_a_wrong_answer() -> None:
    """The checks read the portal: a funnel missing a stage is caught, not waved through."""

    async def one_stage_short(r: Run) -> object:
        type_id, counts = await smart_funnel(r)
        return type_id, counts[:-1]

    with pytest.raises(ScenarioError, match="the items count"):
        await execute(one_stage_short, check=funnel_counted)


def answer_off(script: Script, change: Any) -> Script:
    async def changed(r: Run) -> Any:
        return change(await script(r))

    return changed


@pytest.mark.parametrize(
    ("script", "check", "change", "message"),
    [
        (company_bank, bank_matches, lambda a: (a[0], a[1], a[2][:1]), "accounts"),
        (company_bank, bank_matches, lambda a: (a[0], ["7700000000"], a[2]), "company 37"),
        (log_work, work_logged, lambda a: (a[0], a[1], a[2] - 5400, *a[3:]), "times"),
        (add_channel, channel_set, lambda a: (a[0], a[1], str(int(a[2]) + 1)), "UF_CRM_SOURCE_CHANNEL"),
    ],
    ids=["an account missing", "a wrong INN", "a total without the new time", "another list value"],
)
async def test_the_new_family_checks_reject_a_wrong_answer(
    script: Script, check: Check, change: Any, message: str
) -> None:
    with pytest.raises(ScenarioError, match=message):
        await execute(answer_off(script, change), check=check)
