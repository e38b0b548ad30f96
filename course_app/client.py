"""Drive a FastAPI app in-process, the way the lessons do: no server, no sockets.

`httpx.ASGITransport` calls the app directly, but it sends no lifespan events, so an app that
opens a database or an HTTP client in its `lifespan` would fail on the first request. This module
runs the lifespan with `asgi_lifespan.LifespanManager` and hands its wrapped app to the transport.

Two ways to use it:

    async with AppClient(app) as client:          # everything in one cell
        response = await client.get("/hello")

    client = await open_client(app)               # one cell opens it ...
    response = await client.get("/hello")         # ... later cells use it
    await close_client()                          # optional: opening again closes the old one

**Where it behaves like uvicorn** (tests/test_client_against_uvicorn.py checks each one):

- Each request gets a shallow copy of the lifespan's state in `request.state`, as uvicorn gives
  it: setting `request.state.user` in one request is not seen by the next; mutating an object
  the lifespan yielded (a dict, a client) is seen by all.
- An unhandled exception becomes a `500 Internal Server Error` response, and one line is printed
  under the cell, as uvicorn logs it (`log | ERROR: Exception in ASGI application: ValueError:
  boom (raised in crash)`), also for a failing background task or stream;
  `raise_app_exceptions=True` re-raises it in the caller instead (httpx's default).

**Where it cannot** (use `course_app.server.Server` / `open_server` for these):
- It returns only when the app has finished: after the **background tasks** and after the
  **clean-up of dependencies with `yield`** (a 0.3 s teardown makes the response take 0.3 s
  here, about 1 ms on uvicorn).
- **Streams are buffered**: the whole body arrives when the generator ends. A response still
  streaming after `stream_limit` seconds (an endless event stream, say) is stopped and raises
  `InProcessLimitation`, instead of hanging the cell.
- **No WebSockets**: a request to a WebSocket route raises `InProcessLimitation` (not a 404).
- **No sockets**: no connection pool, keep-alive, network timeouts or disconnects
  (`request.is_disconnected()` is never true here).
"""

from __future__ import annotations

import asyncio
import contextvars
import traceback
from types import TracebackType

import httpx
from asgi_lifespan import LifespanManager

BASE_URL = "http://testserver"
"""The URL the in-process client pretends to talk to; no request leaves the process."""
LIFESPAN_SECONDS = 30.0
"""How long the lifespan's start-up, and its shut-down, may each take (uvicorn sets no limit;
asgi-lifespan's own default, 5 s, cuts a slow but healthy shut-down short)."""
STREAM_SECONDS = 10.0
"""How long a response may keep streaming in-process before `InProcessLimitation`."""
LOG_PREFIX = "log | "
"""Marks a line the in-process client prints for the app, like the server helper's log lines."""


class InProcessLimitation(RuntimeError):
    """The in-process client cannot do what this request needs (a WebSocket, an endless
    stream); the message says what to use instead."""


_request_problems: contextvars.ContextVar[list[BaseException] | None] = contextvars.ContextVar(
    "course_app_client_problems", default=None)


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    return f" (raised in {frames[-1].name})" if frames else ""


def _report(error: BaseException) -> None:
    """Print one short log line for an exception the app did not handle, as uvicorn logs it."""
    print(f"{LOG_PREFIX}ERROR: Exception in ASGI application: {type(error).__name__}: {error}"
          f"{_where(error)}")


def _websocket_route(app, scope) -> str | None:
    """The path of the WebSocket route this HTTP request would reach, or None."""
    from starlette.routing import Match

    for route in getattr(getattr(app, "router", None), "routes", []):
        if type(route).__name__ in ("WebSocketRoute", "APIWebSocketRoute"):
            match, _ = route.matches({**scope, "type": "websocket"})
            if match == Match.FULL:
                return route.path
    return None


def _as_a_server_would(app, *, report: bool, stream_limit: float | None):
    """Wrap `app` (an ASGI app) for requests through the transport: a shallow copy of the state
    per request, unhandled exceptions reported, endless streams and WebSocket routes refused."""

    async def wrapped(scope, receive, send):
        if scope["type"] == "lifespan":
            await app(scope, receive, send)
            return
        if "state" in scope:
            scope = {**scope, "state": dict(scope["state"])}  # uvicorn: a shallow copy each
        problems = _request_problems.get()
        path = _websocket_route(app, scope)
        if path is not None:
            limitation = InProcessLimitation(
                f"{scope['path']} is a WebSocket route ({path}); the in-process client speaks "
                "only HTTP. Serve the app with course_app.server.open_server and connect with a "
                "WebSocket client.")
            if problems is not None:
                problems.append(limitation)
            raise limitation
        deadline = asyncio.timeout(None)

        async def send_watching_streams(message):
            if (message["type"] == "http.response.body" and message.get("more_body")
                    and deadline.when() is None and stream_limit is not None):
                deadline.reschedule(asyncio.get_running_loop().time() + stream_limit)
            await send(message)

        try:
            async with deadline:
                await app(scope, receive, send_watching_streams)
        except TimeoutError as error:
            if not deadline.expired():
                if report:
                    _report(error)
                raise
        except Exception as error:
            if report:
                _report(error)
            raise
        if deadline.expired():  # the app may swallow the cancellation and return normally
            limitation = InProcessLimitation(
                f"the response to {scope['path']} was still streaming after {stream_limit} s."
                " The in-process client collects the whole body before it returns, so a long"
                " or endless stream never arrives here. Serve the app with"
                " course_app.server.open_server and read it with client.stream(...).")
            if problems is not None:
                problems.append(limitation)
            raise limitation

    return wrapped


