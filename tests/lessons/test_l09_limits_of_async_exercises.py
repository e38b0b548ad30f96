"""Lesson 09's exercises (`course_app/exercises/l09_limits_of_async.py`): the reference
solutions pass, and each wrong answer below gets the hint written beside it."""

import asyncio

import pytest
from wrong_answers import (
    WrongAnswers,
    assert_hint,
    assert_passes,
    lesson_exercise_ids,
    reference_answer,
)

from course_app.lessons.l09_primes import count_primes

pytestmark = pytest.mark.anyio
wrong = WrongAnswers("09")


@pytest.mark.parametrize("exercise_id", lesson_exercise_ids("09"))
async def test_reference_solution_passes(exercise_id):
    await assert_passes(exercise_id, await reference_answer(exercise_id))


@wrong("09.1", "the event loop was frozen")
async def _count_inline(limits, pool):
    return [count_primes(limit) for limit in limits]


@wrong("09.1", "ran in `pool`")
async def _count_in_threads(limits, pool):
    return await asyncio.gather(*(asyncio.to_thread(count_primes, n) for n in limits))


@wrong("09.1", "one after another")
async def _count_one_at_a_time(limits, pool):
    loop = asyncio.get_running_loop()
    return [await loop.run_in_executor(pool, count_primes, limit) for limit in limits]


@wrong("09.1", "but the counts are")
async def _count_made_up(limits, pool):
    await asyncio.sleep(0)
    return [17_984] * len(limits)


@wrong("09.1", "in the order of `limits`")
async def _count_wrong_order(limits, pool):
    loop = asyncio.get_running_loop()
    counts = await asyncio.gather(*(loop.run_in_executor(pool, count_primes, n) for n in limits))
    return list(reversed(counts))


@wrong("09.1", "must be importable by name")
async def _count_with_a_cell_function(limits, pool):
    """What happens with a function defined in a notebook cell: it lives in `__main__` of the
    kernel only, and a spawned worker cannot import it by name."""
    import __main__

    def count_in_a_cell(n):
        return n

    count_in_a_cell.__module__ = "__main__"
    count_in_a_cell.__qualname__ = "count_in_a_cell"
    __main__.count_in_a_cell = count_in_a_cell
    try:
        loop = asyncio.get_running_loop()
        return await asyncio.gather(*(loop.run_in_executor(pool, count_in_a_cell, n)
                                      for n in limits))
    finally:
        del __main__.count_in_a_cell


@wrong("09.1", "still to be awaited")
async def _count_returns_futures(limits, pool):
    loop = asyncio.get_running_loop()
    return [loop.run_in_executor(pool, count_primes, limit) for limit in limits]


@wrong("09.1", "takes two arguments")
async def _count_old_signature(limit):
    return await asyncio.to_thread(count_primes, limit)


wrong.add("09.1", count_primes, "plain `def`")
wrong.add("09.2", 0.4, "would mean the two jobs ran in parallel")
wrong.add("09.2", 0.5, "would mean the two jobs ran in parallel")
wrong.add("09.2", 0.2, "not quite")
wrong.add("09.2", 3.0, "more than twice one job after the other")
wrong.add("09.2", "0.8", "give the time as a number")


def test_every_exercise_has_at_least_three_wrong_answers():
    counts = wrong.count()
    assert counts and all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), wrong.cases)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    await assert_hint(exercise_id, answer, hint)
