"""Lesson 03's exercises: fix a forgotten await, then overlap a chain of waits with another."""

from __future__ import annotations

import asyncio
import time

from course_app.exercise import Hint, exercise, hint_if_blocked, hint_if_still_awaitable
from course_app.lessons.l03_async_and_await import (
    BUTTER_SECONDS,
    COFFEE_SECONDS,
    TOAST_SECONDS,
    finished,
    kitchen,
)
from course_app.loop_lag import LoopLagMonitor
from course_app.solutions import l03_async_and_await as solutions
from course_app.timeline import seconds


@exercise("03.1", "fix the forgotten await", expects="async function", solution=solutions.main)
async def check_main(main) -> str:
    before = finished["fetch_data"]
    async with LoopLagMonitor() as lag:
        result = await main()
    hint_if_still_awaitable(result, fix="await `fetch_data()` before using it")
    hint_if_blocked(lag.max_lag, "`main`")
    if finished["fetch_data"] == before:
        raise Hint("`main()` never awaited `fetch_data()`: take the data from what it returns.")
    if result != "Sample data":
        raise Hint(f"`main()` returned {result!r}; expected 'Sample data', the value under "
                   "the \"data\" key.")
    return "`main()` awaits `fetch_data()` and returns its data."


@exercise("03.2", "butter the toast while the coffee brews", expects="async function",
          solution=solutions.breakfast)
async def check_breakfast(breakfast) -> str:
    before = finished.copy()
    kitchen.clear()
    started = time.perf_counter()
    async with LoopLagMonitor() as lag:
        result = await breakfast()
    took = time.perf_counter() - started
    if isinstance(result, list | tuple) and any(isinstance(r, asyncio.Task) for r in result):
        for item in result:
            if isinstance(item, asyncio.Task):
                item.cancel()
        raise Hint("you returned the tasks themselves: `await` each task to get its result.")
    hint_if_still_awaitable(result, fix="await it before returning")
    if result is None:
        raise Hint("`breakfast()` returned None: return the two results as a list.")
    if not isinstance(result, list | tuple):
        raise Hint(f"`breakfast()` returned {type(result).__name__} {result!r}: return a list.")
    hint_if_blocked(lag.max_lag, "`breakfast`")
    for work in ("make_coffee", "make_toast", "butter"):
        if finished[work] == before[work]:
            raise Hint(f"`{work}(...)` never finished inside `breakfast()`: await it (or a task "
                       "that runs it).")
    if list(result) != ["coffee ready", "buttered toast"]:
        raise Hint(f"expected ['coffee ready', 'buttered toast'] (coffee first), got {result!r}.")
    coffee, toast, buttered = kitchen["make_coffee"], kitchen["make_toast"], kitchen["butter"]
    if buttered.start < toast.end:
        raise Hint("the butter started before `make_toast()` finished: nothing to butter yet. "
                   "Pass `butter` what `await make_toast()` returned.")
    if toast.start >= coffee.end:
        raise Hint(f"breakfast took {seconds(took)}: the toast waited for the coffee. Start the "
                   "coffee as a task before you make the toast.")
    if buttered.start >= coffee.end:
        raise Hint(f"breakfast took {seconds(took)}: the butter waited for the coffee, although "
                   "it only needs the toast. Which chain of waits could run alongside the "
                   "coffee, as one task?")
    return f"the toast was made and buttered ({seconds(TOAST_SECONDS + BUTTER_SECONDS)}) while " \
           f"the coffee brewed ({seconds(COFFEE_SECONDS)}): {seconds(took)} in all."
