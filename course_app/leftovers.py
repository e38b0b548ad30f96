"""Find and stop the servers the course may have left running: what `python -m course_app stop`
does after a crash.

    from course_app.leftovers import find_leftovers, stop_leftovers
    found = find_leftovers()          # [Leftover(kind="uvicorn", pid=..., ...), ...]
    stop_leftovers(found)             # signal each, wait, kill what is still there

A notebook stops its servers when it ends, even when it is killed (each server watches its parent);
a server is left only when that fails too. Each kind of server has a *finder*: a function that takes
the run folder (`course_app.server.run_dir()`: `.course/run`, or `$COURSE_RUN_DIR`) and returns the
`Leftover`s of that kind still running. `FINDERS` names them as `"module:function"` (imported only
when `find_leftovers` runs); another kind of server joins with one line there, or with
`register_finder(kind, function)`.

Every process found is sent its own stop signal (SIGTERM: uvicorn's graceful shutdown, and a
PostgreSQL keeper's fast shutdown of its server; SIGINT: PostgreSQL's fast shutdown), and killed
after `STOP_SECONDS` if still running. A uvicorn server gets it with its whole process group (its
worker processes). Needs psutil (in requirements.txt).
"""

from __future__ import annotations

import importlib
import os
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

STOP_SECONDS = 15.0
"""How long the stopped servers may take to exit before they are killed, in seconds."""


@dataclass(frozen=True)
class Leftover:
    """One server process the course left running.

    Attributes:
        kind: what it is, for example "uvicorn" or "postgres".
        pid: its process id.
        description: one line for the listing, for example "app module:app on port 8123".
        stop_signal: the signal that asks it to stop cleanly.
        group: True when the signal goes to its whole process group (it leads one).
    """

    kind: str
    pid: int
    description: str
    stop_signal: int = signal.SIGTERM
    group: bool = False


Finder = Callable[[Path], list[Leftover]]

FINDERS: dict[str, str | Finder] = {
    "uvicorn": "course_app.leftovers:uvicorn_servers",
    "postgres": "course_app.leftovers:postgres_servers",
    "service": "course_app.leftovers:lesson_services",
}
"""Each kind of server → its finder (a function, or "module:function" imported when needed)."""


def register_finder(kind: str, finder: str | Finder) -> None:
    """Add (or replace) the finder of `kind`: a function taking the run folder and returning a
    list of `Leftover`, or its "module:function" name."""
    FINDERS[kind] = finder


def _resolve(finder: str | Finder) -> Finder:
    if callable(finder):
        return finder
    module, _, name = finder.partition(":")
    return getattr(importlib.import_module(module), name)


