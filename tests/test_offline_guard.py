"""The offline guard records connections beyond loopback, in this process and in children."""

import os
import subprocess
import sys
from pathlib import Path

import offline_guard

OFFLINE_DIR = Path(offline_guard.__file__).parent


def test_loopback_and_unix_sockets_are_fine_and_everything_else_is_not():
    import socket

    assert offline_guard.is_loopback(socket.AF_INET, ("127.0.0.1", 80))
    assert offline_guard.is_loopback(socket.AF_INET, ("127.8.9.10", 80))
    assert offline_guard.is_loopback(socket.AF_INET6, ("::1", 80, 0, 0))
    assert offline_guard.is_loopback(socket.AF_INET, ("localhost", 80))
    assert offline_guard.is_loopback(getattr(socket, "AF_UNIX", 1), "/tmp/kernel.sock")
    assert not offline_guard.is_loopback(socket.AF_INET, ("192.0.2.1", 80))
    assert not offline_guard.is_loopback(socket.AF_INET6, ("2001:db8::1", 80, 0, 0))
    assert not offline_guard.is_loopback(socket.AF_INET, ("example.com", 80))


def test_this_process_is_guarded():
    import socket

    assert getattr(socket.socket.connect, "_guarded", False)


def test_a_child_process_records_an_attempt_beyond_loopback(tmp_path):
    record = tmp_path / "attempts.jsonl"
    script = ("import socket\n"
              "try:\n"
              "    socket.create_connection(('192.0.2.1', 9), timeout=0.2)\n"
              "except OSError:\n"
              "    pass\n"
              "socket.create_connection(('127.0.0.1', 9), timeout=0.2) if False else None\n")
    environment = {**os.environ, "COURSE_OFFLINE_RECORD": str(record),
                   "PYTHONPATH": str(OFFLINE_DIR)}
    subprocess.run([sys.executable, "-c", script], env=environment, check=True, timeout=30)
    (attempt,) = offline_guard.attempts(str(record))
    assert "192.0.2.1" in attempt["address"]
