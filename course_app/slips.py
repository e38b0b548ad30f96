"""The slips the checker answers itself, before or instead of an exercise's own checker.

`precheck` looks at the answer without running it: nothing filled in yet (`None` or `...`), a
coroutine object where a function or value was expected (closed, so no "never awaited" warning
leaks), a plain `def` where an `async def` is expected, a value where a function is expected, a
function with no body yet. `known_error_hint` turns an error whose usual cause is clearer than
the error itself (`gather` given one list, `asyncio.run` inside a running loop) into its hint.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

from course_app.exercise import Exercise


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


def precheck(item: Exercise, answer: Any) -> str | None:
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
        return (f"nothing to check yet: `{_name_of(answer)}` has no body (only `...` or "
                "`pass`); write it, then run the cell again.")
    if item.expects == "function" and not callable(answer):
        return f"expected a function, got {type(answer).__name__} {answer!r}."
    if item.expects == "value" and (inspect.isfunction(answer) or inspect.ismethod(answer)):
        return (f"you passed the function `{_name_of(answer)}` itself: call it (and `await` it "
                "if it is `async def`) and pass the result.")
    return None


KNOWN_ERRORS = {
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
    "Can't pickle local object": (
        "a process pool sends the function to another interpreter by name, so it must be "
        "importable: use one defined in a module (such as `course_app.lessons.l09_primes`), "
        "not in a notebook cell or inside another function (lesson 09, 9.3)."
    ),
}
"""Errors whose usual cause is clearer than the error itself, with the hint to give instead."""


def known_error_hint(error: BaseException) -> str | None:
    """The hint for an error listed in `KNOWN_ERRORS` (matched by its message), else None."""
    for known, hint in KNOWN_ERRORS.items():
        if known in str(error):
            return hint
    return None
