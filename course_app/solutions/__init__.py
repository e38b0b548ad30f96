"""Reference solutions, one per exercise, each tested to pass its check.

Stuck? In the lesson's notebook run

    from course_app.solutions import show_solution
    show_solution("01.2")

to print the reference solution's source.
"""

from __future__ import annotations

import inspect


def show_solution(exercise_id: str) -> None:
    """Print the source of the reference solution of `exercise_id` ("NN.k").

    An unknown id prints the list of known ones instead; nothing is raised.
    """
    from course_app.check import exercises

    item = exercises().get(exercise_id)
    if item is None:
        print(f"There is no exercise {exercise_id!r}; the exercises are: {', '.join(exercises())}.")
        return
    print(f"# Reference solution of exercise {exercise_id}: {item.title}")
    print(inspect.getsource(item.solution))
