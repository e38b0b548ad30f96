"""The test session's leftover check (conftest.py) counts a registered server only while its
process runs (`course_app.server_registry.is_still_running`)."""

import os
import subprocess
import sys
import time

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
