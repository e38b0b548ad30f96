import asyncio

import pytest

from course_app.lessons import l01_what_is_async as lesson
from course_app.loop_lag import LoopLagMonitor
from course_app.timeline import Timeline

pytestmark = pytest.mark.anyio
NAMES = ["Ada", "Grace", "Linus"]


async def test_sequential_waits_add_up_and_concurrent_waits_overlap():
    sequential = await lesson.serve_sequentially(NAMES, seconds=0.1)
    concurrent = await lesson.serve_concurrently(NAMES, seconds=0.1)
    assert sequential.max_overlap() == 1
    assert concurrent.max_overlap() == 3
    assert sequential.wall_time > 2 * concurrent.wall_time


async def test_cafe_app_serves_orders_concurrently():
    timeline = await lesson.order_through_app(NAMES)
    assert timeline.max_overlap() == 3
    assert timeline.wall_time < 0.6 * len(NAMES) * lesson.BREW_SECONDS


async def test_cafe_app_answers_an_order():
    from course_app.client import AppClient

    async with AppClient(lesson.cafe_app) as client:
        response = await client.get("/coffee/Ada")
    assert response.json() == {"order": "Ada is ready"}


async def test_cpu_work_does_not_overlap():
    timeline = Timeline()
    await asyncio.gather(*(lesson.grind_order(n, 0.05, timeline) for n in NAMES))
    assert timeline.max_overlap() == 1
    assert lesson.grind_beans(0.01) > 0


async def test_blocking_brew_serialises_and_freezes_the_loop():
    timeline = Timeline()
    async with LoopLagMonitor() as lag:
        await asyncio.gather(*(lesson.brew_blocking(n, 0.1, timeline) for n in NAMES))
    assert timeline.max_overlap() == 1
    assert lag.max_lag > 0.15
