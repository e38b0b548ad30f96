import asyncio
import inspect

import pytest
import uvicorn
from fastapi import FastAPI

from course_app.lessons import l03_async_and_await as lesson
from course_app.pitfall import pitfall
from course_app.timeline import Timeline

pytestmark = pytest.mark.anyio


async def test_calling_a_coroutine_function_runs_nothing_until_awaited():
    coroutine = lesson.fetch_data()
    assert inspect.iscoroutine(coroutine)
    assert await coroutine == {"data": "Sample data"}


async def test_tasks_overlap():
    timeline = Timeline()

    async def recorded(name, work):
        async with timeline.span(name):
            return await work()

    coffee = asyncio.create_task(recorded("coffee", lesson.make_coffee))
    toast = asyncio.create_task(recorded("toast", lesson.make_toast))
    assert [await coffee, await toast] == ["coffee ready", "toast ready"]
    assert timeline.max_overlap() == 2
    assert timeline.wall_time < 0.8 * timeline.busy_time


async def test_pitfall_asyncio_run_inside_a_running_loop():
    async def main():
        return 1

    with pitfall(report=False) as caught:
        asyncio.run(main())
    assert caught.error_type is RuntimeError
    assert "running event loop" in str(caught.error)
    assert caught.warned("main' was never awaited")


async def test_pitfall_uvicorn_run_inside_a_running_loop_fails_before_binding():
    with pitfall(report=False) as caught:
        uvicorn.run(FastAPI(), host="127.0.0.1", port=8000)
    assert caught.error_type is RuntimeError
    assert "loop" in str(caught.error)


def test_nest_asyncio_demo_runs_in_a_child_process_and_leaves_this_one_alone():
    out = lesson.nest_asyncio_demo()
    assert out.splitlines() == [
        "without nest_asyncio: asyncio.run() cannot be called from a running event loop",
        "with nest_asyncio: data",
        "asyncio.run now comes from module: nest_asyncio",
    ]
    assert asyncio.run.__module__ == "asyncio.runners"
