"""Lesson 11.4: test that calls overlap by comparing runs (ratios, overlap), not by seconds."""

import asyncio
import time

import httpx
import pytest

from course_app.fake_upstream import build_upstream
from course_app.timeline import Timeline

pytestmark = pytest.mark.anyio

LATENCY = 0.05  # injected: small enough to keep the test fast, large enough to dominate
CITIES = ["Oslo", "Lima", "Accra", "Perth"]


@pytest.fixture
async def upstream():
    transport = httpx.ASGITransport(app=build_upstream(latency=LATENCY))
    async with httpx.AsyncClient(transport=transport, base_url="http://upstream") as client:
        yield client


async def fetch(client, city, timeline):
    async with timeline.span(city):
        return (await client.get(f"/weather/{city}")).json()


async def test_gather_overlaps_the_calls(upstream):
    timeline = Timeline()
    bodies = await asyncio.gather(*(fetch(upstream, city, timeline) for city in CITIES))
    assert [body["city"] for body in bodies] == CITIES  # results in argument order
    assert timeline.max_overlap() == len(CITIES)       # all four were in flight at once


async def test_gather_takes_about_one_call_not_the_sum(upstream):
    started = time.perf_counter()
    await fetch(upstream, "Oslo", Timeline())
    one = time.perf_counter() - started

    started = time.perf_counter()
    await asyncio.gather(*(fetch(upstream, city, Timeline()) for city in CITIES))
    four = time.perf_counter() - started
    # A ratio with a wide margin holds on a slow machine too; "four < 0.06" would not.
    assert four < 2.5 * one
