"""Lesson 06's exercises: map upstream failures to 502/504, then share one client."""

from __future__ import annotations

import inspect

import httpx
from fastapi import FastAPI, HTTPException, Request

from course_app.check import Hint, exercise
from course_app.client import AppClient
from course_app.fake_upstream import build_upstream, temperature_c
from course_app.server import Server, free_port
from course_app.solutions import l06_external_api_calls as solutions

CASES = {
    "works": ({}, None),
    "answers 503": ({"status": "503"}, 502),
    "is too slow": ({"stall": "1"}, 504),
    "drops the connection": ({"abort": "true"}, 502),
    "is not running": (None, 502),
}
"""How the check's upstream behaves in each case (its query parameters, or None for nothing
listening), and the status our caller should get (None: the weather itself)."""


@exercise("06.1", "turn upstream failures into 502 and 504", expects="async function",
          solution=solutions.forecast)
async def check_forecast(forecast) -> str:
    async with Server(build_upstream(latency=0)) as url:
        for case, (params, wanted) in CASES.items():
            base = url if params is not None else f"http://127.0.0.1:{free_port()}"
            async with httpx.AsyncClient(base_url=base, params=params or {},
                                         timeout=httpx.Timeout(0.3)) as client:
                try:
                    result = await forecast(client, "Oslo")
                except HTTPException as error:
                    if wanted is None:
                        raise Hint(f"when the upstream {case}, your function raised a "
                                   f"{error.status_code}; it should return the weather.") from None
                    if error.status_code != wanted:
                        raise Hint(f"when the upstream {case}, our caller should get {wanted}, "
                                   f"not {error.status_code}.") from None
                    if not error.detail or not str(error.detail).strip():
                        raise Hint(f"give the {wanted} a message for our caller: "
                                   "`HTTPException(status, \"...\")`.") from None
                    continue
                except httpx.HTTPError as error:
                    raise Hint(f"when the upstream {case}, your function let "
                               f"`{type(error).__name__}` escape (our caller would get a 500): "
                               f"turn it into `HTTPException({wanted}, ...)`.") from None
                if inspect.isawaitable(result):
                    if inspect.iscoroutine(result):
                        result.close()
                    raise Hint("your function returned something still to be awaited: "
                               "`response = await client.get(...)`.")
                if isinstance(result, httpx.Response):
                    raise Hint("return the JSON body, `response.json()`, not the Response.")
                if wanted is not None:
                    raise Hint(f"when the upstream {case}, your function returned {result!r}; "
                               f"raise `HTTPException({wanted}, ...)` instead (did you call "
                               "`response.raise_for_status()`?).")
                if not isinstance(result, dict) or result.get("temperature_c") != temperature_c(
                        "Oslo"):
                    raise Hint(f"for Oslo, return the upstream's JSON body; got {result!r}.")
    return "the weather when all is well; 504 when too slow; 502 when failing or unreachable."


@exercise("06.2", "one shared client, created and closed by the lifespan", expects="function",
          solution=solutions.lifespan)
async def check_lifespan(lifespan) -> str:
    if inspect.isasyncgenfunction(lifespan):
        raise Hint("decorate your lifespan with `@asynccontextmanager` (from `contextlib`).")
    if getattr(lifespan, "__wrapped__", None) is None:
        raise Hint("a lifespan is an `async def` with one `yield`, decorated with "
                   "`@asynccontextmanager`.")
    upstream = build_upstream(latency=0)
    async with Server(upstream) as url:
        app = FastAPI(lifespan=lifespan)
        app.state.upstream_url = url
        seen: list = []

        @app.get("/forecast/{city}")
        async def forecast(city: str, request: Request) -> dict:
            client = getattr(request.state, "upstream", None)
            seen.append(client)
            if not isinstance(client, httpx.AsyncClient):
                return {"problem": type(client).__name__}
            try:
                return (await client.get(f"/weather/{city}")).json()
            except httpx.HTTPError as error:
                return {"problem": type(error).__name__}

        upstream.state.stats.reset()
        async with AppClient(app) as client:
            bodies = [(await client.get(f"/forecast/city{n}")).json() for n in range(10)]
    if not isinstance(seen[0], httpx.AsyncClient):
        raise Hint(f"`request.state.upstream` is {bodies[0].get('problem')}: yield "
                   "`{\"upstream\": client}` with an `httpx.AsyncClient`.")
    if str(seen[0].base_url).rstrip("/") != url.rstrip("/"):
        raise Hint("create the client with `base_url=app.state.upstream_url`.")
    if len({id(client) for client in seen}) != 1:
        raise Hint("each request got a different client: create one in the lifespan.")
    connections = upstream.state.stats.as_dict()["connections"]
    if not seen[0].is_closed:
        raise Hint("the client is still open after shut-down: create it with `async with "
                   "httpx.AsyncClient(...) as client:` around the `yield`, so it is closed.")
    return f"10 requests, one client, {connections} connection; closed at shut-down."
