"""Lesson 13's exercises: each reference solution passes, and each wrong answer gets its hint."""

from __future__ import annotations

import pytest

from course_app.check import evaluate, find
from course_app.valkey import ValkeyUnavailable, start_valkey

try:
    start_valkey()
except ValkeyUnavailable as missing:  # pragma: no cover - no wheel for this platform
    pytest.skip(str(missing), allow_module_level=True)

import course_app.exercises  # noqa: E402, F401 - registers the checks

sent_in_this_process: set[str] = set()
visits = 0


async def welcome_every_time(store, user, send):
    await send(user)


async def welcome_remembered_in_memory(store, user, send):
    if user not in sent_in_this_process:
        sent_in_this_process.add(user)
        await send(user)


async def welcome_get_then_set(store, user, send):
    if await store.get(f"sent:{user}") is None:
        await send(user)
        await store.set(f"sent:{user}", "yes")


async def welcome_one_key_for_everyone(store, user, send):
    if await store.set("sent", "yes", nx=True):
        await send(user)


async def welcome_never(store, user, send):
    await store.set(f"sent:{user}", "yes", nx=True)


async def welcome_crashes(store, user, send):
    await store.incr(f"sent:{user}", "not a number")


async def count_in_memory(store):
    global visits
    visits += 1
    return visits


async def count_get_then_set(store):
    number = int(await store.get("visits") or 0) + 1
    await store.set("visits", number)
    return number


async def count_returns_text(store):
    await store.incr("visits")
    return await store.get("visits")


WRONG_ANSWERS = {
    "13.1": [
        (welcome_every_time, "a second run of the job, in the same process"),
        (welcome_remembered_in_memory, "a run in another worker process sent ada a second"),
        (welcome_get_then_set, "two runs at the same moment sent cy 2 emails"),
        (welcome_one_key_for_everyone, "a key per user"),
        (welcome_never, "`send` was never called"),
        (welcome_crashes, "raised ResponseError"),
    ],
    "13.2": [
        (count_in_memory, "each process counted on its own"),
        (count_get_then_set, "reading then writing (GET, then SET)"),
        (count_returns_text, "return the visit's number as an int"),
    ],
}


@pytest.mark.anyio
@pytest.mark.parametrize("exercise_id", sorted(WRONG_ANSWERS))
async def test_the_reference_solution_passes(exercise_id):
    passed, message = await evaluate(exercise_id, find(exercise_id).solution)
    assert passed, message


@pytest.mark.anyio
@pytest.mark.parametrize(("exercise_id", "answer", "hint"), [
    (exercise_id, answer, hint) for exercise_id, cases in WRONG_ANSWERS.items()
    for answer, hint in cases])
async def test_a_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    passed, message = await evaluate(exercise_id, answer)
    assert not passed
    assert hint in message
