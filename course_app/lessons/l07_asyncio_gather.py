"""Lesson 07: running several upstream calls at once with `asyncio.gather`, and its sharp edges.

Every call goes to the fake upstream in-process (`AppClient(build_upstream())`): no sockets are
needed to see calls overlap, and the upstream's counters show what really ran, including calls
that kept going after `gather` had already given up on them.
"""

from __future__ import annotations

import asyncio

import httpx

from course_app.timeline import Timeline

CALLS = {"weather in Oslo": ("/weather/Oslo", 0.3), "euro to dollar": ("/rates/usd", 0.2),
         "weather in Lima": ("/weather/Lima", 0.1)}
"""Three upstream calls: name → (path, latency in seconds)."""


async def call(client: httpx.AsyncClient, name: str, timeline: Timeline | None = None,
               **params) -> dict:
    """One call from `CALLS`, recorded as span `name`; extra `params` go to the fake upstream.

    Raises:
        httpx.HTTPStatusError: for an error status (ask for one with `status=503`).
    """
    path, latency = CALLS[name]
    if timeline is None:
        timeline = Timeline()
    async with timeline.span(name):
        response = await client.get(path, params={"latency": latency, **params})
    response.raise_for_status()
    return response.json()


async def one_after_another(client: httpx.AsyncClient) -> tuple[list[dict], Timeline]:
    """Await the three calls in turn. Returns their bodies and the timeline."""
    timeline = Timeline("one await after another")
    results = [await call(client, name, timeline) for name in CALLS]
    return results, timeline


async def with_gather(client: httpx.AsyncClient) -> tuple[list[dict], Timeline]:
    """Start the three calls at once with `asyncio.gather`. Returns their bodies (in argument
    order) and the timeline."""
    timeline = Timeline("asyncio.gather")
    results = await asyncio.gather(*(call(client, name, timeline) for name in CALLS))
    return results, timeline


async def arrival_order(client: httpx.AsyncClient) -> list[str]:
    """The names of the three calls in the order they finish, with `asyncio.as_completed`."""

    async def named(name: str) -> str:
        await call(client, name)
        return name

    return [await finished for finished in asyncio.as_completed([named(n) for n in CALLS])]


FAILING = "euro to dollar"
"""The call the failure sections make fail (with a 503 after its 0.2 s)."""


def _calls_with_one_failing(client: httpx.AsyncClient) -> list:
    return [call(client, name, **({"status": 503} if name == FAILING else {})) for name in CALLS]


async def completed(upstream_stats, settle: float) -> int:
    """How many upstream requests completed, `settle` seconds from now."""
    await asyncio.sleep(settle)
    return upstream_stats.as_dict()["completed"]


async def gather_when_one_fails(client: httpx.AsyncClient, upstream_stats) -> dict[str, object]:
    """`asyncio.gather` with one failing call. Returns what it raised, and how many upstream
    requests had completed when it raised and 0.25 s later (the others kept running)."""
    upstream_stats.reset()
    try:
        await asyncio.gather(*_calls_with_one_failing(client))
        raised = None
    except httpx.HTTPStatusError as error:
        raised = f"HTTPStatusError ({error.response.status_code} from {error.request.url.path})"
    at_error = upstream_stats.as_dict()["completed"]
    return {"raised": raised, "completed when it raised": at_error,
            "completed 0.25 s later": await completed(upstream_stats, 0.25)}


async def gather_partial_results(client: httpx.AsyncClient) -> list[str]:
    """`asyncio.gather(..., return_exceptions=True)`: one line per call, a result or an error."""
    results = await asyncio.gather(*_calls_with_one_failing(client), return_exceptions=True)
    return [f"{name}: error {result.response.status_code}" if isinstance(result, Exception)
            else f"{name}: ok" for name, result in zip(CALLS, results, strict=True)]


async def task_group_when_one_fails(client: httpx.AsyncClient,
                                    upstream_stats) -> dict[str, object]:
    """The same calls in an `asyncio.TaskGroup`: the failure cancels the others. Returns the
    group's error, and completed upstream requests at the error and 0.25 s later."""
    upstream_stats.reset()
    try:
        async with asyncio.TaskGroup() as group:
            for coroutine in _calls_with_one_failing(client):
                group.create_task(coroutine)
        raised = None
    except* httpx.HTTPStatusError as errors:
        raised = f"ExceptionGroup of {len(errors.exceptions)}: HTTPStatusError " \
                 f"{errors.exceptions[0].response.status_code}"
    at_error = upstream_stats.as_dict()["completed"]
    return {"raised": raised, "completed when it raised": at_error,
            "completed 0.25 s later": await completed(upstream_stats, 0.25)}


async def gather_with_deadline(client: httpx.AsyncClient, upstream_stats,
                               deadline: float = 0.25) -> dict[str, object]:
    """The three calls under one `asyncio.timeout(deadline)` (seconds). Returns whether it timed
    out and how many upstream requests completed (0.25 s after the deadline)."""
    upstream_stats.reset()
    try:
        async with asyncio.timeout(deadline):
            await asyncio.gather(*(call(client, name) for name in CALLS))
        timed_out = False
    except TimeoutError:
        timed_out = True
    return {"timed out": timed_out,
            "completed": await completed(upstream_stats, 0.25)}


async def fan_out(client: httpx.AsyncClient, upstream_stats, cities: int = 12,
                  limit: int | None = None, latency: float = 0.1) -> tuple[Timeline, int]:
    """Ask for the weather in `cities` cities at once, at most `limit` at a time (None: all).

    Returns the timeline (one span per city, including time spent waiting for the semaphore)
    and the upstream's peak of requests in flight.
    """
    timeline = Timeline(f"{cities} calls, " + (f"at most {limit} at a time" if limit
                                               else "all at once"))
    semaphore = asyncio.Semaphore(limit or cities)
    upstream_stats.reset()

    async def one(number: int) -> None:
        async with timeline.span(f"city {number:02d}"), semaphore:
            response = await client.get(f"/weather/city{number}", params={"latency": latency})
        response.raise_for_status()

    await asyncio.gather(*(one(n) for n in range(1, cities + 1)))
    return timeline, upstream_stats.as_dict()["peak_in_flight"]
