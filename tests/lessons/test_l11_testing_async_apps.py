"""Lesson 11's instruments (the test folder, the test client's warning), and the notebook's
tests reacting to an edit the way a learner would see them react (the pytest runner has its own
tests, tests/test_pytest_runner.py)."""


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


def test_importing_the_sync_testclient_on_httpx_warns_to_install_httpx2():
    warning = lesson.testclient_import_warning()
    assert warning.startswith("StarletteDeprecationWarning: ")
    assert "install `httpx2` instead" in warning
