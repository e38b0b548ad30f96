"""Run an app on a real uvicorn server on 127.0.0.1, for the lessons that need real sockets.

The in-process client (`course_app.client`) hides a few truths: it has no sockets (so no
connection reuse and no timeouts) and it returns only after background tasks finish. Where a
lesson needs the real thing, it starts a server:

    server = Server(app)                      # an app object: uvicorn in a thread of this process
    async with server as base_url:            # "http://127.0.0.1:PORT", a free port
        async with httpx.AsyncClient(base_url=base_url) as client:
            response = await client.get("/menu")
    print(server.log)                         # uvicorn's log, captured, never printed by itself

    Server("course_app.lessons.l02_async_routes:menu_app")   # a "module:app" string:
                                              # uvicorn in a child process (kill, workers, GIL)

Two modes, chosen by what you pass:

- **thread**: an app object (for example one defined in the notebook). uvicorn runs with its
  own event loop in a thread of the current process; its log records are captured from the
  `uvicorn` loggers.
- **process**: an importable `"module:app"` string. uvicorn runs in a child Python process
  (`course_app.server_process`), needed when the server must hold the GIL, be killed, or run
  several workers. Its output goes to a log file; the child stops by itself if this process dies.
  The child imports the app afresh: it does **not** see what the notebook changed in this
  process (a patched function, `app.dependency_overrides`, a module variable set in a cell).
  Pass settings through `env` instead.

Every server stops when the `async with` block ends, also when the body raises. The stop is
graceful: uvicorn stops accepting connections and waits for running requests and background
tasks, for at most `graceful_shutdown_timeout` seconds (uvicorn's `timeout_graceful_shutdown`;
`None` is uvicorn's own default, no limit).

Every server is registered while it runs, as a small JSON file in the run folder
(`.course/run`, or `$COURSE_RUN_DIR`), so a check can tell the course's servers from anything
else; a line is also appended to `history.jsonl` there.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import uvicorn
from uvicorn.logging import AccessFormatter, DefaultFormatter

HOST = "127.0.0.1"
GRACEFUL_SHUTDOWN_SECONDS = 3.0
"""The course's default limit on a graceful stop, in seconds."""
STARTUP_SECONDS = 20.0
"""How long a server may take to accept connections before start-up counts as failed."""
RUN_DIR_ENV = "COURSE_RUN_DIR"
LOG_PREFIX = "log | "
"""Marks a server log line printed in a notebook (`Server.show_log`), so it reads as the server's
own words, errors included."""
_DEFAULT_RUN_DIR = Path(__file__).resolve().parent.parent / ".course" / "run"


def run_dir() -> Path:
    """The folder where running servers are registered: `$COURSE_RUN_DIR` or `.course/run`."""
    return Path(os.environ.get(RUN_DIR_ENV) or _DEFAULT_RUN_DIR)


def registered_servers() -> list[dict]:
    """The course servers registered as running: dicts with pid, port, mode, app, started."""
    entries = []
    for path in sorted(run_dir().glob("server-*.json")):
        try:
            entries.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue  # a file being written or removed right now
    return entries


