"""Thread mode of `course_app.server.Server`: uvicorn with its own event loop in a thread of this
process, for an app object (one defined in a notebook, say). Its log records are captured from
the `uvicorn` loggers, formatted as uvicorn's console log, and never printed by themselves."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time

import uvicorn
from uvicorn.logging import AccessFormatter, DefaultFormatter

from course_app.ports import HOST, free_port


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


LOG_DISPATCHER = _LogDispatcher()
"""Where every `uvicorn` log record goes: the buffer of the server whose thread emitted it."""


def capture_uvicorn_logs() -> None:
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
    logger.handlers[:] = [LOG_DISPATCHER]
    logger.setLevel(logging.INFO)
    logger.propagate = False  # otherwise errors would print into whatever cell runs next


class InProcessRunner:
    """What thread mode and task mode share: uvicorn in this process, its log in memory."""

    def __init__(self, app, *, graceful_shutdown_timeout: float | None, startup_timeout: float,
                 access_log: bool) -> None:
        self.app = app
        self.graceful_shutdown_timeout = graceful_shutdown_timeout
        self.startup_timeout = startup_timeout
        self.access_log = access_log
        self.port: int | None = None
        self.pid: int | None = None
        self._lines: list[str] = []
        self._uvicorn: uvicorn.Server | None = None

    @property
    def log(self) -> str:
        return "\n".join(self._lines) + ("\n" if self._lines else "")

    @property
    def returncode(self) -> None:
        """Always None: there is no separate process."""
        return None

    def kill(self) -> None:
        raise RuntimeError("only a process-mode server ('module:app') can be killed")

    def stop_at_exit(self) -> None:
        """Nothing to do: the server ends with this process."""

    def keep_log(self) -> None:
        """Nothing to do: the log is in memory already."""


class ThreadRunner(InProcessRunner):
    """Runs one app object on uvicorn in a thread; `course_app.server.Server` drives it."""

    mode = "thread"

    def __init__(self, app, **options) -> None:
        super().__init__(app, **options)
        self._thread: threading.Thread | None = None

    async def start(self) -> bool:
        """Start and wait until it accepts connections; False when it did not (see `log`)."""
        capture_uvicorn_logs()
        self.pid = os.getpid()
        for attempt in range(3):  # a free port can be taken between choosing and binding it
            self.port = free_port()
            config = uvicorn.Config(
                self.app, host=HOST, port=self.port, log_config=None, loop="asyncio",
                access_log=self.access_log,
                timeout_graceful_shutdown=self.graceful_shutdown_timeout,
            )
            self._uvicorn = uvicorn.Server(config)
            name = f"course-server-{self.port}"
            LOG_DISPATCHER.buffers[name] = self._lines
            self._thread = threading.Thread(target=self._run, name=name, daemon=True)
            self._thread.start()
            deadline = time.monotonic() + self.startup_timeout
            while not self._uvicorn.started:
                if not self._thread.is_alive() or time.monotonic() > deadline:
                    await self.stop()
                    if attempt < 2 and "address already in use" in self.log.lower():
                        break
                    return False
                await asyncio.sleep(0.01)
            if self._uvicorn.started:
                return True
        return False

    def _run(self) -> None:
        try:
            self._uvicorn.run()
        except SystemExit:
            pass  # uvicorn exits this way when start-up fails; the log says why

    def abort_start(self) -> None:
        """Tell uvicorn to exit, without awaiting (the starting task may be cancelled)."""
        if self._thread is not None and self._thread.is_alive():
            self._uvicorn.should_exit = True
            self._thread.join(timeout=5)

    async def stop(self) -> None:
        """Graceful stop, then a forced one if it takes 5 s longer than the graceful limit."""
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        if self._thread is not None:
            limit = None if self.graceful_shutdown_timeout is None else (
                self.graceful_shutdown_timeout + 5)
            await asyncio.to_thread(self._thread.join, limit)
            if self._thread.is_alive() and self._uvicorn is not None:
                self._uvicorn.force_exit = True
                await asyncio.to_thread(self._thread.join, 5)
        LOG_DISPATCHER.buffers.pop(f"course-server-{self.port}", None)
