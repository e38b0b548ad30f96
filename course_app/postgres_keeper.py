"""The child process behind `course_app.postgres`: it runs `postgres`, and stops it when the
course process that asked for it ends, however that process ends.

    python -m course_app.postgres_keeper [--registration FILE] [--user NAME] -- POSTGRES ARGS...

`course_app.postgres` starts the keeper in a session of its own (so a kill of the notebook
kernel's process group does not reach it), with a pipe on standard input that only the course
process holds. The keeper then

1. starts `POSTGRES ARGS...` as its child (as user NAME when given: PostgreSQL refuses to run as
   root), with its output going to the keeper's standard error, the server's log file; on Linux the
   child also asks the kernel for SIGINT when the keeper dies (`PR_SET_PDEATHSIG`), so even a
   SIGKILL of the keeper stops the server;
2. prints the server's process id on standard output, one line;
3. waits. End of file on standard input means the course process has stopped the server or has
   died (its end of the pipe closes even under SIGKILL); SIGTERM means the same. The keeper then
   stops the server with a fast shutdown (SIGINT: open connections are closed, nothing waits for
   clients), kills it after `STOP_SECONDS`, deletes the registration FILE and exits. When the
   server exits by itself, the keeper deletes the file and exits with the server's code.

Standard library only: it starts in a fraction of a second and never imports the course.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

STOP_SECONDS = 10.0
"""How long a fast shutdown may take before the server is killed."""

_PR_SET_PDEATHSIG = 1


def _parent_death_signal():
    """A `preexec_fn` for Linux: SIGINT to the child when the keeper dies; None elsewhere.

    The kernel forgets the setting when a process changes user, and subprocess changes user
    before it calls `preexec_fn`, so the setting survives. Should the keeper already be gone by
    then, the child exits at once."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    keeper = os.getpid()

    def ask_for_a_signal() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGINT, 0, 0, 0)
        if os.getppid() != keeper:
            os._exit(1)

    return ask_for_a_signal


def _account(name: str | None) -> dict:
    """`subprocess.Popen` keyword arguments that run the child as user `name` (none for None)."""
    if not name:
        return {}
    import pwd

    entry = pwd.getpwnam(name)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _stop(server: subprocess.Popen, command: list[str]) -> int:
    """Fast shutdown of the server, then a kill if it takes longer than `STOP_SECONDS`."""
    if server.poll() is None:
        if os.name == "posix":
            server.send_signal(signal.SIGINT)
        else:  # pragma: no cover - Windows has no SIGINT for a process without a console
            data = command[command.index("-D") + 1]
            pg_ctl = Path(command[0]).with_name("pg_ctl.exe")
            subprocess.run([str(pg_ctl), "stop", "-D", data, "-m", "fast", "-w"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        try:
            server.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
    return server.wait()


def stop_keeper(keeper: subprocess.Popen) -> None:
    """Stop a keeper started by this process, and with it the program it keeps: close its
    pipes (end of input is its signal), wait for it, and kill it if it is still there after
    20 s (it kills its program after 10 s itself)."""
    for pipe in (keeper.stdin, keeper.stdout):
        try:
            pipe.close()
        except (OSError, AttributeError):
            pass
    try:
        keeper.wait(20)
    except subprocess.TimeoutExpired:  # pragma: no cover - the keeper kills after 10 s
        keeper.kill()
        keeper.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registration", type=Path,
                        help="a file to delete once the server has stopped")
    parser.add_argument("--user", help="run the server as this user (when started as root)")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="-- then the postgres executable and its arguments")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no postgres command given")

    data_dir = command[command.index("-D") + 1] if "-D" in command else None
    server = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=sys.stderr, stderr=sys.stderr,
        cwd=data_dir, preexec_fn=_parent_death_signal(), **_account(args.user),
    )
    print(server.pid, flush=True)

    done = threading.Event()
    ended_by_server = threading.Event()

    def wait_for_end_of_input() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except OSError:
            pass
        done.set()

    def wait_for_server() -> None:
        server.wait()
        ended_by_server.set()
        done.set()

    signal.signal(signal.SIGTERM, lambda *_: done.set())
    threading.Thread(target=wait_for_end_of_input, daemon=True).start()
    threading.Thread(target=wait_for_server, daemon=True).start()
    while not done.wait(1):
        pass
    code = server.wait() if ended_by_server.is_set() else _stop(server, command)
    if args.registration is not None:
        args.registration.unlink(missing_ok=True)
    return 0 if code in (0, -signal.SIGINT) else 1


if __name__ == "__main__":
    sys.exit(main())