def server_history() -> list[dict]:
    """Every course server started with this run folder, oldest first (from `history.jsonl`)."""
    try:
        lines = (run_dir() / "history.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


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


# --- the log of thread-mode servers ------------------------------------------------------------


class _LogDispatcher(logging.Handler):
    """Sends each `uvicorn` log record to the server whose thread emitted it, formatted as
    uvicorn formats its own console log (without colours), so both modes read alike."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.buffers: dict[str, list[str]] = {}
        self._default = DefaultFormatter("%(levelprefix)s %(message)s", use_colors=False)
        self._access = AccessFormatter(
            '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
            use_colors=False,
        )

    def emit(self, record: logging.LogRecord) -> None:
        buffer = self.buffers.get(record.threadName)
        if buffer is not None:
            formatter = self._access if record.name == "uvicorn.access" else self._default
            buffer.append(formatter.format(record))


_dispatcher = _LogDispatcher()


def _capture_uvicorn_logs() -> None:
    """Route the `uvicorn` loggers to the course's buffers only, never to the notebook.

    Done at every start, because any `uvicorn.Config(...)` made with uvicorn's default
    `log_config` (a `uvicorn.run` call, say) attaches console handlers to these loggers again.
    """
    for name in ("uvicorn.error", "uvicorn.access", "uvicorn.asgi"):
        child = logging.getLogger(name)
        child.handlers.clear()
        child.setLevel(logging.NOTSET)
        child.propagate = True  # up to "uvicorn", whose only handler is the dispatcher
    logger = logging.getLogger("uvicorn")
    logger.handlers[:] = [_dispatcher]
    logger.setLevel(logging.INFO)
    logger.propagate = False  # otherwise errors would print into whatever cell runs next


# --- the server --------------------------------------------------------------------------------

_running: set[Server] = set()


class Server:
    """Async context manager: run `app` on uvicorn on 127.0.0.1 and yield its base URL.

    Args:
        app: an ASGI app object (thread mode) or an importable `"module:attribute"` string
            (process mode).
        workers: uvicorn worker processes; more than 1 only in process mode.
        graceful_shutdown_timeout: seconds a graceful stop may wait for running requests and
            background tasks before it cancels them (default `GRACEFUL_SHUTDOWN_SECONDS`);
            `None` waits without limit, as uvicorn does by default.
        startup_timeout: seconds to wait for the server to accept connections.
        access_log: whether uvicorn logs one line per request.
        env: extra environment variables for the server process (process mode only), for
            example the settings an importable app reads at start-up.

    Attributes:
        url: `"http://127.0.0.1:PORT"` while running.
        port: the port, chosen free at start.
        pid: the server's process id (this process in thread mode).
        mode: "thread" or "process".

    Raises:
        ValueError: `workers > 1` or `env` with an app object (both need a separate process,
            and so an importable app).
        RuntimeError: on entering, when the server exits or does not accept connections within
            `startup_timeout` (the message ends with the last lines of its log).
    """

    def __init__(
        self,
        app,
        *,
        workers: int = 1,
        graceful_shutdown_timeout: float | None = GRACEFUL_SHUTDOWN_SECONDS,
        startup_timeout: float = STARTUP_SECONDS,
        access_log: bool = True,
        env: dict[str, str] | None = None,
    ) -> None:
        self.mode = "process" if isinstance(app, str) else "thread"
        if workers != 1 and self.mode == "thread":
            raise ValueError("several workers need an importable app: pass 'module:app'")
        if env and self.mode == "thread":
            raise ValueError("env needs a server process, so an importable app: pass 'module:app'")
        self.env = dict(env or {})
        self.app = app
        self.workers = workers
        self.graceful_shutdown_timeout = graceful_shutdown_timeout
        self.startup_timeout = startup_timeout
        self.access_log = access_log
        self.port: int | None = None
        self.pid: int | None = None
        self.url: str | None = None
        self._thread: threading.Thread | None = None
        self._uvicorn: uvicorn.Server | None = None
        self._process: subprocess.Popen | None = None
        self._log_lines: list[str] = []
        self._log_path: Path | None = None

    # --- the log ---

    @property
    def log(self) -> str:
        """Everything the server has logged so far, one record per line; kept after it stops."""
        if self._log_path is not None:
            try:
                return self._log_path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                return ""
        return "\n".join(self._log_lines) + ("\n" if self._log_lines else "")

    def _keep_log(self) -> None:
        """Move a child process's log from its file into memory and delete the file."""
        if self._log_path is not None:
            text = self.log
            self._log_path.unlink(missing_ok=True)
            self._log_path = None
            self._log_lines[:] = text.splitlines()

    def show_log(self, *containing: str) -> None:
        """Print `log_lines(*containing)`, each line marked with `LOG_PREFIX`."""
        for line in self.log_lines(*containing):
            print(LOG_PREFIX + line)

    def exception_lines(self) -> list[str]:
        """The last line of each traceback in the log, such as `ValueError: boom`: what each
        unhandled exception in the app was, without the frames."""
        found, in_traceback = [], False
        for line in self.log.splitlines():
            if line.startswith("Traceback (most recent call last)"):
                in_traceback = True
            elif in_traceback and line and not line.startswith(" "):
                found.append(line)
                in_traceback = False
        return found

    def log_lines(self, *containing: str) -> list[str]:
        """The log's lines, in order, that contain any of the `containing` texts (all lines
        when none is given)."""
        return [line for line in self.log.splitlines()
                if not containing or any(text in line for text in containing)]

    # --- starting ---

    async def __aenter__(self) -> str:
        if self.url is not None:
            raise RuntimeError("this Server is already running; create a new one")
        try:
            if self.mode == "thread":
                await self._start_thread()
            else:
                await self._start_process()
        except BaseException:  # an interrupt (CancelledError) while starting must not leak it
            self._abort_start()
            raise
        self.url = f"http://{HOST}:{self.port}"
        self._register()
        _running.add(self)
        return self.url

    def _abort_start(self) -> None:
        """Stop a server whose start was interrupted, without awaiting (the task may be
        cancelled): kill a child process group, or tell a thread's uvicorn to exit."""
        if self._process is not None and self._process.poll() is None:
            self._signal_group(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not refused
                pass
            self._keep_log()
        elif self._thread is not None and self._thread.is_alive():
            self._uvicorn.should_exit = True
            self._thread.join(timeout=5)

    async def _start_thread(self) -> None:
        _capture_uvicorn_logs()
        self.pid = os.getpid()
        for attempt in range(3):  # a free port can be taken between choosing and binding it
            self.port = free_port()
            config = uvicorn.Config(
                self.app,
                host=HOST,
                port=self.port,
                log_config=None,
                loop="asyncio",
                access_log=self.access_log,
                timeout_graceful_shutdown=self.graceful_shutdown_timeout,
            )
            self._uvicorn = uvicorn.Server(config)
            name = f"course-server-{self.port}"
            _dispatcher.buffers[name] = self._log_lines
            self._thread = threading.Thread(target=self._run_in_thread, name=name, daemon=True)
            self._thread.start()
            deadline = time.monotonic() + self.startup_timeout
            while not self._uvicorn.started:
                if not self._thread.is_alive() or time.monotonic() > deadline:
                    await self._stop_thread()
                    if attempt < 2 and "address already in use" in self.log.lower():
                        break
                    raise RuntimeError(self._failure("did not start"))
                await asyncio.sleep(0.01)
            if self._uvicorn.started:
                return

    def _run_in_thread(self) -> None:
        try:
            self._uvicorn.run()
        except SystemExit:
            pass  # uvicorn exits this way when start-up fails; the log says why

    async def _start_process(self) -> None:
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
        while not port_is_listening(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                await self._stop_process(graceful=False)
                self._keep_log()
                raise RuntimeError(self._failure("did not start"))
            await asyncio.sleep(0.05)

    def _failure(self, what: str) -> str:
        tail = "\n".join(self.log.splitlines()[-8:])
        return f"the server for {self._describe_app()} {what}. Its log ends with:\n{tail}"

    def _describe_app(self) -> str:
        return self.app if isinstance(self.app, str) else type(self.app).__name__ + " app"

    def _register(self) -> None:
        entry = {"pid": self.pid, "port": self.port, "mode": self.mode,
                 "app": self._describe_app(), "started": time.time()}
        folder = run_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"server-{self.port}.json").write_text(json.dumps(entry), encoding="utf-8")
        with open(folder / "history.jsonl", "a", encoding="utf-8") as history:
            history.write(json.dumps(entry) + "\n")

    # --- stopping ---

    async def __aexit__(self, *exc_info) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Stop gracefully (see the class docstring); does nothing if not running."""
        if self.url is None:
            return
        try:
            if self.mode == "thread":
                await self._stop_thread()
            else:
                await self._stop_process(graceful=True)
        finally:
            self._unregister()

    def kill(self) -> None:
        """Kill a process-mode server at once (SIGKILL to its process group): nothing is
        finished, nothing shuts down. Shows what a crash loses.

        Raises:
            RuntimeError: in thread mode, where there is no separate process to kill.
        """
        if self.mode != "process":
            raise RuntimeError("only a process-mode server ('module:app') can be killed")
        if self.url is None:
            return
        self._signal_group(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
        self._process.wait()
        self._unregister()

    async def _stop_thread(self) -> None:
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        if self._thread is not None:
            limit = None if self.graceful_shutdown_timeout is None else (
                self.graceful_shutdown_timeout + 5)
            await asyncio.to_thread(self._thread.join, limit)
            if self._thread.is_alive() and self._uvicorn is not None:
                self._uvicorn.force_exit = True
                await asyncio.to_thread(self._thread.join, 5)
        _dispatcher.buffers.pop(f"course-server-{self.port}", None)

    async def _stop_process(self, graceful: bool) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            self._signal_group(signal.SIGTERM)  # any worker left behind
            return
        if graceful:
            process.terminate()  # SIGTERM: uvicorn's graceful shutdown
            limit = None if self.graceful_shutdown_timeout is None else (
                self.graceful_shutdown_timeout + 5)
            try:
                await asyncio.to_thread(process.wait, limit)
            except subprocess.TimeoutExpired:
                pass
        if process.poll() is None:
            self._signal_group(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
            await asyncio.to_thread(process.wait)

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

    def _unregister(self) -> None:
        (run_dir() / f"server-{self.port}.json").unlink(missing_ok=True)
        self._keep_log()
        self.url = None
        _running.discard(self)


_open: dict[str, Server] = {}


async def open_server(app, name: str = "server", **options) -> Server:
    """Start a `Server` that stays up across notebook cells, and return it (its `url` is set).

    Starting another one with the same `name` first stops the previous one, so a set-up cell
    that calls this can be run again without leaving a server behind. `options` are `Server`'s
    keyword arguments. Stop it with `await close_server(name)` or `await server.stop()`.

    Raises:
        RuntimeError: when the server does not start (see `Server`).
    """
    await close_server(name)
    server = Server(app, **options)
    await server.__aenter__()
    _open[name] = server
    return server


async def close_server(name: str = "server") -> None:
    """Stop the server `open_server` started under `name`, if it is still running."""
    server = _open.pop(name, None)
    if server is not None:
        await server.stop()


@atexit.register
def _stop_leftovers() -> None:
    """At interpreter exit (a kernel restart, say), kill child servers still running."""
    for server in list(_running):
        if server.mode == "process":
            server._signal_group(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
        server._unregister()
