import asyncio
import os
import threading
import time
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from course_app.blocking_guard import interrupt_if_blocked
from course_app.fake_upstream import UPSTREAM_APP
from course_app.lessons.l00_start_here import hello_app
from course_app.server import Server, importable, port_is_listening
from course_app.server_child import STARTED
from course_app.server_registry import registered_servers

pytestmark = pytest.mark.anyio
IMPORTABLE_APP = importable(hello_app)


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict:
        return {"message": "hi"}

    @app.get("/slow")
    async def slow() -> dict:
        await asyncio.sleep(0.5)
        return {"message": "finally"}

    @app.get("/crash")
    async def crash() -> dict:
        raise ValueError("the app crashed")

    return app


async def test_thread_mode_serves_registers_captures_its_log_and_stops(capfd):
    server = Server(make_app())
    async with server as base_url:
        assert base_url == f"http://127.0.0.1:{server.port}"
        assert server.mode == "thread" and server.pid == os.getpid()
        assert [entry["port"] for entry in registered_servers()] == [server.port]
        async with httpx.AsyncClient(base_url=base_url) as client:
            assert (await client.get("/hello")).json() == {"message": "hi"}
            assert (await client.get("/crash")).status_code == 500
    assert not port_is_listening(server.port)
    assert registered_servers() == []
    assert server.log_lines('"GET /hello HTTP/1.1" 200')
    assert server.log_lines("ValueError: the app crashed")
    assert server.log_lines("Application shutdown complete.")
    printed = capfd.readouterr()
    assert "GET /hello" not in printed.out + printed.err  # captured, never printed


async def test_task_mode_serves_on_this_loop_captures_its_log_and_stops(capfd):
    app = make_app()
    ran_in = []

    @app.get("/where")
    async def where() -> dict:
        ran_in.append(threading.current_thread() is threading.main_thread())
        return {}

    server = Server(app, same_loop=True)
    async with server as base_url:
        assert server.mode == "task" and server.pid == os.getpid()
        assert [entry["port"] for entry in registered_servers()] == [server.port]
        async with httpx.AsyncClient(base_url=base_url) as client:
            assert (await client.get("/hello")).json() == {"message": "hi"}
            assert (await client.get("/crash")).status_code == 500
            await client.get("/where")
        with pytest.raises(RuntimeError, match="already runs in this thread"):
            async with Server(app, same_loop=True):
                pass
    assert ran_in == [True], "the path operation ran in this (the main) thread"
    assert not port_is_listening(server.port) and registered_servers() == []
    assert server.log_lines('"GET /hello HTTP/1.1" 200')
    assert server.log_lines("ValueError: the app crashed")
    assert server.log_lines("Application shutdown complete.")
    printed = capfd.readouterr()
    assert "GET /hello" not in printed.out + printed.err


async def test_task_mode_lets_the_blocking_guard_interrupt_a_path_operation():
    app = FastAPI()

    @app.get("/stuck")
    async def stuck() -> dict:
        time.sleep(60)  # the loop's thread: only a timer signal can stop this
        return {}

    started = time.monotonic()
    async with interrupt_if_blocked(0.5) as guard, Server(app, same_loop=True) as base_url, \
            httpx.AsyncClient(base_url=base_url) as client:
        assert (await client.get("/stuck")).status_code == 500
    assert guard.blocked_for is not None and time.monotonic() - started < 10


def test_same_loop_needs_an_app_object():
    with pytest.raises(ValueError, match="same_loop"):
        Server(IMPORTABLE_APP, same_loop=True)


async def test_process_mode_serves_from_a_child_process_and_stops():
    server = Server(IMPORTABLE_APP)
    async with server as base_url:
        assert server.mode == "process" and server.pid != os.getpid()
        async with httpx.AsyncClient(base_url=base_url) as client:
            assert (await client.get("/hello")).json() == {"message": "Hello, async world!"}
        assert [entry["pid"] for entry in registered_servers()] == [server.pid]
    assert server.returncode is not None
    assert not port_is_listening(server.port)
    assert registered_servers() == []
    assert server.log_lines('"GET /hello HTTP/1.1" 200')


@pytest.mark.parametrize("app", [make_app, lambda: IMPORTABLE_APP], ids=["thread", "process"])
async def test_stopped_when_the_body_raises(app):
    server = Server(app())
    with pytest.raises(KeyError):
        async with server:
            raise KeyError("the cell failed")
    assert not port_is_listening(server.port)
    assert registered_servers() == []


