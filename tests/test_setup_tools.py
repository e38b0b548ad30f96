"""The tools `make` runs: tools/environment.py (is the environment up to date, which uv),
tools/phases.py (each phase of `make test` runs and is timed) and tools/busy_core.py (one core
kept busy during `make test-busy`, always stopped)."""

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_app import paths

TOOLS = paths.COURSE_ROOT / "tools"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"course_tools_{name}", TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


environment = _load("environment")
phases = _load("phases")


@pytest.fixture
def venv(tmp_path) -> Path:
    """A folder that looks like a venv: it has a Python."""
    python = environment.venv_python(tmp_path / "venv")
    python.parent.mkdir(parents=True)
    python.write_text("")
    return tmp_path / "venv"


@pytest.fixture
def requirements(tmp_path) -> list[Path]:
    base, test = tmp_path / "requirements.txt", tmp_path / "requirements-test.txt"
    base.write_text("anyio==4.16.0\n")
    test.write_text("pytest-xdist==3.8.0\n")
    return [base, test]


def _stamp(venv: Path, files: list[Path], bytecode: bool = False, **changes) -> None:
    stamp = dict(environment.wanted(files, bytecode), installer="uv", **changes)
    (venv / environment.STAMP_NAME).write_text(json.dumps(stamp))


def test_an_environment_without_a_stamp_is_built(venv, requirements):
    assert not environment.is_current(venv, requirements[:1], bytecode=False)
    assert not environment.built_by_this_python(venv)


def test_a_stamp_for_the_same_python_and_files_is_up_to_date(venv, requirements):
    _stamp(venv, requirements[:1])
    assert environment.is_current(venv, requirements[:1], bytecode=False)
    assert not environment.is_current(venv, requirements, bytecode=False), "test tools missing"


def test_the_test_environment_also_serves_the_lab(venv, requirements):
    _stamp(venv, requirements, bytecode=True)
    assert environment.is_current(venv, requirements[:1], bytecode=False)
    assert environment.is_current(venv, requirements, bytecode=True)


def test_a_changed_requirements_file_or_missing_bytecode_means_a_sync(venv, requirements):
    _stamp(venv, requirements[:1])
    assert not environment.is_current(venv, requirements[:1], bytecode=True)
    requirements[0].write_text("anyio==4.17.0\n")
    assert not environment.is_current(venv, requirements[:1], bytecode=False)
    assert environment.built_by_this_python(venv), "the venv itself can be kept"


def test_a_venv_built_by_another_python_is_rebuilt(venv, requirements):
    other = dict(environment.interpreter(), executable="/usr/bin/python3.12", version="3.12.1")
    _stamp(venv, requirements[:1], python=other)
    assert not environment.is_current(venv, requirements[:1], bytecode=False)
    assert not environment.built_by_this_python(venv)


def test_a_venv_whose_python_is_gone_is_rebuilt(venv, requirements):
    _stamp(venv, requirements[:1])
    environment.venv_python(venv).unlink()
    assert not environment.is_current(venv, requirements[:1], bytecode=False)


def test_an_old_uv_on_path_is_passed_over(monkeypatch, tmp_path):
    old = tmp_path / "uv"
    old.write_text("#!/bin/sh\necho 'uv 0.1.0'\n")
    old.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(environment, "UV_BOOTSTRAP", tmp_path / "bootstrap")
    assert environment.find_uv(install=False) is None
    new = tmp_path / "bootstrap" / "bin" / "uv"
    new.parent.mkdir(parents=True)
    new.write_text("#!/bin/sh\necho 'uv 0.13.9 (x86_64)'\n")
    new.chmod(0o755)
    assert environment.find_uv(install=False) == str(new)


def test_too_old_a_python_stops_with_one_line(monkeypatch):
    monkeypatch.setattr(environment, "MINIMUM_PYTHON", (sys.version_info.major + 1, 0))
    message = environment.main(["--venv", "unused"])
    assert message.startswith(f"Python {sys.version_info.major + 1}.0 or newer is needed")


def test_every_phase_runs_and_the_first_failure_decides(capsys):
    code, results = phases.run_phases([
        ("fails", f"{sys.executable} -c 'raise SystemExit(3)'"),
        ("passes", f"{sys.executable} -c 'pass'"),
    ])
    assert code == 3
    assert [(name, phase_code) for name, _, phase_code in results] == [("fails", 3),
                                                                       ("passes", 0)]
    out = capsys.readouterr().out
    assert "=== fails: " in out and "FAILED" in out and "=== passes: " in out


def test_the_summary_lists_each_phase_with_its_seconds(capsys):
    assert phases.main(["one", f"{sys.executable} -c 'pass'"]) == 0
    summary = capsys.readouterr().out.split("phase times:")[1].splitlines()
    assert summary[1].split()[1:] == ["s", "one"] and summary[2].split()[1:] == ["s", "total"]
    assert phases.main(["a name without a command"]).startswith("usage:")


BUSY_CORE = [sys.executable, str(TOOLS / "busy_core.py")]


def _busy_pid(output: str) -> int:
    return int(re.search(r"kept busy by pid (\d+)", output).group(1))


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_busy_core_runs_the_command_beside_a_busy_process_and_always_stops_it():
    is_busy = ("import os, sys; os.kill(int(os.environ['BUSY_CORE_PID']), 0); "
               "sys.exit(3)")  # os.kill(pid, 0) raises when there is no such process
    done = subprocess.run([*BUSY_CORE, sys.executable, "-c", is_busy],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr  # the command's exit code: it found the process
    assert _gone(_busy_pid(done.stdout)) and "busy_core: stopped pid" in done.stdout


def test_busy_core_stops_the_busy_process_when_it_is_terminated():
    runner = subprocess.Popen([*BUSY_CORE, sys.executable, "-c", "import time; time.sleep(600)"],
                              stdout=subprocess.PIPE, text=True)
    pid = _busy_pid(runner.stdout.readline())
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(30) == 130
    deadline = time.monotonic() + 10
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(pid), "no busy process outlives the run"


def test_the_busy_process_ends_by_itself_when_busy_core_is_killed():
    runner = subprocess.Popen([*BUSY_CORE, sys.executable, "-c", "import time; time.sleep(600)"],
                              stdout=subprocess.PIPE, text=True)
    pid = _busy_pid(runner.stdout.readline())
    runner.kill()  # SIGKILL: no handler of busy_core.py runs
    runner.wait(30)
    import psutil

    def ended() -> bool:  # gone, or exited and waiting to be reaped by whoever adopted it
        try:
            return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    deadline = time.monotonic() + 10
    while not ended() and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        assert ended(), "the busy process noticed its parent had gone"
    finally:
        if not ended():
            os.kill(pid, signal.SIGKILL)
