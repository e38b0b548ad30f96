"""Lesson 01's exercises (`course_app/exercises/l01_what_is_async.py`): the reference
solutions pass, and each wrong answer below gets the hint written beside it."""

import asyncio
import time
from decimal import Decimal

import pytest
from wrong_answers import (
    WrongAnswers,
    assert_hint,
    assert_passes,
    lesson_exercise_ids,
    reference_answer,
)

pytestmark = pytest.mark.anyio
wrong = WrongAnswers("01")


@pytest.mark.parametrize("exercise_id", lesson_exercise_ids("01"))
async def test_reference_solution_passes(exercise_id):
    await assert_passes(exercise_id, await reference_answer(exercise_id))


async def _serve_in_threads(names, grind, brew):
    async def one(name):
        await asyncio.to_thread(grind, name)
        return await brew(name)

    return await asyncio.gather(*(one(name) for name in names))


wrong.add("01.1", 2.0, "one-after-another total")
wrong.add("01.1", 0.1, "not quite")
wrong.add("01.1", "half a second", "give the time as a number")
wrong.add("01.1", True, "give the time as a number")
wrong.add("01.1", Decimal("2.0"), "one-after-another total")


@wrong("01.2", "the brews ran one after another")
async def _serve_sequentially(names, grind, brew):
    results = []
    for name in names:
        grind(name)
        results.append(await brew(name))
    return results


@wrong("01.2", "brew each order once")
async def _serve_blocking(names, grind, brew):
    for name in names:
        grind(name)
    time.sleep(0.3)
    return [f"{name} is ready" for name in names]


@wrong("01.2", "returned None")
async def _serve_forgets_return(names, grind, brew):
    for name in names:
        grind(name)
    await asyncio.gather(*(brew(name) for name in names))


@wrong("01.2", "still to be awaited")
async def _serve_returns_gather_future(names, grind, brew):
    for name in names:
        grind(name)
    return asyncio.gather(*(brew(name) for name in names))


@wrong("01.2", "in the order of `names`")
async def _serve_wrong_order(names, grind, brew):
    for name in names:
        grind(name)
    return list(reversed(await asyncio.gather(*(brew(name) for name in names))))


@wrong("01.2", "brew each order once")
async def _serve_makes_up_results(names, grind, brew):
    for name in names:
        grind(name)
    return [f"{name} is ready" for name in names]


@wrong("01.2", "unpack the list with `*`")
async def _serve_gathers_a_list(names, grind, brew):
    return await asyncio.gather([brew(name) for name in names])


@wrong("01.2", "unpack it with `*`")
async def _serve_gathers_a_generator(names, grind, brew):
    return await asyncio.gather(brew(name) for name in names)  # no `*`


@wrong("01.2", "async generator")
async def _serve_yields(names, grind, brew):
    for name in names:
        grind(name)
        yield await brew(name)


@wrong("01.2", "call it without `await`")
async def _serve_awaits_grind(names, grind, brew):
    async def one(name):
        await grind(name)
        return await brew(name)

    return await asyncio.gather(*(one(name) for name in names))


@wrong("01.2", "grind each order once")
async def _serve_forgets_to_grind(names, grind, brew):
    return await asyncio.gather(*(brew(name) for name in names))


@wrong("01.2", "takes three arguments")
async def _serve_old_signature(names):
    return [f"{name} is ready" for name in names]


async def test_01_2_accepts_grinding_in_threads():
    await assert_passes("01.2", _serve_in_threads)


def test_every_exercise_has_at_least_three_wrong_answers():
    counts = wrong.count()
    assert counts and all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), wrong.cases)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    await assert_hint(exercise_id, answer, hint)
