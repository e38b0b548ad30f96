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
`course_app/exercises/lNN_slug.py` with the vocabulary of `course_app.exercise`; their reference
solutions live in `course_app/solutions/lNN_slug.py`. Checking "07.1" imports lesson 07's
exercise module, and no other lesson's.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
from typing import Any

from course_app import progress
from course_app.blocking_guard import LoopBlocked, LoopStillBlocked, interrupt_if_blocked
from course_app.exercise import (
    Exercise,
    Hint,
    registered,
    registered_exercises,
    registered_steps,
)
from course_app.pitfall import describe, pitfall
from course_app.slips import known_error_hint, precheck

PASS_MARK = "✅"
HINT_MARK = "❌"


INTERRUPT_SECONDS = 3.0
"""An answer that keeps the loop's thread busy this long without a break is interrupted (on
Linux and macOS; see `course_app.blocking_guard`), so a check never freezes the kernel."""


LESSON_PACKAGE = "course_app.exercises"
"""Where each lesson's exercise module is: `course_app/exercises/lNN_slug.py`."""


def lesson_module_name(exercise_id: str) -> str | None:
    """The module holding `exercise_id`'s lesson ("07.1" -> "course_app.exercises.l07_..."),
    found by its name; None when no lesson has that number."""
    lesson = exercise_id.split(".")[0]
    package = importlib.import_module(LESSON_PACKAGE)
    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith(f"l{lesson}_"):
            return f"{LESSON_PACKAGE}.{module.name}"
    return None


def find(exercise_id: str) -> Exercise | None:
    """The exercise or step check `exercise_id`, importing its lesson's exercise module (and
    only that one) first; None when there is none."""
    item = registered(exercise_id)
    if item is None:
        name = lesson_module_name(exercise_id)
        if name is not None:
            importlib.import_module(name)
            item = registered(exercise_id)
    return item


def _import_every_lesson() -> None:
    package = importlib.import_module(LESSON_PACKAGE)
    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        importlib.import_module(f"{LESSON_PACKAGE}.{module.name}")


def exercises() -> dict[str, Exercise]:
    """Every lesson's exercises, by id, in lesson order (imports every lesson's module)."""
    _import_every_lesson()
    return registered_exercises()


def steps() -> dict[str, Exercise]:
    """Every lesson's step checks, by id (imports every lesson's module)."""
    _import_every_lesson()
    return registered_steps()


def progress_table() -> str:
    """Every exercise with its state, as a fixed-width text table, and a total line.

    Each row: the exercise id, its title, and `passed <date>` or `not yet`.
    """
    passed = progress.load()
    items = exercises()
    width = max((len(item.title) for item in items.values()), default=0)
    rows = [f"{'exercise':<9} {'':<{width}} state"]
    for exercise_id, item in items.items():
        state = f"passed {passed[exercise_id][:10]}" if exercise_id in passed else "not yet"
        rows.append(f"{exercise_id:<9} {item.title:<{width}} {state}")
    done = sum(exercise_id in passed for exercise_id in items)
    rows.append(f"{done} of {len(items)} exercises passed")
    return "\n".join(rows)


def show_progress() -> None:
    """Print `progress_table()`: which exercises have passed."""
    print(progress_table())


async def evaluate(exercise_id: str, answer: Any) -> tuple[bool, str]:
    """Check `answer` without printing: `(True, note)` for a pass, `(False, hint)` otherwise.

    Never raises for anything the answer does; records a pass in the progress file.
    """
    item = find(exercise_id)
    if item is None:
        known = ", ".join(exercises()) or "none"
        return False, f"there is no exercise {exercise_id!r}; the exercises are: {known}."
    hint = precheck(item, answer)
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
    if caught.error is not None and not isinstance(caught.error, Hint):
        hint = known_error_hint(caught.error)
        if hint is not None:
            return False, hint
    # A forgotten `await` explains most of what follows it (None results, AttributeErrors).
    if caught.warned("was never awaited"):
        forgotten = next(w for w in caught.warnings if "was never awaited" in str(w.message))
        return False, (f"Python says: {forgotten.message}. A coroutine only runs when it is "
                       "awaited: add the missing `await`.")
    if isinstance(caught.error, Hint):
        return False, str(caught.error)
    if isinstance(caught.error, TimeoutError):
        return False, (f"your answer did not finish within the check's {item.time_limit:g} s, "
                       "and the check gave up waiting: is something waiting for ever (an "
                       "`await` on an event, a lock or a queue that nothing sets or fills)?")
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
