import httpx
import pytest

from course_app.burst import burst
from course_app.client import AppClient
from course_app.lessons import l04_when_to_use_async as lesson
from course_app.server import Server

pytestmark = pytest.mark.anyio


async def test_only_async_def_with_time_sleep_serialises():
    awaited, threaded, blocked = await lesson.compare_waits(count=5)
    assert awaited.max_overlap() == threaded.max_overlap() == 5
    assert blocked.wall_time > 2.5 * max(awaited.wall_time, threaded.wall_time)


async def test_the_threadpool_runs_at_most_40_and_the_lifespan_can_raise_it():
    default = await lesson.threadpool_waves(counts=(41,))
    raised = await lesson.threadpool_waves(counts=(41,), thread_limit=41)
    assert default[41][1] == 40
    assert raised[41][1] == 41
    assert default[41][0].wall_time > 1.3 * raised[41][0].wall_time


async def test_threadpool_app_reports_its_limit():
    async with AppClient(lesson.build_threadpool_app(thread_limit=7)) as client:
        assert (await client.get("/threads")).json() == {"total_tokens": 7}


async def test_a_blocking_call_in_a_thread_keeps_requests_overlapping():
    async with Server(lesson.waits_app) as base_url:
        timeline = await burst(base_url, "/customers/7", count=5)
        async with httpx.AsyncClient(base_url=base_url) as client:
            body = (await client.get("/customers/7")).json()
    assert body == {"customer": 7, "status": "gold"}
    assert timeline.wall_time < 2.5 * lesson.WAIT_SECONDS


async def test_blocking_file_io_delays_a_ping_and_a_thread_does_not():
    saves = await lesson.ping_while_saving()
    assert saves["blocking"][1] > 3 * saves["threaded"][1]


async def test_reports_can_be_measured_after_saving_and_a_missing_one_is_a_404():
    async with AppClient(lesson.files_app) as client:
        assert (await client.get("/reports/threaded/size")).status_code == 404
        assert (await client.post("/reports/threaded")).json() == {"bytes": lesson.REPORT_BYTES}
        size = await client.get("/reports/threaded/size")
    assert size.json() == {"bytes": lesson.REPORT_BYTES}
