"""Test-session set-up shared by the unit tests and the notebooks run by nbval.

Set before any kernel starts, so notebook kernels inherit it: exercise progress goes to a
temporary file (never the learner's), course servers register in a temporary run folder, lesson
08's emails go to a temporary outbox, matplotlib draws without a screen, and the offline guard
(`tests/offline`) records, in every process of the run, any connection beyond 127.0.0.1. At the
end, the session fails if a course server is still registered, any port a course server used is
still listening, or any such connection was tried.
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

_scratch = tempfile.mkdtemp(prefix="course-tests-")
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
"""Test-only: a PostgreSQL URL (`.ci/postgres` prints one). When set, the database tests run on
PostgreSQL as well as SQLite, and fail if it is unreachable; when unset, the PostgreSQL cases are
skipped. The course's code never reads it, so notebook kernels always use SQLite."""


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request) -> str:
    """Each database back end the tests run on: in-memory SQLite, and PostgreSQL when configured."""
    if request.param == "sqlite":
        return "sqlite://:memory:"
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set (bash .ci/postgres prints a URL)")
    return url


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


def pytest_sessionfinish(session):
    from course_app.server import port_is_listening, registered_servers, server_history

    leaks = [f"still registered: {entry}" for entry in registered_servers()]
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
