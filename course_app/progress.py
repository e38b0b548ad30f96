"""The learner's exercise progress: a small JSON file of passed exercises.

The file is `.course/progress.json` in the course folder, or the path in the
`COURSE_PROGRESS_FILE` environment variable (the tests point it at a temporary file, so running
the notebooks under test never touches a learner's progress). Its content:

    {"passed": {"01.1": "2026-11-29T09:30:00+00:00", ...}}

mapping each passed exercise id to the first time it passed (UTC, ISO 8601). This module only
stores passes: which exercises exist is the checker's business (`course_app.check`, whose
`show_progress` prints the table).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from course_app.paths import DEFAULT_PROGRESS_FILE, progress_file

DEFAULT_PATH = DEFAULT_PROGRESS_FILE


def progress_path() -> Path:
    """Where progress is kept: `$COURSE_PROGRESS_FILE` if set, else `.course/progress.json`."""
    return progress_file()


def _read() -> tuple[dict[str, str], bool]:
    """The passes in the file, and whether a file is there that cannot be read as progress."""
    path = progress_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}, False
    try:
        passed = json.loads(text)["passed"]
        if not isinstance(passed, dict):
            raise TypeError("'passed' is not a mapping")
    except (ValueError, KeyError, TypeError):
        return {}, bool(text.strip())
    return {str(k): str(v) for k, v in passed.items()}, False


def load() -> dict[str, str]:
    """Passed exercise ids mapped to when they first passed; empty if there is no readable file.

    A missing, empty or damaged file counts as no progress; it is never an error (the next
    pass moves a damaged file aside to `progress.damaged.json` rather than overwrite it).
    """
    return _read()[0]


def record_pass(exercise_id: str) -> bool:
    """Record that `exercise_id` passed, keeping the first time; return True if it is new.

    Writes the file atomically (a temporary file, then a rename), creating its folder.

    Raises:
        OSError: when the folder cannot be created or written.
    """
    passed, damaged = _read()
    if exercise_id in passed:
        return False
    passed[exercise_id] = datetime.now(UTC).isoformat(timespec="seconds")
    path = progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if damaged:  # keep what was there beside the new file instead of losing it
        path.replace(path.with_suffix(".damaged.json"))
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"passed": passed}, indent=2, sort_keys=True), "utf-8")
    temporary.replace(path)
    return True
