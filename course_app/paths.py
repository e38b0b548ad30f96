"""The course's folders and the environment variables that move them: one place for both.

Every folder the course writes to is under `.course/` in the course folder, unless its variable
says otherwise (the tests point each one at a temporary folder, so a test run never touches a
learner's files):

- `COURSE_RUN_DIR`, default `.course/run`: running servers' files, scripts, PostgreSQL's data;
- `COURSE_PROGRESS_FILE`, default `.course/progress.json`: the exercises passed;
- `COURSE_OUTBOX`, default `.course/outbox`: lesson 08's sent emails.

Settings read elsewhere, named here so they are spelled once: `COURSE_DATABASE_URL` (the lessons'
database, `course_app.database`) and `COURSE_TIMELINE_RECORD` (`course_app.timeline`).
"""

from __future__ import annotations

import os
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent.parent
"""The course folder: the one holding `course_app/`, `notebooks/` and `README.md`."""
NOTEBOOKS = COURSE_ROOT / "notebooks"
STATE_DIR = COURSE_ROOT / ".course"
"""What the course writes for the learner, kept out of git."""

RUN_DIR_VARIABLE = "COURSE_RUN_DIR"
PROGRESS_FILE_VARIABLE = "COURSE_PROGRESS_FILE"
OUTBOX_VARIABLE = "COURSE_OUTBOX"
DATABASE_URL_VARIABLE = "COURSE_DATABASE_URL"
TIMELINE_RECORD_VARIABLE = "COURSE_TIMELINE_RECORD"

DEFAULT_RUN_DIR = STATE_DIR / "run"
DEFAULT_PROGRESS_FILE = STATE_DIR / "progress.json"
DEFAULT_OUTBOX = STATE_DIR / "outbox"


def _from_environment(variable: str, default: Path) -> Path:
    return Path(os.environ.get(variable) or default)


def run_dir() -> Path:
    """Where running servers register and child-process scripts live: `$COURSE_RUN_DIR` or
    `.course/run` (not created here)."""
    return _from_environment(RUN_DIR_VARIABLE, DEFAULT_RUN_DIR)


def progress_file() -> Path:
    """The exercise progress file: `$COURSE_PROGRESS_FILE` or `.course/progress.json`."""
    return _from_environment(PROGRESS_FILE_VARIABLE, DEFAULT_PROGRESS_FILE)


def outbox_dir() -> Path:
    """Lesson 08's outbox folder: `$COURSE_OUTBOX` or `.course/outbox` (not created here)."""
    return _from_environment(OUTBOX_VARIABLE, DEFAULT_OUTBOX)
