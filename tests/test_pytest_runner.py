"""The pytest runner lessons 11 and 12 use: outcomes, failures, and a hanging test named and
stopped with everything it started."""

import asyncio
import os
import time

import psutil
import pytest

from course_app import pytest_runner
from course_app.pytest_runner import run_tests, test_file

pytestmark = pytest.mark.anyio


async def test_failures_and_selections_are_reported(tmp_path, capsys):
    (tmp_path / "test_sample.py").write_text(
        "def test_good():\n    assert 1 + 1 == 2\n\n\n"
        "def test_bad():\n    assert 1 + 1 == 3, 'arithmetic'\n")
    run = await run_tests("sample", folder=tmp_path)
    assert run.returncode == 1
    assert run.outcomes == {"failed": 1, "passed": 1}
    assert run.tests == [("PASSED", "test_good"), ("FAILED", "test_bad")]  # in run order
    assert run.failed == 1
    assert run.failures == ["FAILED test_bad - AssertionError: arithmetic"]
    run.show()
    out = capsys.readouterr().out
    assert out.startswith("test_sample.py: ") and "FAILED  test_bad" in out
    assert "\ncaught FAILED test_bad - AssertionError: arithmetic" in out

    none = await run_tests("sample", keyword="no_such_test", folder=tmp_path)
    assert none.returncode == 5
    assert none.passed == 0


async def test_async_tests_outside_the_course_run_on_asyncio_under_their_plain_names(tmp_path):
    (tmp_path / "test_loop.py").write_text(
        "import asyncio\nimport os\n\nimport pytest\n\npytestmark = pytest.mark.anyio\n\n\n"
        "async def test_on_asyncio():\n    asyncio.get_running_loop()\n\n\n"
        "async def test_sees_the_environment():\n    assert os.environ['GREETING'] == 'hi'\n")
    run = await run_tests("loop", folder=tmp_path, env={"GREETING": "hi"})
    assert run.tests == [("PASSED", "test_on_asyncio"), ("PASSED", "test_sees_the_environment")]


async def test_a_file_that_cannot_be_imported_is_reported(tmp_path):
    (tmp_path / "test_broken.py").write_text("import no_such_module\n")
    broken = await run_tests("broken", folder=tmp_path)
    assert broken.failures == [
        "ERROR test_broken.py - ModuleNotFoundError: No module named 'no_such_module'"]


HANGS = """\
import subprocess
import sys
import time


def test_quick():
    pass


def test_waits_for_ever():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open({pid_file!r}, "w") as pid_file:
        pid_file.write(str(child.pid))
    time.sleep(600)


def test_never_reached():
    pass
"""


async def test_a_hanging_test_is_named_and_its_process_group_killed_while_the_loop_runs(
        tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    (tmp_path / "test_hangs.py").write_text(HANGS.format(pid_file=str(pid_file)))
    ticks = 0

    async def tick():  # the event loop stays free while pytest runs
        nonlocal ticks
        while True:
            await asyncio.sleep(0.1)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    hung = await run_tests("hangs", folder=tmp_path, test_timeout=2)
    waited = time.perf_counter() - started
    ticker.cancel()
    assert hung.returncode == -1
    assert hung.tests == [("PASSED", "test_quick"), ("TIMEOUT", "test_waits_for_ever")]
    assert hung.outcomes == {"passed": 1, "timed out": 1}
    assert hung.failures == ["test_waits_for_ever did not finish in 2 s, so pytest was stopped: "
                             "is it waiting for ever?"]
    assert waited < 15, "a hanging test is named within 15 s (pytest's start-up included)"
    assert ticks > waited * 10 * 0.3, "the loop kept running while pytest ran"
    grandchild = int(pid_file.read_text())
    assert not psutil.pid_exists(grandchild) or \
        psutil.Process(grandchild).status() == psutil.STATUS_ZOMBIE, \
        "what the test started is killed with it"
    assert not pytest_runner._running


async def test_the_whole_run_has_a_time_limit_too(tmp_path):
    (tmp_path / "test_slow.py").write_text("import time\n\n\ndef test_x():\n"
                                           "    time.sleep(60)\n")
    hung = await run_tests("slow", folder=tmp_path, timeout=1.5)
    assert hung.outcomes == {"timed out": 1} and hung.returncode == -1
    assert "stopped after 1.5 s" in hung.failures[0]


async def test_a_cancelled_run_kills_pytest(tmp_path):
    (tmp_path / "test_slow.py").write_text("import time\n\n\ndef test_x():\n"
                                           "    time.sleep(60)\n")
    task = asyncio.create_task(run_tests("slow", folder=tmp_path))
    while not pytest_runner._running:
        await asyncio.sleep(0.05)
    (pid,) = pytest_runner._running
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not pytest_runner._running
    await asyncio.sleep(0.2)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


async def test_without_asyncio_subprocesses_the_output_is_read_in_a_thread(tmp_path, monkeypatch):
    async def unsupported(*args, **kwargs):
        raise NotImplementedError  # as on Windows' selector event loop

    monkeypatch.setattr(asyncio, "create_subprocess_exec", unsupported)
    (tmp_path / "test_sample.py").write_text("def test_good():\n    pass\n")
    run = await run_tests("sample", folder=tmp_path)
    assert run.tests == [("PASSED", "test_good")] and run.returncode == 0


def test_an_unknown_test_file_names_the_ones_there_are(tmp_path):
    (tmp_path / "test_menu.py").write_text("")
    with pytest.raises(FileNotFoundError, match="there are: menu"):
        test_file("nope", folder=tmp_path)
    assert test_file("menu", folder=os.fspath(tmp_path)) == tmp_path.resolve() / "test_menu.py"


async def test_a_test_folder_inside_the_course_gets_its_own_conftest_and_not_the_course_s():
    """A learner's tests live in `.course/run/l11`, inside the course's folder: the course's own
    test set-up (its conftest.py, which imports the notebook runner for nbval) stays out of their
    run, and a conftest.py next to them still applies."""
    import shutil
    import uuid

    from course_app.paths import COURSE_ROOT

    folder = COURSE_ROOT / ".course" / f"runner-test-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    try:
        (folder / "conftest.py").write_text(
            "import pytest\n\n\n@pytest.fixture\ndef colour():\n    return 'blue'\n")
        (folder / "test_own_set_up.py").write_text(
            "import sys\n\n\ndef test_only_its_own_conftest(colour):\n"
            "    assert colour == 'blue'\n"
            "    assert 'course_app.notebook_runner' not in sys.modules, 'course conftest'\n")
        run = await run_tests("own_set_up", folder=folder)
    finally:
        shutil.rmtree(folder)
    assert run.tests == [("PASSED", "test_only_its_own_conftest")], run.failures
