"""Lesson 07's exercises (`course_app/exercises/l07_asyncio_gather.py`): the reference
solutions pass, and each wrong answer below gets the hint written beside it."""

import asyncio
import time

import httpx
import pytest
from wrong_answers import (
    WrongAnswers,
    assert_hint,
    assert_passes,
    lesson_exercise_ids,
    reference_answer,
)

pytestmark = pytest.mark.anyio
wrong = WrongAnswers("07")


@pytest.mark.parametrize("exercise_id", lesson_exercise_ids("07"))
async def test_reference_solution_passes(exercise_id):
    await assert_passes(exercise_id, await reference_answer(exercise_id))


async def _within_reference(client, cities, deadline):
    from course_app.solutions.l07_asyncio_gather import weather_within

    return await weather_within(client, cities, deadline)


@wrong("07.1", "`TimeoutError` escaped")
async def _within_one_deadline(client, cities, deadline):
    async with asyncio.timeout(deadline):
        responses = await asyncio.gather(*(client.get(f"/weather/{c}") for c in cities))
    return {c: r.json() for c, r in zip(cities, responses, strict=True)}


@wrong("07.1", "within the deadline of 0.25 s, but you returned None")
async def _within_all_none(client, cities, deadline):
    try:
        return await _within_one_deadline(client, cities, deadline)
    except TimeoutError:
        return dict.fromkeys(cities)


@wrong("07.1", "longer than the deadline of 0.25 s, yet you returned its body")
async def _within_no_deadline(client, cities, deadline):
    responses = await asyncio.gather(*(client.get(f"/weather/{c}") for c in cities))
    return {c: r.json() for c, r in zip(cities, responses, strict=True)}


@wrong("07.1", "the calls ran one at a time")
async def _within_one_at_a_time(client, cities, deadline):
    bodies = {}
    for city in cities:
        try:
            async with asyncio.timeout(deadline):
                bodies[city] = (await client.get(f"/weather/{city}")).json()
        except TimeoutError:
            bodies[city] = None
    return bodies


@wrong("07.1", "put `None` there")
async def _within_exceptions_in_place(client, cities, deadline):
    results = await asyncio.gather(
        *(asyncio.wait_for(client.get(f"/weather/{c}"), deadline) for c in cities),
        return_exceptions=True)
    return {c: r if isinstance(r, BaseException) else r.json()
            for c, r in zip(cities, results, strict=True)}


@wrong("07.1", "should return a dict")
async def _within_list(client, cities, deadline):
    return list((await _within_reference(client, cities, deadline)).values())


@wrong("07.1", "still running after `weather_within` returned")
async def _within_left_running(client, cities, deadline):
    tasks = {c: asyncio.create_task(client.get(f"/weather/{c}")) for c in cities}
    await asyncio.wait(tasks.values(), timeout=deadline)  # the pending ones are never cancelled
    return {c: t.result().json() if t.done() else None for c, t in tasks.items()}


@wrong("07.1", "the event loop was frozen")
async def _within_blocking(client, cities, deadline):
    time.sleep(0.3)
    return await _within_reference(client, cities, deadline)


@wrong("07.2", "more than limit=3")
async def _bounded_semaphore_per_call(client, cities, limit):
    async def one(city):
        async with asyncio.Semaphore(limit):
            response = await client.get(f"/weather/{city}")
        response.raise_for_status()
        return response.json()

    return await asyncio.gather(*(one(c) for c in cities), return_exceptions=True)


@wrong("07.2", "only 1 call(s) at a time")
async def _bounded_one_at_a_time(client, cities, limit):
    results = []
    for city in cities:
        response = await client.get(f"/weather/{city}")
        results.append(response.json() if response.is_success else httpx.HTTPStatusError(
            "failed", request=response.request, response=response))
    return results


@wrong("07.2", "only 2 call(s) at a time: with limit=3")
async def _bounded_hard_coded(client, cities, limit):
    semaphore = asyncio.Semaphore(2)

    async def one(city):
        async with semaphore:
            response = await client.get(f"/weather/{city}")
        response.raise_for_status()
        return response.json()

    return await asyncio.gather(*(one(c) for c in cities), return_exceptions=True)


@wrong("07.2", "escaped from `fetch_bounded`")
async def _bounded_raises(client, cities, limit):
    semaphore = asyncio.Semaphore(limit)

    async def one(city):
        async with semaphore:
            response = await client.get(f"/weather/{city}")
        response.raise_for_status()
        return response.json()

    return await asyncio.gather(*(one(c) for c in cities))


@wrong("07.2", "call `response.raise_for_status()`")
async def _bounded_error_bodies(client, cities, limit):
    semaphore = asyncio.Semaphore(limit)

    async def one(city):
        async with semaphore:
            return (await client.get(f"/weather/{city}")).json()

    return await asyncio.gather(*(one(c) for c in cities))


@wrong("07.2", "returned `Response` objects")
async def _bounded_responses(client, cities, limit):
    return await asyncio.gather(*(client.get(f"/weather/{c}") for c in cities))


def test_every_exercise_has_at_least_three_wrong_answers():
    counts = wrong.count()
    assert counts and all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), wrong.cases)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    await assert_hint(exercise_id, answer, hint)
