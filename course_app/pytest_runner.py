"""Run a test file with pytest in a child process, from a notebook, without freezing it.

    run = await run_tests("menu_in_process", folder=TESTS)
    run.show()

pytest starts its own event loop for async tests, and a notebook's kernel already runs one, so
pytest cannot run them inside the kernel: `run_tests` runs `python -m pytest -v` as an asyncio
subprocess, reads its report as it comes, and returns a `TestRun`. While it runs, the kernel's
event loop is free (a server the notebook runs keeps answering the tests).

A test that hangs is named: pytest `-v` prints a test's name when it starts and its outcome when
it ends, so a test with no outcome after `test_timeout` seconds (10 by default) is reported as
`TIMEOUT` with its name, and the child's whole process group is killed (SIGKILL; on Windows
`taskkill /T /F`), with anything the test started in it. A run that takes longer than `timeout`
seconds in all (120 by default: start-up and collection included) is stopped the same way. An
interrupted or cancelled `await` (the notebook's stop button) kills the group too, and one left
behind by a kernel that exits is killed at exit.

Where asyncio has no subprocesses (the selector event loop Jupyter uses on Windows), the child's
output is read in a worker thread instead; everything else is the same.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from course_app.paths import COURSE_ROOT
from course_app.pitfall import PREFIX
from course_app.source import show_source

ROOT = COURSE_ROOT
"""The course's folder (where `pyproject.toml` and `conftest.py` are); pytest runs from it."""

PYTEST_TIMEOUT_SECONDS = 120
"""How long `run_tests` lets pytest run in all before stopping it, in seconds."""
TEST_TIMEOUT_SECONDS = 10
"""How long one test may run before `run_tests` names it as hanging and stops pytest, in s."""


def test_file(name: str, folder: Path | str) -> Path:
    """The path of the test file `name` (with or without `test_` and `.py`) in `folder`.

    Raises:
        FileNotFoundError: naming the files there are, for an unknown name.
    """
    folder = Path(folder).resolve()
    stem = name.removesuffix(".py").removeprefix("test_")
    path = folder / f"test_{stem}.py"
    if not path.is_file():
        known = ", ".join(sorted(p.stem[len("test_"):] for p in folder.glob("test_*.py")))
        raise FileNotFoundError(f"no test file {path.name} in {folder}; there are: {known}")
    return path


test_file.__test__ = False  # a helper, not a test (pytest collects `test_*` functions)


def show_test_file(name: str, folder: Path | str) -> None:
    """Display the source of the test file `name` in `folder` (see `test_file`)."""
    show_source(test_file(name, folder).read_text(encoding="utf-8"))


@dataclass
class TestRun:
    """What one pytest run reported.

    Attributes:
        target: the name of the test file that ran.
        outcomes: outcome → count, for example `{"passed": 3, "failed": 1}`; `{"timed out": 1}`
            (plus what finished before) when pytest was stopped.
        seconds: wall time of the whole child process, pytest's start-up included.
        returncode: pytest's exit code (0: all passed; 1: some failed; 5: nothing collected;
            -1: stopped by `run_tests`).
        tests: `(outcome, test name)` for each test, in the order pytest ran them, for
            example `("PASSED", "test_the_menu_lists_every_item")`; a test that hung is
            `("TIMEOUT", name)`.
        failures: one line per failure or error, `FAILED name - reason` (an error while
            collecting the file names the file instead; a hang says how long it waited).
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
_RESULT = re.compile(r"^\S+::(\S+) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)")
_STARTED = re.compile(r"^\S+::(\S+) *$")
"""A test pytest -v has started and not yet given an outcome (the last, unfinished line)."""

_running: set[int] = set()
"""Process groups of pytest children still running (killed at exit, or by the next run)."""


def _kill_group(pid: int) -> None:
    """Kill the process group `pid` leads: pytest and everything it started."""
    try:
        if os.name == "nt":  # pragma: no cover - Windows
            subprocess.run(["taskkill", "/T", "/F", "/PID", str(pid)], capture_output=True)
        else:
            os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    _running.discard(pid)


atexit.register(lambda: [_kill_group(pid) for pid in list(_running)])


class _Child:
    """pytest in its own process group, its stdout and stderr read as one stream of text."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.args, self.env = args, env
        self.process = None
        self.popen: subprocess.Popen | None = None

    async def start(self) -> None:
        group = ({"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if os.name == "nt"
                 else {"start_new_session": True})
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.args, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **group)
            self.pid = self.process.pid
        except NotImplementedError:  # an event loop without subprocesses: read in a thread
            self.popen = subprocess.Popen(
                self.args, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **group)
            self.pid = self.popen.pid
        _running.add(self.pid)

    async def read(self) -> bytes:
        """The next output, b"" at the end."""
        if self.process is not None:
            return await self.process.stdout.read(4096)
        return await asyncio.to_thread(self.popen.stdout.read1, 4096)

    async def wait(self) -> int:
        if self.process is not None:
            return await self.process.wait()
        return await asyncio.to_thread(self.popen.wait)


