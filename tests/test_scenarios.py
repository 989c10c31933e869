"""The scenario benchmark's scripts still work: each answers its question within its call limit.

Every task's script runs against the in-process demo portal the way `bench/scenarios.py` runs it;
where the task has a plain-tools script, both must give the same answer (a name missing from a
concise result, or an aggregate that miscounts, shows up as a different answer); the scenarios of
the other entity families are checked against the portal and take at most three calls.
"""

from __future__ import annotations

import pytest

from bench.scenario_families import FAMILIES, funnel_counted, smart_funnel
from bench.scenario_kit import Run, ScenarioError, Task, execute, run_task
from bench.scenario_tasks import TASKS
from bench.scenarios import MAX_FAMILY_CALLS

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
        assert task.check is not None and task.limit <= MAX_FAMILY_CALLS


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
