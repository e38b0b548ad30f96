"""Drive a FastAPI app in-process, the way the lessons do: no server, no sockets.

`httpx.ASGITransport` calls the app directly, but it sends no lifespan events, so an app that
opens a database or an HTTP client in its `lifespan` would fail on the first request. This module
runs the lifespan with `asgi_lifespan.LifespanManager` and hands its wrapped app to the transport,
so whatever the lifespan yields (its *state*) reaches `request.state`, as under uvicorn.

Two ways to use it:

    async with AppClient(app) as client:          # everything in one cell
        response = await client.get("/hello")

    client = await open_client(app)               # one cell opens it ...
    response = await client.get("/hello")         # ... later cells use it
    await close_client()                          # optional: opening again closes the old one

A real HTTP client never sees a Python exception from the server, only a 500 response. The
transport's default (`raise_app_exceptions=True`) re-raises the app's exception in the caller
instead; the course turns that off unless a lesson asks for it.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

import httpx
from asgi_lifespan import LifespanManager

BASE_URL = "http://testserver"
"""The URL the in-process client pretends to talk to; no request leaves the process."""


class AppClient:
    """Async context manager: run `app`'s lifespan and yield an `httpx.AsyncClient` bound to it.

    Args:
        app: an ASGI application, usually a `fastapi.FastAPI` instance.
        raise_app_exceptions: `False` (the course default) turns an unhandled exception in the
            app into a `500 Internal Server Error` response, as a real client would see it;
            `True` re-raises it in the caller (httpx's own default).
        base_url: the URL relative paths are joined to; only the path reaches the app.
        startup_timeout: seconds the lifespan may take to start before `TimeoutError`
            (asgi-lifespan's default, 5 s).
        shutdown_timeout: seconds the lifespan may take to shut down before `TimeoutError`.

    Entering yields the client; the lifespan has started by then. Leaving closes the client and
    runs the lifespan's shutdown, also when the body raised.

    Raises:
        Whatever the lifespan's startup raises, on entering; whatever its shutdown raises, on
        leaving; `TimeoutError` when either takes longer than its timeout.

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
        startup_timeout: float | None = 5,
        shutdown_timeout: float | None = 5,
    ) -> None:
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.base_url = base_url
        self.startup_timeout = startup_timeout
        self.shutdown_timeout = shutdown_timeout
        self._task: asyncio.Task | None = None
        self._stop: asyncio.Event | None = None
        self.client: httpx.AsyncClient | None = None

    async def _hold(self, ready: asyncio.Future) -> None:
        try:
            async with LifespanManager(
                self.app,
                startup_timeout=self.startup_timeout,
                shutdown_timeout=self.shutdown_timeout,
            ) as manager:
                transport = httpx.ASGITransport(
                    app=manager.app, raise_app_exceptions=self.raise_app_exceptions
                )
                async with httpx.AsyncClient(transport=transport, base_url=self.base_url) as client:
                    ready.set_result(client)
                    await self._stop.wait()
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

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
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