async def run_tests(name: str, keyword: str | None = None, *, folder: Path | str,
                    env: dict[str, str] | None = None,
                    timeout: float = PYTEST_TIMEOUT_SECONDS,
                    test_timeout: float = TEST_TIMEOUT_SECONDS) -> TestRun:
    """Run the test file `name` in `folder` with pytest in a child process; await it.

    Args:
        name: a test file in `folder` (see `test_file`).
        keyword: pytest's `-k` expression, to run only some tests.
        folder: where the test file is.
        env: environment variables to add for the child (a server's URL, say).
        timeout: seconds for the whole run before the child is stopped.
        test_timeout: seconds one test may run before it is named as hanging and the child is
            stopped.

    Returns:
        A `TestRun`. The child runs `python -m pytest -p no:nbval -v` from the course's folder,
        with only the `conftest.py` files in the test file's folder (`--confcutdir`): the
        course's own test set-up (its `conftest.py`, with its checks for servers left running)
        never joins the run. Test names are shown without anyio's `[asyncio]` parameter, which a
        test gets when no `conftest.py` chooses the event loop.

    Raises:
        FileNotFoundError: for an unknown test file.
    """
    path = test_file(name, folder)
    target = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    # --confcutdir: no conftest.py above the test file's folder, so the course's own test set-up
    # never joins a learner's run, inside the course's folder or outside it.
    args = [sys.executable, "-m", "pytest", "-p", "no:nbval", "-p", "no:cacheprovider",
            "-o", "addopts=", "--confcutdir", str(path.parent), "-v", "--no-header",
            "--color=no", "-rfE", str(target)]
    if keyword:
        args += ["-k", keyword]
    # A wide "terminal", so pytest does not cut each summary line's reason short; unbuffered,
    # so each test's name arrives when it starts.
    environment = {**os.environ, **(env or {}), "COLUMNS": "1000", "PYTHONUNBUFFERED": "1"}
    for pid in list(_running):  # a run an interrupted cell left behind
        _kill_group(pid)
    started = time.perf_counter()
    deadline = started + timeout
    child = _Child(args, environment)
    output = b""
    running: tuple[str, float] | None = None  # the test pytest is in, and since when
    stopped = ""
    try:
        await child.start()
        while True:
            now = time.perf_counter()
            limit = deadline if running is None else min(deadline, running[1] + test_timeout)
            try:
                chunk = await asyncio.wait_for(child.read(), max(limit - now, 0))
            except TimeoutError:
                if running is not None and running[1] + test_timeout <= deadline:
                    stopped = (f"{running[0]} did not finish in {test_timeout:g} s, so pytest "
                               "was stopped: is it waiting for ever?")
                else:
                    stopped = f"pytest was stopped after {timeout:g} s: is a test waiting for ever?"
                break
            if not chunk:
                break
            output += chunk
            last = output.decode(errors="replace").rsplit("\n", 1)[-1]
            found = _STARTED.match(last.replace("[asyncio]", ""))
            if found is None:
                running = None
            elif running is None or running[0] != found.group(1):
                running = (found.group(1), time.perf_counter())
        returncode = -1 if stopped else await child.wait()
    finally:
        if getattr(child, "pid", None) is not None:
            _kill_group(child.pid)  # whatever is left of it, stopped or not
            try:  # reaped, and its pipe closed, before this event loop may end
                await asyncio.wait_for(asyncio.shield(child.wait()), 5)
            except (TimeoutError, asyncio.CancelledError):
                pass
    seconds = time.perf_counter() - started
    return _report(path.name, output.decode(errors="replace"), seconds, returncode, stopped,
                   running[0] if stopped and running else None)


def _report(target: str, text: str, seconds: float, returncode: int, stopped: str,
            hung: str | None) -> TestRun:
    """The `TestRun` for pytest's -v output `text`."""
    lines = [line.replace("[asyncio]", "") for line in text.splitlines()]
    tests = [(found.group(2), found.group(1)) for line in lines if (found := _RESULT.match(line))]
    if stopped:
        outcomes: dict[str, int] = {}
        for outcome, _ in tests:
            key = {"PASSED": "passed", "FAILED": "failed", "ERROR": "error"}.get(outcome,
                                                                                 outcome.lower())
            outcomes[key] = outcomes.get(key, 0) + 1
        outcomes["timed out"] = 1
        if hung:
            tests.append(("TIMEOUT", hung))
        return TestRun(target, outcomes, seconds, returncode, tests, [stopped])
    summary = next((line for line in reversed(lines) if re.search(r" in [\d.]+s", line)), "")
    outcomes = {outcome: int(count) for count, outcome in _OUTCOME.findall(summary)}
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
    return TestRun(target, outcomes, seconds, returncode, tests, failures)
