"""What every `test_lNN_slug_exercises.py` shares: a wrong answer is declared beside the hint it
must get, and each lesson's exercises are checked the same way.

    wrong = WrongAnswers("07")

    @wrong("07.1", "`TimeoutError` escaped")      # this answer must get a hint containing this
    async def _within_one_deadline(client, cities, deadline): ...

    wrong.add("01.1", 2.0, "one-after-another total")   # an answer that is a value
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest

from course_app.check import evaluate, lesson_module_name
from course_app.exercise import registered_exercises


def lesson_exercise_ids(lesson: str) -> list[str]:
    """The ids of lesson `lesson`'s ("07") exercises, importing only that lesson's module."""
    importlib.import_module(lesson_module_name(f"{lesson}.1"))
    return [exercise_id for exercise_id in registered_exercises()
            if exercise_id.split(".")[0] == lesson]


class WrongAnswers:
    """The wrong answers of one lesson's exercises, in the order they are declared."""

    def __init__(self, lesson: str) -> None:
        self.lesson = lesson
        self.cases: list[Any] = []

    def __call__(self, exercise_id: str, hint: str):
        """Decorator: the function below is a wrong answer to `exercise_id`, and the check's
        message must contain `hint`. Returns the function unchanged."""
        def add(answer):
            self.add(exercise_id, answer, hint)
            return answer

        return add

    def add(self, exercise_id: str, answer: Any, hint: str) -> None:
        """`answer` (a value, or a function made elsewhere) must get a hint containing `hint`."""
        if exercise_id.split(".")[0] != self.lesson:
            raise ValueError(f"{exercise_id} is not an exercise of lesson {self.lesson}")
        name = getattr(answer, "__name__", None) or repr(answer)[:40]
        self.cases.append(pytest.param(exercise_id, answer, hint,
                                       id=f"{exercise_id}-{len(self.cases)}-{name}"))

    def count(self) -> dict[str, int]:
        """How many wrong answers each exercise of the lesson has (0 for none)."""
        counts = dict.fromkeys(lesson_exercise_ids(self.lesson), 0)
        for case in self.cases:
            counts[case.values[0]] = counts.get(case.values[0], 0) + 1
        return counts


async def reference_answer(exercise_id: str) -> Any:
    """The reference solution as the exercise expects it: the function, or the value it gives."""
    from course_app.check import find

    item = find(exercise_id)
    if item.expects != "value":
        return item.solution
    value = item.solution()
    return await value if inspect.isawaitable(value) else value


async def assert_passes(exercise_id: str, answer: Any) -> None:
    passed, message = await evaluate(exercise_id, answer)
    assert passed, message


async def assert_hint(exercise_id: str, answer: Any, hint: str) -> None:
    passed, message = await evaluate(exercise_id, answer)
    assert not passed, f"{exercise_id} passed a wrong answer: {message}"
    assert hint in message, message


async def assert_interrupted(exercise_id: str, answer: Any) -> None:
    """An answer that blocks for far longer than the check's interrupt limit (the event loop's
    thread, with `time.sleep` or a busy loop) gets the frozen-loop hint soon after that limit,
    and leaves no server thread behind that could still be running it."""
    import threading
    import time

    from course_app.check import INTERRUPT_SECONDS

    started = time.monotonic()
    passed, message = await evaluate(exercise_id, answer)
    took = time.monotonic() - started
    assert not passed, f"{exercise_id} passed a blocking answer: {message}"
    assert f"the event loop was frozen for more than {INTERRUPT_SECONDS:g} s" in message, message
    assert took < 2 * INTERRUPT_SECONDS + 3, f"the hint came {took:.1f} s after the check began"
    servers = [thread.name for thread in threading.enumerate()
               if thread.name.startswith("course-server")]
    assert not servers, f"server threads still alive after the check: {servers}"
