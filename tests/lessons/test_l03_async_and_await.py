import asyncio
import inspect

import pytest
import uvicorn
from fastapi import FastAPI

from course_app.lessons import l03_async_and_await as lesson
from course_app.notebook_runner import rerun_section, section_text
from course_app.paths import NOTEBOOKS
from course_app.pitfall import pitfall
from course_app.timeline import Timeline

pytestmark = pytest.mark.anyio

NOTEBOOK = NOTEBOOKS / "03_async_and_await.ipynb"


def test_gather_returns_results_in_the_order_of_its_arguments():
    ran = rerun_section(NOTEBOOK, "3.4", {"asyncio.gather(make_coffee(), make_toast())":
                                          "asyncio.gather(make_toast(), make_coffee())"})
    text = section_text(ran, "3.4")
    assert "['toast ready', 'coffee ready']" in text, text
    assert "the answer is toast first" in text


async def test_calling_a_coroutine_function_runs_nothing_until_awaited():
    coroutine = lesson.fetch_data()
    assert inspect.iscoroutine(coroutine)
    assert await coroutine == {"data": "Sample data"}


async def test_the_kitchen_records_its_spans_and_butter_needs_the_toast():
    lesson.kitchen.clear()
    toast = await lesson.make_toast()
    coffee, buttered = await asyncio.gather(lesson.make_coffee(), lesson.butter(toast))
    assert [coffee, buttered] == ["coffee ready", "buttered toast"]
    spans = {span.name: span for span in lesson.kitchen.spans}
    assert set(spans) == {"make_toast", "make_coffee", "butter"}
    assert spans["butter"].start >= spans["make_toast"].end
    assert lesson.kitchen.max_overlap() == 2  # coffee and butter together
    with pytest.raises(ValueError, match="nothing to butter: got 'bread'"):
        await lesson.butter("bread")


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
