"""Lesson 07's exercises: fetch several cities at once, then at most a few at a time."""

from __future__ import annotations

import time

import httpx

from course_app.check import Hint, exercise, guarded, hint_if_blocked, hint_if_still_awaitable
from course_app.client import AppClient
from course_app.fake_upstream import build_upstream, temperature_c
from course_app.loop_lag import LoopLagMonitor
from course_app.solutions import l07_asyncio_gather as solutions
from course_app.timeline import seconds

LATENCY = 0.2
CITIES = ["Oslo", "Lima", "Accra", "Perth", "Quito", "Seoul"]


async def _run(answer, *args) -> tuple[object, float, dict, float]:
    """Run the answer against a fresh in-process upstream; returns (result, seconds, stats, lag)."""
    upstream = build_upstream(latency=LATENCY)
    async with AppClient(upstream) as client:
        started = time.perf_counter()
        async with LoopLagMonitor() as lag:
            result = await guarded(answer(client, list(CITIES), *args))
        took = time.perf_counter() - started
    return result, took, upstream.state.stats.as_dict(), lag.max_lag


def _check_bodies(result, name: str) -> None:
    hint_if_still_awaitable(result, fix="`return await asyncio.gather(...)`")
    if result is None:
        raise Hint(f"`{name}` returned None: return the list of bodies.")
    if not isinstance(result, list | tuple):
        raise Hint(f"`{name}` should return a list, got {type(result).__name__}.")
    if any(isinstance(item, httpx.Response) for item in result):
        raise Hint("return each response's JSON body, `response.json()`, not the Response.")
    cities = [item.get("city") if isinstance(item, dict) else item for item in result]
    if cities != CITIES:
        raise Hint(f"expected one body per city in the order given, {CITIES}; got the cities "
                   f"{cities}.")
    if any(item.get("temperature_c") != temperature_c(item["city"]) for item in result):
        raise Hint("return each city's body as the upstream sent it.")


@exercise("07.1", "fetch every city at once", expects="async function",
          solution=solutions.fetch_all)
async def check_fetch_all(fetch_all) -> str:
    result, took, stats, lag = await _run(fetch_all)
    _check_bodies(result, "fetch_all")
    hint_if_blocked(lag, "`fetch_all`")
    if took < 0.8 * LATENCY or stats["completed"] < len(CITIES):
        raise Hint(f"{len(CITIES)} cities took {seconds(took)}, but one call takes "
                   f"{seconds(LATENCY)}: wait for every call to finish.")
    if stats["peak_in_flight"] < len(CITIES):
        raise Hint(f"at most {stats['peak_in_flight']} call(s) were in flight at once, and "
                   f"{len(CITIES)} cities took {seconds(took)}: start them all with "
                   "`asyncio.gather`.")
    return f"{len(CITIES)} cities of {seconds(LATENCY)} each took {seconds(took)} together."


@exercise("07.2", "at most a few calls at a time", expects="async function",
          solution=solutions.fetch_bounded)
async def check_fetch_bounded(fetch_bounded) -> str:
    for limit in (3, 2):  # two limits, so that a hard-coded one cannot pass
        result, took, stats, lag = await _run(fetch_bounded, limit)
        _check_bodies(result, "fetch_bounded")
        hint_if_blocked(lag, "`fetch_bounded`")
        peak = stats["peak_in_flight"]
        if peak > limit:
            raise Hint(f"{peak} calls were in flight at once, more than limit={limit}: guard "
                       "each call with one shared `asyncio.Semaphore(limit)`.")
        if peak < limit:
            raise Hint(f"only {peak} call(s) at a time: with limit={limit}, {limit} calls should "
                       "run at once (create the semaphore once, outside the per-city "
                       "function, with `limit`).")
    return (f"never more than {limit} in flight; {len(CITIES)} cities took {seconds(took)} "
            f"({len(CITIES) // limit} rounds of {seconds(LATENCY)}).")
