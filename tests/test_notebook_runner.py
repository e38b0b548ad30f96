"""The notebook runner acts out a learner: edit a section's code, run it again after set-up."""

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course_app.notebook_runner import apply_edits, rerun_section, section_cells, section_text


def _lesson(folder):
    notebook = new_notebook(cells=[
        new_markdown_cell("# 99 · A lesson"),
        new_code_cell("# Set-up\nbase = 10"),
        new_markdown_cell("## 9.1 First"),
        new_code_cell("print('first', base)"),
        new_markdown_cell("## 9.2 Second"),
        new_code_cell("limit = 3\nprint('limit', limit * base)"),
        new_markdown_cell("## Recap"),
        new_code_cell("print('the end')"),
    ])
    path = folder / "99_lesson.ipynb"
    nbformat.write(notebook, path)
    return path


def test_section_cells_are_the_set_up_cells_then_the_section(tmp_path):
    notebook = nbformat.read(_lesson(tmp_path), as_version=4)
    assert section_cells(notebook, "9.2") == [1, 5]
    assert section_cells(notebook, "9.2", to_the_end=True) == [1, 5, 7]
    with pytest.raises(KeyError, match="no section 9.3"):
        section_cells(notebook, "9.3")


def test_an_edit_changes_what_the_section_prints(tmp_path):
    path = _lesson(tmp_path)
    assert section_text(rerun_section(path, "9.2"), "9.2") == "limit 30\n"
    assert section_text(rerun_section(path, "9.2", {"limit = 3": "limit = 4"}), "9.2") == (
        "limit 40\n")


def test_an_edit_that_does_not_match_exactly_once_is_refused(tmp_path):
    notebook = nbformat.read(_lesson(tmp_path), as_version=4)
    with pytest.raises(ValueError, match="occurs 0 times"):
        apply_edits(notebook, {"limit = 5": "limit = 6"})
    with pytest.raises(ValueError, match="occurs 3 times"):
        apply_edits(notebook, {"print(": "print(1, "})


def test_the_kernel_runs_its_exit_handlers_every_time_it_is_stopped(tmp_path):
    """What stops a lesson's servers when the runner is done with a kernel: its exit handlers,
    which the runner's quicker stop (notebook_runner.QUICK_EXIT) must leave in place, even in the
    one stop in six where ipykernel 7.4 is slow to exit."""
    from course_app.notebook_runner import execute

    marks = tmp_path / "marks"
    marks.mkdir()
    path = tmp_path / "exits.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(
        "import atexit, os, pathlib\n"
        f"atexit.register(pathlib.Path({str(marks)!r}, str(os.getpid())).touch)")]), path)
    for _ in range(8):
        execute(path)
    assert len(list(marks.iterdir())) == 8


class _KernelsThatDie:
    """Stands in for nbclient's NotebookClient in `_start_kernel`: the first `dying` kernels
    die before they answer, as a kernel does whose port another process took."""

    def __init__(self, dying: int):
        self.dying = dying
        self.started = 0
        self.km = None

    def create_kernel_manager(self):
        return object()

    def start_new_kernel(self):
        self.started += 1

    def start_new_kernel_client(self):
        if self.started <= self.dying:
            raise RuntimeError("Kernel died before replying to kernel_info")


def test_a_kernel_that_dies_at_start_is_replaced_by_a_new_one_up_to_three_times():
    from course_app.notebook_runner import KERNEL_START_ATTEMPTS, _start_kernel

    client = _KernelsThatDie(dying=KERNEL_START_ATTEMPTS - 1)
    _start_kernel(client)
    assert client.started == KERNEL_START_ATTEMPTS
    client = _KernelsThatDie(dying=KERNEL_START_ATTEMPTS)
    with pytest.raises(RuntimeError, match="Kernel died"):
        _start_kernel(client)
    assert client.started == KERNEL_START_ATTEMPTS


def test_the_next_run_takes_the_kernel_started_ahead_with_today_s_environment(
        tmp_path, monkeypatch):
    """`START_AHEAD` (on in the test suite): while one run goes on, the next kernel starts; the
    next run in the same folder uses it, with the environment variables of now, not of when it
    started. A change to one that Python reads as it starts needs a new kernel."""
    from course_app import notebook_runner

    monkeypatch.setattr(notebook_runner, "START_AHEAD", True)
    monkeypatch.setenv("COURSE_TEST_COLOUR", "blue")
    path = tmp_path / "pid.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(
        "import os, subprocess, sys\n"
        "child = 'import os; print(os.environ[\"COURSE_TEST_COLOUR\"])'\n"
        "print(os.getpid(), os.environ['COURSE_TEST_COLOUR'],\n"
        "      subprocess.run([sys.executable, '-c', child],\n"
        "                     capture_output=True, text=True).stdout.strip(),\n"
        "      'COURSE_TEST_GONE' in os.environ)")]), path)

    def run() -> tuple[int, str, str, str]:
        printed = notebook_runner.execute(path).cells[0].outputs[0].text
        pid, colour, in_a_child, gone = printed.split()
        return int(pid), colour, in_a_child, gone

    try:
        monkeypatch.setenv("COURSE_TEST_GONE", "yes")
        first = run()[0]
        ahead = notebook_runner._ahead[0].provisioner.pid
        assert ahead != first
        monkeypatch.setenv("COURSE_TEST_COLOUR", "green")
        monkeypatch.delenv("COURSE_TEST_GONE")
        assert run() == (ahead, "green", "green", "False")
        ahead = notebook_runner._ahead[0].provisioner.pid
        monkeypatch.setenv("PYTHONWARNINGS", "ignore")
        assert run()[0] != ahead
        assert not psutil.pid_exists(ahead), "the kernel that no longer suited was stopped"
        ahead = notebook_runner._ahead[0].provisioner.pid
    finally:
        notebook_runner.stop_the_kernel_ahead()
    assert notebook_runner._ahead is None and not psutil.pid_exists(ahead)
