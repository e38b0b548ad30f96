import httpx
import pytest

from course_app.client import AppClient
from course_app.fake_upstream import build_upstream, temperature_c
from course_app.server import Server, free_port

pytestmark = pytest.mark.anyio


async def test_deterministic_bodies_and_clear_errors():
    async with AppClient(build_upstream(latency=0)) as client:
        weather = (await client.get("/weather/Oslo")).json()
        again = (await client.get("/weather/Oslo")).json()
        rate = (await client.get("/rates/usd")).json()
        unknown = await client.get("/rates/xyz")
        failing = await client.get("/weather/Oslo", params={"status": 503})
    assert weather == again == {"city": "Oslo", "temperature_c": temperature_c("Oslo"),
                                "conditions": "snowy"}
    assert rate == {"currency": "USD", "per_eur": 1.08}
    assert unknown.status_code == 404 and "try EUR, USD" in unknown.json()["detail"]
    assert failing.status_code == 503


async def test_counters_see_requests_connections_and_peak():
    upstream = build_upstream(latency=0.1)
    async with Server(upstream) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            import asyncio

            await asyncio.gather(*(client.get(f"/weather/c{n}") for n in range(4)))
            stats = (await client.get("/stats")).json()
            reset = (await client.post("/stats/reset")).json()
    assert stats == {"received": 4, "completed": 4, "peak_in_flight": 4, "connections": 4}
    assert reset == {"received": 0, "completed": 0, "peak_in_flight": 0, "connections": 0}


async def test_injected_failures_on_a_real_socket():
    async with Server(build_upstream(latency=0)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=0.2) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get("/weather/Oslo", params={"stall": 1})
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get("/weather/Oslo", params={"abort": "true"})
            first = await client.get("/weather/Oslo", params={"fail_first": 1, "key": "k"})
            second = await client.get("/weather/Oslo", params={"fail_first": 1, "key": "k"})
    assert (first.status_code, second.status_code) == (503, 200)
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{free_port()}/weather/Oslo")
