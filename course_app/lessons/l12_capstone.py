"""Lesson 12, the capstone: a travel dashboard that puts every earlier lesson to work.

`GET /dashboard/{city}?currency=USD` answers with three sections, each from its own upstream
service: the weather, the euro's exchange rate, and flights (ranked by a CPU-heavy step). How
each lesson shows up:

- one shared `httpx.AsyncClient`, made in the lifespan, with explicit timeouts (lesson 06);
- the three calls at once with `asyncio.gather`, bounded by one semaphore for the whole app
  (lesson 07);
- an upstream failure becomes that section's error message (partial result); when every
  section fails, a 502, or a 504 when they all timed out (lesson 06);
- every dashboard built is stored with Tortoise ORM (lesson 05);
- answers are cached; a stale one is served at once and refreshed by a background task after
  the response (lesson 08);
- the flight ranking runs in a process pool, so `/health` stays fast (lesson 09).

The upstream services are settings (`DashboardSettings.services`): base URLs of real servers, or
ASGI apps that the shared client calls in-process (through `httpx.ASGITransport` mounts).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import BackgroundTasks, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from tortoise import fields
from tortoise.contrib.fastapi import RegisterTortoise
from tortoise.models import Model

from course_app.database import resolve, tortoise_config
from course_app.fake_upstream import UPSTREAM_APP, build_upstream
from course_app.lessons.l09_limits_of_async import count_primes, new_process_pool, warm_up
from course_app.load import MAX_REQUESTS, LoadResult, generate_load
from course_app.loop_lag import LoopLagMonitor
from course_app.server import Server
from course_app.timeline import Timeline

SECTION_PATHS = {
    "weather": "/weather/{city}",
    "rates": "/rates/{currency}",
    "flights": "/flights/{city}",
}
"""Each dashboard section → the path its upstream service answers on."""

MODELS = ["course_app.lessons.l12_capstone"]
"""The Tortoise modules of the capstone's database (its one model, `Snapshot`)."""

TEST_FOLDER = Path(__file__).resolve().parents[2] / "tests" / "lessons" / "l12"
"""Where the capstone's own tests live."""

RANKING_WORK = 120_000
"""How much CPU work ranking the flights takes: `count_primes(RANKING_WORK)`."""

RANKING_SECONDS = 0.1
"""About how long `rank_flights` takes on two cores, in seconds (measured: 0.09-0.10 s)."""


class Snapshot(Model):
    """One dashboard as it was built: the city, the currency, and the whole answer."""

    id = fields.IntField(primary_key=True)
    city = fields.CharField(max_length=60, db_index=True)
    currency = fields.CharField(max_length=3)
    dashboard = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)


@dataclass(frozen=True)
class DashboardSettings:
    """Everything the dashboard app can be configured with.

    Attributes:
        services: section name ("weather", "rates", "flights", ...) → a base URL on
            127.0.0.1, or an ASGI app called in-process.
        timeout: seconds each upstream call may take to answer (httpx read timeout; connecting
            may take at most 0.5 s).
        fan_out_limit: upstream calls in flight at once, across all requests.
        cache_seconds: how long a built dashboard is fresh; after that it is served once more
            and refreshed in the background. 0 turns the cache off.
        database_url: where snapshots are stored (a Tortoise URL).
    """

    services: Mapping[str, Any] = field(default_factory=dict)
    timeout: float = 1.0
    fan_out_limit: int = 10
    cache_seconds: float = 60.0
    database_url: str = "sqlite://:memory:"


def dashboard_settings() -> DashboardSettings:
    """FastAPI dependency: the settings from the environment (for a server process).

    `COURSE_UPSTREAM_URL` is the base URL of every section's service, `COURSE_DATABASE_URL` the
    database (default: in memory), `COURSE_CACHE_SECONDS` how long a dashboard stays fresh
    (default 60). Tests and notebooks override this dependency instead.
    """
    upstream = os.environ.get("COURSE_UPSTREAM_URL", "")
    return DashboardSettings(
        services={name: upstream for name in SECTION_PATHS} if upstream else {},
        cache_seconds=float(os.environ.get("COURSE_CACHE_SECONDS", "60")),
        database_url=os.environ.get("COURSE_DATABASE_URL") or "sqlite://:memory:")


