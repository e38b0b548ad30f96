import asyncio

import pytest
from fastapi import FastAPI

from course_app.burst import burst, latency_during
from course_app.server import Server

pytestmark = pytest.mark.anyio


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/wait")
    async def wait() -> dict:
        await asyncio.sleep(0.2)
        return {}

    @app.get("/health")
    async def health() -> dict:
        return {"ok": True}

    return app


async def test_burst_sends_all_requests_at_once_and_times_each():
    async with Server(make_app()) as base_url:
        timeline = await burst(base_url, "/wait", count=6)
        slow, probe = await latency_during(base_url, "/wait")
    assert [span.name for span in timeline.spans] == [f"request {n}" for n in range(1, 7)]
    assert timeline.max_overlap() == 6
    assert timeline.wall_time < 0.5 * 6 * 0.2
    assert probe < 0.5 * slow


async def test_only_loopback_and_sensible_counts():
    with pytest.raises(ValueError, match="127.0.0.1"):
        await burst("http://example.com", "/")
    with pytest.raises(ValueError, match="at least 1"):
        await burst("http://127.0.0.1:1", "/", count=0)
    with pytest.raises(ValueError, match="127.0.0.1"):
        await latency_during("http://10.0.0.1:80", "/")
