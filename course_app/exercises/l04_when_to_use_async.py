"""Lesson 04's exercises: choose how to run three jobs, then call a blocking library for many ids
at once without blocking the loop."""

from __future__ import annotations

import time
from collections import Counter

from course_app.exercise import Hint, exercise, guarded, hint_if_blocked, hint_if_still_awaitable
from course_app.loop_lag import LoopLagMonitor
from course_app.solutions import l04_when_to_use_async as solutions
from course_app.timeline import Timeline, ms, seconds

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


LOOKUP_SECONDS = 0.2
"""How long the check's blocking `lookup` takes, in seconds."""
IDS = [101, 102, 103, 104, 105]


@exercise("04.2", "call a blocking library for five ids at once, off the loop",
          expects="async function", solution=solutions.fetch_customers)
async def check_fetch_customers(fetch_customers) -> str:
    calls: Counter[int] = Counter()
    timeline = Timeline("look-ups")

    def lookup(customer_id: int) -> dict[str, int | str]:
        """A blocking library call: 0.2 s of `time.sleep`, like a sync driver."""
        with timeline.span(str(customer_id)):
            time.sleep(LOOKUP_SECONDS)
        calls[customer_id] += 1
        return {"customer": customer_id, "status": "gold"}

    started = time.perf_counter()
    try:
        async with LoopLagMonitor() as lag:
            result = await guarded(fetch_customers(list(IDS), lookup))
    except TypeError as error:
        if "positional argument" in str(error):
            raise Hint("`fetch_customers` takes two arguments, `(ids, lookup)`, and the check "
                       "passes both.", decisive=True) from None
        raise
    took = time.perf_counter() - started
    hint_if_still_awaitable(result, fix="`return await asyncio.gather(...)`")
    if result is None:
        raise Hint("`fetch_customers` returned None: return the list of results.")
    if not isinstance(result, list | tuple):
        raise Hint(f"`fetch_customers` should return a list, got {type(result).__name__}.")
    hint_if_still_awaitable(*result, fix="`await` each call, for example inside "
                                         "`asyncio.gather(...)`")
    hint_if_blocked(lag.max_lag, "`fetch_customers`",
                    "hand each call to a worker thread: `await run_in_threadpool(lookup, id)`")
    if sorted(calls.elements()) != IDS:
        raise Hint(f"call `lookup` once per id: it ran for {sorted(calls.elements())}, the ids "
                   f"are {IDS}.")
    expected = [{"customer": n, "status": "gold"} for n in IDS]
    if list(result) != expected:
        raise Hint(f"expected what `lookup` returns, in the order of `ids` (first "
                   f"{expected[0]!r}), got {list(result)[:1]!r} first.")
    if timeline.max_overlap() < 3:
        raise Hint(f"five look-ups of {seconds(LOOKUP_SECONDS)} took {seconds(took)}: the loop "
                   "stayed free, but they ran one after another. Start them together, each in "
                   "a worker thread, with `asyncio.gather`.")
    return (f"five blocking look-ups of {seconds(LOOKUP_SECONDS)} took {seconds(took)} "
            f"together, up to {timeline.max_overlap()} in worker threads at once, and the loop "
            f"was never late by more than {ms(lag.max_lag)}.")
