"""Lesson 12's exercises (`course_app/exercises/l12_capstone.py`): the reference
solutions pass, and each wrong answer below gets the hint written beside it."""

import asyncio

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
wrong = WrongAnswers("12")


@pytest.mark.parametrize("exercise_id", lesson_exercise_ids("12"))
async def test_reference_solution_passes(exercise_id):
    await assert_passes(exercise_id, await reference_answer(exercise_id))


@wrong("12.1", "stop waiting at the deadline")
async def _sections_no_deadline(calls, seconds):
    return dict(zip(calls, await asyncio.gather(*calls.values()), strict=True))


@wrong("12.1", "let a `TimeoutError` escape")
async def _within_wait_for(calls, seconds):
    results = await asyncio.wait_for(asyncio.gather(*calls.values()), seconds)
    return dict(zip(calls, results, strict=True))


@wrong("12.1", "cancel the late calls")
async def _within_never_cancels(calls, seconds):
    tasks = {name: asyncio.create_task(call) for name, call in calls.items()}
    await asyncio.wait(tasks.values(), timeout=seconds)
    return {name: task.result() if task.done() else
            {"error": f"{name}: no answer within {seconds} s", "status": 504}
            for name, task in tasks.items()}


@wrong("12.1", "`flights` was late: expected")
async def _within_wrong_message(calls, seconds):
    tasks = {name: asyncio.create_task(call) for name, call in calls.items()}
    await asyncio.wait(tasks.values(), timeout=seconds)
    for task in tasks.values():
        task.cancel()
    return {name: task.result() if task.done() and not task.cancelled() else
            {"error": "timed out", "status": 504} for name, task in tasks.items()}


@wrong("12.1", "return a dict with every call's name")
async def _within_only_finished(calls, seconds):
    tasks = {name: asyncio.create_task(call) for name, call in calls.items()}
    done, pending = await asyncio.wait(tasks.values(), timeout=seconds)
    for task in pending:
        task.cancel()
    return {name: task.result() for name, task in tasks.items() if task in done}


@wrong("12.1", "`rates` finished in time")
async def _within_all_or_nothing(calls, seconds):
    try:
        async with asyncio.timeout(seconds):
            results = await asyncio.gather(*calls.values())
    except TimeoutError:
        return {name: {"error": f"{name}: no answer within {seconds} s", "status": 504}
                for name in calls}
    return dict(zip(calls, results, strict=True))


@wrong("12.2", "raised HTTPStatusError")
async def _events_raises(client, url):
    response = await client.get(url)
    response.raise_for_status()
    return {"data": response.json()}


@wrong("12.2", "is not an exception until")
async def _events_never_checks_the_status(client, url):
    try:
        response = await client.get(url)
    except httpx.HTTPError:
        return {"error": "events unavailable"}
    return {"data": response.json()}


@wrong("12.2", "raised ReadTimeout")
async def _events_only_status_errors(client, url):
    response = await client.get(url)
    try:
        response.raise_for_status()
    except httpx.HTTPStatusError:
        return {"error": "events unavailable"}
    return {"data": response.json()}


@wrong("12.2", "return a dict, not NoneType")
async def _events_returns_nothing_on_error(client, url):
    try:
        response = await client.get(url)
        response.raise_for_status()
    except httpx.HTTPError:
        return None
    return {"data": response.json()}


# A new client blocks the loop ~50 ms loading TLS certificates, so on a busy machine the
# blocking hint can come before the timeout one; both send the learner to the given client.
@wrong("12.2", "the `client` you are given")
async def _events_new_client_without_timeout(client, url):
    try:
        async with httpx.AsyncClient(timeout=None) as own:
            response = await own.get(url)
            response.raise_for_status()
    except httpx.HTTPError:
        return {"error": "events unavailable"}
    return {"data": response.json()}


@wrong("12.2", "never awaited")
async def _events_forgets_await(client, url):
    try:
        response = client.get(url)
        response.raise_for_status()
    except httpx.HTTPError:
        return {"error": "events unavailable"}
    return {"data": response.json()}


@wrong("12.2", "call `.json()`")
async def _events_json_not_called(client, url):
    try:
        response = await client.get(url)
        response.raise_for_status()
    except httpx.HTTPError:
        return {"error": "events unavailable"}
    return {"data": response.json}


@wrong("12.2", "the error message is empty")
async def _events_empty_message(client, url):
    try:
        response = await client.get(url)
        response.raise_for_status()
    except httpx.HTTPError as error:
        return {"error": str(error) if not isinstance(error, httpx.TimeoutException) else ""}
    return {"data": response.json()}


@wrong("12.2", "event loop was frozen")
async def _events_blocking(client, url):
    try:
        response = httpx.get(url, timeout=0.3)
        response.raise_for_status()
    except httpx.HTTPError:
        return {"error": "events unavailable"}
    return {"data": response.json()}


def test_every_exercise_has_at_least_three_wrong_answers():
    counts = wrong.count()
    assert counts and all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), wrong.cases)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    await assert_hint(exercise_id, answer, hint)
