"""Lesson 14's exercises: each wrong answer beside the hint it must get, and the right answers
(the reference and other ways to write it) pass. Every check runs on a real server."""

import asyncio
import time

import pytest
from wrong_answers import WrongAnswers, assert_interrupted, lesson_exercise_ids

from course_app.check import evaluate

pytestmark = pytest.mark.anyio
wrong = WrongAnswers("14")


# --- 14.1: a stream that gives its seat back ---------------------------------------------------


@wrong("14.1", "still holds its seat")
async def _ticker_as_given(seats):
    seats.append("seat")
    for n in range(6):
        await asyncio.sleep(0.1)
        yield f"tick {n}\n"
    seats.remove("seat")


@wrong("14.1", "still holds its seat")
async def _ticker_except_exception(seats):
    seats.append("seat")
    try:
        for n in range(6):
            await asyncio.sleep(0.1)
            yield f"tick {n}\n"
    except Exception:
        seats.remove("seat")
        raise
    seats.remove("seat")


@wrong("14.1", "swallowed the `CancelledError`")
async def _ticker_swallows(seats):
    seats.append("seat")
    try:
        for n in range(6):
            await asyncio.sleep(0.1)
            yield f"tick {n}\n"
    except asyncio.CancelledError:
        pass
    seats.remove("seat")


@wrong("14.1", "swallowed the `CancelledError`")
async def _ticker_swallows_in_the_loop(seats):
    seats.append("seat")
    try:
        for n in range(6):
            try:
                await asyncio.sleep(0.1)
            except asyncio.CancelledError:
                pass  # carry on regardless
            yield f"tick {n}\n"
    finally:
        seats.remove("seat")


@wrong("14.1", "the event loop was frozen")
async def _ticker_blocks(seats):
    seats.append("seat")
    try:
        for n in range(6):
            time.sleep(0.1)
            yield f"tick {n}\n"
    finally:
        seats.remove("seat")


@wrong("14.1", "must be an async generator")
async def _ticker_returns_lines(seats):
    return [f"tick {n}\n" for n in range(6)]


@wrong("14.1", "no seat was taken")
async def _ticker_without_a_seat(seats):
    for n in range(6):
        await asyncio.sleep(0.1)
        yield f"tick {n}\n"


@wrong("14.1", "received 1 tick(s)")
async def _ticker_without_newlines(seats):
    seats.append("seat")
    try:
        for n in range(6):
            await asyncio.sleep(0.1)
            yield f"tick {n}"
    finally:
        seats.remove("seat")


@wrong("14.1", "nothing to check yet")
async def _ticker_unwritten(seats):
    ...


@wrong("14.1", "your code failed on the server: KeyError")
async def _ticker_raises(seats):
    seats.append("seat")
    try:
        raise KeyError("price feed")
        yield "never"
    finally:
        seats.remove("seat")


async def _ticker_reraises(seats):
    seats.append("seat")
    try:
        for n in range(6):
            await asyncio.sleep(0.1)
            yield f"tick {n}\n"
    except asyncio.CancelledError:
        seats.remove("seat")
        raise
    else:
        seats.remove("seat")


# --- 14.2: a broadcast that keeps a slow client up to date ------------------------------------


@wrong("14.2", "the broadcast waited for the slow client")
async def _broadcast_waits(queues, snapshot):
    for queue in queues:
        await queue.put(snapshot)


@wrong("14.2", "not on the newest")
def _broadcast_drops_the_newest(queues, snapshot):
    for queue in queues:
        try:
            queue.put_nowait(snapshot)
        except asyncio.QueueFull:
            pass


@wrong("14.2", "your code failed on the server: asyncio.queues.QueueFull")
def _broadcast_raises_when_full(queues, snapshot):
    for queue in queues:
        queue.put_nowait(snapshot)


@wrong("14.2", "the event loop was frozen")
def _broadcast_blocks(queues, snapshot):
    time.sleep(0.3)
    for queue in queues:
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(snapshot)


@wrong("14.2", "the slow client ended on nothing")
def _broadcast_to_the_first_only(queues, snapshot):
    if queues:
        queues[0].put_nowait(snapshot)  # the others never hear of it


async def _broadcast_async_latest(queues, snapshot):
    for queue in queues:
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(snapshot)


@wrong("14.2", "nothing to check yet")
def _broadcast_unwritten(queues, snapshot):
    ...


wrong.add("14.1", "ticker", "expected a function")


async def _ticker_sleeps_for_ever(seats):
    seats.append("seat")
    time.sleep(600)  # the server's event loop, and so the check's, stops here
    yield "tick 0\n"


def _broadcast_spins_until_there_is_room(queues, snapshot):
    for queue in queues:
        while queue.full():  # nothing empties the queue while this spins: the loop is stuck
            pass
        queue.put_nowait(snapshot)


@pytest.mark.parametrize(("exercise_id", "answer"), [
    ("14.1", _ticker_sleeps_for_ever),
    ("14.2", _broadcast_spins_until_there_is_room),
])
async def test_an_answer_that_blocks_for_ever_is_interrupted(exercise_id, answer, progress_file):
    await assert_interrupted(exercise_id, answer)


def test_each_exercise_of_the_lesson_has_at_least_three_wrong_answers():
    counts = wrong.count()
    assert set(counts) == set(lesson_exercise_ids("14"))
    assert all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), wrong.cases)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint, progress_file):
    passed, message = await evaluate(exercise_id, answer)
    assert not passed
    assert hint in message


@pytest.mark.parametrize(("exercise_id", "answer"), [
    ("14.1", _ticker_reraises),
    ("14.2", _broadcast_async_latest),
])
async def test_other_right_answers_pass(exercise_id, answer, progress_file):
    passed, message = await evaluate(exercise_id, answer)
    assert passed, message
