"""Lesson 11's instruments: a folder for the test files the notebook writes, and a pytest runner.

The lesson's tests are written in the notebook, each cell saved as a file with `%%writefile` into
the lesson's test folder (`lesson_test_folder()`, under the course's run folder), and run with
pytest in a child process (`run_tests`): pytest starts its own event loop for async tests, and a
notebook's kernel already runs one, so pytest cannot run them inside the kernel. Lesson 12 runs
its own test files with the same runner (`run_tests(..., folder=...)`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from course_app.paths import COURSE_ROOT, run_dir
from course_app.pitfall import PREFIX
from course_app.source import show_source

ROOT = COURSE_ROOT
"""The course's folder (where `pyproject.toml` and `tests/` are)."""



def lesson_test_folder() -> Path:
    """The folder lesson 11's notebook writes its test files into, created if missing:
    `l11` in the course's run folder (`.course/run/l11`, or under `$COURSE_RUN_DIR`)."""
    folder = run_dir() / "l11"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


PYTEST_TIMEOUT_SECONDS = 120
"""How long `run_tests` lets pytest run before stopping it, in seconds."""


def test_file(name: str, folder: Path | None = None) -> Path:
    """The path of the test file `name` (with or without `test_` and `.py`) in `folder`
    (the lesson's test folder, `lesson_test_folder()`, by default).

    Raises:
        FileNotFoundError: naming the files there are, for an unknown name.
    """
    folder = Path(folder or lesson_test_folder()).resolve()
    stem = name.removesuffix(".py").removeprefix("test_")
    path = folder / f"test_{stem}.py"
    if not path.is_file():
        known = ", ".join(sorted(p.stem[len("test_"):] for p in folder.glob("test_*.py")))
        raise FileNotFoundError(f"no test file {path.name} in {folder}; there are: {known}")
    return path


def show_test_file(name: str, folder: Path | None = None) -> None:
    """Display the source of the test file `name` in `folder` (see `test_file`)."""
    show_source(test_file(name, folder).read_text(encoding="utf-8"))


@dataclass
class TestRun:
    """What one pytest run reported.

    Attributes:
        target: the name of the test file that ran.
        outcomes: outcome → count, for example `{"passed": 3, "failed": 1}`.
        seconds: wall time of the whole child process, pytest's start-up included.
        returncode: pytest's exit code (0: all passed; 1: some failed; 5: nothing collected).
        tests: `(outcome, test name)` for each test, in the order pytest ran them, for
            example `("PASSED", "test_the_menu_lists_every_item")`.
        failures: one line per failure or error, `FAILED name - reason` (an error while
            collecting the file names the file instead).
    """

    __test__ = False  # a result, not a test class (pytest would otherwise try to collect it)

    target: str
    outcomes: dict[str, int]
    seconds: float
    returncode: int
    tests: list[tuple[str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> int:
        """How many tests passed."""
        return self.outcomes.get("passed", 0)

    @property
    def failed(self) -> int:
        """How many tests failed or errored."""
        return self.outcomes.get("failed", 0) + self.outcomes.get("error", 0) \
            + self.outcomes.get("errors", 0)

    def summary(self) -> str:
        """One line, for example `test_menu_in_process.py: 3 passed (1.21 s)`."""
        counts = ", ".join(f"{count} {outcome}" for outcome, count in self.outcomes.items())
        return f"{self.target}: {counts or 'nothing ran'} ({self.seconds:.2f} s)"

    def show(self) -> None:
        """Print the summary line, one line per test with its outcome, then why each failure
        or error happened (pytest's one-line reason), each on a line that starts with
        `caught `, like every error line the course shows (`course_app.pitfall`)."""
        print(self.summary())
        for outcome, name in self.tests:
            print(f"  {outcome:7} {name}")
        for failure in self.failures:
            print(f"{PREFIX}{failure}")


_OUTCOME = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")


def run_tests(name: str, keyword: str | None = None, timeout: float = PYTEST_TIMEOUT_SECONDS,
              folder: Path | None = None, env: dict[str, str] | None = None) -> TestRun:
    """Run the lesson's test file `name` with pytest in a child process.

    Args:
        name: a test file in `folder` (see `test_file`).
        keyword: pytest's `-k` expression, to run only some tests.
        timeout: seconds before the child is stopped; the run then reports "timed out".
        folder: where the test file is; the lesson's test folder (`lesson_test_folder()`) by
            default.
        env: environment variables to add for the child (a server's URL, say).

    Returns:
        A `TestRun`. The child runs `python -m pytest -p no:nbval -v` from the course's folder;
        for a file inside the course's folder, the course's `conftest.py` applies too. Test names
        are shown without anyio's `[asyncio]` parameter, which a test gets when no `conftest.py`
        chooses the event loop.

    Raises:
        FileNotFoundError: for an unknown test file.
    """
    path = test_file(name, folder)
    target = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    args = [sys.executable, "-m", "pytest", "-p", "no:nbval", "-p", "no:cacheprovider",
            "-o", "addopts=", "-v", "--no-header", "--color=no", "-rfE", str(target)]
    if keyword:
        args += ["-k", keyword]
    # A wide "terminal", so pytest does not cut each summary line's reason short.
    environment = {**os.environ, **(env or {}), "COLUMNS": "1000"}
    started = time.perf_counter()
    try:
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                              env=environment)
    except subprocess.TimeoutExpired:
        return TestRun(path.name, {"timed out": 1}, time.perf_counter() - started, -1, [],
                       [f"pytest was stopped after {timeout:g} s: is a test waiting for ever?"])
    seconds = time.perf_counter() - started
    lines = done.stdout.splitlines()
    summary = next((line for line in reversed(lines) if re.search(r" in [\d.]+s", line)), "")
    outcomes = {outcome: int(count) for count, outcome in _OUTCOME.findall(summary)}
    lines = [re.sub(r"\[asyncio\]", "", line) for line in lines]
    tests = [(found.group(2), found.group(1)) for line in lines
             if (found := re.match(r"^\S+::(\S+) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)",
                                   line))]
    last_error = next((line[1:].strip() for line in reversed(lines) if line.startswith("E   ")),
                      "")
    failures = []
    for line in lines:
        if line.startswith(("FAILED ", "ERROR ")):
            line = re.sub(r"^(FAILED|ERROR) \S*?::", r"\1 ", line)  # the test's name only
            line = re.sub(r"^ERROR \S*?([^/\s]+\.py)$", r"ERROR \1", line)  # a whole file
            if " - " not in line and last_error:  # a collection error: pytest's own message
                line = f"{line} - {last_error}"
            failures.append(line)
    return TestRun(path.name, outcomes, seconds, done.returncode, tests, failures)


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
