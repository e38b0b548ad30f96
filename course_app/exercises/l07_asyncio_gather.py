"""Lesson 07's exercises: a deadline per call with partial results, then a bounded fan-out that
reports failures in place.

Both run the learner's function against a fresh in-process fake upstream wrapped so that each
city has its own behaviour (a latency, or a 503), whatever the learner's request says.
"""

from __future__ import annotations

import time

import httpx

from course_app.client import AppClient
from course_app.exercise import Hint, exercise, guarded, hint_if_blocked, hint_if_still_awaitable
from course_app.fake_upstream import build_upstream, temperature_c
from course_app.loop_lag import LoopLagMonitor
from course_app.solutions import l07_asyncio_gather as solutions
from course_app.timeline import seconds

LATENCIES = {"Oslo": 0.05, "Lima": 0.4, "Accra": 1.0, "Perth": 0.05, "Quito": 1.0, "Seoul": 0.4}
"""07.1: how long the upstream takes to answer each city, in seconds."""
DEADLINES = (0.25, 0.7)
"""07.1: the deadlines tried, in seconds (two, so that a hard-coded one cannot pass)."""
CITIES = ["Oslo", "Lima", "Accra", "Perth", "Quito", "Seoul"]
FAILING = {"Lima", "Quito"}
"""07.2: the cities for which the upstream answers 503."""
LATENCY = 0.2
"""07.2: how long each call takes, in seconds."""
BLOCKED = 0.15
"""Loop lag, in seconds, that counts as blocking here: well above what a busy machine adds to a
correct answer, well below the waits of these exercises."""


def _upstream(query_for) -> tuple:
    """A fresh fake upstream, wrapped so that a request for `/weather/{city}` gets the query
    string `query_for(city)`. Returns (the ASGI app, its `UpstreamStats`)."""
    app = build_upstream(latency=LATENCY)

    async def asgi(scope, receive, send):
        if scope["type"] == "http":
            city = scope["path"].rsplit("/", 1)[-1]
            scope = {**scope, "query_string": query_for(city).encode()}
        await app(scope, receive, send)

    return asgi, app.state.stats


async def _run(asgi, answer, *args) -> tuple[object, float, float]:
    """Run `answer(client, list(CITIES), *args)`; returns (result, seconds, worst loop lag)."""
    async with AppClient(asgi) as client:
        started = time.perf_counter()
        async with LoopLagMonitor() as lag:
            result = await guarded(answer(client, list(CITIES), *args))
        took = time.perf_counter() - started
    return result, took, lag.max_lag


def _is_body_of(item, city: str) -> bool:
    return isinstance(item, dict) and item.get("city") == city and (
        item.get("temperature_c") == temperature_c(city))


def _hint_if_responses(items, name: str) -> None:
    if any(isinstance(item, httpx.Response) for item in items):
        raise Hint(f"`{name}` returned `Response` objects: return each response's JSON body, "
                   "`response.json()`.")


@exercise("07.1", "a deadline per call, with partial results", expects="async function",
          solution=solutions.weather_within)
