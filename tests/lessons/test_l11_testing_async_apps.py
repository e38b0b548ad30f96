"""Lesson 11's tools: running a test file in a child pytest, and the measured comparisons."""

import pytest

from course_app.lessons import l11_testing_async_apps as lesson

pytestmark = pytest.mark.anyio


def test_every_lesson_test_file_passes_in_a_child_pytest():
    files = sorted(lesson.TEST_FOLDER.glob("test_*.py"))
    assert len(files) == 5
    for path in files:
        run = lesson.run_tests(path.name)
        assert run.returncode == 0, run.failures
        assert run.passed == len(run.tests) >= 2
        assert all(outcome == "PASSED" for outcome, _ in run.tests)


def test_failures_and_selections_are_reported(tmp_path, capsys):
    (tmp_path / "test_sample.py").write_text(
        "def test_good():\n    assert 1 + 1 == 2\n\n\n"
        "def test_bad():\n    assert 1 + 1 == 3, 'arithmetic'\n")
    run = lesson.run_tests("sample", folder=tmp_path)
    assert run.returncode == 1
    assert run.outcomes == {"failed": 1, "passed": 1}
    assert run.tests == [("PASSED", "test_good"), ("FAILED", "test_bad")]  # in run order
    assert run.failed == 1
    assert run.failures == ["FAILED test_bad - AssertionError: arithmetic"]
    run.show()
    out = capsys.readouterr().out
    assert out.startswith("test_sample.py: ") and "FAILED  test_bad" in out
    assert "FAILED test_bad - AssertionError: arithmetic" in out

    none = lesson.run_tests("sample", keyword="no_such_test", folder=tmp_path)
    assert none.returncode == 5
    assert none.passed == 0


def test_a_file_that_cannot_be_imported_or_a_test_that_hangs_is_reported(tmp_path):
    (tmp_path / "test_broken.py").write_text("import no_such_module\n")
    broken = lesson.run_tests("broken", folder=tmp_path)
    assert broken.failures == [
        "ERROR test_broken.py - ModuleNotFoundError: No module named 'no_such_module'"]
    (tmp_path / "test_hangs.py").write_text("import time\n\n\ndef test_x():\n"
                                            "    time.sleep(60)\n")
    hung = lesson.run_tests("hangs", folder=tmp_path, timeout=1.5)
    assert hung.outcomes == {"timed out": 1} and hung.returncode == -1
    assert "stopped after 1.5 s" in hung.failures[0]


def test_an_unknown_test_file_names_the_ones_there_are():
    with pytest.raises(FileNotFoundError, match="menu_in_process"):
        lesson.test_file("nope")


def test_importing_the_sync_testclient_warns():
    assert "deprecated" in lesson.testclient_import_warning()


async def test_in_process_is_faster_than_a_server():
    timings = await lesson.in_process_vs_server(requests=30)
    assert timings["uvicorn server"] > 1.5 * timings["in-process (ASGI transport)"]
