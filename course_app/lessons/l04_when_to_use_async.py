"""Lesson 04: `def` or `async def`? Three ways to wait, the threadpool, and files.

- `waits_app`: the same 0.2 s wait written three ways (awaited in `async def`, blocking in
  `def`, blocking in `async def`), and the fix for a blocking library call in `async def`.
- `build_threadpool_app`: a plain `def` path operation that blocks, to count the threads
  FastAPI runs such functions on (anyio's default limiter: 40), optionally raised in the lifespan.
- `files_app`: saving a report with plain `open()` inside `async def`, which blocks the loop,
  versus handing the same file work to a thread.

The measurements (`compare_waits`, `threadpool_waves`, `ping_while_saving`) start a real uvicorn
server with the course's `Server` and send real requests to it.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
from collections import Counter
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import anyio.to_thread
import httpx
from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from course_app.burst import burst, latency_during
from course_app.server import Server
from course_app.timeline import Timeline

WAIT_SECONDS = 0.2
"""How long each waiting path operation waits, in seconds."""


lookups_done = Counter()
"""How many `legacy_lookup` calls finished, by customer id (the exercise check reads it)."""


def legacy_lookup(customer_id: int) -> dict[str, int | str]:
    """A blocking library call: waits `WAIT_SECONDS` with `time.sleep`, like a sync driver."""
    time.sleep(WAIT_SECONDS)
    lookups_done[customer_id] += 1
    return {"customer": customer_id, "status": "gold"}


waits_app = FastAPI(title="Three ways to wait")


@waits_app.get("/async-await")
async def async_await() -> dict[str, str]:
    """`async def` that awaits: the event loop serves others meanwhile."""
    await asyncio.sleep(WAIT_SECONDS)
    return {"waited": "await asyncio.sleep"}


@waits_app.get("/sync-sleep")
def sync_sleep() -> dict[str, str]:
    """Plain `def` that blocks: FastAPI runs it in the threadpool, so the loop stays free."""
    time.sleep(WAIT_SECONDS)
    return {"waited": "time.sleep in a thread"}


@waits_app.get("/async-sleep")
async def async_sleep() -> dict[str, str]:
    """The trap: `async def` that blocks. It runs on the loop itself and stops everything."""
    time.sleep(WAIT_SECONDS)
    return {"waited": "time.sleep on the event loop"}


@waits_app.get("/customers/{customer_id}")
async def customer(customer_id: int) -> dict[str, int | str]:
    """The fix for a blocking call inside `async def`: run it on FastAPI's threadpool."""
    return await run_in_threadpool(legacy_lookup, customer_id)


WAYS = {"/async-await": "async def + await asyncio.sleep",
        "/sync-sleep": "def + time.sleep",
        "/async-sleep": "async def + time.sleep"}
"""The three ways to wait, by path, as the lesson's table names them."""


async def compare_waits(count: int = 5) -> list[Timeline]:
    """Serve `waits_app` on a real server and send `count` requests at once to each way.

    Returns one timeline per path in `WAYS`, in that order, each titled with the way.
    """
    timelines = []
    async with Server(waits_app) as base_url:
        for path, title in WAYS.items():
            timeline = await burst(base_url, path, count)
            timeline.title = title
            timelines.append(timeline)
    return timelines


# --- the threadpool ------------------------------------------------------------------------------

THREADPOOL_WAIT_SECONDS = 0.3
"""How long `/blocking` on the threadpool app waits, in seconds."""


class _InFlight:
    """Counts the requests running at the same moment, and the most there have been."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = self.peak = 0

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def __exit__(self, *exc_info) -> None:
        with self._lock:
            self.now -= 1


def set_thread_limit(total_tokens: int) -> None:
    """Let up to `total_tokens` plain `def` path operations, dependencies and sync background
    tasks run at once on this event loop's threadpool (anyio's default: 40). Call it in the
    lifespan, before the first request."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = total_tokens


