"""Lesson 04's exercises (`course_app/exercises/l04_when_to_use_async.py`): the reference
solutions pass, and each wrong answer below gets the hint written beside it."""

import asyncio

import pytest
from fastapi.concurrency import run_in_threadpool
from wrong_answers import (
    WrongAnswers,
    assert_hint,
    assert_passes,
    lesson_exercise_ids,
    reference_answer,
)

pytestmark = pytest.mark.anyio
wrong = WrongAnswers("04")


@pytest.mark.parametrize("exercise_id", lesson_exercise_ids("04"))
async def test_reference_solution_passes(exercise_id):
    await assert_passes(exercise_id, await reference_answer(exercise_id))


async def _customers_in_threads(ids, lookup):
    return await asyncio.gather(*(asyncio.to_thread(lookup, n) for n in ids))


RIGHT_CHOICES = {
    "call a weather API with httpx.AsyncClient": "async def",
    "query a database with a driver that has no async API": "def",
    "resize a large image in pure Python": "process pool",
}


wrong.add("04.1", {**RIGHT_CHOICES, "resize a large image in pure Python": "async def"},
          "not 'async def' for 'resize a large image in pure Python'")
wrong.add("04.1", {**RIGHT_CHOICES, "call a weather API with httpx.AsyncClient": "thread"},
          "'thread' for 'call a weather API with httpx.AsyncClient' is not one of")
wrong.add("04.1", {"weather": "async def"}, "needs an entry for")
wrong.add("04.1", dict.fromkeys(RIGHT_CHOICES), "nothing to check yet")
wrong.add("04.1", ["async def", "def", "process pool"], "expected a dict")


@wrong("04.2", "the event loop was frozen")
async def _customers_blocking(ids, lookup):
    return [lookup(customer_id) for customer_id in ids]


@wrong("04.2", "they ran one after another")
async def _customers_one_at_a_time(ids, lookup):
    return [await run_in_threadpool(lookup, customer_id) for customer_id in ids]


@wrong("04.2", "call `lookup` once per id")
async def _customers_made_up(ids, lookup):
    return [{"customer": customer_id, "status": "gold"} for customer_id in ids]


@wrong("04.2", "call `lookup` once per id")
async def _customers_sleep_instead(ids, lookup):
    await asyncio.sleep(0.2)
    return [{"customer": customer_id, "status": "gold"} for customer_id in ids]


@wrong("04.2", "called `exit()` or `sys.exit()`")
async def _customers_exit(ids, lookup):
    raise SystemExit(1)


@wrong("04.2", "`asyncio.run` starts a new event loop")
async def _customers_asyncio_run(ids, lookup):
    return asyncio.run(asyncio.to_thread(lookup, ids[0]))


@wrong("04.2", "still to be awaited")
async def _customers_return_coroutines(ids, lookup):
    return [asyncio.to_thread(lookup, customer_id) for customer_id in ids]


@wrong("04.2", "in the order of `ids`")
async def _customers_wrong_order(ids, lookup):
    results = await asyncio.gather(*(asyncio.to_thread(lookup, n) for n in ids))
    return list(reversed(results))


@wrong("04.2", "takes two arguments")
async def _customers_old_signature(customer_id):
    return {"customer": customer_id, "status": "gold"}


@wrong("04.2", "is a plain `def`")
def _customers_plain_def(ids, lookup):
    return [lookup(customer_id) for customer_id in ids]


async def test_04_1_forgives_capitals_and_spaces():
    sloppy = {job: f" {choice.upper()} " for job, choice in RIGHT_CHOICES.items()}
    await assert_passes("04.1", sloppy)


async def test_04_2_accepts_asyncio_to_thread():
    await assert_passes("04.2", _customers_in_threads)


def test_every_exercise_has_at_least_three_wrong_answers():
    counts = wrong.count()
    assert counts and all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), wrong.cases)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    await assert_hint(exercise_id, answer, hint)
