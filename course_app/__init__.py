"""The shared package behind the interactive course on async programming in FastAPI.

Each module has one job; the notebooks import only what a lesson needs:

- `course_app.client`: drive an app in-process (lifespan included) with `httpx.AsyncClient`.
- `course_app.timeline`: record what overlapped with what, print it, draw it.
- `course_app.pitfall`: run deliberately wrong code and print one short line per error or warning.
- `course_app.check`: check an exercise answer and record progress.
- `course_app.solutions`: the reference solution of each exercise.
- `course_app.lesson_list`: the lessons, from which the README table and the lesson map are made.
- `course_app.lessons`: the small apps and measurements of each lesson.
"""

__all__: list[str] = []
