"""Lesson 11.2: swap the upstream HTTP client with `app.dependency_overrides`, not a patch."""

import httpx
import pytest
from asgi_lifespan import LifespanManager

from course_app.fake_upstream import build_upstream
from course_app.lessons.l06_external_api_calls import build_weather_app, upstream_client

pytestmark = pytest.mark.anyio

UNUSED_URL = "http://127.0.0.1:9"  # the app's own client is replaced, so this is never called


@pytest.fixture
async def weather():
    """Lesson 06's app, with its upstream client replaced by one that calls the fake upstream
    in-process: no server, no sockets, no waiting (latency 0)."""
    upstream = httpx.AsyncClient(transport=httpx.ASGITransport(app=build_upstream(latency=0)),
                                 base_url="http://upstream")
    app = build_weather_app(UNUSED_URL)
    app.dependency_overrides[upstream_client] = lambda: upstream
    async with upstream, LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_a_forecast_comes_from_the_upstream(weather):
    response = await weather.get("/forecast/Oslo")
    assert response.status_code == 200
    assert response.json()["city"] == "Oslo"


async def test_an_upstream_failure_is_a_502_with_a_message(weather):
    response = await weather.get("/forecast/Oslo", params={"simulate": "error"})
    assert response.status_code == 502
    assert response.json() == {"detail": "the weather service failed (503)"}


async def test_patching_httpx_instead_also_fools_the_test_itself(monkeypatch):
    """Why overrides beat patching: a patch on httpx reaches every client in the process,
    including the test's own client, so the test no longer talks to the app at all."""
    canned = httpx.Response(200, json={"city": "Oslo", "temperature_c": 99})

    async def fake_send(self, request, **kwargs):
        return canned

    monkeypatch.setattr(httpx.AsyncClient, "send", fake_send)
    app = build_weather_app(UNUSED_URL)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/forecast/Nowhere", params={"simulate": "error"})
    # the "app" answered 200 for a failing upstream and a city it was never asked about:
    assert response.json() == {"city": "Oslo", "temperature_c": 99}