def uvicorn_servers(run_folder: Path) -> list[Leftover]:
    """Child-process uvicorn servers (`Server("module:app")`) from the run folder's server
    history that still run: the process with that id started then, and runs
    `course_app.server_process`."""
    import json

    import psutil

    try:
        lines = (run_folder / "history.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    found = []
    for entry in (json.loads(line) for line in lines if line.strip()):
        if entry.get("mode") != "process":
            continue
        try:
            process = psutil.Process(entry["pid"])
            if (process.create_time() <= entry["started"] + 1
                    and "course_app.server_process" in " ".join(process.cmdline())):
                found.append(Leftover("uvicorn", entry["pid"],
                                      f"{entry['app']} on port {entry['port']}",
                                      signal.SIGTERM, group=hasattr(os, "killpg")))
        except psutil.Error:
            pass
    return found


def postgres_servers(run_folder: Path) -> list[Leftover]:
    """The course's PostgreSQL servers and their keepers with data under the run folder (found
    by `course_app.postgres.course_processes`)."""
    from course_app.postgres import course_processes

    found = []
    for line in course_processes(run_folder):
        match = re.match(r"pid (\d+): (.*)", line)
        if match is None:
            continue
        keeper = "course_app.postgres_keeper" in match.group(2)
        found.append(Leftover(
            "postgres keeper" if keeper else "postgres", int(match.group(1)),
            _short(match.group(2), run_folder),
            signal.SIGTERM if keeper or os.name == "nt" else signal.SIGINT))
    return found


def lesson_services(run_folder: Path) -> list[Leftover]:
    """The Valkey servers, Caddys and job workers of `course_app.services` (lesson 13) started
    with the run folder and still running."""
    from course_app.services import running_services

    return [Leftover(entry.get("mode", "service"), entry["pid"],
                     _short(entry.get("app", ""), run_folder))
            for entry in running_services(run_folder)]


def _short(command: str, run_folder: Path) -> str:
    """A command line, with the run folder written as `RUN` and cut to 120 characters."""
    text = command.replace(str(Path(run_folder).resolve()), "RUN")
    return text if len(text) <= 120 else text[:117] + "..."


def find_leftovers(run_folder: Path | None = None) -> list[Leftover]:
    """Every server process the course left running with `run_folder` (default: `run_dir()`),
    from every finder in `FINDERS`, without duplicates."""
    from course_app.paths import run_dir

    folder = Path(run_folder or run_dir())
    found: dict[int, Leftover] = {}
    for finder in FINDERS.values():
        for leftover in _resolve(finder)(folder):
            found.setdefault(leftover.pid, leftover)
    return list(found.values())


def _send(leftover: Leftover, sig: int) -> None:
    try:
        if leftover.group:
            os.killpg(leftover.pid, sig)
        else:
            os.kill(leftover.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _running(process) -> bool:
    """True while `process` runs: a zombie (exited, not yet reaped by its parent, such as a
    frozen kernel) has stopped."""
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _wait(processes: list, seconds: float) -> list:
    """Wait up to `seconds` for `processes` (psutil) to stop; returns those still running."""
    deadline = time.monotonic() + seconds
    while (alive := [process for process in processes if _running(process)]) \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def stop_leftovers(leftovers: list[Leftover], wait: float = STOP_SECONDS) -> list[str]:
    """Send each its stop signal, wait up to `wait` s for all to exit, then kill the rest
    (SIGKILL). Returns one line per process: how it ended ("stopped" or "killed")."""
    import psutil

    processes = {}
    for leftover in leftovers:
        try:
            processes[leftover.pid] = psutil.Process(leftover.pid)
        except psutil.Error:
            continue
        _send(leftover, leftover.stop_signal)
    killed = {process.pid for process in _wait(list(processes.values()), wait)}
    for leftover in leftovers:
        if leftover.pid in killed:
            _send(leftover, getattr(signal, "SIGKILL", signal.SIGTERM))
    _wait([processes[pid] for pid in killed], 5)
    return [f"{'killed' if leftover.pid in killed else 'stopped'}: {leftover.kind} "
            f"pid {leftover.pid}" for leftover in leftovers if leftover.pid in processes]


def stop_command(only_list: bool = False) -> int:
    """`python -m course_app stop [--list]`: print what is left, stop it (unless `only_list`),
    and remove the registrations of servers that no longer run. Returns the exit code (0)."""
    from course_app.paths import run_dir
    from course_app.server_registry import registered_servers

    folder = run_dir()
    started = time.perf_counter()
    found = find_leftovers(folder)
    if not found:
        print(f"No course server is running (run folder {folder}).")
    else:
        print(f"Course servers still running (run folder {folder}):")
        for leftover in found:
            print(f"  {leftover.kind:16} pid {leftover.pid}: {leftover.description}")
        if only_list:
            return 0
        for line in stop_leftovers(found):
            print(f"  {line}")
    if not only_list:
        _forget_stopped(folder)
        print(f"Done in {time.perf_counter() - started:.1f} s.")
    import psutil

    for entry in registered_servers():  # servers in a kernel's own threads: the kernel stops them
        if entry.get("mode") not in ("thread", "task") or not psutil.pid_exists(entry["pid"]):
            continue
        print(f"  still served from a running notebook kernel (pid {entry['pid']}): "
              f"{entry['app']} on port {entry['port']}; restart that kernel to stop it")
    return 0


def _forget_stopped(folder: Path) -> None:
    """Delete the registrations (`server-*.json`) of servers whose process no longer runs."""
    import json

    import psutil

    for path in sorted(folder.glob("server-*.json")):
        try:
            pid = json.loads(path.read_text(encoding="utf-8"))["pid"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        try:
            if _running(psutil.Process(pid)):
                continue
        except psutil.Error:
            pass
        path.unlink(missing_ok=True)
