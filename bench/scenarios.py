"""Assistant tasks as tool-call scripts against the demo portal: calls made and tokens of every result.

    .venv/bin/python bench/scenarios.py [--budget 6000] [--quiet]

Ten tasks are answered twice, with the plain tools (ids without names, no aggregate, include or
batch: `baseline`) and with today's tools at their best (`now`); both answers must agree. Every
result is counted with a real BPE tokenizer (cl100k) over what a client may pass to the model, the
structured content and the text together, next to the server's own estimate. Each script runs on
a fresh server over a fresh demo portal from the same seed and clock. A change that makes the
server cheaper for a model shows here as fewer calls or fewer tokens. Then one scenario per entity
family beyond the core CRM (calendar, drive, smart processes, activities, requisites, task time and
comments, user fields, ...), each within its call limit, its answer checked against the portal
itself. Last, the promises: booking a meeting, listing a drive folder and counting smart-process
items by stage each take at most three calls on a fresh server with the default tools and that
family's toolset; the benchmark exits with status 1, naming the scenario, when one takes more.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import anyio

from bench.scenario_families import FAMILIES, PROMISED_CALLS, PROMISES
from bench.scenario_kit import Outcome, Run, Task, execute, run_task
from bench.scenario_tasks import TASKS


def short(args: dict[str, Any]) -> str:
    text = json.dumps(args, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= 64 else text[:61] + "..."


def show(label: str, run: Run) -> None:
    print(f"  {label}: {len(run.calls)} call(s), {run.cl100k} cl100k ({run.estimate} estimated)")
    for c in run.calls:
        print(f"    {c.tool:18} {short(c.args):64} cl100k {c.cl100k:6}  est {c.estimate:6}  {c.note[:60]}")


def ratio(now: int, before: int) -> str:
    return f"{now / before:.2f}" if before else "-"


async def main(budget: int, quiet: bool) -> None:
    print(f"scenario benchmark: demo portal, budget {budget} tokens (text + structured content per result)\n")
    outcomes: list[Outcome] = [await run_task(t, budget) for t in TASKS]
    families: list[Outcome] = [await run_task(t, budget) for t in FAMILIES]
    promised: list[tuple[Task, Run]] = [
        (t, await execute(t.now, budget=budget, check=t.check, toolsets=t.toolsets)) for t in PROMISES
    ]
    if not quiet:
        for o in outcomes + families:
            print(o.task.title)
            if o.baseline is not None:
                show("baseline", o.baseline)
            show("now", o.now)
            print()
    head = f"  {'task':42} {'baseline: calls  cl100k   est':>30}  {'now: calls  cl100k   est':>25}  tokens now/before"
    print("before and after (same answers, checked)\n" + head)
    sums = [0, 0, 0, 0, 0, 0]
    for o in outcomes:
        b = o.baseline or o.now
        row = (len(b.calls), b.cl100k, b.estimate, len(o.now.calls), o.now.cl100k, o.now.estimate)
        sums = [s + v for s, v in zip(sums, row, strict=True)]
        print(
            f"  {o.task.title:42} {row[0]:15} {row[1]:7} {row[2]:5}  {row[3]:10} {row[4]:7} {row[5]:5}"
            f"  {ratio(row[4], row[1]):>17}"
        )
    print(
        f"  {'all ' + str(len(outcomes)) + ' tasks':42} {sums[0]:15} {sums[1]:7} {sums[2]:5}  {sums[3]:10} {sums[4]:7}"
        f" {sums[5]:5}  {ratio(sums[4], sums[1]):>17}"
    )
    print(f"  calls now/before: {ratio(sums[3], sums[0])}")
    print("\none scenario per entity family (within each one's limit; answers checked against the portal)")
    print(f"  {'scenario':52} {'calls (limit)':>13}  {'cl100k':>6}  {'est':>5}")
    for o in families:
        print(f"  {o.task.title:52} {len(o.now.calls):7} ({o.task.limit})  {o.now.cl100k:6}  {o.now.estimate:5}")
    print(
        f"  {'all ' + str(len(families)) + ' scenarios':52} {sum(len(o.now.calls) for o in families):7}      "
        f"{sum(o.now.cl100k for o in families):6}  {sum(o.now.estimate for o in families):5}"
    )
    promises(promised)


def promises(promised: list[tuple[Task, Run]]) -> None:
    """The promised tasks' table; exits with status 1, naming each, when one took more calls."""
    print(f"\npromised: at most {PROMISED_CALLS} calls each from a fresh server (answers checked against the portal)")
    print(f"  {'task':38} {'toolsets':17} {'calls':>5}  {'cl100k':>6}  tools")
    broken = []
    for task, run in promised:
        mark = "" if len(run.calls) <= PROMISED_CALLS else "  BROKEN"
        tools = " → ".join(c.tool for c in run.calls)
        print(f"  {task.title:38} {','.join(task.toolsets):17} {len(run.calls):5}  {run.cl100k:6}  {tools}{mark}")
        if mark:
            broken.append(f"{task.title}: {len(run.calls)} calls, promised at most {PROMISED_CALLS}")
    if broken:
        print("\nPROMISE BROKEN\n  " + "\n  ".join(broken), file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", type=int, default=6000)
    ap.add_argument("--quiet", action="store_true", help="only the summary tables")
    ns = ap.parse_args()
    anyio.run(main, ns.budget, ns.quiet)
