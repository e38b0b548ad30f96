"""Check an exercise answer: a pass, or a specific hint, and never a traceback.

In a notebook:

    await check("01.1", fetch_all)

prints one of

    ✅ 01.1 passed: three waits of 0.20 s took 0.20 s together.
    ❌ 01.1 not yet: `fetch_all` is a plain `def`; the exercise needs an `async def` function.

Before an exercise's own checker sees the answer, the core answers the common slips itself:
nothing filled in yet (`None` or `...`), a coroutine object where a function or value was
expected (it is closed, so no "never awaited" warning leaks), a plain `def` where an
`async def` is expected, and a value where a function is expected. While the checker runs the
learner's code, any exception it raises, a hang (stopped after the exercise's time limit) and a
coroutine it forgot to await all become hints too.

Each pass is recorded by `course_app.progress`. Exercises are defined in
`course_app/exercises/` with the `exercise` decorator; their reference solutions live in
`course_app/solutions/`.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import textwrap
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from course_app import progress
from course_app.blocking_guard import LoopBlocked, LoopStillBlocked, interrupt_if_blocked
from course_app.pitfall import describe, pitfall

PASS_MARK = "✅"
HINT_MARK = "❌"


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
INTERRUPT_SECONDS = 3.0
"""An answer that keeps the loop's thread busy this long without a break is interrupted (on
Linux and macOS; see `course_app.blocking_guard`), so a check never freezes the kernel."""


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
            (`time.sleep`, a lock, a CPU loop) is interrupted after `INTERRUPT_SECONDS` on Linux
            and macOS; on Windows it runs to its end first.
    """

    id: str
    title: str
    expects: str
    checker: Callable[[Any], str | Awaitable[str]]
    solution: Callable[..., Any] | None
    time_limit: float = 10.0


_EXERCISES: dict[str, Exercise] = {}
_EXPECTS = ("async function", "function", "value")


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
    if expects not in _EXPECTS:
        raise ValueError(f"expects must be one of {_EXPECTS}, not {expects!r}")

    def register(checker: Callable) -> Callable:
        if exercise_id in _EXERCISES:
            raise ValueError(f"exercise {exercise_id!r} is registered twice")
        _EXERCISES[exercise_id] = Exercise(
            exercise_id, title, expects, checker, solution, time_limit
        )
        return checker

    return register


def exercises() -> dict[str, Exercise]:
    """Every registered exercise, by id, in lesson order."""
    import course_app.exercises  # noqa: F401 - importing registers every lesson's exercises

    return dict(sorted(_EXERCISES.items()))


_STEPS: dict[str, Exercise] = {}


def step(step_id: str, title: str, *, expects: str,
         time_limit: float = 10.0) -> Callable[[Callable], Callable]:
    """Decorator that registers a *step check*, such as "12.lifespan": checked like an exercise
    (`await check("12.lifespan", lifespan)`), for code that a lesson writes itself and the
    learner may change (the capstone's steps). A step has no reference solution, and a pass is
    not recorded as exercise progress.

    Raises:
        ValueError: as `exercise` does.
    """
    if expects not in _EXPECTS:
        raise ValueError(f"expects must be one of {_EXPECTS}, not {expects!r}")

    def register(checker: Callable) -> Callable:
        if step_id in _STEPS or step_id in _EXERCISES:
            raise ValueError(f"step {step_id!r} is registered twice")
        _STEPS[step_id] = Exercise(step_id, title, expects, checker, None, time_limit)
        return checker

    return register


def steps() -> dict[str, Exercise]:
    """Every registered step check, by id."""
    import course_app.exercises  # noqa: F401 - importing registers every lesson's checks

    return dict(sorted(_STEPS.items()))


def _name_of(answer: Any) -> str:
    return getattr(answer, "__qualname__", None) or getattr(answer, "__name__", None) or "answer"