async def test_a_graceful_stop_lets_a_running_request_finish():
    server = Server(make_app())
    async with server as base_url:
        client = httpx.AsyncClient(base_url=base_url)
        in_flight = asyncio.create_task(client.get("/slow"))
        await asyncio.sleep(0.1)
    response = await in_flight
    await client.aclose()
    assert response.json() == {"message": "finally"}


async def test_a_failing_startup_raises_with_the_log_and_leaves_nothing_running():
    @asynccontextmanager
    async def lifespan(app):
        raise RuntimeError("no menu today")
        yield

    server = Server(FastAPI(lifespan=lifespan), startup_timeout=5)
    with pytest.raises(RuntimeError, match="did not start(.|\n)*no menu today"):
        await server.__aenter__()
    assert not port_is_listening(server.port)
    assert registered_servers() == []


async def test_a_missing_module_raises_with_the_log():
    server = Server("course_app.no_such_module:app", startup_timeout=10)
    with pytest.raises(RuntimeError, match="did not start(.|\n)*no_such_module"):
        await server.__aenter__()
    assert registered_servers() == []


async def test_kill_stops_a_child_process_at_once():
    server = Server(IMPORTABLE_APP)
    async with server:
        server.kill()
        assert server.returncode is not None
        assert not port_is_listening(server.port)
        assert registered_servers() == []


async def test_bad_requests_are_refused():
    with pytest.raises(ValueError, match="importable"):
        Server(make_app(), workers=2)
    with pytest.raises(RuntimeError, match="only a process-mode server"):
        Server(make_app()).kill()


async def test_two_workers_in_process_mode():
    server = Server(IMPORTABLE_APP, workers=2, startup_timeout=30)
    async with server as base_url:
        async with httpx.AsyncClient(base_url=base_url) as client:
            assert (await client.get("/hello")).status_code == 200
    assert not port_is_listening(server.port)


LATE_SECOND_WORKER = """
import asyncio
import os
from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app):
    try:  # the first worker to get here starts at once, the other 1.5 s later
        os.close(os.open(os.environ["FIRST_WORKER_MARK"], os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        await asyncio.sleep(1.5)
    yield


app = FastAPI(lifespan=lifespan)
"""


async def test_with_two_workers_the_server_is_ready_when_both_are(tmp_path):
    # The first worker up makes the port accept connections; the second may not be up yet.
    (tmp_path / "late_second_worker.py").write_text(LATE_SECOND_WORKER, encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    server = Server("late_second_worker:app", workers=2, startup_timeout=30,
                    env={"PYTHONPATH": path, "FIRST_WORKER_MARK": str(tmp_path / "first")})
    async with server:
        assert server.log.count(STARTED) == 2, server.log


async def test_open_server_replaces_the_previous_one_with_the_same_name():
    from course_app.server import close_server, open_server

    first = await open_server(make_app(), name="test")
    second = await open_server(make_app(), name="test")
    assert not port_is_listening(first.port) and port_is_listening(second.port)
    await close_server("test")
    await close_server("test")  # closing again is harmless
    assert not port_is_listening(second.port)
    assert registered_servers() == []


@pytest.mark.parametrize("app", [UPSTREAM_APP, "object"])
async def test_a_start_that_is_cancelled_leaves_no_server(app):
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def slow_start(_app):
        await asyncio.sleep(1)  # the start is still under way when it is cancelled
        yield

    server = Server(FastAPI(lifespan=slow_start) if app == "object" else app, access_log=False)
    task = asyncio.create_task(server.__aenter__())
    await asyncio.sleep(0)  # the start runs up to its first wait for the server to listen
    assert server.pid is not None  # under way: a thread or a child process runs uvicorn
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert server.port is None or not port_is_listening(server.port)
    if server.mode == "process":
        assert server.returncode is not None
    assert server.url is None


def test_importable_names_an_app_by_the_global_that_holds_it():
    assert IMPORTABLE_APP == "course_app.lessons.l00_start_here:hello_app"
    with pytest.raises(ValueError, match="cannot import it"):
        importable(make_app())


def test_uvicorn_picks_asyncio_and_h11_even_with_fastapi_cli_installed():
    """fastapi-cli asks for uvicorn[standard]; requirements-overrides.txt keeps uvloop and httptools
    out, so uvicorn's "auto" choices stay the event loop and parser the lessons measure."""
    import importlib.util

    import uvicorn

    assert importlib.util.find_spec("fastapi_cli") is not None, "`fastapi run` is part of lesson 02"
    assert importlib.util.find_spec("uvloop") is None
    assert importlib.util.find_spec("httptools") is None
    config = uvicorn.Config(make_app())  # loop="auto", http="auto": what `fastapi run` uses
    config.load()
    assert config.http_protocol_class.__name__ == "H11Protocol"
