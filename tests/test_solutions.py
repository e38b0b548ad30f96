"""Every exercise has a reference solution that `show_solution` prints, and each lesson's
exercises are tested in the file named after the lesson."""

from pathlib import Path

import pytest

from course_app.check import exercises
from course_app.solutions import show_solution

LESSON_TESTS = Path(__file__).resolve().parent / "lessons"


@pytest.mark.parametrize("exercise_id", list(exercises()))
def test_show_solution_prints_the_reference_source(exercise_id, capsys):
    show_solution(exercise_id)
    out = capsys.readouterr().out
    assert out.startswith(f"# Reference solution of exercise {exercise_id}")
    assert "def " in out


def test_show_solution_of_an_unknown_exercise(capsys):
    show_solution("99.9")
    assert "There is no exercise '99.9'" in capsys.readouterr().out


def test_each_lesson_s_exercises_are_tested_in_the_file_named_after_it():
    from course_app.check import lesson_module_name

    for lesson in sorted({exercise_id.split(".")[0] for exercise_id in exercises()}):
        slug = lesson_module_name(f"{lesson}.1").rsplit(".", 1)[1]
        assert (LESSON_TESTS / f"test_{slug}_exercises.py").is_file(), slug
