"""Lesson 09's CPU work, in a module of its own so that process-pool workers can import it fast.

A process pool started with "spawn" (or "forkserver") sends each worker the function's *name*;
the worker imports its module. This module imports nothing but the standard library, so a new
worker is ready in a fraction of a second; a function defined in a notebook cell cannot be found
by a worker at all.
"""

from __future__ import annotations

import time

WORK_LIMIT = 100_000
"""`count_primes(WORK_LIMIT)` keeps one core busy for roughly 0.1 s on a 2020s laptop (0.2 s on
a slow one): long enough to stand out from a /health call, short enough to repeat."""


def count_primes(limit: int) -> int:
    """Count the primes below `limit` by trial division: pure-Python CPU work, no I/O.

    Raises:
        TypeError: when `limit` is not an integer.
    """
    count = 0
    for number in range(2, limit):
        for divisor in range(2, int(number**0.5) + 1):
            if number % divisor == 0:
                break
        else:
            count += 1
    return count


def cpu_share(seconds: float = 0.1) -> float:
    """Keep the CPU busy for `seconds` of wall time and return the share of one core this
    process got meanwhile: its CPU time divided by the wall time (`time.process_time()` over
    `time.perf_counter()`). About 1.0 on a free core, about 0.5 on a core it shares with one
    other busy program. Run in two pool workers at once, the two shares add up to the cores
    free for them right now."""
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall_start < seconds:
        pass
    return (time.process_time() - cpu_start) / (time.perf_counter() - wall_start)