def service_routes(services: Mapping[str, Any]) -> tuple[dict, dict[str, str]]:
    """How one shared client reaches `services` (name → base URL, or ASGI app).

    Returns `(mounts, bases)`: `httpx.AsyncClient(mounts=...)` transports that call each ASGI
    app in-process at `http://{name}`, and name → the base URL to put in front of a path.
    """
    mounts = {f"http://{name}": httpx.ASGITransport(app=target)
              for name, target in services.items() if not isinstance(target, str)}
    bases = {name: target if isinstance(target, str) else f"http://{name}"
             for name, target in services.items()}
    return mounts, bases


def rank_flights(flights: list[dict], work: int = RANKING_WORK) -> list[dict]:
    """The flights, best value first (price plus 25 EUR per hour in the air), after
    `count_primes(work)` of CPU work standing in for a real scoring model. Runs in a process."""
    count_primes(work)
    return sorted(flights, key=lambda flight: flight["price_eur"] + 25 * flight["hours"])


@asynccontextmanager
async def dashboard_lifespan(app: FastAPI):
    """One shared HTTP client, one semaphore, one process pool, the database and the cache.

    Raises:
        RuntimeError: when no upstream service is configured (`COURSE_UPSTREAM_URL`).
    """
    settings = resolve(app, dashboard_settings)
    missing = [name for name in SECTION_PATHS if name not in settings.services]
    if missing:
        raise RuntimeError(f"no upstream service configured for {', '.join(missing)}: set "
                           "COURSE_UPSTREAM_URL, or override dashboard_settings")
    mounts, bases = service_routes(settings.services)
    timeout = httpx.Timeout(settings.timeout, connect=0.5)
    with new_process_pool(workers=1) as pool:
        await warm_up(pool, workers=1)
        async with httpx.AsyncClient(timeout=timeout, mounts=mounts) as client, RegisterTortoise(
                app, config=tortoise_config(settings.database_url, MODELS), generate_schemas=True):
            yield {"client": client, "bases": bases, "pool": pool, "settings": settings,
                   "limit": asyncio.Semaphore(settings.fan_out_limit), "cache": {},
                   "refreshing": set()}


async def fetch_section(client: httpx.AsyncClient, limit: asyncio.Semaphore, name: str,
                        url: str, timeline: Timeline | None = None) -> dict:
    """GET `url` for section `name`, holding `limit` while the call is in flight.

    Returns `{"data": body}`, or `{"error": message, "status": code}`: the service's own 4xx
    and its reason when it refused the request (an unknown currency, say), 502 when it failed
    or cannot be reached, 504 when it did not answer within the client's timeout. Never
    raises for an upstream problem. Records the call as span `name` on `timeline`, if given.
    """
    timeline = timeline if timeline is not None else Timeline()
    try:
        async with limit, timeline.span(name):
            response = await client.get(url)
        response.raise_for_status()
        return {"data": response.json()}
    except httpx.TimeoutException:
        return {"error": f"{name}: no answer within {client.timeout.read} s", "status": 504}
    except httpx.HTTPStatusError as error:
        code = error.response.status_code
        if code < 500:  # the service understood and refused: pass its reason on
            return {"error": f"{name}: {_reason(error.response)}", "status": code}
        return {"error": f"{name}: the service failed ({code})", "status": 502}
    except httpx.TransportError as error:
        return {"error": f"{name}: could not reach the service ({type(error).__name__})",
                "status": 502}


def _reason(response: httpx.Response) -> str:
    """The `detail` of an error response in FastAPI's format, else its status line."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail) if detail else f"{response.status_code} {response.reason_phrase}"


def section_urls(bases: Mapping[str, str], city: str, currency: str) -> dict[str, str]:
    """Section name → the URL to call, for every section in `SECTION_PATHS`."""
    return {name: bases[name] + path.format(city=city, currency=currency)
            for name, path in SECTION_PATHS.items()}


async def fetch_sections(client: httpx.AsyncClient, limit: asyncio.Semaphore,
                         urls: Mapping[str, str], timeline: Timeline | None = None
                         ) -> dict[str, dict]:
    """Every section at once (`asyncio.gather`); section name → `fetch_section`'s result."""
    results = await asyncio.gather(*(fetch_section(client, limit, name, url, timeline)
                                     for name, url in urls.items()))
    return dict(zip(urls, results, strict=True))


