"""Lesson 11's instruments: a folder for the test files the notebook writes, and the warning
`fastapi.testclient` gives.

The lesson's tests are written in the notebook, each cell saved as a file with `%%writefile` into
the lesson's test folder (`lesson_test_folder()`, under the course's run folder), and run with
pytest in a child process by `course_app.pytest_runner.run_tests`, which lesson 12 uses too.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

from course_app.paths import run_dir


def lesson_test_folder() -> Path:
    """The folder lesson 11's notebook writes its test files into, created if missing:
    `l11` in the course's run folder (`.course/run/l11`, or under `$COURSE_RUN_DIR`)."""
    folder = run_dir() / "l11"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def testclient_import_warning() -> str:
    """The warning Python gives when `fastapi.testclient` is imported.

    Starlette 1.x's `TestClient` prefers `httpx2` (the maintained fork of httpx) and, when only
    httpx is installed, warns at import: "Using `httpx` with `starlette.testclient` is
    deprecated; install `httpx2` instead." (`StarletteDeprecationWarning`, in
    `starlette/testclient.py`, the module `fastapi.testclient` re-exports). A module warns only
    the first time it is imported, so this runs a fresh copy of `starlette.testclient` that is
    never put in `sys.modules`: this process's own import of it is left as it was, and the
    warning is recorded, not printed. Returns `"Category: message"`, or `""` when the import
    gives no warning (as where httpx2 is installed).
    """
    spec = importlib.util.find_spec("starlette.testclient")
    fresh_copy = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spec.loader.exec_module(fresh_copy)
    return next((f"{warning.category.__name__}: {warning.message}" for warning in caught), "")
