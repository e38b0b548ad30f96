"""Lesson 11's exercises: write tests, and prove each one can fail.

A test that passes against a broken app protects nothing. Each check runs the learner's test
against a correct subject (it must pass) and against deliberately broken ones (it must fail).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, HTTPException

from course_app.client import AppClient
from course_app.database import fresh_database
from course_app.exercise import Hint, exercise, guarded
from course_app.lessons.l05_async_database import build_library_app
from course_app.pitfall import describe
from course_app.solutions import l11_testing_async_apps as solutions


def _broken_library(kind: str) -> FastAPI:
    app = FastAPI()

    @app.get("/authors/{author_id}")
    async def read_author(author_id: int):
        if kind == "200":
            return {}
        if kind == "200 with the message":
            return {"detail": f"no author with id {author_id}"}
        if kind == "default 404":
            raise HTTPException(404)  # FastAPI's default message, "Not Found"
        raise RuntimeError("the database is gone")  # a crash: 500

    return app


BROKEN_LIBRARIES = {
    "200": "answers 200 with an empty body",
    "default 404": 'answers 404 with FastAPI\'s default message, {"detail": "Not Found"} (what '
                   "a mistyped path gives too)",
    "500": "crashes with a 500",
    "200 with the message": 'answers 200 with {"detail": "no author with id 9999"}',
}


async def _outcome(test: Callable[..., Awaitable], *args) -> BaseException | None:
    """Run one learner test: None when it passed, else what it raised (a failure).

    Anything a test raises fails it under pytest, including `pytest.fail()`, `pytest.skip()`
    and a failed `pytest.raises`, which raise `BaseException` subclasses; only an interrupt
    (cancellation, Ctrl-C) goes on.
    """
    try:
        await guarded(test(*args))
    except (asyncio.CancelledError, KeyboardInterrupt):
        raise
    except BaseException as exc:  # noqa: BLE001 - see the docstring
        return exc
    return None


def _hint_if_wrong_arguments(failure: BaseException | None, name: str, arguments: str) -> None:
    if isinstance(failure, TypeError) and "positional argument" in str(failure):
        raise Hint(f"`{name}` must take exactly these arguments, in this order: {arguments} "
                   f"(Python says: {failure}).", decisive=True)


@exercise("11.1", "a test for the 404 that can fail", expects="async function",
          solution=solutions.test_missing_author_is_404)
async def check_missing_author_test(test_missing_author_is_404) -> str:
    # The check's own empty database, private to this task: any database the notebook has open
    # is left alone (the app's lifespan would try to open a second one).
    async with fresh_database(), AppClient(build_library_app(lifespan=None)) as client:
        failure = await _outcome(test_missing_author_is_404, client)
    _hint_if_wrong_arguments(failure, "test_missing_author_is_404", "`client`")
    if failure is not None:
        raise Hint(f"your test failed against the correct app: {describe(failure)}. The app "
                   'answers GET /authors/9999 with 404 and {"detail": "no author with id '
                   '9999"}.', decisive=True)
    for kind, behaviour in BROKEN_LIBRARIES.items():
        async with AppClient(_broken_library(kind), log_errors=False) as client:
            if await _outcome(test_missing_author_is_404, client) is None:
                raise Hint(f"your test passed against a broken app that {behaviour}: it would "
                           "not catch that bug. Assert the status code and the message.",
                           decisive=True)
    return (f"it passes against the app and fails against all {len(BROKEN_LIBRARIES)} broken "
            "ones.")



def _subject(latency: float, concurrent: bool, right_order: bool = True,
             calls: list[str] | None = None):
    """A `fetch_one`/`fetch_all` pair over a fake service where each call takes `latency` s.
    Each call of either function appends its name to `calls`, when given."""

    async def fetch_one(city: str) -> dict:
        await asyncio.sleep(latency)
        return {"city": city}

    async def fetch_all(cities: list[str]) -> list[dict]:
        if calls is not None:
            calls.append("fetch_all")
        if concurrent:
            results = await asyncio.gather(*(fetch_one(city) for city in cities))
        else:
            results = [await fetch_one(city) for city in cities]
        return results if right_order else results[::-1]

    return fetch_all, fetch_one


@exercise("11.2", "a timing test that is not flaky", expects="async function",
          solution=solutions.test_fetch_all_is_concurrent)
async def check_timing_test(test_fetch_all_is_concurrent) -> str:
    fast, slow = 0.05, 0.2
    calls: list[str] = []
    failure = await _outcome(test_fetch_all_is_concurrent,
                             *_subject(fast, concurrent=True, calls=calls))
    _hint_if_wrong_arguments(failure, "test_fetch_all_is_concurrent",
                             "`fetch_all`, `fetch_one`")
    if failure is None and not calls:
        raise Hint("your test never calls `fetch_all`, so it cannot fail: call it, time it, and "
                   "assert on what it returns and how long it took.")
    if failure is not None:
        raise Hint(f"your test failed against a correct, concurrent `fetch_all` (each call "
                   f"{fast} s): {describe(failure)}.", decisive=True)
    failure = await _outcome(test_fetch_all_is_concurrent, *_subject(slow, concurrent=True))
    if failure is not None:
        raise Hint(f"your test failed against the same correct `fetch_all` on a slower machine "
                   f"(each call {slow} s instead of {fast} s): {describe(failure)}. Compare with "
                   "the time of one call (`fetch_one`) measured in the test, not with a fixed "
                   "number of seconds.", decisive=True)
    for latency in (fast, slow):
        if await _outcome(test_fetch_all_is_concurrent,
                          *_subject(latency, concurrent=False)) is None:
            raise Hint(f"your test passed a `fetch_all` that calls the cities one after "
                       f"another (each call {latency} s): assert that all of them together "
                       "take well under the sum, for example less than 2× one call.",
                       decisive=True)
    if await _outcome(test_fetch_all_is_concurrent,
                      *_subject(fast, concurrent=True, right_order=False)) is None:
        raise Hint("your test passed a concurrent `fetch_all` that returns the results in the "
                   "wrong order: check the results too, not only the time.", decisive=True)
    return ("it passes for concurrent calls on a fast and a slow machine, and fails for "
            "sequential calls and for wrong results.")
