"""Lesson 00's exercises (`course_app/exercises/l00_start_here.py`): the reference
solutions pass, and each wrong answer below gets the hint written beside it."""

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
wrong = WrongAnswers("00")


@pytest.mark.parametrize("exercise_id", lesson_exercise_ids("00"))
async def test_reference_solution_passes(exercise_id):
    await assert_passes(exercise_id, await reference_answer(exercise_id))


wrong.add("00.1", httpx.Response(200, json={"message": "Hello, Ada!"}), "whole `Response` object")
wrong.add("00.1", "Hello, Ada!", "pass the JSON body as a dict")
wrong.add("00.1", {"message": "Hello, async world!"}, "ask for `/hello/Ada`")
wrong.add("00.1", 42, "expected the JSON body")


@wrong("00.2", "'AsyncClient.get' was never awaited")
async def _fetch_forgets_await(client, name):
    response = client.get(f"/hello/{name}")
    return response.json()["message"]


@wrong("00.2", "returned the `Response`")
async def _fetch_returns_response(client, name):
    return await client.get(f"/hello/{name}")


@wrong("00.2", "returned the whole body")
async def _fetch_returns_body(client, name):
    return (await client.get(f"/hello/{name}")).json()


@wrong("00.2", "is the name in the path?")
async def _fetch_wrong_path(client, name):
    return (await client.get("/hello")).json()["message"]


@wrong("00.2", "the event loop was frozen")
async def _fetch_blocking(client, name):
    time.sleep(0.2)
    return (await client.get(f"/hello/{name}")).json()["message"]


@wrong("00.2", "did not use the `client` it was given")
async def _fetch_ignores_client(client, name):
    from course_app.client import AppClient
    from course_app.lessons.l00_start_here import hello_app

    async with AppClient(hello_app) as own:
        return (await own.get(f"/hello/{name}")).json()["message"]


def test_every_exercise_has_at_least_three_wrong_answers():
    counts = wrong.count()
    assert counts and all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), wrong.cases)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    await assert_hint(exercise_id, answer, hint)
