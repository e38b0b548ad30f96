"""Lesson 09: what async cannot do. `cpu_app`, served in a child process, runs CPU work three ways.

`cpu_app` runs `count_primes` inside `async def` path operations: inline on the event loop, in a
worker thread, and in a process pool created in the lifespan. A `LoopLagMonitor` runs on the
server's own loop; `GET /lag` reports how late it woke up, sample by sample; `GET /health` shows
what a quick request meets meanwhile. The app must be importable: the lesson serves it in a child
process, so that the CPU work holds that process's GIL, not the notebook's.

The process pool uses an explicit start method ("spawn"): it behaves the same on Linux, macOS and
Windows, and its workers import `count_primes` by name from `l09_primes`.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from course_app.lessons.l09_primes import WORK_LIMIT, count_primes
from course_app.loop_lag import LoopLagMonitor

__all__ = ["START_METHOD", "WORK_LIMIT", "count_primes", "cpu_app", "new_process_pool", "warm_up"]

START_METHOD = "spawn"
"""How the process pools start their workers: a fresh interpreter, on every operating system."""


def new_process_pool(workers: int = 2) -> ProcessPoolExecutor:
    """A `ProcessPoolExecutor` of `workers` processes started with `START_METHOD` (the
    capstone's ranking step uses it too)."""
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context(START_METHOD))


async def warm_up(pool: ProcessPoolExecutor, workers: int = 2) -> None:
    """Start the pool's workers now (each imports `count_primes`), not on the first real job."""
    loop = asyncio.get_running_loop()
    await asyncio.gather(*(loop.run_in_executor(pool, count_primes, 10) for _ in range(workers)))


@asynccontextmanager
async def cpu_lifespan(app: FastAPI):
    """One process pool for the whole server, started before the first request; and a monitor
    of this server's event-loop lag."""
    with ProcessPoolExecutor(max_workers=2,
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        await warm_up(pool)
        async with LoopLagMonitor() as lag:
            yield {"pool": pool, "lag": lag}


cpu_app = FastAPI(title="Prime counter", lifespan=cpu_lifespan)


@cpu_app.get("/inline")
async def inline(limit: int = WORK_LIMIT) -> dict[str, int]:
    """The pitfall: CPU work inside `async def` runs on the event loop and stops it."""
    return {"primes": count_primes(limit)}


@cpu_app.get("/thread")
async def in_a_thread(limit: int = WORK_LIMIT) -> dict[str, int]:
    """In a worker thread: the loop keeps running, but shares the GIL with the work."""
    return {"primes": await asyncio.to_thread(count_primes, limit)}


@cpu_app.get("/process")
async def in_a_process(request: Request, limit: int = WORK_LIMIT) -> dict[str, int]:
    """In another process: its own interpreter and GIL, on another core."""
    loop = asyncio.get_running_loop()
    return {"primes": await loop.run_in_executor(request.state.pool, count_primes, limit)}


@cpu_app.get("/health")
async def health() -> dict[str, bool]:
    """A quick request: answers as soon as the event loop gets to it."""
    return {"ok": True}


@cpu_app.get("/lag")
async def lag(request: Request) -> dict[str, float | list[list[float]]]:
    """This server's event-loop lag since the last `GET /lag`, which starts a new window:
    `max_lag` (seconds) and `samples`, `[seconds into the window, lag in seconds]` pairs."""
    monitor = request.state.lag
    samples = [[at, late] for at, late in zip(monitor.times, monitor.samples, strict=True)]
    return {"max_lag": monitor.reset(), "samples": samples}
