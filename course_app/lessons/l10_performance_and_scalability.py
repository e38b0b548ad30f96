"""Lesson 10: performance and scalability, measured under load on real uvicorn servers.

Every scenario runs in its own uvicorn server process (`Server("module:app")`), and the load
comes from `course_app.load.generate_load` in the notebook's process: the server and the client
do not share an event loop, as in production.

Scenario apps, all importable so a server process can load them:

- `scenario_app`: `/hello` (trivial), `/async-io` (`async def` + an awaited 0.2 s wait),
  `/def-blocking` (`def` + a blocking 0.2 s wait, run in the threadpool), `/async-blocking`
  (`async def` + a blocking 0.2 s wait: the mistake), `/worker` (the answering process's id).
- `caller_app`: calls the fake upstream (`COURSE_UPSTREAM_URL`) with one shared client or a
  client per request, and fans out to it with or without a semaphore.
"""

from __future__ import annotations

import asyncio
import os
import time
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
from fastapi import FastAPI, HTTPException, Query, Request

from course_app.fake_upstream import UPSTREAM_APP
from course_app.load import LoadResult, generate_load
from course_app.server import Server

WAIT_SECONDS = 0.2
"""How long each scenario request waits (awaited or blocking), in seconds."""

SCENARIO_APP = "course_app.lessons.l10_performance_and_scalability:scenario_app"
CALLER_APP = "course_app.lessons.l10_performance_and_scalability:caller_app"

# --- the scenarios -----------------------------------------------------------------------------

scenario_app = FastAPI(title="Load scenarios")


@scenario_app.get("/hello")
async def hello() -> dict[str, str]:
    """Trivial: no wait at all. Load against it measures the client, not the server."""
    return {"hello": "world"}


@scenario_app.get("/async-io")
async def async_io() -> dict[str, float]:
    """`async def` + awaited I/O: the loop serves other requests during the wait."""
    await asyncio.sleep(WAIT_SECONDS)
    return {"waited": WAIT_SECONDS}


@scenario_app.get("/def-blocking")
def def_blocking() -> dict[str, float]:
    """`def` + blocking I/O: each request holds one of the threadpool's 40 threads."""
    time.sleep(WAIT_SECONDS)
    return {"waited": WAIT_SECONDS}


@scenario_app.get("/async-blocking")
async def async_blocking() -> dict[str, float]:
    """`async def` + blocking I/O: the mistake; the event loop serves one request at a time."""
    time.sleep(WAIT_SECONDS)
    return {"waited": WAIT_SECONDS}


@scenario_app.get("/worker")
async def worker() -> dict[str, int]:
    """Which worker process answered: its process id. Shows where a connection's requests go."""
    return {"pid": os.getpid()}


SCENARIOS = {
    "async def + await": ("/async-io", (1, 10, 40, 80)),
    "def + blocking": ("/def-blocking", (1, 10, 40, 80)),
    "async def + blocking": ("/async-blocking", (1, 2, 4)),
}
"""Scenario name → (path, the concurrencies it is swept over). The blocking mistake stays at
low concurrency: it serves one request per 0.2 s, so 80 at once would take 16 s."""

ROUNDS = 2
"""Each load run sends `ROUNDS × concurrency` requests, so every worker sends `ROUNDS`."""


async def client_ceiling(requests: int = 400, concurrency: int = 10) -> LoadResult:
    """The load generator against `/hello`, which does no work: the client's own ceiling.

    Returns the `LoadResult` (its `throughput` is what one Python client can send, requests/s).
    """
    async with Server(SCENARIO_APP, access_log=False) as base_url:
        await generate_load(base_url, "/hello", requests=20, concurrency=5)  # warm-up
        return await generate_load(base_url, "/hello", requests=requests,
                                   concurrency=concurrency)


async def sweep(path: str, concurrencies: tuple[int, ...], rounds: int = ROUNDS,
                workers: int = 1, keep_alive: bool = True) -> list[LoadResult]:
    """Load `path` of `scenario_app` at each concurrency, on one fresh server process.

    Args:
        path: a scenario path, such as "/async-io".
        concurrencies: requests in flight for each run, in order.
        rounds: each run sends `rounds × concurrency` requests.
        workers: uvicorn worker processes.
        keep_alive: whether the load reuses connections (see `generate_load`).

    Returns:
        One `LoadResult` per concurrency, in order.
    """
    results = []
    async with Server(SCENARIO_APP, workers=workers, access_log=False) as base_url:
        await generate_load(base_url, "/hello", requests=workers * 4, concurrency=workers * 2)
        for concurrency in concurrencies:
            results.append(await generate_load(base_url, path, requests=rounds * concurrency,
                                               concurrency=concurrency,
                                               keep_alive=keep_alive))
    return results


