"""Lesson 01's exercises: predict a concurrent wall time, then serve orders concurrently."""

from __future__ import annotations

import numbers
import time

from course_app.check import Hint, exercise, hint_if_blocked, hint_if_still_awaitable
from course_app.lessons.l01_what_is_async import BREW_SECONDS
from course_app.loop_lag import LoopLagMonitor
from course_app.solutions import l01_what_is_async as solutions
from course_app.timeline import seconds

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



@exercise("01.2", "serve three orders concurrently", expects="async function",
          solution=solutions.serve_all)
async def check_serve_all(serve_all) -> str:
    started = time.perf_counter()
    async with LoopLagMonitor() as lag:
        result = await serve_all(list(NAMES))
    took = time.perf_counter() - started
    hint_if_still_awaitable(result, fix="`return await asyncio.gather(...)`")
    if result is None:
        raise Hint("`serve_all` returned None: return the list of results.")
    if not isinstance(result, list | tuple):
        raise Hint(f"`serve_all` should return a list, got {type(result).__name__}.")
    expected = [f"{name} is ready" for name in NAMES]
    if list(result) != expected:
        raise Hint(f"expected {expected} (one result per name, in order), got {list(result)}.")
    sequential = len(NAMES) * BREW_SECONDS
    hint_if_blocked(lag.max_lag, "`serve_all`", "`await brew(name)` instead")
    if took < 0.8 * BREW_SECONDS:
        raise Hint(f"three orders took {seconds(took)}, less than one brew "
                   f"({seconds(BREW_SECONDS)}): call `brew(name)` for each order rather than "
                   "making up the results.")
    if took > 0.7 * sequential:
        raise Hint(f"three orders of {seconds(BREW_SECONDS)} took {seconds(took)}: they ran "
                   "one after another. Start them together with `asyncio.gather`.")
    return f"three orders of {seconds(BREW_SECONDS)} took {seconds(took)} together."
