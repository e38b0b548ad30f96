"""Lesson 09's exercises: keep the loop free during CPU work, then predict the GIL's effect."""

from __future__ import annotations

import asyncio
import numbers
import time

from course_app.check import Hint, exercise, hint_if_blocked
from course_app.lessons.l09_limits_of_async import count_primes
from course_app.loop_lag import LoopLagMonitor
from course_app.solutions import l09_limits_of_async as solutions
from course_app.timeline import seconds

EXERCISE_LIMIT = 200_000
PRIMES_BELOW_LIMIT = 17_984
"""`count_primes(EXERCISE_LIMIT)`, known in advance so the check does not compute it."""


@exercise("09.1", "CPU work without freezing the event loop", expects="async function",
          solution=solutions.count_without_freezing, time_limit=20)
async def check_count_without_freezing(count_without_freezing) -> str:
    started = time.perf_counter()
    async with LoopLagMonitor() as lag:
        result = await count_without_freezing(EXERCISE_LIMIT)
    took = time.perf_counter() - started
    if asyncio.iscoroutine(result):
        result.close()
        raise Hint("your function returned a coroutine: `await` what you return.")
    if result != PRIMES_BELOW_LIMIT:
        raise Hint(f"count_without_freezing({EXERCISE_LIMIT}) returned {result!r}; return what "
                   f"`count_primes({EXERCISE_LIMIT})` returns.")
    hint_if_blocked(lag.max_lag, "your function",
                    "hand `count_primes` to `asyncio.to_thread` or a process pool")
    one_run = time.perf_counter()
    count_primes(EXERCISE_LIMIT // 4)
    quarter = time.perf_counter() - one_run
    if took < quarter:
        raise Hint(f"it took {seconds(took)}, less than a quarter of the work takes: call "
                   "`count_primes(limit)` rather than returning a known number.")
    return (f"{PRIMES_BELOW_LIMIT} primes counted in {seconds(took)}, and the loop was never "
            f"late by more than {seconds(lag.max_lag)}.")


@exercise("09.2", "predict two CPU jobs in two threads", expects="value",
          solution=solutions.two_threads_of_four_tenths, time_limit=20)
def check_two_threads(answer) -> str:
    if isinstance(answer, bool | complex) or not isinstance(answer, numbers.Number):
        raise Hint(f"give the time as a number of seconds, like 1.5 (got {answer!r}).")
    answer = float(answer)
    if 0.3 <= answer < 0.6:
        raise Hint(f"{answer} s would mean the two jobs ran in parallel. In one process, the GIL "
                   "lets only one thread run Python code at a time.")
    if not 0.6 <= answer <= 1.05:
        raise Hint("not quite: each job needs 0.4 s of CPU, and the threads take turns. Look at "
                   "the 'threads' timeline in 9.3.")
    return "the threads take turns on the GIL, so two jobs take as long as one after the other."
