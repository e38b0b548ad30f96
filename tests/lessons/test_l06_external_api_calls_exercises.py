"""Lesson 06's exercises (`course_app/exercises/l06_external_api_calls.py`): the reference
solutions pass, and each wrong answer below gets the hint written beside it."""

import time
from contextlib import asynccontextmanager

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
wrong = WrongAnswers("06")


@pytest.mark.parametrize("exercise_id", lesson_exercise_ids("06"))
async def test_reference_solution_passes(exercise_id):
    await assert_passes(exercise_id, await reference_answer(exercise_id))


async def solutions_forecast(client, city):
    from course_app.solutions.l06_external_api_calls import forecast

    return await forecast(client, city)


@wrong("06.1", "raise `HTTPException(502, ...)` instead")
async def _forecast_no_mapping(client, city):
    return (await client.get(f"/weather/{city}")).json()


@wrong("06.1", "let `ReadTimeout` escape")
async def _forecast_only_status(client, city):
    from fastapi import HTTPException

    response = await client.get(f"/weather/{city}")
    if response.is_error:
        raise HTTPException(502, "upstream failed")
    return response.json()


@wrong("06.1", "should get 504, not 502")
async def _forecast_everything_502(client, city):
    from fastapi import HTTPException

    try:
        response = await client.get(f"/weather/{city}")
        response.raise_for_status()
    except httpx.HTTPError:
        raise HTTPException(502, "upstream trouble") from None
    return response.json()


@wrong("06.1", "not the Response")
async def _forecast_returns_response(client, city):
    return await client.get(f"/weather/{city}")


@wrong("06.1", "the event loop was frozen")
async def _forecast_blocking(client, city):
    time.sleep(0.1)
    return await solutions_forecast(client, city)


@wrong("06.1", "did not use the `client` it was given")
async def _forecast_own_client(client, city):
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9") as own:
        return await solutions_forecast(own, city)


@wrong("06.1", "give the 502 a message")
async def _forecast_no_message(client, city):
    from fastapi import HTTPException

    try:
        return await solutions_forecast(client, city)
    except HTTPException as error:
        raise HTTPException(error.status_code) from None


@wrong("06.1", "the mistake is our caller's")
async def _forecast_every_status_502(client, city):
    from fastapi import HTTPException

    try:
        response = await client.get(f"/weather/{city}")
        response.raise_for_status()
    except httpx.TimeoutException:
        raise HTTPException(504, "too slow") from None
    except httpx.HTTPError:
        raise HTTPException(502, "upstream trouble") from None
    return response.json()


@wrong("06.2", "still open after shut-down")
@asynccontextmanager
async def _upstream_never_closed(app):
    yield {"upstream": httpx.AsyncClient(base_url=app.state.upstream_url)}


@wrong("06.2", "base_url=app.state.upstream_url")
@asynccontextmanager
async def _upstream_wrong_url(app):
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9") as client:
        yield {"upstream": client}


@wrong("06.2", "yield `{\"upstream\": client}`")
@asynccontextmanager
async def _upstream_missing(app):
    yield {}


@wrong("06.2", "it is on `app.state`")
@asynccontextmanager
async def _upstream_on_app_state(app):
    async with httpx.AsyncClient(base_url=app.state.upstream_url) as client:
        app.state.upstream = client
        yield


@wrong("06.2", "yield a dict")
@asynccontextmanager
async def _upstream_yields_client(app):
    async with httpx.AsyncClient(base_url=app.state.upstream_url) as client:
        yield client


@wrong("06.2", "has no `yield`")
@asynccontextmanager
async def _lifespan_without_yield(app):
    pass


@wrong("06.2", "decorate it with `@asynccontextmanager`")
async def _lifespan_generator(app):
    yield {"specials": ["chai"]}


def test_every_exercise_has_at_least_three_wrong_answers():
    counts = wrong.count()
    assert counts and all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), wrong.cases)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    await assert_hint(exercise_id, answer, hint)
