"""Lesson 12, the capstone: its step checks, and a learner's edits followed by the output.

The steps' right answers are the notebook's own code (`notebook_module` loads its `# Set-up`
cells); the wrong ones are the slips a learner editing a step is likely to make.
"""

import asyncio
import multiprocessing
import random
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import cache

import httpx
import pytest
from fastapi import FastAPI
from tortoise.contrib.fastapi import RegisterTortoise

from course_app.check import evaluate, exercises, steps
from course_app.database import tortoise_config
from course_app.lessons.l12_capstone import MODELS, notebook_module
from course_app.lessons.l12_ranking import rank_flights
from course_app.notebook_runner import rerun_section, section_text
from course_app.paths import NOTEBOOKS

pytestmark = pytest.mark.anyio

NOTEBOOK = NOTEBOOKS / "12_capstone.ipynb"


@cache
def capstone():
    """The notebook's set-up cells, run once for this test module."""
    return notebook_module()


# --- a learner's edits ------------------------------------------------------------------------

def test_a_smaller_limit_lets_fewer_calls_fly_and_fewer_cities_make_fewer_calls():
    ran = rerun_section(NOTEBOOK, "12.3", {"LIMIT = 6": "LIMIT = 4",
                                           '"Kyoto", "Quito"]': '"Kyoto"]'})
    assert "4 cities: 12 calls in" in section_text(ran, "12.3")
    assert "at most 4 in flight" in section_text(ran, "12.3")


def test_a_service_that_fails_more_often_needs_more_attempts():
    ran = rerun_section(NOTEBOOK, "12.2", {"fail_first=2": "fail_first=3",
                                           "attempts=3)": "attempts=4)"})
    assert "200 after 4 attempts" in section_text(ran, "12.2")


# --- the notebook's module, and what a step check records -------------------------------------

def test_the_notebook_module_has_the_app_and_every_step():
    module = capstone()
    assert isinstance(module.app, FastAPI)
    assert {route.path for route in module.app.routes} >= {
        "/dashboard/{city}", "/dashboards/{city}", "/health"}
    for name in ("lifespan", "get_with_retries", "fetch_section", "fetch_sections",
                 "build_dashboard", "refresh"):
        assert callable(getattr(module, name)), name


def test_steps_are_checked_apart_from_exercises():
    assert {"12.lifespan", "12.fetch", "12.gather"} <= set(steps())
    assert not set(steps()) & set(exercises())


@pytest.mark.parametrize(("step_id", "name"), [
    ("12.lifespan", "lifespan"), ("12.fetch", "fetch_section"), ("12.gather", "fetch_sections")])
async def test_the_notebook_s_step_passes_its_check_and_no_progress_is_recorded(
        step_id, name, progress_file):
    passed, message = await evaluate(step_id, getattr(capstone(), name))
    assert passed, message
    assert not progress_file.exists()


# --- step 1: wrong lifespans ------------------------------------------------------------------

def _lifespan(*, state=True, client="closed", timeout=1.0, limit=True, pool="process",
              database=True):
    """A lifespan like the notebook's, with one part done wrong."""

    @asynccontextmanager
    async def lifespan(app):
        executor = (ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
                    if pool == "process" else ThreadPoolExecutor(1))
        with executor:
            if pool == "process":
                await asyncio.get_running_loop().run_in_executor(executor, rank_flights, [])
            options = {} if timeout is None else {"timeout": timeout}
            async with httpx.AsyncClient(**options) as shared:
                made = shared if client == "closed" else httpx.AsyncClient(timeout=timeout)
                found = {"client": made, "pool": executor}
                if limit:
                    found["limit"] = asyncio.Semaphore(10)
                if database:
                    async with RegisterTortoise(app, config=tortoise_config(
                            "sqlite://:memory:", MODELS), generate_schemas=True):
                        yield found if state else None
                else:
                    yield found if state else None

    return lifespan


async def _undecorated(app):
    yield {}


@pytest.mark.parametrize(("answer", "hint"), [
    (_undecorated, "decorate it with `@asynccontextmanager`"),
    (_lifespan(state=False, pool="thread", database=False), "the lifespan yielded nothing"),
    (_lifespan(timeout=None, pool="thread", database=False), "httpx's default timeout"),
    (_lifespan(limit=False, pool="thread", database=False), "no `\"limit\"`"),
    (_lifespan(pool="thread", database=False), "should be a `ProcessPoolExecutor`"),
    (_lifespan(database=False), "a request that queried the database failed"),
    (_lifespan(client="never closed"), "still open after shut-down"),
], ids=["undecorated", "no-state", "default-timeout", "no-limit", "thread-pool", "no-database",
        "client-never-closed"])