async def fetch_sections_one_by_one(client: httpx.AsyncClient, limit: asyncio.Semaphore,
                                    urls: Mapping[str, str], timeline: Timeline | None = None
                                    ) -> dict[str, dict]:
    """The same calls, awaited one after another: the version to compare with."""
    return {name: await fetch_section(client, limit, name, url, timeline)
            for name, url in urls.items()}


async def build_dashboard(state, city: str, currency: str) -> dict:
    """Fetch the sections, rank the flights in the process pool, store and cache the result.

    Raises:
        HTTPException: 504 when every section timed out, 502 when every section failed.
    """
    sections = await fetch_sections(state.client, state.limit,
                                    section_urls(state.bases, city, currency))
    failures = [section for section in sections.values() if "error" in section]
    if len(failures) == len(sections):
        status = 504 if all(f["status"] == 504 for f in failures) else 502
        raise HTTPException(status, "; ".join(f["error"] for f in failures))
    flights = sections["flights"].get("data", {}).get("flights")
    if flights:
        loop = asyncio.get_running_loop()
        ranked = await loop.run_in_executor(state.pool, rank_flights, flights)
        sections["flights"]["data"]["flights"] = ranked
    dashboard = {"city": city, "currency": currency, "sections": sections}
    await Snapshot.create(city=city, currency=currency, dashboard=dashboard)
    if state.settings.cache_seconds > 0:
        state.cache[(city.casefold(), currency)] = (time.monotonic(), dashboard)
    return dashboard


async def refresh(state, city: str, currency: str) -> None:
    """Background task: rebuild one cached dashboard; a failure keeps the old one."""
    try:
        await build_dashboard(state, city, currency)
    except HTTPException:
        pass  # every upstream failed: keep serving what we have
    finally:
        state.refreshing.discard((city.casefold(), currency))


City = Annotated[str, PathParam(min_length=1, max_length=60, pattern=r"^\p{L}[\p{L} .'-]*$",
                                description="a city name: letters, spaces, dots, ' and -")]
Currency = Annotated[str, Query(pattern=r"^[A-Za-z]{3}$", description="ISO 4217 code")]


def build_dashboard_app() -> FastAPI:
    """The travel dashboard API.

        GET /dashboard/{city}?currency=USD   the dashboard: 200 (partial results included),
                                             422 bad city or currency, 502/504 all failed
        GET /dashboards/{city}               how many snapshots of `city` are stored
        GET /health                          answers at once while the loop is free
    """
    app = FastAPI(title="Travel dashboard", lifespan=dashboard_lifespan)

    @app.get("/dashboard/{city}")
    async def dashboard(city: City, request: Request, background_tasks: BackgroundTasks,
                        currency: Currency = "USD") -> dict:
        state, currency = request.state, currency.upper()
        key = (city.casefold(), currency)  # "Oslo" and "oslo" are one dashboard
        cached = state.cache.get(key)
        if cached is not None:
            built_at, answer = cached
            stale = time.monotonic() - built_at > state.settings.cache_seconds
            if stale and key not in state.refreshing:  # one refresh at a time per dashboard
                state.refreshing.add(key)
                background_tasks.add_task(refresh, state, city, currency)
            return {**answer, "cached": True, "refreshing": stale}
        return {**await build_dashboard(state, city, currency), "cached": False,
                "refreshing": False}

    @app.get("/dashboards/{city}")
    async def history(city: City) -> dict:
        return {"city": city, "snapshots": await Snapshot.filter(city__iexact=city).count()}

    @app.get("/health")
    async def health() -> dict[str, bool]:
        return {"ok": True}

    return app


dashboard_app = build_dashboard_app()
"""The capstone app, for `Server("course_app.lessons.l12_capstone:dashboard_app", env=...)`."""