async def all_sweeps() -> dict[str, list[LoadResult]]:
    """Every scenario of `SCENARIOS`, swept one after another (each on its own server)."""
    return {name: await sweep(path, concurrencies)
            for name, (path, concurrencies) in SCENARIOS.items()}


async def on_workers(workers: int, path: str = "/async-blocking", concurrency: int = 4,
                     rounds: int = ROUNDS) -> LoadResult:
    """`path` at `concurrency` on a server with `workers` uvicorn worker processes.

    Each worker process has its own event loop, so even the blocking mistake serves one request
    per worker at a time. Every request opens a new connection (`keep_alive=False`), so each
    goes to a worker that is free to accept it, as a load balancer's new connections would.

    Raises:
        ValueError: when `workers` is below 1.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    return (await sweep(path, (concurrency,), rounds, workers, keep_alive=False))[0]


# --- calling an upstream under load ----------------------------------------------------------

UPSTREAM_LATENCY = 0.05
"""Seconds the fake upstream waits per call in the caller scenarios."""

FAN_OUT_CALLS = 10
"""Upstream calls each `/fan-out` request makes."""

FAN_OUT_LIMIT = 10
"""How many upstream calls the bounded fan-out lets run at once, across all requests."""


@asynccontextmanager
async def caller_lifespan(app: FastAPI):
    """One shared client for the upstream at `COURSE_UPSTREAM_URL`, and one semaphore."""
    url = os.environ.get("COURSE_UPSTREAM_URL")
    if not url:
        raise RuntimeError("COURSE_UPSTREAM_URL is not set: the caller app needs an upstream")
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield {"upstream": client, "upstream_url": url,
               "fan_out_limit": asyncio.Semaphore(FAN_OUT_LIMIT)}


caller_app = FastAPI(title="Calls an upstream", lifespan=caller_lifespan)

LATENCY_PARAMS = {"latency": str(UPSTREAM_LATENCY)}


async def _weather(client: httpx.AsyncClient, city: str) -> dict:
    try:
        response = await client.get(f"/weather/{city}", params=LATENCY_PARAMS)
        response.raise_for_status()
    except httpx.HTTPError as error:
        raise HTTPException(502, f"the upstream failed ({type(error).__name__})") from None
    return response.json()


@caller_app.get("/shared")
async def with_shared_client(request: Request) -> dict:
    """One upstream call through the app's shared client (its pool reuses connections)."""
    return await _weather(request.state.upstream, "Oslo")


@caller_app.get("/per-request")
async def with_client_per_request(request: Request) -> dict:
    """One upstream call through a new client, created and closed for this request."""
    async with httpx.AsyncClient(base_url=request.state.upstream_url, timeout=10) as client:
        return await _weather(client, "Oslo")


@caller_app.get("/fan-out")
async def fan_out(request: Request,
                  bounded: Annotated[bool, Query(description="use the semaphore")] = False
                  ) -> dict[str, int]:
    """`FAN_OUT_CALLS` upstream calls at once; with `bounded=true`, at most `FAN_OUT_LIMIT`
    across all requests."""
    client, limit = request.state.upstream, request.state.fan_out_limit

    async def call(number: int) -> dict:
        if not bounded:
            return await _weather(client, f"city-{number}")
        async with limit:
            return await _weather(client, f"city-{number}")

    results = await asyncio.gather(*(call(n) for n in range(FAN_OUT_CALLS)))
    return {"calls": len(results)}


async def _upstream_stats(client: httpx.AsyncClient) -> dict[str, int]:
    return (await client.get("/stats")).json()


CALLER_LOADS = {
    "/shared": (80, 20),
    "/per-request": (80, 20),
    "/fan-out": (20, 10),
    "/fan-out?bounded=true": (20, 10),
}
"""Each `caller_app` path the lesson loads → (requests, concurrency)."""


async def callers_under_load(loads: dict[str, tuple[int, int]] | None = None
                             ) -> dict[str, tuple[LoadResult, dict[str, int]]]:
    """Load each of `caller_app`'s paths in turn, against one fake upstream server.

    Args:
        loads: path → (requests, concurrency); `CALLER_LOADS` when omitted.

    Returns:
        path → (`LoadResult`, the upstream's counters for that run: `received`, `completed`,
        `peak_in_flight`, `connections` opened).
    """
    results = {}
    async with Server(UPSTREAM_APP, access_log=False) as upstream_url, \
            Server(CALLER_APP, access_log=False,
                   env={"COURSE_UPSTREAM_URL": upstream_url}) as caller_url, \
            httpx.AsyncClient(base_url=upstream_url) as upstream:
        await generate_load(caller_url, "/shared", requests=4, concurrency=2)  # warm-up
        for path, (requests, concurrency) in (loads or CALLER_LOADS).items():
            await upstream.post("/stats/reset")
            load = await generate_load(caller_url, path, requests=requests,
                                       concurrency=concurrency)
            results[path] = (load, (await upstream.get("/stats")).json())
    return results
