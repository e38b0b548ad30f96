"""Lesson 11's exercises (`course_app/exercises/l11_testing_async_apps.py`): the reference
solutions pass, and each wrong answer below gets the hint written beside it."""

import time

import pytest
from wrong_answers import (
    WrongAnswers,
    assert_hint,
    assert_passes,
    lesson_exercise_ids,
    reference_answer,
)

pytestmark = pytest.mark.anyio
wrong = WrongAnswers("11")


@pytest.mark.parametrize("exercise_id", lesson_exercise_ids("11"))
async def test_reference_solution_passes(exercise_id):
    await assert_passes(exercise_id, await reference_answer(exercise_id))


async def _test_404_with_pytest_fail(client):
    response = await client.get("/authors/9999")
    if response.status_code != 404:
        pytest.fail(f"expected 404, got {response.status_code}")
    assert response.json()["detail"] == "no author with id 9999"


@wrong("11.1", "FastAPI's default message")
async def _test_404_status_only(client):
    response = await client.get("/authors/9999")
    assert response.status_code == 404


@wrong("11.1", "answers 200 with an empty body")
async def _test_404_asserts_nothing(client):
    await client.get("/authors/9999")


@wrong("11.1", "failed against the correct app")
async def _test_404_expects_200(client):
    response = await client.get("/authors/9999")
    assert response.status_code == 200


@wrong("11.1", "answers 404 with FastAPI's default message")
async def _test_404_not_a_500_only(client):
    response = await client.get("/authors/9999")
    assert response.status_code != 500
    assert "detail" in response.json()


@wrong("11.1", 'answers 200 with {"detail"')
async def _test_404_message_only(client):
    response = await client.get("/authors/9999")
    assert response.json() == {"detail": "no author with id 9999"}


@wrong("11.1", "must take exactly these arguments")
async def _test_404_without_the_client():
    assert True


@wrong("11.2", "on a slower machine")
async def _timing_absolute(fetch_all, fetch_one):
    started = time.perf_counter()
    results = await fetch_all(["a", "b", "c", "d"])
    assert time.perf_counter() - started < 0.1
    assert [r["city"] for r in results] == ["a", "b", "c", "d"]


@wrong("11.2", "one after another")
async def _timing_only_results(fetch_all, fetch_one):
    results = await fetch_all(["a", "b", "c", "d"])
    assert [r["city"] for r in results] == ["a", "b", "c", "d"]


@wrong("11.2", "wrong order")
async def _timing_only_time(fetch_all, fetch_one):
    started = time.perf_counter()
    await fetch_one("a")
    one = time.perf_counter() - started
    started = time.perf_counter()
    await fetch_all(["a", "b", "c", "d"])
    assert time.perf_counter() - started < 2 * one


@wrong("11.2", "has no body")
async def _timing_empty(fetch_all, fetch_one):
    ...


@wrong("11.2", "failed against a correct, concurrent")
async def _timing_too_strict(fetch_all, fetch_one):
    results = await fetch_all(["a", "b"])
    assert results == [{"city": "a"}, {"city": "b"}, {"city": "c"}]


@wrong("11.2", "never calls `fetch_all`")
async def _timing_never_calls_fetch_all(fetch_all, fetch_one):
    await fetch_one("a")


async def test_11_1_accepts_a_test_that_fails_with_pytest_fail():
    await assert_passes("11.1", _test_404_with_pytest_fail)


def test_every_exercise_has_at_least_three_wrong_answers():
    counts = wrong.count()
    assert counts and all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), wrong.cases)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    await assert_hint(exercise_id, answer, hint)