class _Transport(httpx.ASGITransport):
    """`httpx.ASGITransport` that lets `InProcessLimitation` through even when it turns other
    exceptions into a 500 response."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        problems: list[BaseException] = []
        token = _request_problems.set(problems)
        try:
            response = await super().handle_async_request(request)
        finally:
            _request_problems.reset(token)
        if problems:
            raise problems[0]
        return response


class AppClient:
    """Async context manager: run `app`'s lifespan and yield an `httpx.AsyncClient` bound to it.

    Args:
        app: an ASGI application, usually a `fastapi.FastAPI` instance.
        raise_app_exceptions: `False` (the course default) turns an unhandled exception in the
            app into a `500 Internal Server Error` response, as a real client would see it, and
            prints one `log | ERROR: ...` line about it; `True` re-raises it in the caller
            (httpx's own default).
        base_url: the URL relative paths are joined to; only the path reaches the app.
        startup_timeout: seconds the lifespan may take to start (`LIFESPAN_SECONDS`, 30).
        shutdown_timeout: seconds the lifespan may take to shut down (`LIFESPAN_SECONDS`).
        stream_limit: seconds a response may keep streaming before `InProcessLimitation`
            (`STREAM_SECONDS`, 10); `None` waits for ever.
        log_errors: print the `log | ERROR: ...` line of an unhandled exception; a check that
            crashes an app on purpose passes False, so the learner sees only its verdict.

    Entering yields the client; the lifespan has started by then. Leaving closes the client and
    runs the lifespan's shutdown, also when the body raised.

    Raises:
        Whatever the lifespan's startup raises, on entering; whatever its shutdown raises, on
        leaving; `TimeoutError` naming the phase ("start-up" or "shut-down") when either takes
        longer than its limit. Requests raise `InProcessLimitation` for a WebSocket route or a
        stream longer than `stream_limit`.

    The lifespan and the client live in a task of their own, so the client can be opened in one
    notebook cell and closed in another (each cell runs as a separate task, and an
    `async with` must otherwise be left by the task that entered it).
    """

    def __init__(
        self,
        app,
        *,
        raise_app_exceptions: bool = False,
        base_url: str = BASE_URL,
        startup_timeout: float | None = LIFESPAN_SECONDS,
        shutdown_timeout: float | None = LIFESPAN_SECONDS,
        stream_limit: float | None = STREAM_SECONDS,
        log_errors: bool = True,
    ) -> None:
        self.app = app
        self.log_errors = log_errors
        self.raise_app_exceptions = raise_app_exceptions
        self.base_url = base_url
        self.startup_timeout = startup_timeout
        self.shutdown_timeout = shutdown_timeout
        self.stream_limit = stream_limit
        self._task: asyncio.Task | None = None
        self._stop: asyncio.Event | None = None
        self.client: httpx.AsyncClient | None = None

    async def _hold(self, ready: asyncio.Future) -> None:
        app = _as_a_server_would(self.app,
                                 report=self.log_errors and not self.raise_app_exceptions,
                                 stream_limit=self.stream_limit)
        try:
            async with LifespanManager(
                app,
                startup_timeout=self.startup_timeout,
                shutdown_timeout=self.shutdown_timeout,
            ) as manager:
                transport = _Transport(
                    app=manager.app, raise_app_exceptions=self.raise_app_exceptions
                )
                async with httpx.AsyncClient(transport=transport, base_url=self.base_url) as client:
                    ready.set_result(client)
                    await self._stop.wait()
        except TimeoutError as exc:
            phase, limit = (("shut-down", self.shutdown_timeout) if ready.done()
                            else ("start-up", self.startup_timeout))
            error = TimeoutError(
                f"the app's lifespan did not finish its {phase} within {limit} s"
                f" (AppClient's {phase.replace('-', '')}_timeout); the rest of its"
                f" {phase} did not run")
            if ready.done():
                raise error from exc
            ready.set_exception(error)
        except BaseException as exc:
            if ready.done():
                raise
            ready.set_exception(exc)

    async def __aenter__(self) -> httpx.AsyncClient:
        if self._task is not None:
            raise RuntimeError("this AppClient is already open; create a new one")
        self._stop = asyncio.Event()
        ready: asyncio.Future = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._hold(ready), name="course-app-client")
        try:
            self.client = await ready
        except BaseException:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
            raise
        return self.client

    async def __aexit__(self, exc_type: type[BaseException] | None = None,
                        exc: BaseException | None = None, tb: TracebackType | None = None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client and run the lifespan's shutdown; does nothing when not open."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stop.set()
        self.client = None
        await task


_current: AppClient | None = None


async def open_client(app, **options) -> httpx.AsyncClient:
    """Open an `AppClient` for `app` that stays open across notebook cells, and return its client.

    Opening another one first closes the previous one (its lifespan shuts down), so a cell that
    calls this can be run again safely. `options` are `AppClient`'s keyword arguments.

    Raises:
        Whatever `AppClient` raises on entering (for example a failing lifespan startup).
    """
    global _current
    await close_client()
    holder = AppClient(app, **options)
    client = await holder.__aenter__()
    _current = holder
    return client


async def close_client() -> None:
    """Close the client opened by `open_client`, if any, and run its lifespan's shutdown."""
    global _current
    holder, _current = _current, None
    if holder is not None:
        await holder.aclose()
