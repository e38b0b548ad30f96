"""Lesson 02's exercises (`course_app/exercises/l02_async_routes.py`): the reference
solutions pass, and each wrong answer below gets the hint written beside it."""

import time
from contextlib import asynccontextmanager, contextmanager

import pytest
from wrong_answers import (
    WrongAnswers,
    assert_hint,
    assert_passes,
    lesson_exercise_ids,
    reference_answer,
)

from course_app.lessons.l03_async_and_await import fetch_data

pytestmark = pytest.mark.anyio
wrong = WrongAnswers("02")


@pytest.mark.parametrize("exercise_id", lesson_exercise_ids("02"))
async def test_reference_solution_passes(exercise_id):
    await assert_passes(exercise_id, await reference_answer(exercise_id))


def _double_app(path="/double/{number}", plain=False, typed=True, factor=2, blocking=False,
                returns_nothing=False, unfinished=False):
    from fastapi import FastAPI

    app = FastAPI()
    if blocking or returns_nothing or unfinished:
        async def double(number: int) -> dict | None:
            if unfinished:
                raise NotImplementedError
            time.sleep(0.2 if blocking else 0)
            return None if returns_nothing else {"result": 2 * number}
    elif typed:
        async def double(number: int) -> dict:
            return {"result": factor * number}
    else:
        async def double(number) -> dict:
            return {"result": factor * int(number) if str(number).isdigit() else 0}
    if plain:
        def double(number: int) -> dict:  # noqa: F811 - the plain-def variant
            return {"result": factor * number}
    app.get(path)(double)
    return app


wrong.add("02.1", _double_app(path="/twice/{number}"), "found no path operation")
wrong.add("02.1", _double_app(plain=True), "is a plain `def`")
wrong.add("02.1", _double_app(typed=False), "declare `number: int`")
wrong.add("02.1", _double_app(factor=3), "returned {'result': 63}")
wrong.add("02.1", "double_app", "expected a FastAPI app")
wrong.add("02.1", _double_app(blocking=True), "the event loop was frozen")
wrong.add("02.1", _double_app(returns_nothing=True), "is the `return` missing?")
wrong.add("02.1", _double_app(unfinished=True), "looks unfinished")


@wrong("02.2", "decorate it with `@asynccontextmanager`")
async def _lifespan_generator(app):
    yield {"specials": ["chai"]}


@wrong("02.2", "yield a dict")
@asynccontextmanager
async def _lifespan_no_state(app):
    yield


@wrong("02.2", "`specials` is empty")
@asynccontextmanager
async def _lifespan_empty(app):
    yield {"specials": []}


wrong.add("02.2", fetch_data, "`async def` with one `yield`")


@wrong("02.2", "make it a list of drink names")
@asynccontextmanager
async def _lifespan_string(app):
    yield {"specials": "iced latte"}


@wrong("02.2", "has no `yield`")
@asynccontextmanager
async def _lifespan_without_yield(app):
    pass


@wrong("02.2", "yield a dict")
@asynccontextmanager
async def _lifespan_yields_a_list(app):
    yield ["latte"]


@wrong("02.2", "not `@contextmanager`")
@contextmanager
def _lifespan_sync(app):
    yield {"specials": ["chai"]}


async def test_02_1_accepts_a_path_operation_added_through_a_router():
    from fastapi import APIRouter, FastAPI

    router = APIRouter()

    @router.get("/double/{number}")
    async def double(number: int) -> dict:
        return {"result": 2 * number}

    app = FastAPI()
    app.include_router(router)
    await assert_passes("02.1", app)


def test_every_exercise_has_at_least_three_wrong_answers():
    counts = wrong.count()
    assert counts and all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), wrong.cases)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    await assert_hint(exercise_id, answer, hint)
