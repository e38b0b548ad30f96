"""Reference solutions for lesson 09."""

import asyncio
import time

from course_app.lessons.l09_primes import WORK_LIMIT, count_primes


async def count_all(limits, pool):
    """09.1: every count goes to the pool at once (`count_primes` is importable, so a spawned
    worker can find it); the loop only awaits. `gather` keeps the order of `limits`."""
    loop = asyncio.get_running_loop()
    return await asyncio.gather(*(loop.run_in_executor(pool, count_primes, limit)
                                  for limit in limits))


async def two_threads_of_four_tenths() -> float:
    """09.2: measure one job alone, then two jobs in two threads, and scale to jobs of 0.4 s
    each. Each is measured three times and the fastest try kept, so a moment when another program
    has a core busy does not decide the answer."""
    alone, together = [], []
    for _ in range(3):
        started = time.perf_counter()
        count_primes(WORK_LIMIT)
        alone.append(time.perf_counter() - started)
        started = time.perf_counter()
        await asyncio.gather(*(asyncio.to_thread(count_primes, WORK_LIMIT) for _ in range(2)))
        together.append(time.perf_counter() - started)
    return 0.4 * min(together) / min(alone)
