"""Lesson 06: its notebook's claims follow its code, and the weather API that lesson 11 imports
answers upstream trouble with a 502 or a 504."""


import httpx
import pytest

from course_app.client import AppClient
from course_app.fake_upstream import build_upstream
from course_app.lessons import l06_external_api_calls as lesson
from course_app.notebook_runner import rerun_section, section_text
from course_app.paths import NOTEBOOKS
from course_app.server import Server, free_port

NOTEBOOK = NOTEBOOKS / "06_external_api_calls.ipynb"


# --- the notebook, edited and run again ----------------------------------------------------------


def test_a_shared_client_reuses_one_connection_and_is_faster():
    ran = rerun_section(NOTEBOOK, "6.2", {"CALLS = 20": "CALLS = 10"})
    text = section_text(ran, "6.2")
    assert "new client per call                      " in text
    assert "10 connection(s)" in text and "one shared client" in text
    assert "1 connection(s)" in text and "the answer is 1." in text


def test_a_longer_timeout_turns_the_read_timeout_into_an_answer():
    ran = rerun_section(NOTEBOOK, "6.3", {"httpx.Timeout(0.2)": "httpx.Timeout(5.0)"})
    text = section_text(ran, "6.3")
    assert "caught ReadTimeout" not in text
    assert "200 snowy" in text and "the answer is 200 OK." in text


def test_more_attempts_outlast_an_upstream_that_fails_five_times():
    ran = rerun_section(NOTEBOOK, "6.5", {"ATTEMPTS = 3": "ATTEMPTS = 6"})
    text = section_text(ran, "6.5")
    assert "fails five times: 200 after 6 requests" in text


# --- the importable weather API (lesson 11's tests use it) ---------------------------------------


@pytest.fixture
async def upstream_url():
    async with Server(build_upstream(latency=0)) as url:
        yield url


@pytest.mark.anyio
async def test_upstream_trouble_becomes_502_or_504_with_a_message(upstream_url):
    answers = {}
    async with AppClient(lesson.build_weather_app(upstream_url)) as client:
        for simulate in lesson.SIMULATE:
            answers[simulate] = await client.get("/forecast/Oslo", params={"simulate": simulate})
    async with AppClient(lesson.build_weather_app(f"http://127.0.0.1:{free_port()}")) as client:
        answers["nothing listening"] = await client.get("/forecast/Oslo")
    assert {case: r.status_code for case, r in answers.items()} == {
        "ok": 200, "error": 502, "slow": 504, "drop": 502, "nothing listening": 502}
    assert all(r.json().get("detail") for case, r in answers.items() if case != "ok")


@pytest.mark.anyio
async def test_the_client_comes_from_a_dependency_that_tests_can_override(upstream_url):
    app = lesson.build_weather_app(upstream_url)
    fake = httpx.AsyncClient(transport=httpx.ASGITransport(app=build_upstream(latency=0)),
                             base_url="http://fake")
    app.dependency_overrides[lesson.upstream_client] = lambda: fake
    async with AppClient(app) as client:
        response = await client.get("/forecast/Lima")
    await fake.aclose()
    assert response.json()["city"] == "Lima"


@pytest.mark.anyio
async def test_a_bad_simulate_value_is_a_422(upstream_url):
    async with AppClient(lesson.build_weather_app(upstream_url)) as client:
        response = await client.get("/forecast/Oslo", params={"simulate": "explode"})
    assert response.status_code == 422
