"""Lesson 00's exercises: use the in-process client, then wrap it in an `async def`."""

from __future__ import annotations

import httpx

from course_app.client import AppClient
from course_app.exercise import Hint, exercise, hint_if_blocked, hint_if_still_awaitable
from course_app.lessons.l00_start_here import hello_app
from course_app.loop_lag import LoopLagMonitor
from course_app.solutions import l00_start_here as solutions

EXPECTED_BODY = {"message": "Hello, Ada!"}



@exercise("00.1", "the JSON body of GET /hello/Ada", expects="value",
          solution=solutions.greeting_body_for_ada)
def check_greeting_body(answer) -> str:
    if isinstance(answer, httpx.Response):
        raise Hint("that is the whole `Response` object: pass its JSON body, "
                   "`(await client.get(...)).json()`.")
    if isinstance(answer, str):
        raise Hint(f"you passed the text {answer!r}; pass the JSON body as a dict, "
                   "`.json()` of the response.")
    if not isinstance(answer, dict):
        raise Hint(f"expected the JSON body (a dict), got {type(answer).__name__}.")
    if answer != EXPECTED_BODY:
        raise Hint(f"that body is {answer!r}: ask for `/hello/Ada` (the name is part of the "
                   "path).")
    return "that is exactly what the app answered."


@exercise("00.2", "an async function that fetches a greeting", expects="async function",
          solution=solutions.fetch_greeting)
async def check_fetch_greeting(fetch_greeting) -> str:
    sent: list[httpx.Request] = []

    async def count(request: httpx.Request) -> None:
        sent.append(request)

    async with AppClient(hello_app) as client:
        client.event_hooks["request"].append(count)
        for name in ("Grace", "Linus"):
            async with LoopLagMonitor() as lag:
                result = await fetch_greeting(client, name)
            hint_if_blocked(lag.max_lag, "your function")
            hint_if_still_awaitable(result, fix="write `response = await client.get(...)`")
            if isinstance(result, httpx.Response):
                raise Hint("your function returned the `Response`; return "
                           "`response.json()[\"message\"]`.")
            if isinstance(result, dict):
                raise Hint("your function returned the whole body; return only its "
                           "`\"message\"`.")
            if result is None:
                raise Hint("your function returned None: is the `return` missing?")
            if result != f"Hello, {name}!":
                raise Hint(f"for {name!r} your function returned {result!r}, expected "
                           f"{f'Hello, {name}!'!r}: is the name in the path?")
    if not sent:
        raise Hint("your function did not use the `client` it was given: call "
                   "`client.get(...)` on that argument, not on another client.")
    return "it greeted Grace and Linus through the app."
