"""Lesson 06: calling another service with httpx, the way a production app should.

`build_weather_app(upstream_url)` is our own API. It calls the fake weather service
(`course_app.fake_upstream`) with one shared `httpx.AsyncClient`, created in the lifespan with
explicit timeouts and handed to path operations through the `upstream_client` dependency (so
tests can swap it with `app.dependency_overrides`). Upstream trouble becomes a clear answer for
our caller: a timeout is a 504, an upstream error or a connection failure a 502, each with a
message. Safe failures (connection errors and 503s on a GET) are retried a bounded number of times.

The measurements run the fake upstream on a real server, because connection reuse and timeouts
only exist on real sockets.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from typing import Annotated, Literal

import httpx
from fastapi import Depends, FastAPI, HTTPException, Request

from course_app.fake_upstream import UPSTREAM_APP  # noqa: F401 - the notebook uses lesson.UPSTREAM_APP

UPSTREAM_TIMEOUT = httpx.Timeout(1.0, connect=0.5)
"""Our explicit limits for the weather service, in seconds: 0.5 to connect, 1.0 for the rest."""
RETRY_ATTEMPTS = 3
RETRY_BACKOFF_SECONDS = 0.05
SIMULATE = {"ok": {}, "error": {"status": "503"}, "slow": {"stall": "2"},
            "drop": {"abort": "true"}}
"""What `?simulate=` asks the fake upstream to do (a lesson-only switch; a real API has none)."""


async def get_with_retries(client: httpx.AsyncClient, path: str, params: dict | None = None,
                           attempts: int = RETRY_ATTEMPTS) -> httpx.Response:
    """`GET path`, retried when it is safe: a connection error or a 503, at most `attempts` times.

    A GET is idempotent, so sending it again cannot do anything twice. Timeouts are *not*
    retried: each retry would add a whole timeout to our caller's wait. Waits
    `RETRY_BACKOFF_SECONDS * attempt` between attempts.

    Returns the last response (2xx, or an error status that is not worth retrying).

    Raises:
        httpx.TimeoutException: at once, on a timeout.
        httpx.TransportError: when the last attempt also fails to connect or is cut off.
    """
    for attempt in range(1, attempts + 1):
        try:
            response = await client.get(path, params=params)
        except httpx.TimeoutException:
            raise
        except httpx.TransportError:
            if attempt == attempts:
                raise
        else:
            if response.status_code != 503 or attempt == attempts:
                return response
        await asyncio.sleep(RETRY_BACKOFF_SECONDS * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def upstream_client(request: Request) -> httpx.AsyncClient:
    """Dependency: the app's one shared client for the weather service, from lifespan state."""
    return request.state.upstream


Upstream = Annotated[httpx.AsyncClient, Depends(upstream_client)]


def build_weather_app(upstream_url: str, timeout: httpx.Timeout = UPSTREAM_TIMEOUT) -> FastAPI:
    """Our API, calling the weather service at `upstream_url` (a base URL on 127.0.0.1).

    `GET /forecast/{city}?simulate=ok|error|slow|drop` returns the upstream's weather for `city`
    (200), or 504 when it is too slow, 502 when it fails or cannot be reached.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with httpx.AsyncClient(base_url=upstream_url, timeout=timeout) as client:
            yield {"upstream": client}

    app = FastAPI(title="Weather for our users", lifespan=lifespan)

    @app.get("/forecast/{city}")
    async def forecast(city: str, client: Upstream,
                       simulate: Literal["ok", "error", "slow", "drop"] = "ok") -> dict:
        try:
            response = await get_with_retries(client, f"/weather/{city}", SIMULATE[simulate])
            response.raise_for_status()
        except httpx.TimeoutException:
            raise HTTPException(504, f"the weather service did not answer within "
                                     f"{client.timeout.read} s") from None
        except httpx.HTTPStatusError as error:
            raise HTTPException(502, f"the weather service failed "
                                     f"({error.response.status_code})") from None
        except httpx.ConnectError as error:
            raise HTTPException(502, f"could not reach the weather service "
                                     f"({type(error).__name__})") from None
        except httpx.TransportError as error:
            raise HTTPException(502, f"the connection to the weather service failed "
                                     f"({type(error).__name__})") from None
        return response.json()

    return app


# --- measurements --------------------------------------------------------------------------------


async def reset_stats(upstream_url: str) -> None:
    """Zero the fake upstream's counters."""
    async with httpx.AsyncClient(base_url=upstream_url) as client:
        (await client.post("/stats/reset")).raise_for_status()


async def read_stats(upstream_url: str) -> dict[str, int]:
    """The fake upstream's counters (`received`, `completed`, `peak_in_flight`, `connections`)."""
    async with httpx.AsyncClient(base_url=upstream_url) as client:
        return (await client.get("/stats")).json()


async def client_per_call_vs_shared(upstream_url: str, calls: int = 40) -> dict[str, dict]:
    """Make `calls` upstream calls one after another three ways: a new client each time; a new
    client each time but one shared SSL context (`verify=`); one shared client.

    Every `httpx.AsyncClient()` builds an SSL context (loading the CA certificates), even for
    plain `http://`, unless given one; and each client has its own connection pool.

    Returns, by way: `seconds` (wall time) and `connections` (TCP connections the upstream saw).
    """
    ssl_context = httpx.create_ssl_context()

    async def one_call(client: httpx.AsyncClient) -> None:
        (await client.get("/weather/Lima", params={"latency": 0})).raise_for_status()

    async def calls_with(way: str) -> dict[str, float]:
        await reset_stats(upstream_url)
        started = time.perf_counter()
        if way == "one shared client":
            async with httpx.AsyncClient(base_url=upstream_url) as client:
                for _ in range(calls):
                    await one_call(client)
        else:
            verify = ssl_context if way.endswith("shared SSL context") else True
            for _ in range(calls):
                async with httpx.AsyncClient(base_url=upstream_url, verify=verify) as client:
                    await one_call(client)
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "connections": (await read_stats(upstream_url))["connections"]}

    ways = ("new client per call", "new client per call, shared SSL context", "one shared client")
    return {way: await calls_with(way) for way in ways}


async def forecast_answers(upstream_url: str, dead_url: str) -> dict[str, tuple[int, str]]:
    """Our API's answer for each kind of upstream trouble, in-process.

    `dead_url` is a URL where nothing listens. Returns, by case, `(status_code, body)` where the
    body is the forecast's conditions for a 200, else the error message.
    """
    from course_app.client import AppClient

    answers = {}
    async with AppClient(build_weather_app(upstream_url)) as client:
        for simulate in SIMULATE:
            response = await client.get("/forecast/Oslo", params={"simulate": simulate})
            answers[f"upstream {simulate}"] = _summary(response)
    async with AppClient(build_weather_app(dead_url)) as client:
        answers["nothing listening"] = _summary(await client.get("/forecast/Oslo"))
    return answers


def _summary(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    return response.status_code, body.get("detail") or f"{body['conditions']} in {body['city']}"
