"""Lesson 01's exercises: predict a concurrent wall time, then serve orders with two steps."""

from __future__ import annotations

import asyncio
import numbers
import time

from course_app.exercise import Hint, exercise, hint_if_still_awaitable
from course_app.solutions import l01_what_is_async as solutions
from course_app.timeline import Timeline, seconds

ORDERS, ORDER_SECONDS = 4, 0.5


@exercise("01.1", "predict the wall time of four concurrent orders", expects="value",
          solution=solutions.four_orders_concurrently)
def check_prediction(answer) -> str:
    if isinstance(answer, bool | complex) or not isinstance(answer, numbers.Number):
        raise Hint(f"give the time as a number of seconds, like 1.5 (got {answer!r}).")
    answer = float(answer)
    sequential = ORDERS * ORDER_SECONDS
    if 0.8 * sequential <= answer <= 1.2 * sequential:
        raise Hint(f"{answer} s is the one-after-another total ({ORDERS} × {ORDER_SECONDS} s). "
                   "Concurrently, the four waits happen at the same time.")
    if not 0.8 * ORDER_SECONDS <= answer <= 1.5 * ORDER_SECONDS:
        raise Hint(f"not quite: each order waits {ORDER_SECONDS} s, and all the waits overlap. "
                   "Look at the 'concurrently' timeline above.")
    return f"all four waits overlap, so the batch takes about one wait, {ORDER_SECONDS} s."


NAMES = ["Ada", "Grace", "Linus"]
GRIND_SECONDS = 0.1
"""How long the check's `grind` keeps the CPU busy, in seconds."""
BREW_SECONDS = 0.3
"""How long the check's `brew` waits, in seconds."""


def _keep_busy(seconds_: float) -> None:
    deadline = time.perf_counter() + seconds_
    while time.perf_counter() < deadline:
        pass


@exercise("01.2", "serve orders with a CPU step and a wait", expects="async function",
          solution=solutions.serve_all)
async def check_serve_all(serve_all) -> str:
    timeline = Timeline("the check's orders")
    ground: list[str] = []
    brewed: list[str] = []

    def grind(name: str) -> None:
        """0.1 s of CPU work for `name`'s order; nothing to await."""
        with timeline.span(f"grind {name}"):
            _keep_busy(GRIND_SECONDS)
        ground.append(name)

    async def brew(name: str) -> str:
        """A 0.3 s wait for `name`'s coffee; returns "`name` is ready"."""
        async with timeline.span(f"brew {name}"):
            await asyncio.sleep(BREW_SECONDS)
        brewed.append(name)
        return f"{name} is ready"

    started = time.perf_counter()
    try:
        result = await serve_all(list(NAMES), grind, brew)
    except TypeError as error:
        if "can't be used in 'await' expression" in str(error):
            raise Hint("`grind` is a plain function (CPU work, nothing to wait for): call it "
                       "without `await`, as `grind(name)`.", decisive=True) from None
        if "positional argument" in str(error):
            raise Hint("`serve_all` takes three arguments, `(names, grind, brew)`, and the "
                       "check passes all three.", decisive=True) from None
        raise
    took = time.perf_counter() - started
    hint_if_still_awaitable(result, fix="`return await asyncio.gather(...)`")
    if result is None:
        raise Hint("`serve_all` returned None: return the list of results.")
    if not isinstance(result, list | tuple):
        raise Hint(f"`serve_all` should return a list, got {type(result).__name__}.")
    if sorted(ground) != sorted(NAMES):
        raise Hint(f"grind each order once: `grind(name)` ran for {sorted(ground)}, the orders "
                   f"are {NAMES}.")
    if sorted(brewed) != sorted(NAMES):
        raise Hint(f"brew each order once with `await brew(name)`: it ran for {sorted(brewed)}, "
                   f"the orders are {NAMES}.")
    expected = [f"{name} is ready" for name in NAMES]
    if list(result) != expected:
        raise Hint(f"expected {expected} (what `brew` returned, in the order of `names`), got "
                   f"{list(result)}.")
    brews = Timeline("brews")
    grinds = Timeline("grinds")
    for span in timeline.spans:
        (brews if span.name.startswith("brew") else grinds).record(span.name, span.start,
                                                                     span.end)
    sequential = len(NAMES) * (GRIND_SECONDS + BREW_SECONDS)
    if brews.max_overlap() < 2:
        raise Hint(f"three orders took {seconds(took)}: the brews ran one after another. Start "
                   "the orders together with `asyncio.gather`, one coroutine per order, so that "
                   "one order's wait overlaps the next order's work.")
    best = len(NAMES) * GRIND_SECONDS + BREW_SECONDS
    how = ("could not overlap (CPU work on one event loop)" if grinds.max_overlap() == 1
           else "overlapped too, in threads (lessons 04 and 09 say when that helps)")
    return (f"three orders took {seconds(took)} (one after another: {seconds(sequential)}). "
            f"The brews overlapped; the grinding {how}. On one event loop the best is about "
            f"{len(NAMES)} × {seconds(GRIND_SECONDS)} + {seconds(BREW_SECONDS)} = {seconds(best)}.")
