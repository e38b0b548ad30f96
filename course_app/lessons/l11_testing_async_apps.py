"""Lesson 11's instruments: a folder for the test files the notebook writes, and the warning
`fastapi.testclient` gives.

The lesson's tests are written in the notebook, each cell saved as a file with `%%writefile` into
the lesson's test folder (`lesson_test_folder()`, under the course's run folder), and run with
pytest in a child process by `course_app.pytest_runner.run_tests`, which lesson 12 uses too.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from course_app.paths import run_dir


def lesson_test_folder() -> Path:
    """The folder lesson 11's notebook writes its test files into, created if missing:
    `l11` in the course's run folder (`.course/run/l11`, or under `$COURSE_RUN_DIR`)."""
    folder = run_dir() / "l11"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def testclient_import_warning() -> str:
    """The warning Python prints when `fastapi.testclient` is imported, from a child process.

    Starlette 1.x's `TestClient` prefers `httpx2` (the maintained fork of httpx) and, when only
    httpx is installed, warns: "Using `httpx` with `starlette.testclient` is deprecated; install
    `httpx2` instead." (`StarletteDeprecationWarning`, in `starlette/testclient.py`). The child
    keeps the warning out of this process. Returns `"Category: message"`, or `""` when the
    import prints no warning (as it does where httpx2 is installed).
    """
    done = subprocess.run([sys.executable, "-W", "default", "-c",
                           "import fastapi.testclient"], capture_output=True, text=True,
                          timeout=60)
    found = re.search(r"(\w+Warning): (.*)", done.stderr)
    return f"{found.group(1)}: {found.group(2).strip()}" if found else ""
