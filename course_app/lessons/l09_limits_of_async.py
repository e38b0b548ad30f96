"""Lesson 09: what async cannot do. CPU-bound work, the GIL, and a process pool.

`count_primes` is pure-Python CPU work (no waiting at all). `cpu_app` runs it three ways inside
`async def` path operations: inline on the event loop, in a worker thread, and in a process pool
created in the lifespan. A `LoopLagMonitor` runs on the server's own loop and `GET /lag` reports
how late it got; `GET /health` shows what a quick request meets meanwhile.

The process pool uses an explicit start method ("spawn"): it behaves the same on Linux, macOS and
Windows, and workers import `count_primes` from this module, so it must stay importable (a
function defined in a notebook cannot be sent to another process this way).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request

from course_app.burst import latency_during
from course_app.loop_lag import LoopLagMonitor
from course_app.server import Server
from course_app.timeline import Timeline

WORK_LIMIT = 200_000
"""`count_primes(WORK_LIMIT)` keeps one core busy for roughly 0.2 s on a 2020s laptop."""
START_METHOD = "spawn"
"""How the process pool starts its workers: a fresh interpreter, on every operating system."""


def count_primes(limit: int) -> int:
    """Count the primes below `limit` by trial division: pure-Python CPU work, no I/O.

    Raises:
        TypeError: when `limit` is not an integer.
    """
    count = 0
    for number in range(2, limit):
        for divisor in range(2, int(number**0.5) + 1):
            if number % divisor == 0:
                break
        else:
            count += 1
    return count


def new_process_pool(workers: int = 2) -> ProcessPoolExecutor:
    """A `ProcessPoolExecutor` of `workers` processes started with `START_METHOD`."""
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context(START_METHOD))


async def warm_up(pool: ProcessPoolExecutor, workers: int = 2) -> None:
    """Start the pool's workers now (each imports this module), not on the first real job."""
    loop = asyncio.get_running_loop()
    await asyncio.gather(*(loop.run_in_executor(pool, count_primes, 10) for _ in range(workers)))


@asynccontextmanager
async def cpu_lifespan(app: FastAPI):
    """Create and warm the process pool, and watch this server's event loop for lag."""
    with new_process_pool() as pool:
        await warm_up(pool)
        async with LoopLagMonitor() as lag:
            yield {"pool": pool, "lag": lag}


cpu_app = FastAPI(title="Prime counter", lifespan=cpu_lifespan)


@cpu_app.get("/inline")
async def inline() -> dict[str, int]:
    """The pitfall: CPU work inside `async def` runs on the event loop and stops it."""
    return {"primes": count_primes(WORK_LIMIT)}


@cpu_app.get("/thread")
async def in_a_thread() -> dict[str, int]:
    """In a worker thread: the loop keeps running, but shares the GIL with the work."""
    return {"primes": await asyncio.to_thread(count_primes, WORK_LIMIT)}


@cpu_app.get("/process")
async def in_a_process(request: Request) -> dict[str, int]:
    """In another process: its own interpreter and GIL, on another core."""
    loop = asyncio.get_running_loop()
    return {"primes": await loop.run_in_executor(request.state.pool, count_primes, WORK_LIMIT)}


@cpu_app.get("/health")
async def health() -> dict[str, bool]:
    """A quick request: answers as soon as the event loop gets to it."""
    return {"ok": True}


@cpu_app.get("/lag")
async def lag(request: Request) -> dict[str, float]:
    """The worst lag of this server's event loop since the last `GET /lag`, in milliseconds."""
    return {"max_lag_ms": request.state.lag.reset() * 1000}


WAYS = ("inline", "thread", "process")


async def health_during_work() -> dict[str, dict[str, float]]:
    """For each way in `WAYS`, send the CPU request and a `/health` 50 ms into it.

    Runs `cpu_app` in a child process (the work must hold that process's GIL, not this one's).
    Returns, by way: `work_s` and `health_s` (seconds each request took, client side) and
    `max_lag_ms` (the server loop's worst lag meanwhile, in milliseconds).
    """
    results = {}
    async with Server("course_app.lessons.l09_limits_of_async:cpu_app") as base_url:
        async with httpx.AsyncClient(base_url=base_url) as client:
            await client.get("/lag")  # start counting from here
            for way in WAYS:
                work_s, health_s = await latency_during(base_url, f"/{way}", "/health")
                lag_ms = (await client.get("/lag")).json()["max_lag_ms"]
                results[way] = {"work_s": work_s, "health_s": health_s, "max_lag_ms": lag_ms}
    return results


async def two_jobs(way: str, limit: int = WORK_LIMIT, repeat: int = 2) -> Timeline:
    """Run two `count_primes(limit)` jobs "one after another", in "threads" or in "processes".

    Returns a timeline titled `way` with a span per job, from submitting it to its result. The
    process pool is created and warmed up before the clock starts. The pair is run `repeat`
    times and the fastest run is returned, so a moment when another program has a core busy
    does not decide the result (the machine's cores may be shared).

    Raises:
        ValueError: for an unknown `way`, or `repeat` below 1.
    """
    if way not in ("one after another", "threads", "processes"):
        raise ValueError(f"way must be 'one after another', 'threads' or 'processes', not {way!r}")
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    loop = asyncio.get_running_loop()
    runs = []
    with contextlib.ExitStack() as stack:
        pool = None
        if way == "processes":
            pool = stack.enter_context(new_process_pool())
            await warm_up(pool)
        for _ in range(repeat):
            timeline = Timeline(way)
            if way == "one after another":
                for name in ("job 1", "job 2"):
                    with timeline.span(name):
                        count_primes(limit)
            else:
                async def job(name: str, timeline: Timeline = timeline) -> None:
                    async with timeline.span(name):
                        if pool is None:
                            await asyncio.to_thread(count_primes, limit)
                        else:
                            await loop.run_in_executor(pool, count_primes, limit)

                await asyncio.gather(job("job 1"), job("job 2"))
            runs.append(timeline)
    return min(runs, key=lambda run: run.wall_time)


def time_one_job(limit: int = WORK_LIMIT) -> float:
    """Seconds one `count_primes(limit)` takes on this machine, measured now."""
    started = time.perf_counter()
    count_primes(limit)
    return time.perf_counter() - started