def build_threadpool_app(thread_limit: int | None = None) -> FastAPI:
    """An app whose `GET /blocking` is a plain `def` that waits `THREADPOOL_WAIT_SECONDS`.

    Args:
        thread_limit: when given, the lifespan sets anyio's default thread limiter (which
            FastAPI and Starlette use for every `def` path operation and dependency, and for
            sync background tasks) to this many threads; None keeps anyio's default, 40.

    `GET /threads` reports the limiter's `total_tokens`; `GET /peak` the most `/blocking`
    requests that ran at the same moment since the last `GET /peak`.
    """
    in_flight = _InFlight()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if thread_limit is not None:
            set_thread_limit(thread_limit)
        yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/blocking")
    def blocking() -> dict[str, str]:
        with in_flight:
            time.sleep(THREADPOOL_WAIT_SECONDS)
        return {"waited": "in a worker thread"}

    @app.get("/threads")
    async def threads() -> dict[str, float]:
        return {"total_tokens": anyio.to_thread.current_default_thread_limiter().total_tokens}

    @app.get("/peak")
    async def peak() -> dict[str, int]:
        seen, in_flight.peak = in_flight.peak, 0
        return {"peak": seen}

    return app


async def threadpool_waves(counts: tuple[int, ...] = (40, 41, 100),
                           thread_limit: int | None = None) -> dict[int, tuple[Timeline, int]]:
    """Send a burst of each of `counts` blocking requests to a fresh threadpool app.

    Returns, by count, the burst's timeline and the most requests that ran at once on the
    server. With the default 40 threads that is at most 40: a burst of 41 takes two waits of
    `THREADPOOL_WAIT_SECONDS`, 100 three (40 + 40 + 20).
    """
    results = {}
    async with Server(build_threadpool_app(thread_limit)) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as client:
            for count in counts:
                timeline = await burst(base_url, "/blocking", count)
                results[count] = (timeline, (await client.get("/peak")).json()["peak"])
    return results


# --- files ---------------------------------------------------------------------------------------

REPORT_BYTES = 64 * 1024 * 1024
"""The size of the report each save writes, in bytes (64 MiB)."""


def write_report(path: Path, size: int = REPORT_BYTES) -> int:
    """Write `size` bytes to `path` and wait until they are on the disk (`os.fsync`).

    Blocking file I/O, as plain `open()` always is. Returns the number of bytes written.
    """
    with open(path, "wb") as file:
        file.write(bytes(size))
        file.flush()
        os.fsync(file.fileno())
    return size


@asynccontextmanager
async def files_lifespan(app: FastAPI):
    """A scratch folder for the reports, removed at shut-down."""
    with tempfile.TemporaryDirectory(prefix="course-reports-") as folder:
        yield {"folder": Path(folder)}


files_app = FastAPI(title="Saving reports", lifespan=files_lifespan)


@files_app.post("/reports/blocking")
async def save_blocking(request: Request) -> dict[str, int]:
    """The pitfall: plain file I/O inside `async def` holds the event loop until it is done."""
    return {"bytes": write_report(request.state.folder / "blocking.bin")}


@files_app.post("/reports/threaded")
async def save_threaded(request: Request) -> dict[str, int]:
    """The fix: the same file work in a worker thread; the loop stays free."""
    return {"bytes": await asyncio.to_thread(write_report, request.state.folder / "threaded.bin")}


@files_app.get("/reports/{name}/size")
async def report_size(name: str, request: Request) -> dict[str, int]:
    """Read a file's size with `anyio.Path`, whose methods run in a worker thread."""
    path = anyio.Path(request.state.folder / f"{name}.bin")
    if not await path.exists():
        raise HTTPException(404, f"no report called {name!r} yet")
    return {"bytes": (await path.stat()).st_size}


@files_app.get("/ping")
async def ping() -> dict[str, bool]:
    """Answers at once, when the event loop is free to run it."""
    return {"pong": True}


async def ping_while_saving() -> dict[str, tuple[float, float]]:
    """Save a report each way on a real server while a `/ping` is sent 20 ms into the save.

    Returns, for "blocking" and "threaded", `(save_seconds, ping_seconds)`.
    """
    results = {}
    async with Server(files_app) as base_url:
        for way in ("blocking", "threaded"):
            results[way] = await latency_during(base_url, f"/reports/{way}", "/ping",
                                                delay=0.02, method="POST")
    return results
