"""Lesson 01: what async means for a server, measured.

A café stands in for a web server. Making a coffee is mostly *waiting* for the machine (I/O);
a good barista takes the next order while the coffee brews. `brew` is one such order,
`serve_sequentially` and `serve_concurrently` are the two ways to handle several, and
`cafe_app` is the same idea as a FastAPI app. `grind_beans` is the other kind of work: the
barista's own hands are busy (CPU), so nothing can overlap with it.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import nullcontext

from fastapi import FastAPI

from course_app.client import AppClient
from course_app.timeline import Timeline

BREW_SECONDS = 0.3
"""How long one coffee waits for the machine, in seconds."""


def _span(timeline: Timeline | None, name: str):
    """`timeline.span(name)`, or a context manager that records nothing when there is none."""
    return nullcontext() if timeline is None else timeline.span(name)


async def brew(name: str, seconds: float = BREW_SECONDS, timeline: Timeline | None = None) -> str:
    """One order: wait `seconds` for the machine without blocking, return "`name` is ready".

    When `timeline` is given, the wait is recorded in it as a span called `name`.
    """
    async with _span(timeline, name):
        await asyncio.sleep(seconds)
    return f"{name} is ready"


async def brew_blocking(
    name: str, seconds: float = BREW_SECONDS, timeline: Timeline | None = None
) -> str:
    """The pitfall: like `brew`, but waits with `time.sleep`, which blocks the whole thread.

    It is `async def` on the outside and blocking on the inside: while it sleeps, the event
    loop cannot run anything else.
    """
    with _span(timeline, name):
        time.sleep(seconds)
    return f"{name} is ready"


def grind_beans(seconds: float) -> int:
    """Keep the CPU busy for about `seconds` (counting, no waiting); return how far it counted."""
    deadline = time.perf_counter() + seconds
    count = 0
    while time.perf_counter() < deadline:
        count += 1
    return count


async def grind_order(name: str, seconds: float, timeline: Timeline) -> str:
    """An order that is CPU work, not a wait: `grind_beans(seconds)` recorded as span `name`."""
    async with timeline.span(name):
        grind_beans(seconds)
    return f"{name} is ground"


async def serve_sequentially(names: list[str], seconds: float = BREW_SECONDS) -> Timeline:
    """Brew one order after another; return the timeline titled "one after another"."""
    timeline = Timeline("one after another")
    for name in names:
        await brew(name, seconds, timeline)
    return timeline


async def serve_concurrently(names: list[str], seconds: float = BREW_SECONDS) -> Timeline:
    """Brew all orders at once with `asyncio.gather`; return the timeline titled "concurrently"."""
    timeline = Timeline("concurrently")
    await asyncio.gather(*(brew(name, seconds, timeline) for name in names))
    return timeline


cafe_app = FastAPI(title="Async café")


@cafe_app.get("/coffee/{name}")
async def order_coffee(name: str) -> dict[str, str]:
    """Brew a coffee for `name`: `BREW_SECONDS` of awaited waiting, then the order is ready."""
    return {"order": await brew(name)}


async def order_through_app(names: list[str]) -> Timeline:
    """Send one `GET /coffee/{name}` per name to `cafe_app` at once, in-process.

    Returns a timeline titled "through FastAPI" with one span per request, from sending it
    to receiving its response.

    Raises:
        httpx.HTTPStatusError: if any response is not a 2xx.
    """
    timeline = Timeline("through FastAPI")

    async def order(client, name: str) -> None:
        async with timeline.span(name):
            response = await client.get(f"/coffee/{name}")
        response.raise_for_status()

    async with AppClient(cafe_app) as client:
        await asyncio.gather(*(order(client, name) for name in names))
    return timeline
