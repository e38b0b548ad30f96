"""The test session's leftover check (conftest.py) counts a registered server only while its
process runs (`course_app.server_registry.is_still_running`), and under pytest-xdist checks the
ports every worker's servers used once all workers have ended."""

import os
import re
import signal
import subprocess
import sys
import textwrap
import time

from course_app.paths import COURSE_ROOT
from course_app.server_registry import is_still_running


def test_a_running_process_registered_after_it_started_counts():
    assert is_still_running({"pid": os.getpid(), "started": time.time()})


def test_an_entry_of_a_process_that_has_exited_does_not_count():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not is_still_running({"pid": child.pid, "started": time.time()})


def test_a_later_process_that_got_the_same_pid_does_not_count():
    # registered long before this process was created: the pid was reused
    assert not is_still_running({"pid": os.getpid(), "started": 0.0})


def test_a_malformed_entry_does_not_count():
    assert not is_still_running({"port": 8000})


LEAVES_A_PORT_LISTENING = textwrap.dedent("""\
    import os, subprocess, sys, time
    from course_app.ports import free_port
    from course_app.server_registry import record_start, record_stop

    def test_a_server_that_unregistered_but_still_listens():
        port = free_port()
        code = ("import socket, time; s = socket.socket(); s.bind(('127.0.0.1', %d)); "
                "s.listen(); print('listening', flush=True); time.sleep(120)" % port)
        server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                  text=True, start_new_session=True)
        assert server.stdout.readline() == "listening\\n"
        with open(os.environ["LEAK_FILE"], "w") as leak:
            leak.write(f"{server.pid} {port}")
        record_start({"pid": server.pid, "port": port, "mode": "test", "app": "leaky",
                      "started": time.time()})
        record_stop(port)  # unregistered, as a server that lost track of itself
""")


def test_a_port_left_listening_under_a_worker_fails_the_session_once_all_workers_ended(
        tmp_path):
    """Under pytest-xdist, a port a worker's course server left listening fails the session: the
    worker hands the ports its servers used to the controller, which checks them when every
    worker has ended (while one still runs, its kernels may hold a port that a server of
    another worker used and gave back) and names the worker."""
    (tmp_path / "test_leaky.py").write_text(LEAVES_A_PORT_LISTENING)
    leak_file = tmp_path / "leak"
    # The course's conftest.py as a plugin (`-p conftest`, from the course's folder), since the
    # test file is outside it; the workers get the same arguments.
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-o",
         "addopts=", "-n", "2", "-q", str(tmp_path / "test_leaky.py")],
        cwd=COURSE_ROOT, env={**os.environ, "LEAK_FILE": str(leak_file)},
        capture_output=True, text=True, timeout=120)
    assert leak_file.exists(), done.stdout + done.stderr  # the inner test got that far
    pid, port = map(int, leak_file.read_text().split())
    try:
        assert done.returncode == 1, done.stdout + done.stderr
        assert re.search(rf"port {port} \(leaky, worker gw\d\) is still listening", done.stdout), \
            done.stdout
        assert "1 passed" in done.stdout
    finally:
        os.kill(pid, signal.SIGKILL)
