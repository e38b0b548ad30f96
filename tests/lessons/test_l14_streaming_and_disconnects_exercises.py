"""Lesson 14's exercises: each wrong answer beside the hint it must get, and the right answers
(the reference and other ways to write it) pass. Every check runs on a real server."""

import asyncio
import time

import pytest
from wrong_answers import lesson_exercise_ids

from course_app.check import evaluate

pytestmark = pytest.mark.anyio


# --- 14.1: a stream that gives its seat back ---------------------------------------------------


async def _ticker_as_given(seats):
    seats.append("seat")
    for n in range(6):
        await asyncio.sleep(0.1)
        yield f"tick {n}\n"
    seats.remove("seat")


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


async def _ticker_swallows(seats):
    seats.append("seat")
    try:
        for n in range(6):
            await asyncio.sleep(0.1)
            yield f"tick {n}\n"
    except asyncio.CancelledError:
        pass
    seats.remove("seat")


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


async def _ticker_blocks(seats):
    seats.append("seat")
    try:
        for n in range(6):
            time.sleep(0.1)
            yield f"tick {n}\n"
    finally:
        seats.remove("seat")


async def _ticker_returns_lines(seats):
    return [f"tick {n}\n" for n in range(6)]


async def _ticker_without_a_seat(seats):
    for n in range(6):
        await asyncio.sleep(0.1)
        yield f"tick {n}\n"


async def _ticker_without_newlines(seats):
    seats.append("seat")
    try:
        for n in range(6):
            await asyncio.sleep(0.1)
            yield f"tick {n}"
    finally:
        seats.remove("seat")


async def _ticker_unwritten(seats):
    ...


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


async def _broadcast_waits(queues, snapshot):
    for queue in queues:
        await queue.put(snapshot)


def _broadcast_drops_the_newest(queues, snapshot):
    for queue in queues:
        try:
            queue.put_nowait(snapshot)
        except asyncio.QueueFull:
            pass


def _broadcast_raises_when_full(queues, snapshot):
    for queue in queues:
        queue.put_nowait(snapshot)


def _broadcast_blocks(queues, snapshot):
    time.sleep(0.3)
    for queue in queues:
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(snapshot)


def _broadcast_to_the_first_only(queues, snapshot):
    if queues:
        queues[0].put_nowait(snapshot)  # the others never hear of it


async def _broadcast_async_latest(queues, snapshot):
    for queue in queues:
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(snapshot)


def _broadcast_unwritten(queues, snapshot):
    ...


WRONG_ANSWERS = {
    "14.1": [
        (_ticker_as_given, "still holds its seat"),
        (_ticker_except_exception, "still holds its seat"),
        (_ticker_swallows, "swallowed the `CancelledError`"),
        (_ticker_swallows_in_the_loop, "swallowed the `CancelledError`"),
        (_ticker_blocks, "the event loop was frozen"),
        (_ticker_returns_lines, "must be an async generator"),
        (_ticker_without_a_seat, "no seat was taken"),
        (_ticker_without_newlines, "received 1 tick(s)"),
        (_ticker_unwritten, "nothing to check yet"),
        (_ticker_raises, "your code failed on the server: KeyError"),
        ("ticker", "expected a function"),
    ],
    "14.2": [
        (_broadcast_waits, "the broadcast waited for the slow client"),
        (_broadcast_drops_the_newest, "not on the newest"),
        (_broadcast_raises_when_full, "your code failed on the server: asyncio.queues.QueueFull"),
        (_broadcast_blocks, "the event loop was frozen"),
        (_broadcast_to_the_first_only, "the slow client ended on nothing"),
        (_broadcast_unwritten, "nothing to check yet"),
    ],
}


def test_each_exercise_of_the_lesson_has_at_least_three_wrong_answers():
    assert set(WRONG_ANSWERS) == set(lesson_exercise_ids("14"))
    assert all(len(cases) >= 3 for cases in WRONG_ANSWERS.values())


@pytest.mark.parametrize(
    ("exercise_id", "answer", "hint"),
    [(eid, answer, hint) for eid, cases in WRONG_ANSWERS.items() for answer, hint in cases],
    ids=lambda value: getattr(value, "__name__", None) if callable(value) else None,
)
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
