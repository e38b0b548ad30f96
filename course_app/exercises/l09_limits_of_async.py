"""Lesson 09's exercises: send CPU work to a process pool without freezing the loop, then
predict the GIL's effect."""

from __future__ import annotations

import asyncio
import multiprocessing
import numbers
import random
import threading
from concurrent.futures import Future, ProcessPoolExecutor

from course_app.exercise import Hint, exercise, guarded, hint_if_blocked, hint_if_still_awaitable
from course_app.lessons.l09_primes import count_primes
from course_app.loop_lag import LoopLagMonitor
from course_app.solutions import l09_limits_of_async as solutions
from course_app.timeline import ms

LIMITS = (200_000, 120_000, 60_000)
"""About this many: `count_primes` of them keep a core busy for about 0.2, 0.1 and 0.05 s."""
LAG_LIMIT = 0.1
"""Loop lag, in seconds, above which the answer counts as freezing the loop."""


class WatchedPool(ProcessPoolExecutor):
    """A process pool that counts the jobs sent to it, and the most that were pending at once."""

    def __init__(self, workers: int = 2) -> None:
        super().__init__(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        self._lock = threading.Lock()
        self.submitted = self.pending = self.peak_pending = 0

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self.submitted += 1
            self.pending += 1
            self.peak_pending = max(self.peak_pending, self.pending)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future) -> None:
        with self._lock:
            self.pending -= 1

    def forget(self) -> None:
        """Start counting from zero (after a warm-up)."""
        with self._lock:
            self.submitted = self.peak_pending = 0


def _primes_below(limit: int) -> int:
    """The same count as `count_primes`, by a sieve: fast, so the check does not compete with
    the answer for the CPU."""
    sieve = bytearray([1]) * max(limit, 2)
    sieve[0] = sieve[1] = 0
    for number in range(2, int(limit**0.5) + 1):
        if sieve[number]:
            sieve[number * number::number] = bytearray(len(range(number * number, limit, number)))
    return sum(sieve[:limit])


@exercise("09.1", "CPU work in a process pool, all at once, without freezing the loop",
          expects="async function", solution=solutions.count_all, time_limit=30)
async def check_count_all(count_all) -> str:
    limits = [limit + random.randrange(1000) for limit in LIMITS]  # nothing to remember
    expected = [_primes_below(limit) for limit in limits]
    loop = asyncio.get_running_loop()
    with WatchedPool() as pool:
        await asyncio.gather(*(loop.run_in_executor(pool, count_primes, 10) for _ in range(2)))
        pool.forget()
        try:
            async with LoopLagMonitor() as lag:
                result = await guarded(count_all(list(limits), pool))
        except TypeError as error:
            if "positional argument" in str(error):
                raise Hint("`count_all` takes two arguments, `(limits, pool)`, and the check "
                           "passes both.", decisive=True) from None
            raise
    hint_if_still_awaitable(result, fix="`return await asyncio.gather(...)`")
    if result is None:
        raise Hint("`count_all` returned None: return the list of counts.")
    if not isinstance(result, list | tuple):
        raise Hint(f"`count_all` should return a list, got {type(result).__name__}.")
    hint_if_still_awaitable(*result, fix="`await` each job, for example inside "
                                         "`asyncio.gather(...)`")
    if list(result) != expected:
        raise Hint(f"count_all({limits}) returned {list(result)}, but the counts are {expected}: "
                   "return what `count_primes(limit)` returns, in the order of `limits`.")
    if pool.submitted < len(limits):
        frozen = (f", and the event loop was frozen for {lag.max_lag:.2f} s"
                  if lag.max_lag > LAG_LIMIT else "")
        raise Hint(f"only {pool.submitted} of the {len(limits)} counts ran in `pool`{frozen}: "
                   "send each to it with `await loop.run_in_executor(pool, count_primes, "
                   "limit)` (in this process, even a thread shares the loop's GIL).")
    hint_if_blocked(lag.max_lag, "your function",
                    "only await the pool's work: `await loop.run_in_executor(pool, count_primes, "
                    "limit)`", limit=LAG_LIMIT)
    if pool.peak_pending < 2:
        raise Hint("the counts went to the pool one after another: submit them all, then await "
                   "them together with `asyncio.gather`, so both workers compute at once.")
    return (f"{len(limits)} counts ran in the pool's processes, up to {pool.peak_pending} "
            f"submitted at once, and the loop was never late by more than {ms(lag.max_lag)}.")


@exercise("09.2", "predict two CPU jobs in two threads", expects="value",
          solution=solutions.two_threads_of_four_tenths, time_limit=20)
def check_two_threads(answer) -> str:
    if isinstance(answer, bool | complex) or not isinstance(answer, numbers.Number):
        raise Hint(f"give the time as a number of seconds, like 1.5 (got {answer!r}).")
    answer = float(answer)
    if 0.3 <= answer < 0.6:
        raise Hint(f"{answer} s would mean the two jobs ran in parallel. In one process, the GIL "
                   "lets only one thread run Python code at a time.")
    if answer > 2.0:
        raise Hint(f"{answer} s is more than twice one job after the other: the threads take "
                   "turns, and switching costs a little, not that much. Look at the 'threads' "
                   "timeline in 9.3.")
    # About 0.8 s on a quiet machine. Handing the GIL back and forth costs more when another
    # program has a core busy: 1.2 s has been measured on a busy machine.
    if not 0.6 <= answer <= 2.0:
        raise Hint("not quite: each job needs 0.4 s of CPU, and the threads take turns. Look at "
                   "the 'threads' timeline in 9.3.")
    return "the threads take turns on the GIL, so two jobs take as long as one after the other."
