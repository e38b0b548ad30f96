"""Lesson 08's exercises: predict what a client waits for, then fix a blocking task."""

from __future__ import annotations

import asyncio
import inspect
import numbers
import time

import httpx
from fastapi import BackgroundTasks, FastAPI

from course_app.check import Hint, exercise, hint_if_blocked
from course_app.lessons.l08_background_tasks import DELIVER_SECONDS, EMAIL_SECONDS, deliveries
from course_app.server import Server
from course_app.solutions import l08_background_tasks as solutions
from course_app.timeline import seconds

WAYS = ("real server", "in-process")


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


@exercise("08.2", "a background task that does not block the loop", expects="function",
          solution=solutions.notify)
async def check_notify(notify) -> str:
    if inspect.isclass(notify) or not callable(notify):
        raise Hint("expected a function (`def` or `async def`) that takes an email address.")
    app = FastAPI()

    @app.post("/notify")
    async def queue(email: str, background_tasks: BackgroundTasks) -> dict[str, str]:
        background_tasks.add_task(notify, email)
        return {"queued": email}

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"pong": True}

    who = f"guest-{time.perf_counter_ns()}@example.com"
    server = Server(app)
    async with server as base_url, httpx.AsyncClient(base_url=base_url) as client:
        (await client.post("/notify", params={"email": who})).raise_for_status()
        started = time.perf_counter()
        await client.get("/ping")
        ping_s = time.perf_counter() - started
        deadline = time.perf_counter() + 3
        while (who not in deliveries and time.perf_counter() < deadline
               and not server.log_lines("Exception in ASGI application")):
            await asyncio.sleep(0.01)
    errors = [line for line in server.log_lines() if "Error" in line and ":" in line]
    if errors:
        raise Hint(f"the task failed on the server: {errors[-1].strip()}")
    hint_if_blocked(max(0.0, ping_s - 0.05), "your task (a `/ping` waited behind it)",
                    "make it a plain `def`, or `await run_in_threadpool(deliver, email)`",
                    limit=DELIVER_SECONDS / 2)
    if who not in deliveries:
        raise Hint("the task never called `deliver(email)` (or never finished): call it with "
                   "the address it is given.")
    return f"the email was delivered after the response, and /ping took {seconds(ping_s)}."
