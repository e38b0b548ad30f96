"""The in-process client against a real uvicorn server: the same app through both.

Where the in-process client can behave like uvicorn, each test asserts the same observable
result through both; where it cannot, the test asserts the documented difference (the client's
module docstring lists them), so neither can drift unnoticed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import BackgroundTasks, Depends, FastAPI, Request, WebSocket
from fastapi.responses import StreamingResponse

from course_app.client import AppClient, InProcessLimitation
from course_app.server import Server

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def both(app: FastAPI) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """An in-process client and a client of the same app on uvicorn (thread mode)."""
    server = Server(app)
    async with server as url, AppClient(app) as in_process, \
            httpx.AsyncClient(base_url=url, timeout=5) as on_uvicorn:
        yield {"in-process": in_process, "uvicorn": on_uvicorn, "server": server}


def state_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app):
        yield {"user": None, "seen": []}

    app = FastAPI(lifespan=lifespan)

    @app.middleware("http")
    async def user_from_header(request: Request, call_next):
        if "x-user" in request.headers:
            request.state.user = request.headers["x-user"]
        request.state.seen.append(request.headers.get("x-user", "-"))
        return await call_next(request)

    @app.get("/me")
    async def me(request: Request, wait: float = 0) -> dict:
        await asyncio.sleep(wait)
        return {"user": request.state.user, "seen": len(request.state.seen)}

    return app


async def test_state_set_in_one_request_is_not_seen_by_the_next_but_shared_objects_are():
    async with both(state_app()) as clients:
        for name in ("in-process", "uvicorn"):
            client = clients[name]
            alice = (await client.get("/me", headers={"x-user": "alice"})).json()
            later = (await client.get("/me")).json()
            assert alice["user"] == "alice", name
            assert later["user"] is None, f"{name}: rebinding request.state is per request"
            assert later["seen"] == alice["seen"] + 1, f"{name}: the yielded list is shared"


async def test_two_requests_at_once_each_keep_their_own_user():
    async with both(state_app()) as clients:
        for name in ("in-process", "uvicorn"):
            client = clients[name]
            slow_alice, bob = await asyncio.gather(
                client.get("/me", params={"wait": 0.2}, headers={"x-user": "alice"}),
                client.get("/me", headers={"x-user": "bob"}))
            assert (slow_alice.json()["user"], bob.json()["user"]) == ("alice", "bob"), name


def failing_app() -> FastAPI:
    app = FastAPI()

    def explode() -> None:
        raise ValueError("the task failed")

    @app.get("/crash")
    async def crash() -> dict:
        raise ValueError("boom")

    @app.get("/task-fails")
    async def task_fails(tasks: BackgroundTasks) -> dict:
        tasks.add_task(explode)
        return {"queued": True}

    @app.get("/stream-fails")
    async def stream_fails() -> StreamingResponse:
        async def chunks():
            yield b"first chunk\n"
            await asyncio.sleep(0.05)
            raise ValueError("the stream broke")

        return StreamingResponse(chunks())

    return app


async def test_an_unhandled_exception_is_a_500_and_a_log_line_on_both(capsys):
    async with both(failing_app()) as clients:
        for name in ("in-process", "uvicorn"):
            assert (await clients[name].get("/crash")).status_code == 500, name
        await asyncio.sleep(0.1)
        assert "ValueError: boom" in clients["server"].exception_lines()
    assert ("log | ERROR: Exception in ASGI application: ValueError: boom (raised in crash)"
            in capsys.readouterr().out)


async def test_log_errors_false_keeps_the_500_and_prints_nothing(capsys):
    async with AppClient(failing_app(), log_errors=False) as client:
        assert (await client.get("/crash")).status_code == 500
    assert "Exception in ASGI application" not in capsys.readouterr().out


async def test_a_background_task_that_fails_after_a_200_is_logged_on_both(capsys):
    async with both(failing_app()) as clients:
        for name in ("in-process", "uvicorn"):
            assert (await clients[name].get("/task-fails")).status_code == 200, name
        await asyncio.sleep(0.2)
        assert "ValueError: the task failed" in clients["server"].exception_lines()
    assert "ValueError: the task failed (raised in explode)" in capsys.readouterr().out


async def test_a_stream_that_breaks_half_way_is_logged_in_process_and_cut_on_uvicorn(capsys):
    async with both(failing_app()) as clients:
        in_process = await clients["in-process"].get("/stream-fails")
        assert in_process.status_code == 200  # the status line had gone out already
        assert "ValueError: the stream broke" in capsys.readouterr().out
        with pytest.raises(httpx.RemoteProtocolError):  # a real client sees a cut connection
            await clients["uvicorn"].get("/stream-fails")
        await asyncio.sleep(0.1)
        assert "ValueError: the stream broke" in clients["server"].exception_lines()


def teardown_app(seconds: float) -> FastAPI:
    app = FastAPI()

    async def session():
        yield "session"
        await asyncio.sleep(seconds)  # the clean-up after the response

    @app.get("/with-cleanup")
    async def with_cleanup(value: str = Depends(session)) -> dict:
        return {"value": value}

    return app


async def test_in_process_waits_for_the_clean_up_of_yield_dependencies_uvicorn_does_not():
    async with both(teardown_app(0.4)) as clients:
        took = {}
        for name in ("in-process", "uvicorn"):
            started = time.perf_counter()
            assert (await clients[name].get("/with-cleanup")).json() == {"value": "session"}
            took[name] = time.perf_counter() - started
    assert took["in-process"] >= 0.35, "in-process, the response waits for the clean-up"
    assert took["uvicorn"] < took["in-process"] / 2, "uvicorn answers before the clean-up"


def stream_app(endless: bool = False) -> FastAPI:
    app = FastAPI()

    @app.get("/events")
    async def events() -> StreamingResponse:
        async def chunks():
            count = 0
            while endless or count < 3:
                count += 1
                yield f"event {count}\n".encode()
                await asyncio.sleep(0.2)

        return StreamingResponse(chunks(), media_type="text/plain")

    return app


async def _first_chunk_after(client: httpx.AsyncClient) -> float:
    started = time.perf_counter()
    async with client.stream("GET", "/events") as response:
        async for _ in response.aiter_raw():
            return time.perf_counter() - started
    raise AssertionError("no chunk arrived")


async def test_a_stream_arrives_chunk_by_chunk_on_uvicorn_and_all_at_once_in_process():
    async with both(stream_app()) as clients:
        in_process = await _first_chunk_after(clients["in-process"])
        on_uvicorn = await _first_chunk_after(clients["uvicorn"])
    assert in_process >= 0.5, "in-process, the first chunk waits for the whole body"
    assert on_uvicorn < in_process / 2, "on uvicorn, the first chunk arrives at once"


async def test_an_endless_stream_in_process_stops_with_a_message_instead_of_hanging():
    async with AppClient(stream_app(endless=True), stream_limit=0.5) as client:
        started = time.perf_counter()
        with pytest.raises(InProcessLimitation, match="still streaming after 0.5 s.*open_server"):
            await client.get("/events")
    assert time.perf_counter() - started < 3


async def test_a_websocket_route_in_process_says_so_instead_of_404():
    app = FastAPI()

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()

    @app.get("/plain")
    async def plain() -> dict:
        return {"ok": True}

    async with AppClient(app) as client:
        with pytest.raises(InProcessLimitation, match="/ws is a WebSocket route.*open_server"):
            await client.get("/ws")
        assert (await client.get("/plain")).json() == {"ok": True}
        assert (await client.get("/missing")).status_code == 404


async def test_a_slow_lifespan_names_the_phase_that_timed_out():
    events = []

    @asynccontextmanager
    async def slow_start(app):
        await asyncio.sleep(5)
        yield

    with pytest.raises(TimeoutError, match="did not finish its start-up within 0.2 s"):
        async with AppClient(FastAPI(lifespan=slow_start), startup_timeout=0.2):
            pass

    @asynccontextmanager
    async def slow_stop(app):
        yield
        await asyncio.sleep(5)
        events.append("never reached")

    with pytest.raises(TimeoutError, match="did not finish its shut-down within 0.2 s"):
        async with AppClient(FastAPI(lifespan=slow_stop), shutdown_timeout=0.2):
            pass
    assert events == []


async def test_the_lifespan_limits_are_generous_by_default():
    assert AppClient(FastAPI()).startup_timeout >= 30
    assert AppClient(FastAPI()).shutdown_timeout >= 30
