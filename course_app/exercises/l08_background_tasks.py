"""Lesson 08's exercises: predict what a client waits for, then keep an `async def` task that
must call a blocking library from stalling the server."""

from __future__ import annotations

import asyncio
import inspect
import math
import numbers
import time
from contextlib import asynccontextmanager

import httpx
from fastapi import BackgroundTasks, FastAPI

from course_app.exercise import Hint, exercise, hint_if_blocked
from course_app.lessons.l08_background_tasks import (
    DELIVER_SECONDS,
    EMAIL_SECONDS,
    was_delivered,
    was_recorded,
)
from course_app.loop_lag import LoopLagMonitor
from course_app.server import Server
from course_app.solutions import l08_background_tasks as solutions

WAYS = ("real server", "in-process")
TASK_SECONDS_ALLOWED = 2.0
"""How long the check waits for the task to deliver, in seconds."""


@exercise("08.1", "predict the response time with a background task", expects="value",
          solution=solutions.waits)
def check_waits(answer) -> str:
    if not isinstance(answer, dict) or set(answer) != set(WAYS):
        raise Hint(f"expected a dict with the keys {list(WAYS)}, each a number of seconds.")
    if any(value is None for value in answer.values()):
        raise Hint("nothing to check yet: replace each None with a number of seconds.")
    for way, value in answer.items():
        if isinstance(value, bool | complex) or not isinstance(value, numbers.Number):
            raise Hint(f"the time for {way!r} should be a number of seconds, not {value!r}.")
        if math.isnan(value) or value < 0:
            raise Hint(f"{value} s for {way!r} cannot be a time: give a number of seconds, 0 or "
                       "more.")
        if value > 10:
            raise Hint(f"{value} for {way!r}: give seconds, not milliseconds (0.5, not 500).")
    real, in_process = float(answer["real server"]), float(answer["in-process"])
    if real >= 0.3 * EMAIL_SECONDS:
        raise Hint(f"{real} s for a real client is too long: the response goes out before the "
                   "background task starts.")
    if in_process < 0.7 * EMAIL_SECONDS:
        raise Hint(f"{in_process} s is too short for the in-process client: `ASGITransport` "
                   "returns only when the whole ASGI call, background tasks included, is over.")
    if in_process > 2 * EMAIL_SECONDS:
        raise Hint(f"{in_process} s is too long: the task takes {EMAIL_SECONDS} s, once.")
    return ("a real client gets its response at once; the in-process client waits for the "
            "task too.")


@exercise("08.2", "an async task that calls a blocking library", expects="function",
          solution=solutions.notify)
async def check_notify(notify) -> str:
    if inspect.isclass(notify) or not callable(notify):
        raise Hint("expected a function (`def` or `async def`) that takes an email address.")
    lag = LoopLagMonitor()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with lag:  # watches the server's own event loop for the task's whole life
            yield

    app = FastAPI(lifespan=lifespan)

    @app.post("/notify")
    async def queue(email: str, background_tasks: BackgroundTasks) -> dict[str, str]:
        background_tasks.add_task(notify, email)
        return {"queued": email}

    who = f"guest-{time.perf_counter_ns()}@example.com"
    server = Server(app, same_loop=True)  # in this thread: a blocking task can be interrupted
    async with server as base_url, httpx.AsyncClient(base_url=base_url) as client:
        (await client.post("/notify", params={"email": who})).raise_for_status()
        deadline = time.perf_counter() + TASK_SECONDS_ALLOWED
        while (was_recorded(who) is None and time.perf_counter() < deadline
               and not server.exception_lines()):
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # a last lag sample after the task
    if server.log_lines("timeout graceful shutdown exceeded"):
        raise Hint(f"your task was still running {TASK_SECONDS_ALLOWED:.0f} s later: deliver "
                   "and record the email without waiting for anything else.", decisive=True)
    if server.exception_lines():
        raise Hint(f"the task failed on the server: {server.exception_lines()[-1]}",
                   decisive=True)
    hint_if_blocked(lag.max_lag, "your task (on the server's event loop)",
                    "hand the blocking call to the threadpool: "
                    "`await run_in_threadpool(deliver, email)`",
                    limit=DELIVER_SECONDS / 2)
    if not was_delivered(who):
        raise Hint("the task never finished `deliver(email)`: call it with the address it is "
                   "given.")
    if was_recorded(who) is None:
        raise Hint("the email was delivered but `record_delivery(email)` never finished: the "
                   "task must still `await` it, so it stays `async def`; it is the blocking "
                   "`deliver` that goes to the threadpool (`await run_in_threadpool(deliver, "
                   "email)`).")
    if not was_recorded(who):
        raise Hint("`record_delivery(email)` ran before `deliver(email)` had finished: await "
                   "the delivery first, then record it.")
    return (f"delivered, then recorded, after the response, and the server's loop was never "
            f"late by more than {lag.max_lag:.2f} s.")
