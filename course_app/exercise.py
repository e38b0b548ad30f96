"""The exercise authors' vocabulary: how a lesson's exercises are declared and checked.

A lesson's exercises live in `course_app/exercises/lNN_slug.py`, its reference solutions in
`course_app/solutions/lNN_slug.py`. An exercise module imports from here only:

    from course_app.exercise import Hint, exercise, hint_if_blocked

    @exercise("07.1", "weather within a deadline", expects="async function",
              solution=solutions.weather_within)
    async def check_weather_within(weather_within) -> str:
        ...                                   # run the answer; raise Hint("...") when it is wrong
        return "a short note for the pass"

The checker (`course_app.check`) imports a lesson's exercise module when an exercise of that
lesson is first checked, found by its name (exercise "07.1" is in `exercises/l07_*.py`); this
module imports no lesson, so nothing here is a circle.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


class Hint(Exception):  # noqa: N818 - a hint is what the learner reads, not an error
    """Raised by an exercise checker: the answer is not right yet, and `str(hint)` says why.

    `decisive=True` marks a hint that names the real cause (an error the server logged, say),
    which then wins over the generic "never awaited" hint the core would otherwise give first.
    """

    def __init__(self, message: str, decisive: bool = False) -> None:
        super().__init__(message)
        self.decisive = decisive


BLOCKED_SECONDS = 0.06
"""Event-loop lag, in seconds, above which an answer counts as blocking (a free loop: ~1 ms)."""
def hint_if_blocked(max_lag: float, where: str, instead: str = "",
                    limit: float = BLOCKED_SECONDS) -> None:
    """Raise a `Hint` when the loop lag measured around the answer shows it blocked the loop.

    Args:
        max_lag: the worst lag seen while the answer ran, in seconds (`LoopLagMonitor.max_lag`).
        where: names the answer in the hint, for example "`serve_all`".
        instead: an optional fix to append, for example "`await brew(name)` instead".
        limit: the lag, in seconds, that counts as blocking (default `BLOCKED_SECONDS`).

    Raises:
        Hint: when `max_lag` is above `limit`.
    """
    if max_lag > limit:
        fix = f"; {instead}" if instead else ""
        raise Hint(f"the event loop was frozen for {max_lag:.2f} s: something that blocks "
                   f"(like `time.sleep`, or CPU-heavy work) ran inside {where}{fix}.")


@dataclass(frozen=True)
class Exercise:
    """One checked exercise.

    Attributes:
        id: "NN.k", the lesson number and the exercise's number in it, for example "01.1".
        title: a few words, shown in the progress table.
        expects: "async function" (an `async def` function), "function" (any callable) or
            "value" (anything else); decides which slips the core catches first.
        checker: called with the answer; returns a short success note (or an awaitable of
            one), or raises `Hint`.
        solution: the reference solution, a function in `course_app.solutions`; for a "value"
            exercise, a function that returns the right value. None for a step check (`step`).
        time_limit: seconds the checker may run before the answer counts as hanging. An answer
            that awaits for ever is cancelled then; one that blocks the loop's thread
            (`time.sleep`, a lock, a CPU loop) is interrupted after
            `course_app.check.INTERRUPT_SECONDS` on Linux and macOS; on Windows it runs to its
            end first.
    """

    id: str
    title: str
    expects: str
    checker: Callable[[Any], str | Awaitable[str]]
    solution: Callable[..., Any] | None
    time_limit: float = 10.0


_EXERCISES: dict[str, Exercise] = {}
_STEPS: dict[str, Exercise] = {}
EXPECTS = ("async function", "function", "value")
"""What an exercise may expect as its answer."""


def _register(table: dict[str, Exercise], item: Exercise) -> None:
    if item.expects not in EXPECTS:
        raise ValueError(f"expects must be one of {EXPECTS}, not {item.expects!r}")
    if item.id in _EXERCISES or item.id in _STEPS:
        raise ValueError(f"exercise {item.id!r} is registered twice")
    table[item.id] = item


def exercise(
    exercise_id: str,
    title: str,
    *,
    expects: str,
    solution: Callable[..., Any],
    time_limit: float = 10.0,
) -> Callable[[Callable], Callable]:
    """Decorator that registers the decorated function as the checker of `exercise_id`.

    Raises:
        ValueError: for an `expects` other than "async function", "function" or "value", or an
            id that is already registered.
    """
    if expects not in EXPECTS:
        raise ValueError(f"expects must be one of {EXPECTS}, not {expects!r}")

    def register(checker: Callable) -> Callable:
        _register(_EXERCISES, Exercise(exercise_id, title, expects, checker, solution,
                                       time_limit))
        return checker

    return register


def step(step_id: str, title: str, *, expects: str,
         time_limit: float = 10.0) -> Callable[[Callable], Callable]:
    """Decorator that registers a *step check*, such as "12.lifespan": checked like an exercise
    (`await check("12.lifespan", lifespan)`), for code that a lesson writes itself and the
    learner may change (the capstone's steps). A step has no reference solution, and a pass is
    not recorded as exercise progress.

    Raises:
        ValueError: as `exercise` does.
    """
    if expects not in EXPECTS:
        raise ValueError(f"expects must be one of {EXPECTS}, not {expects!r}")

    def register(checker: Callable) -> Callable:
        _register(_STEPS, Exercise(step_id, title, expects, checker, None, time_limit))
        return checker

    return register


def registered(exercise_id: str) -> Exercise | None:
    """The exercise or step check registered as `exercise_id`, or None (no lesson is imported:
    `course_app.check.find` does that)."""
    return _EXERCISES.get(exercise_id) or _STEPS.get(exercise_id)


def registered_exercises() -> dict[str, Exercise]:
    """The exercises registered so far (the lessons imported so far), by id, in lesson order."""
    return dict(sorted(_EXERCISES.items()))


def registered_steps() -> dict[str, Exercise]:
    """The step checks registered so far, by id."""
    return dict(sorted(_STEPS.items()))


def unregister(exercise_id: str) -> None:
    """Forget the exercise or step `exercise_id` (a throwaway one a test registered); no error
    when it is not registered."""
    _EXERCISES.pop(exercise_id, None)
    _STEPS.pop(exercise_id, None)


async def guarded(awaitable: Awaitable) -> Any:
    """Await a learner's coroutine, turning `SystemExit` into an ordinary error.

    Wrap each learner coroutine that a checker runs as a *task* (`asyncio.gather` makes tasks):
    a `SystemExit` raised inside a task escapes the event loop itself and would stop the
    notebook's kernel.

    Raises:
        RuntimeError: instead of `SystemExit`.
    """
    try:
        return await awaitable
    except SystemExit:
        raise RuntimeError("exit() or sys.exit() was called") from None


def hint_if_still_awaitable(*results: Any, fix: str) -> None:
    """Raise a `Hint` when an answer returned something still to be awaited.

    Every coroutine among `results` is closed and every future (such as an un-awaited
    `asyncio.gather`) cancelled first, so no "never awaited" warning or orphaned work is left.

    Args:
        results: what the learner's function returned (one value, or one per call).
        fix: the hint's advice, for example "`return await asyncio.gather(...)`".

    Raises:
        Hint: when any of `results` is awaitable.
    """
    awaitables = [result for result in results if inspect.isawaitable(result)]
    for result in awaitables:
        if inspect.iscoroutine(result):
            result.close()
        elif isinstance(result, asyncio.Future):
            result.cancel()
    if awaitables:
        raise Hint(f"your function returned something still to be awaited: {fix}.")


def hint_if_not_a_lifespan(lifespan: Any) -> None:
    """Raise a `Hint` unless `lifespan` looks like an `@asynccontextmanager` lifespan function.

    Catches an undecorated async generator, a decorated function without `yield`,
    `@contextmanager` on a plain `def`, and anything else that is not a decorated function.

    Raises:
        Hint: with what to change.
    """
    wrapped = getattr(lifespan, "__wrapped__", None)
    if inspect.isasyncgenfunction(lifespan):
        raise Hint("close: decorate it with `@asynccontextmanager` (from `contextlib`), so "
                   "FastAPI can use it with `async with`.")
    if inspect.iscoroutinefunction(wrapped):
        raise Hint("your lifespan has no `yield`: start-up code, then `yield {...}`, then "
                   "shut-down code.")
    if inspect.isgeneratorfunction(wrapped):
        raise Hint("a lifespan is an `async def` decorated with `@asynccontextmanager`, not "
                   "`@contextmanager` on a plain `def`.")
    if wrapped is None or not inspect.isasyncgenfunction(wrapped):
        raise Hint("a lifespan is an `async def` with one `yield`, decorated with "
                   "`@asynccontextmanager`.")
