"""Lesson 06's exercises: map upstream failures to 502/504, then share one client."""

from __future__ import annotations

from http import HTTPStatus

import httpx
from fastapi import FastAPI, HTTPException, Request

from course_app.client import AppClient
from course_app.exercise import (
    Hint,
    exercise,
    hint_if_blocked,
    hint_if_not_a_lifespan,
    hint_if_still_awaitable,
)
from course_app.fake_upstream import build_upstream, temperature_c
from course_app.loop_lag import LoopLagMonitor
from course_app.pitfall import describe
from course_app.server import Server, free_port
from course_app.solutions import l06_external_api_calls as solutions

CASES = {
    "works": ({}, None),
    "answers 503": ({"status": "503"}, 502),
    "is too slow": ({"stall": "1"}, 504),
    "drops the connection": ({"abort": "true"}, 502),
    "is not running": (None, 502),
    "knows no such city (404)": ({"status": "404"}, 404),
}
"""How the check's upstream behaves in each case (its query parameters, or None for nothing
listening), and the status our caller should get (None: the weather itself)."""


def _hint_if_client_unused(params: dict | None, sent: list) -> None:
    if params is not None and not sent:
        raise Hint("your function did not use the `client` it was given (that client has the "
                   "service's address and timeout): call `client.get(...)` on it.")


async def _one_case(forecast, url: str, case: str) -> None:
    params, wanted = CASES[case]
    base = url if params is not None else f"http://127.0.0.1:{free_port()}"
    sent: list[httpx.Request] = []

    async def count(request: httpx.Request) -> None:
        sent.append(request)

    async with httpx.AsyncClient(base_url=base, params=params or {}, timeout=httpx.Timeout(0.3),
                                 event_hooks={"request": [count]}) as client:
        try:
            async with LoopLagMonitor() as lag:
                result = await forecast(client, "Oslo")
        except HTTPException as error:
            _hint_if_client_unused(params, sent)
            if wanted is None:
                raise Hint(f"when the upstream {case}, your function raised a "
                           f"{error.status_code}; it should return the weather.") from None
            if wanted == 404 and error.status_code == 502:
                raise Hint("when the upstream knows no such city (404), the mistake is our "
                           "caller's, not the weather service's: answer 404 with a message, "
                           "not 502 (look at `error.response.status_code`).") from None
            if error.status_code != wanted:
                raise Hint(f"when the upstream {case}, our caller should get {wanted}, not "
                           f"{error.status_code}.") from None
            if error.detail == HTTPStatus(error.status_code).phrase:
                raise Hint(f"give the {wanted} a message for our caller, saying what went "
                           "wrong: `HTTPException(status, \"...\")`.") from None
            result = None
        except httpx.HTTPError as error:
            raise Hint(f"when the upstream {case}, your function let `{type(error).__name__}` "
                       f"escape (our caller would get a 500): turn it into "
                       f"`HTTPException({wanted}, ...)`.") from None
        _hint_if_client_unused(params, sent)  # first: a client of its own blocks ~50 ms too
        hint_if_blocked(lag.max_lag, "`forecast`")
        if wanted is not None and result is None:
            return
        hint_if_still_awaitable(result, fix="`response = await client.get(...)`")
        if isinstance(result, httpx.Response):
            raise Hint("return the JSON body, `response.json()`, not the Response.")
        if wanted is not None:
            also = " (did you call `response.raise_for_status()`?)" if case == "answers 503" else ""
            raise Hint(f"when the upstream {case}, your function returned {result!r}; raise "
                       f"`HTTPException({wanted}, ...)` instead{also}.")
        if not isinstance(result, dict) or result.get("temperature_c") != temperature_c("Oslo"):
            raise Hint(f"for Oslo, return the upstream's JSON body; got {result!r}.")


@exercise("06.1", "turn upstream failures into 502 and 504", expects="async function",
          solution=solutions.forecast)
async def check_forecast(forecast) -> str:
    async with Server(build_upstream(latency=0)) as url:
        async with httpx.AsyncClient(base_url=url) as client:  # a first request's one-time
            await client.get("/weather/Oslo")  # costs, not counted as the answer blocking
        for case in CASES:
            await _one_case(forecast, url, case)
    return ("the weather when all is well; 504 when too slow; 502 when failing or unreachable; "
            "404 for a city the service does not know.")


@exercise("06.2", "one shared client, created and closed by the lifespan", expects="function",
          solution=solutions.lifespan)
async def check_lifespan(lifespan) -> str:
    hint_if_not_a_lifespan(lifespan)
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

        try:
            async with AppClient(app) as client:
                bodies = [(await client.get(f"/forecast/city{n}")).json() for n in range(10)]
        except Exception as error:  # the learner's lifespan failed to start or stop
            raise Hint(f"the app could not run your lifespan ({describe(error)}): yield a dict, "
                       "`yield {\"upstream\": client}`.") from None
    if not isinstance(seen[0], httpx.AsyncClient):
        where = (" (it is on `app.state`; requests see only what the lifespan yields)"
                 if isinstance(getattr(app.state, "upstream", None), httpx.AsyncClient) else "")
        raise Hint(f"`request.state.upstream` is {bodies[0].get('problem')}{where}: yield "
                   "`{\"upstream\": client}` with an `httpx.AsyncClient`.")
    if str(seen[0].base_url).rstrip("/") != url.rstrip("/"):
        raise Hint("create the client with `base_url=app.state.upstream_url`.")
    if len({id(client) for client in seen}) != 1:
        raise Hint("each request got a different client: create one in the lifespan.")
    if not seen[0].is_closed:
        raise Hint("the client is still open after shut-down: create it with `async with "
                   "httpx.AsyncClient(...) as client:` around the `yield`, so it is closed.")
    return "10 requests shared one client, which was closed at shut-down."
