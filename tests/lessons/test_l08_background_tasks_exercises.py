"""Lesson 08's exercises (`course_app/exercises/l08_background_tasks.py`): the reference
solutions pass, and each wrong answer below gets the hint written beside it."""

import asyncio
import time

import pytest
from fastapi.concurrency import run_in_threadpool
from wrong_answers import (
    WrongAnswers,
    assert_hint,
    assert_interrupted,
    assert_passes,
    lesson_exercise_ids,
    reference_answer,
)

from course_app.lessons.l08_background_tasks import deliver, record_delivery

pytestmark = pytest.mark.anyio
wrong = WrongAnswers("08")


@pytest.mark.parametrize("exercise_id", lesson_exercise_ids("08"))
async def test_reference_solution_passes(exercise_id):
    await assert_passes(exercise_id, await reference_answer(exercise_id))


async def _notify_to_thread(email):
    await asyncio.to_thread(deliver, email)
    await record_delivery(email)


wrong.add("08.1", {"real server": 0.5, "in-process": 0.5},
          "too long: the response goes out before")
wrong.add("08.1", {"real server": 0.0, "in-process": 0.0}, "too short for the in-process client")
wrong.add("08.1", {"real server": None, "in-process": None}, "nothing to check yet")
wrong.add("08.1", (0.0, 0.5), "expected a dict with the keys")
wrong.add("08.1", {"real server": 0.0, "in-process": "half"}, "should be a number of seconds")
wrong.add("08.1", {"real server": -5, "in-process": 0.5}, "cannot be a time")
wrong.add("08.1", {"real server": float("nan"), "in-process": 0.5}, "cannot be a time")
wrong.add("08.1", {"real server": 10, "in-process": 500}, "not milliseconds")


@wrong("08.2", "the event loop was frozen")
async def _notify_blocking(email):
    deliver(email)
    await record_delivery(email)


@wrong("08.2", "never finished `deliver(email)`")
async def _notify_forgets(email):
    await asyncio.sleep(0)


@wrong("08.2", "the task failed on the server: TypeError")
def _notify_wrong_signature():
    deliver("nobody@example.com")


wrong.add("08.2", "notify", "expected a function")


@wrong("08.2", "the event loop was frozen")
async def _notify_blocks_later(email):
    await asyncio.sleep(0.1)
    deliver(email)
    await record_delivery(email)


@wrong("08.2", "the task failed on the server: ConnectionRefusedError: smtp down")
async def _notify_raises(email):
    raise ConnectionRefusedError("smtp down")


@wrong("08.2", "the task failed on the server: RuntimeError: asyncio.run()")
async def _notify_runs_asyncio_run(email):
    asyncio.run(asyncio.sleep(0))


@wrong("08.2", "`record_delivery(email)` never finished")
def _notify_plain_def_drops_the_record(email):
    deliver(email)


@wrong("08.2", "ran before `deliver(email)` had finished")
async def _notify_records_first(email):

    await record_delivery(email)
    await run_in_threadpool(deliver, email)


async def _notify_sleeps_for_ever(email):
    time.sleep(600)  # the loop's thread: no other task, request or check can run


async def _notify_spins(email):
    while True:  # a busy loop that never gives the event loop a turn
        pass


@pytest.mark.parametrize("answer", [_notify_sleeps_for_ever, _notify_spins])
async def test_08_2_interrupts_a_task_that_blocks_for_ever(answer):
    await assert_interrupted("08.2", answer)


async def test_08_2_accepts_an_async_task_that_uses_asyncio_to_thread():
    await assert_passes("08.2", _notify_to_thread)


def test_every_exercise_has_at_least_three_wrong_answers():
    counts = wrong.count()
    assert counts and all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), wrong.cases)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    await assert_hint(exercise_id, answer, hint)
