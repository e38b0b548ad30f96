"""The test session's leftover check counts a registered server only while its process runs."""

import os
import subprocess
import sys
import time

from conftest import _still_running


def test_a_running_process_registered_after_it_started_counts():
    assert _still_running({"pid": os.getpid(), "started": time.time()})


def test_an_entry_of_a_process_that_has_exited_does_not_count():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not _still_running({"pid": child.pid, "started": time.time()})


def test_a_later_process_that_got_the_same_pid_does_not_count():
    # registered long before this process was created: the pid was reused
    assert not _still_running({"pid": os.getpid(), "started": 0.0})


def test_a_malformed_entry_does_not_count():
    assert not _still_running({"port": 8000})
