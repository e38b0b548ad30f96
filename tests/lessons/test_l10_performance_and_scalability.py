"""Lesson 10's scenarios keep their shapes under load (ratios, wide margins)."""

import pytest

from course_app.lessons import l10_performance_and_scalability as lesson
from course_app.server import Server

pytestmark = pytest.mark.anyio


async def test_the_generator_outruns_every_scenario():
    ceiling = await lesson.client_ceiling(requests=200, concurrency=10)
    # the fastest scenario asks for at most 80 / 0.2 s = 400 requests per second
    assert ceiling.throughput > 400 and not ceiling.errors


async def test_awaited_waits_scale_a_threadpool_has_a_knee_a_blocked_loop_stays_flat():
    awaited = await lesson.sweep("/async-io", (1, 40))
    assert awaited[1].throughput > 10 * awaited[0].throughput
    threads = await lesson.sweep("/def-blocking", (40, 80))
    assert threads[1].throughput < 1.4 * threads[0].throughput
    assert threads[1].p50_ms > 1.6 * threads[0].p50_ms
    blocked = await lesson.sweep("/async-blocking", (1, 3))
    assert blocked[1].throughput < 1.5 * blocked[0].throughput
    assert blocked[1].p50_ms > 2 * blocked[0].p50_ms


async def test_a_second_worker_doubles_the_blocked_throughput():
    one = await lesson.on_workers(1, concurrency=4)
    two = await lesson.on_workers(2, concurrency=4)
    assert two.throughput > 1.4 * one.throughput


async def test_a_shared_client_beats_one_per_request_and_a_semaphore_bounds_fan_out():
    results = await lesson.callers_under_load({
        "/shared": (40, 10), "/per-request": (40, 10),
        "/fan-out": (10, 5), "/fan-out?bounded=true": (10, 5)})
    shared, shared_upstream = results["/shared"]
    per_request, per_request_upstream = results["/per-request"]
    assert shared.throughput > 2 * per_request.throughput
    assert shared_upstream["connections"] <= 10 < per_request_upstream["connections"] == 40
    unbounded, bounded = results["/fan-out"][1], results["/fan-out?bounded=true"][1]
    assert bounded["peak_in_flight"] <= lesson.FAN_OUT_LIMIT < unbounded["peak_in_flight"]
    assert unbounded["received"] == bounded["received"] == 10 * lesson.FAN_OUT_CALLS


async def test_the_caller_app_says_what_is_missing():
    with pytest.raises(RuntimeError, match="COURSE_UPSTREAM_URL is not set"):
        async with Server(lesson.CALLER_APP, access_log=False):
            pass