async def test_a_wrong_lifespan_gets_its_hint(answer, hint):
    passed, message = await evaluate("12.lifespan", answer)
    assert not passed
    assert hint in message


# --- step 2: wrong upstream calls -------------------------------------------------------------

def _fetch(*, retry=True, retry_timeouts=False, retry_refusals=False, wait=True, hold=True,
           check_status=True, catch=True, timeout_first=True):
    """A `fetch_section` like the notebook's, with one part done wrong."""
    retried = (httpx.ConnectError, httpx.TimeoutException) if retry_timeouts \
        else (httpx.ConnectError,)
    timeouts = (httpx.TimeoutException,) if timeout_first else ()

    async def call(client, limit, url):
        if hold:
            async with limit:
                return await client.get(url)
        return await client.get(url)

    async def get(client, limit, url, attempts=3):
        for attempt in range(1, (attempts if retry else 1) + 1):
            try:
                response = await call(client, limit, url)
                again = response.status_code >= 400 if retry_refusals \
                    else response.status_code in (502, 503, 504)
                if not again or attempt == attempts or not retry:
                    return response
            except retried:
                if attempt == attempts or not retry:
                    raise
            if wait:
                await asyncio.sleep(0.02 * 2 ** attempt * random.uniform(0.5, 1.5))

    async def fetch_section(client, limit, name, url):
        if not catch:
            response = await get(client, limit, url)
            response.raise_for_status()
            return {"data": response.json()}
        try:
            response = await get(client, limit, url)
            if check_status:
                response.raise_for_status()
            return {"data": response.json()}
        except timeouts:
            return {"error": f"{name}: no answer", "status": 504}
        except httpx.HTTPStatusError as error:
            code = error.response.status_code
            if code < 500:
                return {"error": f"{name}: refused", "status": code}
            return {"error": f"{name}: failed", "status": 502}
        except httpx.TransportError:
            return {"error": f"{name}: unreachable", "status": 502}

    return fetch_section


@pytest.mark.parametrize(("answer", "hint"), [
    (_fetch(), None),
    (_fetch(check_status=False), "is not an exception until"),
    (_fetch(retry=False), "retry it (a GET is safe to repeat)"),
    (_fetch(retry_timeouts=True), "a timeout's wait is already spent"),
    (_fetch(retry_refusals=True), "a 4xx is a refusal"),
    (_fetch(wait=False), "the retries came at once"),
    (_fetch(hold=False), "`limit` was held for 0"),
    (_fetch(timeout_first=False), "expected `{\"error\": \"weather: ...\", \"status\": 504}`"),
    (_fetch(catch=False), "raised HTTPStatusError"),
], ids=["right", "no-status-check", "no-retry", "retries-timeouts", "retries-refusals",
        "no-wait", "ignores-limit", "timeout-as-502", "raises"])
async def test_a_wrong_fetch_section_gets_its_hint(answer, hint):
    passed, message = await evaluate("12.fetch", answer)
    if hint is None:
        assert passed, message
    else:
        assert not passed
        assert hint in message


# --- step 3: wrong fan-outs -------------------------------------------------------------------

async def _sections_one_by_one(client, limit, urls):
    fetch_section = capstone().fetch_section
    return {name: await fetch_section(client, limit, name, url) for name, url in urls.items()}


async def _sections_as_a_list(client, limit, urls):
    fetch_section = capstone().fetch_section
    return await asyncio.gather(*(fetch_section(client, limit, n, u) for n, u in urls.items()))


async def _sections_raw_calls(client, limit, urls):
    responses = await asyncio.gather(*(client.get(url) for url in urls.values()))
    for response in responses:
        response.raise_for_status()
    return {name: {"data": r.json()} for name, r in zip(urls, responses, strict=True)}


async def _sections_sorted(client, limit, urls):
    fetch_section = capstone().fetch_section
    results = await asyncio.gather(*(fetch_section(client, limit, n, u) for n, u in urls.items()))
    return dict(sorted(zip(urls, results, strict=True)))


@pytest.mark.parametrize(("answer", "hint"), [
    (_sections_one_by_one, "only 1 call(s) were in flight"),
    (_sections_as_a_list, "return a dict, section name → section"),
    (_sections_raw_calls, "made the whole call raise HTTPStatusError"),
    (_sections_sorted, "in that order"),
], ids=["one-by-one", "list", "raw-calls", "sorted"])
async def test_a_wrong_fetch_sections_gets_its_hint(answer, hint):
    passed, message = await evaluate("12.gather", answer)
    assert not passed
    assert hint in message
