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

Three modes, chosen by what you pass:

- **thread**: an app object (for example one defined in the notebook). uvicorn runs with its
  own event loop in a thread of the current process; its log records are captured from the
  `uvicorn` loggers.
- **process**: an importable `"module:app"` string. uvicorn runs in a child Python process
  (`course_app.server_process`), needed when the server must hold the GIL, be killed, or run
  several workers. Its output goes to a log file; the child stops by itself if this process dies.
  The child imports the app afresh: it does **not** see what the notebook changed in this
  process (a patched function, `app.dependency_overrides`, a module variable set in a cell).
  Pass settings through `env` instead.
- **task**: an app object with `same_loop=True`. uvicorn runs as a task on the calling event loop
  (`course_app.server_task`), so the app's code runs in the kernel's main thread, where the
  exercise checks' blocking guard can interrupt it; server and clients then share one loop.

Every server stops when the `async with` block ends, also when the body raises. The stop is
graceful: uvicorn stops accepting connections and waits for running requests and background
tasks, for at most `graceful_shutdown_timeout` seconds (uvicorn's `timeout_graceful_shutdown`;
`None` is uvicorn's own default, no limit).

Every server is registered while it runs (`course_app.server_registry`), so the test session
can tell the course's servers from anything else and find any left running.

The jobs are split: `course_app.ports` (free ports, listening ports), `course_app.server_thread`
(thread mode), `course_app.server_task` (task mode), `course_app.server_child` (process mode;
`course_app.server_process` is the child), `course_app.server_registry` (the record of running
servers). This module chooses the mode and keeps what all share: the log, the start and stop,
`open_server` across cells.
"""

from __future__ import annotations

import atexit
import sys
import time

from course_app.paths import RUN_DIR_VARIABLE, run_dir
from course_app.ports import HOST, free_port, port_is_listening
from course_app.server_child import ChildRunner
from course_app.server_registry import record_start, record_stop
from course_app.server_task import TaskRunner
from course_app.server_thread import ThreadRunner

__all__ = ["GRACEFUL_SHUTDOWN_SECONDS", "HOST", "LOG_PREFIX", "STARTUP_SECONDS", "Server",
           "close_server", "free_port", "importable", "open_server", "port_is_listening",
           "run_dir"]

GRACEFUL_SHUTDOWN_SECONDS = 3.0
"""The course's default limit on a graceful stop, in seconds."""
STARTUP_SECONDS = 20.0
"""How long a server may take to accept connections before start-up counts as failed."""
RUN_DIR_ENV = RUN_DIR_VARIABLE
LOG_PREFIX = "log | "
"""Marks a server log line printed in a notebook (`Server.show_log`), so it reads as the server's
own words, errors included."""


def importable(app) -> str:
    """The `"module:name"` under which `app` can be imported, for process mode: found among the
    globals of the course's modules imported so far, so a name is never typed twice.

    Raises:
        ValueError: when no imported `course_app` module holds `app` as a global.
    """
    for module_name, module in list(sys.modules.items()):
        if module_name.split(".")[0] != "course_app" or module is None:
            continue
        for name, value in list(vars(module).items()):
            if value is app and not name.startswith("_"):
                return f"{module_name}:{name}"
    raise ValueError(f"{app!r} is not a global of an imported course_app module, so a server "
                     "process cannot import it")


_running: set[Server] = set()


class Server:
    """Async context manager: run `app` on uvicorn on 127.0.0.1 and yield its base URL.

    Args:
        app: an ASGI app object (thread or task mode) or an importable `"module:attribute"` string
            (process mode; `importable(app)` gives it for an app a course module holds).
        workers: uvicorn worker processes; more than 1 only in process mode.
        graceful_shutdown_timeout: seconds a graceful stop may wait for running requests and
            background tasks before it cancels them (default `GRACEFUL_SHUTDOWN_SECONDS`);
            `None` waits without limit, as uvicorn does by default.
        startup_timeout: seconds to wait for the server to accept connections.
        access_log: whether uvicorn logs one line per request.
        env: extra environment variables for the server process (process mode only), for
            example the settings an importable app reads at start-up.
        same_loop: run uvicorn as a task on the calling event loop instead of in a thread
            (task mode; an app object only), so the app's blocking code runs in this thread.

    Attributes:
        url: `"http://127.0.0.1:PORT"` while running.
        port: the port, chosen free at start.
        pid: the server's process id (this process in thread and task mode).
        mode: "thread", "task" or "process".

    Raises:
        ValueError: `workers > 1` or `env` with an app object (both need a separate process,
            and so an importable app), or `same_loop` with a `"module:app"` string.
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
        same_loop: bool = False,
    ) -> None:
        if isinstance(app, str) and same_loop:
            raise ValueError("same_loop runs an app object in this process: pass the app")
        if isinstance(app, str):
            self._runner = ChildRunner(
                app, workers=workers, graceful_shutdown_timeout=graceful_shutdown_timeout,
                startup_timeout=startup_timeout, access_log=access_log, env=dict(env or {}))
        elif workers != 1:
            raise ValueError("several workers need an importable app: pass 'module:app'")
        elif env:
            raise ValueError("env needs a server process, so an importable app: pass 'module:app'")
        else:
            runner = TaskRunner if same_loop else ThreadRunner
            self._runner = runner(
                app, graceful_shutdown_timeout=graceful_shutdown_timeout,
                startup_timeout=startup_timeout, access_log=access_log)
        self.app = app
        self.mode = self._runner.mode
        self.workers = workers
        self.url: str | None = None

    @property
    def port(self) -> int | None:
        return self._runner.port

    @property
    def pid(self) -> int | None:
        return self._runner.pid

    @property
    def returncode(self) -> int | None:
        """Process mode: the server process's exit status once it has exited, else None (and
        always None in thread mode)."""
        return self._runner.returncode

    # --- the log ---

    @property
    def log(self) -> str:
        """Everything the server has logged so far, one record per line; kept after it stops."""
        return self._runner.log

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

    # --- starting and stopping ---

    async def __aenter__(self) -> str:
        if self.url is not None:
            raise RuntimeError("this Server is already running; create a new one")
        try:
            started = await self._runner.start()
        except BaseException:  # an interrupt (CancelledError) while starting must not leak it
            self._runner.abort_start()
            raise
        if not started:
            raise RuntimeError(self._failure("did not start"))
        self.url = f"http://{HOST}:{self.port}"
        record_start({"pid": self.pid, "port": self.port, "mode": self.mode,
                      "app": self._describe_app(), "started": time.time()})
        _running.add(self)
        return self.url

    def _failure(self, what: str) -> str:
        tail = "\n".join(self.log.splitlines()[-8:])
        return f"the server for {self._describe_app()} {what}. Its log ends with:\n{tail}"

    def _describe_app(self) -> str:
        return self.app if isinstance(self.app, str) else type(self.app).__name__ + " app"

    async def __aexit__(self, *exc_info) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Stop gracefully (see the module docstring); does nothing if not running."""
        if self.url is None:
            return
        try:
            await self._runner.stop()
        finally:
            self._forget()

    def kill(self) -> None:
        """Kill a process-mode server at once (SIGKILL to its process group): nothing is
        finished, nothing shuts down. Shows what a crash loses.

        Raises:
            RuntimeError: in thread or task mode, where there is no separate process to kill.
        """
        if self.mode != "process":
            raise RuntimeError("only a process-mode server ('module:app') can be killed")
        if self.url is None:
            return
        self._runner.kill()
        self._forget()

    def _forget(self) -> None:
        record_stop(self.port)
        self._runner.keep_log()
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
        server._runner.stop_at_exit()
        server._forget()
