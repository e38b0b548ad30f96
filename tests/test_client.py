import asyncio
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI, Request

from course_app.client import AppClient, close_client, open_client

pytestmark = pytest.mark.anyio


def make_app(events: list[str]) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app):
        events.append("startup")
        yield {"greeting": "hello from the lifespan"}
        events.append("shutdown")

    app = FastAPI(lifespan=lifespan)

    @app.get("/state")
    async def state(request: Request) -> dict:
        return {"greeting": request.state.greeting}

    @app.get("/crash")
    async def crash() -> dict:
        raise ValueError("boom")

    return app


async def test_lifespan_runs_and_its_state_reaches_requests():
    events: list[str] = []
    async with AppClient(make_app(events)) as client:
        assert events == ["startup"]
        response = await client.get("/state")
    assert response.json() == {"greeting": "hello from the lifespan"}
    assert events == ["startup", "shutdown"]


async def test_an_app_exception_is_a_500_by_default():
    async with AppClient(make_app([])) as client:
        response = await client.get("/crash")
    assert response.status_code == 500


async def test_raise_app_exceptions_reraises_in_the_caller():
    async with AppClient(make_app([]), raise_app_exceptions=True) as client:
        with pytest.raises(ValueError, match="boom"):
            await client.get("/crash")


async def test_shutdown_runs_when_the_body_raises():
    events: list[str] = []
    with pytest.raises(KeyError):
        async with AppClient(make_app(events)):
            raise KeyError("in the body")
    assert events == ["startup", "shutdown"]


async def test_a_failing_startup_is_raised_on_entering():
    @asynccontextmanager
    async def lifespan(app):
        raise RuntimeError("no database")
        yield

    with pytest.raises(RuntimeError, match="no database"):
        async with AppClient(FastAPI(lifespan=lifespan)):
            pass


async def test_open_client_survives_across_tasks_and_reopening_closes_the_previous():
    events: list[str] = []
    app = make_app(events)

    # Each notebook cell is a separate task: open in one, use and reopen in others.
    client = await asyncio.create_task(open_client(app))
    response = await asyncio.create_task(client.get("/state"))
    assert response.status_code == 200
    await asyncio.create_task(open_client(app))
    assert events == ["startup", "shutdown", "startup"]
    await asyncio.create_task(close_client())
    assert events == ["startup", "shutdown", "startup", "shutdown"]
    await close_client()  # closing twice is harmless
    assert events.count("shutdown") == 2


async def test_requests_through_one_client_run_concurrently():
    app = FastAPI()

    @app.get("/wait")
    async def wait() -> dict:
        await asyncio.sleep(0.2)
        return {}

    loop = asyncio.get_running_loop()
    async with AppClient(app) as client:
        started = loop.time()
        await asyncio.gather(*(client.get("/wait") for _ in range(5)))
        took = loop.time() - started
    assert took < 0.5 * 5 * 0.2  # far less than the sum of the waits
