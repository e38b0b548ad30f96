import pytest

from course_app.client import AppClient
from course_app.fake_upstream import build_upstream
from course_app.lessons import l07_asyncio_gather as lesson

pytestmark = pytest.mark.anyio


@pytest.fixture
async def upstream():
    app = build_upstream()
    async with AppClient(app) as client:
        yield client, app.state.stats


async def test_gather_takes_the_longest_not_the_sum_and_keeps_argument_order(upstream):
    client, _ = upstream
    results, sequential = await lesson.one_after_another(client)
    gathered, together = await lesson.with_gather(client)
    assert results == gathered
    assert together.wall_time < 0.7 * sequential.wall_time
    assert await lesson.arrival_order(client) == [
        "weather in Lima", "euro to dollar", "weather in Oslo"]


async def test_a_failure_leaves_gather_s_other_calls_running(upstream):
    outcome = await lesson.gather_when_one_fails(*upstream)
    assert outcome["raised"].startswith("HTTPStatusError (503")
    assert outcome["completed 0.25 s later"] > outcome["completed when it raised"]
    assert await lesson.gather_partial_results(upstream[0]) == [
        "weather in Oslo: ok", "euro to dollar: error 503", "weather in Lima: ok"]


async def test_a_task_group_cancels_the_rest_and_a_deadline_cancels_the_late(upstream):
    grouped = await lesson.task_group_when_one_fails(*upstream)
    assert grouped["completed 0.25 s later"] == grouped["completed when it raised"] == 2
    assert await lesson.gather_with_deadline(*upstream, deadline=0.25) == {
        "timed out": True, "completed": 2}


async def test_a_semaphore_bounds_the_peak(upstream):
    _, unbounded_peak = await lesson.fan_out(*upstream, cities=8)
    bounded, bounded_peak = await lesson.fan_out(*upstream, cities=8, limit=2)
    assert (unbounded_peak, bounded_peak) == (8, 2)
    assert bounded.wall_time > 3 * 0.1
