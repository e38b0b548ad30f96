"""Record every connection this Python process tries to open beyond loopback.

The course works offline: every "external" service is a fake on 127.0.0.1. During the test run
this guard is installed in the pytest process (by `conftest.py`) and, through
`sitecustomize.py` on `PYTHONPATH`, in every Python process the run starts: notebook kernels,
uvicorn servers, child pytest runs. It does not block anything (lesson code turns a connection
error into a 502, which would hide a refusal); it appends one JSON line per attempt to the file
named by `COURSE_OFFLINE_RECORD`, and the session fails at the end if that file is not empty.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys

RECORD_VARIABLE = "COURSE_OFFLINE_RECORD"


def is_loopback(family: int, address) -> bool:
    """Whether a `socket.connect` address stays on this machine (127.0.0.0/8, ::1, AF_UNIX)."""
    if family == getattr(socket, "AF_UNIX", None) or not isinstance(address, tuple):
        return True
    host = str(address[0]).split("%", 1)[0]
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name, not an address: only "localhost" stays here
        return host == "localhost"


def _record(address) -> None:
    path = os.environ.get(RECORD_VARIABLE)
    if not path:
        return
    line = json.dumps({"pid": os.getpid(), "address": repr(address), "argv": sys.argv[:3]})
    with open(path, "a", encoding="utf-8") as record:
        record.write(line + "\n")


def install() -> None:
    """Wrap `socket.socket.connect` and `connect_ex` to record non-loopback addresses.

    Does nothing when `COURSE_OFFLINE_RECORD` is unset, or when already installed.
    """
    if not os.environ.get(RECORD_VARIABLE) or getattr(socket.socket.connect, "_guarded", False):
        return
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guarded_connect(self, address):
        if not is_loopback(self.family, address):
            _record(address)
        return connect(self, address)

    def guarded_connect_ex(self, address):
        if not is_loopback(self.family, address):
            _record(address)
        return connect_ex(self, address)

    guarded_connect._guarded = guarded_connect_ex._guarded = True
    socket.socket.connect = guarded_connect
    socket.socket.connect_ex = guarded_connect_ex


def attempts(path: str) -> list[dict]:
    """The attempts recorded in the file at `path` (none when it does not exist)."""
    try:
        with open(path, encoding="utf-8") as record:
            return [json.loads(line) for line in record if line.strip()]
    except FileNotFoundError:
        return []
