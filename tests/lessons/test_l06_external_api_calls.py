import httpx
import pytest

from course_app.client import AppClient
from course_app.fake_upstream import build_upstream
from course_app.lessons import l06_external_api_calls as lesson
from course_app.server import Server, free_port

pytestmark = pytest.mark.anyio


@pytest.fixture
async def upstream_url():
    async with Server(build_upstream(latency=0)) as url:
        yield url


async def test_a_shared_client_reuses_one_connection_and_is_faster(upstream_url):
    calls = await lesson.client_per_call_vs_shared(upstream_url, calls=20)
    per_call, shared = calls["new client per call"], calls["one shared client"]
    assert (per_call["connections"], shared["connections"]) == (20, 1)
    assert per_call["seconds"] > 3 * shared["seconds"]


async def test_upstream_trouble_becomes_502_or_504_with_a_message(upstream_url):
    answers = await lesson.forecast_answers(upstream_url, f"http://127.0.0.1:{free_port()}")
    assert {case: status for case, (status, _) in answers.items()} == {
        "upstream ok": 200, "upstream error": 502, "upstream slow": 504,
        "upstream drop": 502, "nothing listening": 502}
    assert all(detail for _, detail in answers.values())


async def test_retries_are_bounded_and_skip_timeouts(upstream_url):
    async with httpx.AsyncClient(base_url=upstream_url, timeout=0.2) as client:
        await lesson.reset_stats(upstream_url)
        recovered = await lesson.get_with_retries(
            client, "/weather/Oslo", {"fail_first": 2, "key": "a"})
        gave_up = await lesson.get_with_retries(
            client, "/weather/Oslo", {"fail_first": 5, "key": "b"})
        assert (recovered.status_code, gave_up.status_code) == (200, 503)
        assert (await lesson.read_stats(upstream_url))["received"] == 3 + 3
        await lesson.reset_stats(upstream_url)
        with pytest.raises(httpx.ReadTimeout):
            await lesson.get_with_retries(client, "/weather/Oslo", {"stall": 1})
        assert (await lesson.read_stats(upstream_url))["received"] == 1


async def test_the_client_comes_from_a_dependency_that_tests_can_override(upstream_url):
    app = lesson.build_weather_app(upstream_url)
    fake = httpx.AsyncClient(transport=httpx.ASGITransport(app=build_upstream(latency=0)),
                             base_url="http://fake")
    app.dependency_overrides[lesson.upstream_client] = lambda: fake
    async with AppClient(app) as client:
        response = await client.get("/forecast/Lima")
    await fake.aclose()
    assert response.json()["city"] == "Lima"


async def test_a_bad_simulate_value_is_a_422(upstream_url):
    async with AppClient(lesson.build_weather_app(upstream_url)) as client:
        response = await client.get("/forecast/Oslo", params={"simulate": "explode"})
    assert response.status_code == 422
