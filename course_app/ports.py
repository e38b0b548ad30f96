"""TCP ports on 127.0.0.1: pick a free one, and ask whether something listens on one."""

from __future__ import annotations

import socket

HOST = "127.0.0.1"
"""Where every course server listens: this machine only."""


def port_is_listening(port: int, host: str = HOST) -> bool:
    """True when something accepts TCP connections on `host:port` (tries for 0.2 s at most)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


def free_port(host: str = HOST) -> int:
    """A TCP port on `host` that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
