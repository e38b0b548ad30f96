"""Run a command while one CPU core is kept busy, the way a learner's laptop is (a browser, an
editor, a build): `make test-busy` runs every notebook this way.

    python3 tools/busy_core.py COMMAND [ARGS...]

Starts one `while True: pass` process (a child of this one, in a process group of its own),
runs COMMAND (with the busy process's id in `$BUSY_CORE_PID`), then always stops the busy
process: when COMMAND ends, fails, or this script is interrupted (Ctrl+C) or terminated. Prints
how much CPU the busy process used, so a log shows the core really was busy. Exits with COMMAND's
exit code. Standard library only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

BUSY_LOOP = ("import os, sys\nparent = int(sys.argv[1])  # this script's pid\n"
             "while os.getppid() == parent:  # ends by itself if this script is killed\n"
             "    for _ in range(100_000): pass")


def start_busy_core() -> subprocess.Popen:
    """A child process that keeps one core busy until it is killed, or until this process
    ends (it watches its parent, so even a SIGKILL of this script leaves no busy loop)."""
    return subprocess.Popen([sys.executable, "-c", BUSY_LOOP, str(os.getpid())],
                            stdin=subprocess.DEVNULL,
                            **({"start_new_session": True} if os.name == "posix" else {}))


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) the process `pid` has used, in seconds; None where unknown."""
    try:
        fields = open(f"/proc/{pid}/stat", encoding="ascii").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _interrupt(*_) -> None:
    """SIGTERM (CI cancelling a job) ends this script the way Ctrl+C does: through `finally`."""
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    if not argv:
        return "usage: busy_core.py COMMAND [ARGS...]"
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.perf_counter()
    busy = None
    try:
        busy = start_busy_core()
        print(f"busy_core: one core kept busy by pid {busy.pid} (a busy loop)", flush=True)
        return subprocess.run(argv, env={**os.environ, "BUSY_CORE_PID": str(busy.pid)}).returncode
    except KeyboardInterrupt:
        return 130
    finally:
        if busy is not None:
            used = cpu_seconds(busy.pid)
            busy.kill()
            busy.wait()
            wall = time.perf_counter() - started
            share = f", {used / wall:.0%} of one core" if used is not None and wall > 0 else ""
            print(f"busy_core: stopped pid {busy.pid} after {wall:.1f} s{share}", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
