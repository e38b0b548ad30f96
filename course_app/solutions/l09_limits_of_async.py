"""Reference solutions for lesson 09."""

import asyncio

from course_app.lessons.l09_limits_of_async import count_primes, time_one_job, two_jobs


async def count_without_freezing(limit: int) -> int:
    """09.1: the CPU work goes to a worker thread; the event loop keeps running."""
    return await asyncio.to_thread(count_primes, limit)


async def two_threads_of_four_tenths() -> float:
    """09.2: measure two jobs in two threads, and scale to jobs of 0.4 s each."""
    threads = await two_jobs("threads")
    return 0.4 * threads.wall_time / time_one_job()