def _is_unwritten(function: Any) -> bool:
    """Whether `function`'s body is only `...` or `pass` (after an optional docstring)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return False
    definition = tree.body[0] if tree.body else None
    if not isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    return all(isinstance(statement, ast.Pass) or (isinstance(statement, ast.Expr) and isinstance(
        statement.value, ast.Constant) and (statement.value.value is Ellipsis or isinstance(
            statement.value.value, str))) for statement in definition.body)


def _precheck(item: Exercise, answer: Any) -> str | None:
    """The hint for a slip the core recognises by looking at the answer, else None."""
    if answer is None or answer is Ellipsis:
        return ("nothing to check yet: replace the `None` (or `...`) with your answer, "
                "then run the cell again.")
    if inspect.iscoroutine(answer):
        name = answer.__qualname__
        answer.close()  # closed, so Python does not warn that it was never awaited
        if item.expects == "value":
            return (f"you passed a coroutine object, what calling `{name}()` gives before it "
                    "runs: put `await` in front of the call.")
        return (f"you passed `{name}()`, a coroutine object: pass the function itself, "
                f"`{name}`, without parentheses.")
    if item.expects == "async function":
        if not callable(answer):
            return f"expected an `async def` function, got {type(answer).__name__} {answer!r}."
        if inspect.isasyncgenfunction(answer):
            return (f"`{_name_of(answer)}` uses `yield`, which makes it an async generator; "
                    "the exercise needs an `async def` function that `return`s its result.")
        if not inspect.iscoroutinefunction(answer):
            if "<locals>" in _name_of(answer):  # a wrapper made by a decorator
                return (f"`{_name_of(answer)}` is a plain `def` made by a decorator: if you "
                        "used a decorator factory without its parentheses (`@atomic` instead "
                        "of `@atomic()`), add them.")
            return (f"`{_name_of(answer)}` is a plain `def`; the exercise needs an `async def` "
                    "function, so that it can `await`.")
    if item.expects in ("function", "async function") and inspect.isfunction(answer) \
            and not hasattr(answer, "__wrapped__") and _is_unwritten(answer):
        return (f"nothing to check yet: `{_name_of(answer)}` has no body (only `...`); write "
                "it, then run the cell again.")
    if item.expects == "function" and not callable(answer):
        return f"expected a function, got {type(answer).__name__} {answer!r}."
    if item.expects == "value" and (inspect.isfunction(answer) or inspect.ismethod(answer)):
        return (f"you passed the function `{_name_of(answer)}` itself: call it (and `await` it "
                "if it is `async def`) and pass the result.")
    return None


_KNOWN_ERRORS = {
    "unhashable type: 'list'": (
        "`asyncio.gather` takes each coroutine as its own argument, not one list: unpack the "
        "list with `*`, as in `asyncio.gather(*coroutines)`."
    ),
    # gather(a generator of coroutines): Python 3.11 runs the generator as an old-style
    # coroutine ("bad yield"); 3.12+ refuses it. Either way the coroutines are never awaited.
    "Task got bad yield": (
        "`asyncio.gather` was given a generator (or list) of coroutines as one argument: unpack "
        "it with `*`, as in `asyncio.gather(*(brew(name) for name in names))`."
    ),
    "An asyncio.Future, a coroutine or an awaitable is required": (
        "`asyncio.gather` was given a generator (or list) of coroutines as one argument: unpack "
        "it with `*`, as in `asyncio.gather(*(brew(name) for name in names))`."
    ),
    "cannot be called from a running event loop": (
        "`asyncio.run` starts a new event loop, and one is already running here: `await` the "
        "coroutine instead."
    ),
    "Cannot run the event loop while another loop is running": (
        "something tried to start a second event loop inside the running one (`asyncio.run`, "
        "`uvicorn.run`, `loop.run_until_complete`): `await` the coroutine instead."
    ),
    "does not support the context manager protocol": (
        "that object is an *async* context manager (like `in_transaction()` or "
        "`httpx.AsyncClient()`): enter it with `async with`, not `with`."
    ),
    "can't be used in 'await' expression": (
        "that object is an async context manager, not a coroutine: enter it with "
        "`async with ...:` instead of `await`-ing it."
    ),
    "await wasn't used with future": (
        "something awaitable was not awaited where it was made: `await asyncio.gather(...)` "
        "directly (or keep the task and await it once)."
    ),
    "QuerySet indices must be slices": (
        "a Tortoise QuerySet runs only when awaited: `for author in await Author.all():`."
    ),
    "not resolvable": (
        "Tortoise cannot find that field or relation: check its name (in the course's models "
        "an author's books are `author.books`, a book's author is `book.author`)."
    ),
    "Unable to get db settings for alias": (
        "that connection name does not exist: the database has one connection, so call "
        "`in_transaction()` without a name."
    ),
    "process in the process pool was terminated abruptly": (
        "a process-pool worker stopped. A function sent to a process pool must be importable "
        "by name (defined in a module such as `course_app`, not in a notebook cell)."
    ),
}
"""Errors whose usual cause is clearer than the error itself, with the hint to give instead."""


async def evaluate(exercise_id: str, answer: Any) -> tuple[bool, str]:
    """Check `answer` without printing: `(True, note)` for a pass, `(False, hint)` otherwise.

    Never raises for anything the answer does; records a pass in the progress file.
    """
    item = exercises().get(exercise_id) or steps().get(exercise_id)
    if item is None:
        known = ", ".join(exercises()) or "none"
        return False, f"there is no exercise {exercise_id!r}; the exercises are: {known}."
    hint = _precheck(item, answer)
    if hint is not None:
        return False, hint
    note = ""
    try:
        async with interrupt_if_blocked(INTERRUPT_SECONDS) as guard, \
                pitfall(timeout=item.time_limit, report=False) as caught:
            note = item.checker(answer)
            if inspect.isawaitable(note):
                note = await note
    except SystemExit:
        return False, "your answer called `exit()` or `sys.exit()`: return a result instead."
    except LoopStillBlocked:
        pass  # the answer swallowed the first interruption; guard.blocked_for says so
    if isinstance(caught.error, LoopBlocked) or guard.blocked_for is not None:
        return False, (
            f"the event loop was frozen for more than {guard.limit:g} s: your answer never gave"
            " the loop a turn, so nothing else could run, and the check interrupted it."
            " Something blocking (`time.sleep`, a `threading` lock, CPU-heavy work) runs inside"
            " `async def`: use `await asyncio.sleep(...)`, an `asyncio` lock, or move the work"
            " to a thread or a process.")
    if caught.error is not None and "sys.exit() was called" in str(caught.error):
        return False, "your answer called `exit()` or `sys.exit()`: return a result instead."
    if isinstance(caught.error, Hint) and caught.error.decisive:
        return False, str(caught.error)
    for known, hint in _KNOWN_ERRORS.items():
        if caught.error is not None and not isinstance(caught.error, Hint) \
                and known in str(caught.error):
            return False, hint
    # A forgotten `await` explains most of what follows it (None results, AttributeErrors).
    if caught.warned("was never awaited"):
        forgotten = next(w for w in caught.warnings if "was never awaited" in str(w.message))
        return False, (f"Python says: {forgotten.message}. A coroutine only runs when it is "
                       "awaited: add the missing `await`.")
    if isinstance(caught.error, Hint):
        return False, str(caught.error)
    if isinstance(caught.error, TimeoutError):
        return False, ("your answer did not finish in time, and the check gave up waiting: is "
                       "something waiting for ever?")
    if isinstance(caught.error, NotImplementedError):
        return False, "your answer raises NotImplementedError: it looks unfinished."
    if caught.error is not None:
        return False, f"your answer raised {describe(caught.error)}"
    if item.solution is None:  # a step check: nothing to record
        return True, str(note or "")
    try:
        progress.record_pass(exercise_id)
    except OSError as error:
        note = f"{note} (progress not saved: {describe(error)})"
    return True, str(note or "")


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


class PendingCheck:
    """What `check()` returns: nothing happens until it is awaited.

    Displayed without `await`, it tells the learner to add one, and it is not a coroutine, so
    forgetting the `await` leaves no warning behind.
    """

    def __init__(self, exercise_id: str, answer: Any) -> None:
        self.exercise_id = exercise_id
        self.answer = answer

    def __await__(self):
        return self._run().__await__()

    async def _run(self) -> None:
        try:
            passed, message = await evaluate(self.exercise_id, self.answer)
        except asyncio.CancelledError:
            # Interrupted from the notebook (the stop button): say so instead of a traceback.
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            print(f"{HINT_MARK} {self.exercise_id} not checked: the check was interrupted.")
            return
        if passed:
            print(f"{PASS_MARK} {self.exercise_id} passed" + (f": {message}" if message else "."))
        else:
            print(f"{HINT_MARK} {self.exercise_id} not yet: {message}")

    def __repr__(self) -> str:
        return (f"This check has not run: write `await check({self.exercise_id!r}, ...)`, "
                "with `await` in front.")


def check(exercise_id: str, answer: Any) -> PendingCheck:
    """Check `answer` for exercise `exercise_id` ("NN.k"); use it as `await check(...)`.

    Prints `✅ NN.k passed: ...` or `❌ NN.k not yet: <hint>`; awaiting it returns None, so
    nothing else is shown. Never raises for anything the answer does (see `evaluate`).
    """
    return PendingCheck(exercise_id, answer)
