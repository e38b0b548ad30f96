"""The capstone's own tests, in lesson 11's style: in-process, one app per test, no sleeps.

The app is the one the notebook assembles: `notebook_module` runs the notebook's `# Set-up`
cells (as saved) in a fresh module, so these tests check the code the learner reads.
"""

from contextlib import asynccontextmanager

import httpx
import pytest
from asgi_lifespan import LifespanManager

from course_app.fake_upstream import build_upstream
from course_app.lessons.l12_capstone import broken_service, notebook_module
from course_app.server import Server

pytestmark = pytest.mark.anyio

capstone = notebook_module()
SECTIONS = list(capstone.SECTIONS)


def services(latency: float = 0.0) -> dict:
    """A fresh fake service per section, each answering after `latency` seconds."""
    return {name: build_upstream(latency=latency) for name in SECTIONS}


@asynccontextmanager
async def dashboard_for(services: dict, **settings):
    """An in-process client for the notebook's app on `services`, its lifespan running, with a
    new, empty in-memory database."""
    app = capstone.app
    app.dependency_overrides[capstone.settings] = lambda: capstone.Settings(
        services, **{"database_url": "sqlite://:memory:", **settings})
    try:
        async with LifespanManager(app, startup_timeout=30) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield client
    finally:
        app.dependency_overrides.clear()


@pytest.fixture
async def dashboard():
    """The dashboard on three fast in-process services, with caching on."""
    async with dashboard_for(services(latency=0.01)) as client:
        yield client


async def test_every_section_and_the_ranked_flights(dashboard):
    response = await dashboard.get("/dashboard/Oslo", params={"currency": "gbp"})
    assert response.status_code == 200
    body = response.json()
    assert body["currency"] == "GBP" and body["cached"] is False
    assert body["sections"]["rates"]["data"] == {"currency": "GBP", "per_eur": 0.86}
    flights = body["sections"]["flights"]["data"]["flights"]
    values = [flight["price_eur"] + 25 * flight["hours"] for flight in flights]
    assert values == sorted(values)  # ranked, best value first
    timing = dict(part.split(";dur=") for part in response.headers["Server-Timing"].split(", "))
    assert list(timing) == ["upstream", "ranking", "snapshot"]


async def test_an_unknown_currency_carries_the_services_reason(dashboard):
    rates = (await dashboard.get("/dashboard/Oslo", params={"currency": "XYZ"})).json()
    assert rates["sections"]["rates"] == {
        "error": "rates: no rate for 'XYZ'; try EUR, USD, GBP, JPY, CHF", "status": 404}
    again = await dashboard.get("/dashboard/oslo", params={"currency": "xyz"})
    assert again.json()["cached"] is True  # one dashboard, however the city is written


async def test_a_second_request_is_served_from_the_cache_and_stored_once(dashboard):
    await dashboard.get("/dashboard/Lima")
    again = await dashboard.get("/dashboard/Lima")
    assert again.json()["cached"] is True
    assert (await dashboard.get("/dashboards/Lima")).json() == {"city": "Lima", "snapshots": 1}


async def test_a_stale_answer_is_served_and_refreshed_in_the_background():
    async with dashboard_for(services(), cache_seconds=1e-9) as client:
        await client.get("/dashboard/Accra")
        stale = await client.get("/dashboard/Accra")
        assert stale.json()["cached"] is True and stale.json()["refreshing"] is True
        # in-process, the background refresh has finished by now (lesson 11)
        assert (await client.get("/dashboards/Accra")).json()["snapshots"] == 2


async def test_one_failing_service_gives_a_partial_answer_and_all_failing_a_502():
    async with dashboard_for({**services(), "rates": broken_service(503)}) as client:
        response = await client.get("/dashboard/Oslo")
    assert response.status_code == 200
    sections = response.json()["sections"]
    assert sections["rates"] == {"error": "rates: the service failed (503)", "status": 502}
    assert "data" in sections["weather"] and "data" in sections["flights"]

    async with dashboard_for({name: broken_service(500) for name in SECTIONS}) as client:
        response = await client.get("/dashboard/Oslo")
    assert response.status_code == 502
    assert "weather: the service failed (500)" in response.json()["detail"]


async def test_services_that_never_answer_give_a_504_within_the_timeout():
    # timeouts need real sockets: the in-process transport has no clock
    async with Server(build_upstream(latency=3), access_log=False,
                      graceful_shutdown_timeout=0.1) as slow:
        async with dashboard_for(dict.fromkeys(SECTIONS, slow), timeout=0.2) as client:
            response = await client.get("/dashboard/Oslo")
    assert response.status_code == 504
    assert "no answer within 0.2 s" in response.json()["detail"]


async def test_bad_input_is_a_422(dashboard):
    assert (await dashboard.get("/dashboard/São Paulo")).status_code == 200
    for path, params in (("/dashboard/Oslo!", {}), ("/dashboard/Oslo", {"currency": "EURO"}),
                         ("/dashboard/" + "x" * 61, {})):
        assert (await dashboard.get(path, params=params)).status_code == 422
