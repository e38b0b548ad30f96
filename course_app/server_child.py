"""Process mode of `course_app.server.Server`: uvicorn in a child Python process
(`python -m course_app.server_process`), for an importable `"module:app"` string.

Needed when the server must hold the GIL, be killed, or run several workers. The child's output
goes to a log file in the run folder (read back into memory when it stops); it runs in its own
process group, so a kill reaches every worker, and it stops by itself if this process dies.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from course_app.paths import run_dir
from course_app.ports import free_port, port_is_listening

KILL = signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM
STARTED = "Application startup complete."
"""What uvicorn logs in each worker once its app has started (also without a lifespan)."""


class ChildRunner:
    """Runs one importable app on uvicorn in a child process; `Server` drives it."""

    mode = "process"

    def __init__(self, app: str, *, workers: int, graceful_shutdown_timeout: float | None,
                 startup_timeout: float, access_log: bool, env: dict[str, str]) -> None:
        self.app = app
        self.workers = workers
        self.graceful_shutdown_timeout = graceful_shutdown_timeout
        self.startup_timeout = startup_timeout
        self.access_log = access_log
        self.env = env
        self.port: int | None = None
        self.pid: int | None = None
        self._process: subprocess.Popen | None = None
        self._log_path: Path | None = None
        self._lines: list[str] = []

    @property
    def log(self) -> str:
        if self._log_path is not None:
            try:
                return self._log_path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                return ""
        return "\n".join(self._lines) + ("\n" if self._lines else "")

    @property
    def returncode(self) -> int | None:
        """The child's exit status once it has exited, else None."""
        return None if self._process is None else self._process.poll()

    def keep_log(self) -> None:
        """Move the child's log from its file into memory and delete the file."""
        if self._log_path is not None:
            text = self.log
            self._log_path.unlink(missing_ok=True)
            self._log_path = None
            self._lines[:] = text.splitlines()

    async def start(self) -> bool:
        """Start and wait until it accepts connections, with every worker ready (each has
        logged uvicorn's "Application startup complete."); False when it did not (see `log`).

        With several workers, the port accepts connections as soon as the first worker is up,
        and that worker would take every one of them until the others are ready (on a busy
        machine, seconds later)."""
        run_dir().mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self._log_path = run_dir() / f"server-{self.port}.log"
        timeout = "none" if self.graceful_shutdown_timeout is None else str(
            self.graceful_shutdown_timeout)
        command = [
            sys.executable, "-m", "course_app.server_process", self.app,
            "--port", str(self.port), "--workers", str(self.workers),
            "--graceful-shutdown-timeout", timeout, "--parent-pid", str(os.getpid()),
        ]
        if not self.access_log:
            command.append("--no-access-log")
        with open(self._log_path, "wb") as log_file:
            self._process = subprocess.Popen(
                command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, **self.env, "PYTHONUNBUFFERED": "1"},
                start_new_session=True,  # its own process group: a kill reaches every worker
            )
        self.pid = self._process.pid
        deadline = time.monotonic() + self.startup_timeout
        while not port_is_listening(self.port) or self.log.count(STARTED) < self.workers:
            if self._process.poll() is not None or time.monotonic() > deadline:
                await self._stop(graceful=False)
                self.keep_log()
                return False
            await asyncio.sleep(0.05)
        return True

    def abort_start(self) -> None:
        """Kill the child's process group, without awaiting (the task may be cancelled)."""
        if self._process is not None and self._process.poll() is None:
            self._signal_group(KILL)
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not refused
                pass
            self.keep_log()

    async def stop(self) -> None:
        """SIGTERM (uvicorn's graceful shutdown), then SIGKILL 5 s after the graceful limit."""
        await self._stop(graceful=True)

    async def _stop(self, graceful: bool) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            self._signal_group(signal.SIGTERM)  # any worker left behind
            return
        if graceful:
            process.terminate()
            limit = None if self.graceful_shutdown_timeout is None else (
                self.graceful_shutdown_timeout + 5)
            try:
                await asyncio.to_thread(process.wait, limit)
            except subprocess.TimeoutExpired:
                pass
        if process.poll() is None:
            self._signal_group(KILL)
            await asyncio.to_thread(process.wait)

    def kill(self) -> None:
        """SIGKILL to the child's process group, and wait for the child to be gone."""
        self._signal_group(KILL)
        if self._process is not None:
            self._process.wait()

    def stop_at_exit(self) -> None:
        """At interpreter exit: kill the child's process group, without waiting."""
        self._signal_group(KILL)

    def _signal_group(self, sig: int) -> None:
        if self._process is None:
            return
        try:
            if hasattr(os, "killpg"):
                os.killpg(self._process.pid, sig)
            else:  # pragma: no cover - Windows
                self._process.send_signal(sig)
        except (ProcessLookupError, PermissionError):
            pass