async def check_weather_within(weather_within) -> str:
    for deadline in DEADLINES:
        asgi, stats = _upstream(lambda city: f"latency={LATENCIES.get(city, LATENCY)}")
        try:
            async with AppClient(asgi) as client:
                started = time.perf_counter()
                async with LoopLagMonitor() as lag:
                    result = await guarded(weather_within(client, list(CITIES), deadline))
                took = time.perf_counter() - started
                still_running = stats.in_flight
        except TimeoutError:
            raise Hint("`TimeoutError` escaped from `weather_within`: one deadline around the "
                       "whole `gather` cancels every call and throws away the answers that "
                       "had arrived. Give each call its own deadline (an `asyncio.timeout` "
                       "inside a per-city function), catch its `TimeoutError` there and put "
                       "`None` in that city's place.") from None
        hint_if_still_awaitable(result, fix="`return` the dict, not a coroutine")
        hint_if_blocked(lag.max_lag, "`weather_within`", limit=BLOCKED)
        if not isinstance(result, dict):
            raise Hint(f"`weather_within` should return a dict {{city: body or None}}, got "
                       f"{type(result).__name__}.")
        if sorted(result) != sorted(CITIES):
            raise Hint(f"expected one entry per city, {CITIES}; got the keys {list(result)}.")
        _hint_if_responses(result.values(), "weather_within")
        in_time = [city for city in CITIES if LATENCIES[city] < deadline]
        late = [city for city in CITIES if LATENCIES[city] > deadline]
        if stats.as_dict()["peak_in_flight"] < len(CITIES) and took > deadline + 0.1:
            raise Hint(f"the calls ran one at a time (at most {stats.as_dict()['peak_in_flight']} "
                       f"in flight), and {len(CITIES)} cities took {seconds(took)}: start them "
                       "all at once with `asyncio.gather`.")
        for city in late:
            if isinstance(result[city], BaseException):
                raise Hint(f"{city} missed the deadline and you put the exception "
                           f"({type(result[city]).__name__}) in its place: put `None` there.")
            if result[city] is not None:
                raise Hint(f"{city} takes {seconds(LATENCIES[city])}, longer than the deadline "
                           f"of {seconds(deadline)}, yet you returned its body: give each call "
                           "`asyncio.timeout(deadline)` and put `None` where it runs out.")
        for city in in_time:
            if not _is_body_of(result[city], city):
                raise Hint(f"{city} answered in {seconds(LATENCIES[city])}, within the deadline "
                           f"of {seconds(deadline)}, but you returned {result[city]!r} for it: "
                           "keep the body of every city that answered in time.")
        if took > deadline + 0.2:
            raise Hint(f"`weather_within` took {seconds(took)} with a deadline of "
                       f"{seconds(deadline)}: return when the deadline has passed, without "
                       "waiting for the slow cities.")
        if still_running:
            raise Hint(f"{still_running} call(s) were still running after `weather_within` "
                       "returned: cancel the calls that missed the deadline (`asyncio.timeout` "
                       "does; after `asyncio.wait(..., timeout=...)`, cancel the pending tasks).")
    return (f"with deadlines of {seconds(DEADLINES[0])} and {seconds(DEADLINES[1])}, every city "
            "that answered in time kept its body, and the others got None.")


@exercise("07.2", "a bounded fan-out that reports failures in place", expects="async function",
          solution=solutions.fetch_bounded)
async def check_fetch_bounded(fetch_bounded) -> str:
    for limit in (3, 2):  # two limits, so that a hard-coded one cannot pass
        asgi, stats = _upstream(lambda city: "status=503" if city in FAILING else "")
        try:
            result, took, lag = await _run(asgi, fetch_bounded, limit)
        except httpx.HTTPStatusError as error:
            raise Hint(f"`{type(error).__name__}` ({error.response.status_code} for "
                       f"{error.request.url.path}) escaped from `fetch_bounded`, and the other "
                       "cities' answers were lost with it: return each error in its city's "
                       "place (`asyncio.gather(..., return_exceptions=True)`).") from None
        hint_if_still_awaitable(result, fix="`return await asyncio.gather(...)`")
        hint_if_blocked(lag, "`fetch_bounded`", limit=BLOCKED)
        if not isinstance(result, list | tuple):
            raise Hint(f"`fetch_bounded` should return a list, got {type(result).__name__}.")
        if len(result) != len(CITIES):
            raise Hint(f"expected one item per city, {len(CITIES)}; got {len(result)}.")
        _hint_if_responses(result, "fetch_bounded")
        for city, item in zip(CITIES, result, strict=True):
            if city in FAILING:
                if isinstance(item, dict):
                    raise Hint(f"the call for {city} failed with 503, and you returned its "
                               f"error body {item!r}: call `response.raise_for_status()`, so "
                               "the failure becomes an `httpx.HTTPStatusError`, and return that "
                               "error in the city's place.")
                if not isinstance(item, httpx.HTTPStatusError):
                    raise Hint(f"for {city}, whose call failed with 503, expected the "
                               f"`httpx.HTTPStatusError`, got {item!r}.")
            elif not _is_body_of(item, city):
                raise Hint(f"expected {city}'s body in its place (the order of `cities`), got "
                           f"{item!r}.")
        peak = stats.as_dict()["peak_in_flight"]
        if peak > limit:
            raise Hint(f"{peak} calls were in flight at once, more than limit={limit}: guard "
                       "each call with one shared `asyncio.Semaphore(limit)`.")
        if peak < limit:
            raise Hint(f"only {peak} call(s) at a time: with limit={limit}, {limit} calls should "
                       "run at once (create the semaphore once, outside the per-city "
                       "function, with `limit`).")
    return (f"never more than {limit} in flight, {len(CITIES)} cities in {seconds(took)}, and "
            f"the {len(FAILING)} failures in their places.")
