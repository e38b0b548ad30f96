"""Lesson 11's instruments (the test folder, the pytest runner), and the notebook's tests reacting
to an edit the way a learner would see them react."""


import pytest

from course_app.lessons import l11_testing_async_apps as lesson
from course_app.notebook_runner import rerun_section, section_text
from course_app.paths import NOTEBOOKS

NOTEBOOK = NOTEBOOKS / "11_testing_async_apps.ipynb"


def test_a_sequential_fetch_makes_both_timing_tests_fail():
    ran = rerun_section(NOTEBOOK, "11.6", {
        "return await asyncio.gather(*(fetch(city) for city in cities))":
            "return [await fetch(city) for city in cities]"})
    text = section_text(ran, "11.6")
    assert "test_timing_without_flakiness.py: 2 failed" in text, text
    assert "FAILED  test_the_calls_overlap" in text
    assert "FAILED  test_four_calls_take_about_as_long_as_one" in text


def test_the_lesson_test_folder_is_in_the_run_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_RUN_DIR", str(tmp_path / "run"))
    folder = lesson.lesson_test_folder()
    assert folder == tmp_path / "run" / "l11" and folder.is_dir()
    (folder / "test_sample.py").write_text("def test_good():\n    assert True\n")
    assert lesson.run_tests("sample").tests == [("PASSED", "test_good")]  # the default folder


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
    assert "\ncaught FAILED test_bad - AssertionError: arithmetic" in out

    none = lesson.run_tests("sample", keyword="no_such_test", folder=tmp_path)
    assert none.returncode == 5
    assert none.passed == 0


def test_async_tests_outside_the_course_run_on_asyncio_under_their_plain_names(tmp_path):
    (tmp_path / "test_loop.py").write_text(
        "import asyncio\nimport os\n\nimport pytest\n\npytestmark = pytest.mark.anyio\n\n\n"
        "async def test_on_asyncio():\n    asyncio.get_running_loop()\n\n\n"
        "async def test_sees_the_environment():\n    assert os.environ['GREETING'] == 'hi'\n")
    run = lesson.run_tests("loop", folder=tmp_path, env={"GREETING": "hi"})
    assert run.tests == [("PASSED", "test_on_asyncio"), ("PASSED", "test_sees_the_environment")]


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


def test_an_unknown_test_file_names_the_ones_there_are(tmp_path):
    (tmp_path / "test_menu.py").write_text("")
    with pytest.raises(FileNotFoundError, match="there are: menu"):
        lesson.test_file("nope", folder=tmp_path)


def test_importing_the_sync_testclient_on_httpx_warns_to_install_httpx2():
    warning = lesson.testclient_import_warning()
    assert warning.startswith("StarletteDeprecationWarning: ")
    assert "install `httpx2` instead" in warning