# --- what the lesson measures ----------------------------------------------------------------

UPSTREAM_LATENCIES = {"weather": 0.2, "rates": 0.1, "flights": 0.3}
"""Seconds each in-process fake service takes to answer in the notebook."""


def in_process_services(latencies: Mapping[str, float] = UPSTREAM_LATENCIES) -> dict:
    """Section name → a fresh fake upstream app answering after that many seconds."""
    return {name: build_upstream(latency=latency) for name, latency in latencies.items()}


def broken_service(status: int = 503) -> FastAPI:
    """A service that answers every request with `status` (for failure demonstrations)."""
    app = FastAPI()

    @app.get("/{path:path}")
    async def fail(path: str) -> None:
        raise HTTPException(status, f"the service is down ({status})")

    return app


def dashboard_for(services: Mapping[str, Any], **settings) -> FastAPI:
    """A new dashboard app using `services` (and any other `DashboardSettings` fields)."""
    app = build_dashboard_app()
    app.dependency_overrides[dashboard_settings] = lambda: DashboardSettings(
        services=services, **settings)
    return app


async def one_by_one_vs_gather(services: Mapping[str, Any], city: str = "Oslo"
                               ) -> tuple[Timeline, Timeline]:
    """The three sections fetched one after another, then at once, with one shared client
    calling `services` in-process. Returns the two timelines."""
    mounts, bases = service_routes(services)
    urls = section_urls(bases, city, "USD")
    limit = asyncio.Semaphore(10)
    sequential, together = Timeline("one after another"), Timeline("asyncio.gather")
    async with httpx.AsyncClient(mounts=mounts) as client:
        await fetch_sections_one_by_one(client, limit, urls, sequential)
        await fetch_sections(client, limit, urls, together)
    return sequential, together


async def loop_lag_while_ranking(inline: bool, flights: int = 30) -> float:
    """The worst event-loop lag, in seconds, while `flights` flights are ranked: `inline` on
    the loop, or in a one-process pool (as the app does)."""
    sample = [{"flight": f"CA{n}", "price_eur": 100 + n, "hours": 2.0} for n in range(flights)]
    with new_process_pool(workers=1) as pool:
        await warm_up(pool, workers=1)
        async with LoopLagMonitor() as lag:
            if inline:
                rank_flights(sample)
                await asyncio.sleep(0.02)  # let the monitor see the loop again
            else:
                await asyncio.get_running_loop().run_in_executor(pool, rank_flights, sample)
        return lag.max_lag


DASHBOARD_APP = "course_app.lessons.l12_capstone:dashboard_app"


async def load_test(requests: int = 40, concurrency: int = 10, cache_seconds: float = 0.0
                    ) -> tuple[LoadResult, LoadResult, dict[str, int]]:
    """The finished service under load: real uvicorn processes for the fake upstream (0.05 s
    per call) and the dashboard (caching for `cache_seconds`).

    Returns (`/dashboard/Oslo` under load, `/health` asked one request at a time meanwhile
    (for as long as the dashboards are expected to take, at most 5 s), the upstream's counters
    for the dashboard load).
    """
    async with Server(UPSTREAM_APP, access_log=False) as upstream_url, \
            Server(DASHBOARD_APP, access_log=False,
                   env={"COURSE_UPSTREAM_URL": upstream_url,
                        "COURSE_CACHE_SECONDS": str(cache_seconds)}) as base_url, \
            httpx.AsyncClient(base_url=upstream_url) as upstream:
        await generate_load(base_url, "/dashboard/Oslo", requests=2, concurrency=1)  # warm-up
        await upstream.post("/stats/reset")
        expected = min(5.0, requests * RANKING_SECONDS)  # the one-process pool is the limit
        dashboards, health = await asyncio.gather(
            generate_load(base_url, "/dashboard/Oslo?currency=GBP", requests=requests,
                          concurrency=concurrency),
            generate_load(base_url, "/health", requests=MAX_REQUESTS, concurrency=1,
                          max_seconds=expected))
        return dashboards, health, (await upstream.get("/stats")).json()
