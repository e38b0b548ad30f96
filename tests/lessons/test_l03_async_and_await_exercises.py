"""Lesson 03's exercises (`course_app/exercises/l03_async_and_await.py`): the reference
solutions pass, and each wrong answer below gets the hint written beside it."""

import asyncio
import time

import pytest
from wrong_answers import (
    WrongAnswers,
    assert_hint,
    assert_passes,
    lesson_exercise_ids,
    reference_answer,
)

from course_app.lessons.l03_async_and_await import butter, fetch_data, make_coffee, make_toast

pytestmark = pytest.mark.anyio
wrong = WrongAnswers("03")


@pytest.mark.parametrize("exercise_id", lesson_exercise_ids("03"))
async def test_reference_solution_passes(exercise_id):
    await assert_passes(exercise_id, await reference_answer(exercise_id))


@wrong("03.1", "'fetch_data' was never awaited")
async def _main_forgets_await():
    data = fetch_data()
    return data["data"]


@wrong("03.1", "expected 'Sample data'")
async def _main_returns_dict():
    return await fetch_data()


wrong.add("03.1", fetch_data(), "without parentheses")


@wrong("03.1", "never awaited `fetch_data()`")
async def _main_made_up():
    return "Sample data"


@wrong("03.1", "the event loop was frozen")
async def _main_blocking():
    time.sleep(0.2)
    return (await fetch_data())["data"]


@wrong("03.2", "the toast waited for the coffee")
async def _breakfast_sequential():
    return [await make_coffee(), await butter(await make_toast())]


@wrong("03.2", "the butter waited for the coffee")
async def _breakfast_butters_after_the_coffee():
    coffee, toast = await asyncio.gather(make_coffee(), make_toast())
    return [coffee, await butter(toast)]


@wrong("03.2", "nothing to butter")
async def _breakfast_butters_before_the_toast():
    coffee, _, buttered = await asyncio.gather(make_coffee(), make_toast(), butter("toast ready"))
    return [coffee, buttered]


@wrong("03.2", "nothing to butter: got 'bread'")
async def _breakfast_butters_bread():
    return list(await asyncio.gather(make_coffee(), butter("bread")))


@wrong("03.2", "you returned the tasks themselves")
async def _breakfast_returns_tasks():
    return [asyncio.create_task(make_coffee()), asyncio.create_task(make_toast())]


@wrong("03.2", "await it before returning")
async def _breakfast_returns_a_coroutine():
    return butter("toast ready")


@wrong("03.2", "coffee first")
async def _breakfast_wrong_order():
    async def buttered():
        return await butter(await make_toast())

    coffee, toast = asyncio.create_task(make_coffee()), asyncio.create_task(buttered())
    return [await toast, await coffee]


@wrong("03.2", "the event loop was frozen")
async def _breakfast_blocking():
    time.sleep(0.6)
    return ["coffee ready", "buttered toast"]


@wrong("03.2", "`make_coffee(...)` never finished")
async def _breakfast_made_up():
    return ["coffee ready", "buttered toast"]


@wrong("03.2", "`make_coffee(...)` never finished")
async def _breakfast_sleeps_instead():
    await asyncio.sleep(0.4)
    return ["coffee ready", "buttered toast"]


@wrong("03.2", "`butter(...)` never finished")
async def _breakfast_skips_the_butter():
    return list(await asyncio.gather(make_coffee(), make_toast()))


@wrong("03.2", "return a list")
async def _breakfast_returns_number():
    await asyncio.gather(make_coffee(), make_toast())
    return 5


@wrong("03.2", "the first is ValueError: burnt toast")
async def _breakfast_task_fails():
    async def burnt():
        raise ValueError("burnt toast")

    async with asyncio.TaskGroup() as group:
        group.create_task(make_coffee())
        group.create_task(burnt())


def test_every_exercise_has_at_least_three_wrong_answers():
    counts = wrong.count()
    assert counts and all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), wrong.cases)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    await assert_hint(exercise_id, answer, hint)
