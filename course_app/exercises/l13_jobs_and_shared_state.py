"""Lesson 13's exercises: make a job that may run twice send once, and move a per-process
counter into Valkey. Each check runs the answer as two worker processes would: two copies of the
function, each with its own copy of the notebook's variables, against one Valkey."""

from __future__ import annotations

import asyncio
import copy
import importlib
import types

from course_app.exercise import Hint, exercise
from course_app.solutions import l13_jobs_and_shared_state as solutions

DATABASE = 3
"""The Valkey database the checks use (the lesson uses 0), emptied before each check."""


def in_own_memory(function):
    """`function` with its own copy of its module's variables (dicts, lists and sets copied),
    as a second worker process would have it: what one copy changes, the other does not see."""
    variables = {name: copy.copy(value) if isinstance(value, dict | list | set) else value
                 for name, value in function.__globals__.items()}
    clone = types.FunctionType(function.__code__, variables, function.__name__,
                               function.__defaults__, function.__closure__)
    clone.__kwdefaults__ = function.__kwdefaults__
    return clone


async def _fresh_store():
    """A client of the course's Valkey on `DATABASE`, emptied."""
    from course_app.valkey import ValkeyUnavailable, start_valkey

    # imported in a thread: a first import of the client takes a while, the loop stays free
    redis = await asyncio.to_thread(importlib.import_module, "redis.asyncio")

    try:
        server = await asyncio.to_thread(start_valkey)
    except ValkeyUnavailable as error:
        raise Hint(f"this check needs the course's Valkey server, which cannot run here: {error}",
                   decisive=True) from None
    store = redis.Redis.from_url(server.url.rsplit("/", 1)[0] + f"/{DATABASE}",
                                 decode_responses=True)
    await store.flushdb()
    return store


async def _run(what: str, awaitable):
    try:
        return await awaitable
    except Hint:
        raise
    except Exception as error:
        raise Hint(f"{what} raised {type(error).__name__}: {error}") from None


@exercise("13.1", "a job that may run twice sends one email", expects="async function",
          solution=solutions.welcome_once)
async def check_welcome_once(welcome_once) -> str:
    store, sent = await _fresh_store(), []

    async def send(user: str) -> None:
        sent.append(user)
        await asyncio.sleep(0.05)  # sending takes a moment

    first, second = in_own_memory(welcome_once), in_own_memory(welcome_once)
    try:
        await _run("`welcome_once(store, 'ada', send)`", first(store, "ada", send))
        if sent.count("ada") == 0:
            raise Hint("`send` was never called for ada: the first run must send the email.")
        await _run("a second run", first(store, "ada", send))
        if sent.count("ada") > 1:
            raise Hint("a second run of the job, in the same process, sent ada a second email: "
                       "remember that this user's email went out, before sending.")
        await _run("a run in another process", second(store, "ada", send))
        if sent.count("ada") > 1:
            raise Hint("a run in another worker process sent ada a second email: a Python "
                       "variable lives in one process; remember it in Valkey (`store`).")
        await _run("two runs at once", asyncio.gather(first(store, "cy", send),
                                                       second(store, "cy", send)))
        if sent.count("cy") == 0:
            raise Hint("cy never got his email, although ada did: remember each user "
                       "separately (a key per user).")
        if sent.count("cy") > 1:
            raise Hint(f"two runs at the same moment sent cy {sent.count('cy')} emails: checking "
                       "first (GET) and writing after (SET) lets both through; "
                       "`await store.set(key, 'yes', nx=True)` claims the key atomically and "
                       "returns None when it was already there.")
        await _run("a run for another user", second(store, "bob", send))
        if sent.count("bob") != 1:
            raise Hint("bob never got his email: remember each user separately (a key per user).")
    finally:
        await store.aclose()
    return "one email per user, however many times and wherever the job runs."


@exercise("13.2", "a visit counter that two processes share", expects="async function",
          solution=solutions.count_visit)
async def check_count_visit(count_visit) -> str:
    store = await _fresh_store()
    first, second = in_own_memory(count_visit), in_own_memory(count_visit)
    try:
        numbers = await _run("`count_visit(store)`", asyncio.gather(
            *((first if turn % 2 else second)(store) for turn in range(10))))
    finally:
        await store.aclose()
    if not all(isinstance(number, int) and not isinstance(number, bool) for number in numbers):
        raise Hint(f"`count_visit` returned {numbers[0]!r}: return the visit's number as an "
                   "int (`await store.incr(key)` returns it).")
    if sorted(numbers) == sorted([*range(1, 6)] * 2):
        raise Hint("each process counted on its own (1 to 5, twice): the count must live in "
                   "Valkey, for example `await store.incr('visits')`.")
    if sorted(numbers) != list(range(1, 11)):
        raise Hint(f"10 visits from two processes got the numbers {sorted(numbers)}: reading "
                   "then writing (GET, then SET) lets two visits read the same value; `INCR` "
                   "reads, adds and writes in one atomic step.")
    return "10 visits from two processes, numbered 1 to 10: one counter in Valkey."
