"""Lesson 04's exercises: choose how to run three jobs, then wrap a blocking call."""

from __future__ import annotations

import asyncio
import time

from course_app.check import Hint, exercise, guarded, hint_if_blocked, hint_if_still_awaitable
from course_app.lessons.l04_when_to_use_async import WAIT_SECONDS, lookups_done
from course_app.loop_lag import LoopLagMonitor
from course_app.solutions import l04_when_to_use_async as solutions
from course_app.timeline import seconds

OPTIONS = ("async def", "def", "process pool")
WHY = {
    "async def": "it awaits an async library, so the event loop can serve others meanwhile",
    "def": "its library blocks, and FastAPI runs a plain `def` in its threadpool",
    "process pool": "it keeps the CPU busy; only another process runs Python code in parallel",
}


@exercise("04.1", "choose def, async def or a process pool", expects="value",
          solution=solutions.choices)
def check_choices(answer) -> str:
    expected = solutions.choices()
    if not isinstance(answer, dict):
        raise Hint(f"expected a dict from each job to one of {OPTIONS}, got "
                   f"{type(answer).__name__}.")
    missing = [job for job in expected if job not in answer]
    if missing:
        raise Hint(f"the dict needs an entry for {missing[0]!r} (copy the keys as given).")
    if all(answer[job] is None for job in expected):
        raise Hint(f"nothing to check yet: replace each None with one of {OPTIONS}.")
    answer = {job: " ".join(str(choice).split()).lower() if isinstance(choice, str) else choice
              for job, choice in answer.items()}
    for job, choice in answer.items():
        if choice not in OPTIONS:
            raise Hint(f"{choice!r} for {job!r} is not one of {OPTIONS}.")
    for job, right in expected.items():
        if answer[job] != right:
            raise Hint(f"not {answer[job]!r} for {job!r}: think about what it spends its time "
                       "on (waiting on an async library, waiting on a blocking one, or "
                       "computing).")
    return "; ".join(f"{right} for {job.split(' with')[0]}: {WHY[right]}"
                     for job, right in expected.items()) + "."


@exercise("04.2", "call a blocking library without blocking the loop",
          expects="async function", solution=solutions.fetch_customer)
async def check_fetch_customer(fetch_customer) -> str:
    ids = [101, 102, 103, 104, 105]
    before = sum(lookups_done[n] for n in ids)
    started = time.perf_counter()
    async with LoopLagMonitor() as lag:
        results = await asyncio.gather(*(guarded(fetch_customer(n)) for n in ids))
    took = time.perf_counter() - started
    hint_if_still_awaitable(*results, fix="`await` what you return")
    expected = [{"customer": n, "status": "gold"} for n in ids]
    if results != expected:
        raise Hint(f"for customer {ids[0]} expected {expected[0]!r}, got {results[0]!r}: return "
                   "what `legacy_lookup(customer_id)` returns.")
    hint_if_blocked(lag.max_lag, "`fetch_customer`",
                    "run it with `await run_in_threadpool(legacy_lookup, customer_id)`")
    if sum(lookups_done[n] for n in ids) - before < len(ids):
        raise Hint("`legacy_lookup` did not run once per customer: call it for each one.")
    if took > 0.5 * len(ids) * WAIT_SECONDS:
        raise Hint(f"five look-ups of {seconds(WAIT_SECONDS)} took {seconds(took)}: they did not "
                   "all run at the same time.")
    return (f"five blocking look-ups of {seconds(WAIT_SECONDS)} took {seconds(took)} together, "
            f"and the loop was never late by more than {seconds(lag.max_lag)}.")
