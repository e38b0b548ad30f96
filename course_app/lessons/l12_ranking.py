"""Lesson 12's CPU-heavy step: ranking flights, for the capstone's process pool.

A process pool runs a function by name in another interpreter, so the function must be
importable: a function defined in a notebook cell cannot be sent. This module imports nothing
but the standard library, so a pool worker that imports it starts quickly.
"""

from __future__ import annotations

SCORING_WORK = 35_000
"""CPU work per flight: the primes below this are counted (about 30 ms on the course's 2-core
test machine with Python 3.11, less on a recent laptop)."""


def count_primes(limit: int) -> int:
    """The number of primes below `limit`, by trial division: pure-Python CPU work."""
    count = 0
    for number in range(2, limit):
        for divisor in range(2, int(number**0.5) + 1):
            if number % divisor == 0:
                break
        else:
            count += 1
    return count


def rank_flights(flights: list[dict], work: int = SCORING_WORK) -> list[dict]:
    """The flights, best value first: price (EUR) plus 25 EUR per hour in the air.

    Scoring each flight first burns `count_primes(work)` of CPU time, standing in for a real
    scoring model, so ranking takes time in proportion to the number of flights (about 0.1 s
    for the three flights of the course's fake service, on the course's test machine). An empty
    list returns at once: the capstone's lifespan ranks `[]` to start its pool's worker before
    the first request.

    Raises:
        KeyError: for a flight without `price_eur` or `hours`.
    """
    for _ in flights:
        count_primes(work)
    return sorted(flights, key=lambda flight: flight["price_eur"] + 25 * flight["hours"])
