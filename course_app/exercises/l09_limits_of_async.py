"""Lesson 09's exercises: keep the loop free during CPU work, then predict the GIL's effect."""

from __future__ import annotations

import asyncio
import numbers
import random
import time

from course_app.check import Hint, exercise, hint_if_blocked, hint_if_still_awaitable
from course_app.lessons.l09_limits_of_async import count_primes
from course_app.loop_lag import LoopLagMonitor
from course_app.solutions import l09_limits_of_async as solutions
from course_app.timeline import seconds

EXERCISE_LIMIT = 300_000
"""Around this many: `count_primes` of it keeps a core busy for about 0.3 s."""
LAG_LIMIT = 0.15
"""Loop lag, in seconds, above which the answer counts as freezing the loop. Higher than the
other checks' limit: starting a process pool inside the answer blocks the loop for ~0.07 s."""


@exercise("09.1", "CPU work without freezing the event loop", expects="async function",
          solution=solutions.count_without_freezing, time_limit=20)
async def check_count_without_freezing(count_without_freezing) -> str:
    limit = EXERCISE_LIMIT + random.randrange(1000)  # so a remembered number cannot pass
    expected = asyncio.create_task(asyncio.to_thread(count_primes, limit))
    started = time.perf_counter()
    try:
        async with LoopLagMonitor() as lag:
            result = await count_without_freezing(limit)
        took = time.perf_counter() - started
    finally:
        right = await expected
    hint_if_still_awaitable(result, fix="`await` what you return")
    hint_if_blocked(lag.max_lag, "your function",
                    "hand `count_primes` to `asyncio.to_thread` or a process pool",
                    limit=LAG_LIMIT)
    if result != right:
        raise Hint(f"count_without_freezing({limit}) returned {result!r}, but there are "
                   f"{right} primes below {limit}: return what `count_primes(limit)` returns.")
    return (f"{right} primes counted in {seconds(took)}, and the loop was never late by more "
            f"than {seconds(lag.max_lag)}.")


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
