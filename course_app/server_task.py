"""Task mode of `course_app.server.Server`: uvicorn as a task on the calling event loop, for an
app object whose code must run in this thread (`Server(app, same_loop=True)`).

Exercise checks use it: a notebook cell runs in the kernel's main thread, the only thread where
`course_app.blocking_guard` can interrupt blocking code. A learner's answer served from a thread
of its own could block that thread for as long as it liked, and keep spinning after the check.
The server and its clients then share one event loop, as an app and its tests do in-process:
whatever blocks the app blocks the clients too, which is what a check wants to see.

Its log is captured like thread mode's (`course_app.server_thread`), under this thread's name,
so only one task-mode server can run per thread at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading

import uvicorn

from course_app.ports import HOST
from course_app.server_thread import LOG_DISPATCHER, InProcessRunner, capture_uvicorn_logs


class _Uvicorn(uvicorn.Server):
    """uvicorn's server without its signal handlers: in a kernel's main thread they would take
    over the stop button (SIGINT) while the server runs."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


class TaskRunner(InProcessRunner):
    """Runs one app object on uvicorn as a task of the running loop; `Server` drives it."""

    mode = "task"

    def __init__(self, app, **options) -> None:
        super().__init__(app, **options)
        self._task: asyncio.Task | None = None
        self._buffer_name = threading.current_thread().name
        self._capturing = False  # whether this runner's buffer receives the thread's records

    async def start(self) -> bool:
        """Start and wait until it accepts connections; False when it did not (see `log`).

        Raises:
            RuntimeError: when another task-mode server already runs in this thread.
        """
        if self._buffer_name in LOG_DISPATCHER.buffers:
            raise RuntimeError("a same_loop server already runs in this thread: stop it first")
        capture_uvicorn_logs()
        LOG_DISPATCHER.buffers[self._buffer_name] = self._lines
        self._capturing = True
        self.pid = os.getpid()
        listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listening.bind((HOST, 0))  # bound here, so uvicorn never meets a taken port
        self.port = listening.getsockname()[1]
        config = uvicorn.Config(
            self.app, host=HOST, port=self.port, log_config=None, loop="asyncio",
            access_log=self.access_log, timeout_graceful_shutdown=self.graceful_shutdown_timeout,
        )
        self._uvicorn = _Uvicorn(config)
        self._task = asyncio.create_task(self._serve(listening), name=f"course-server-{self.port}")
        try:
            async with asyncio.timeout(self.startup_timeout):
                while not self._uvicorn.started and not self._task.done():
                    await asyncio.sleep(0.01)
        except TimeoutError:
            pass
        if self._uvicorn.started:
            return True
        await self.stop()
        return False

    async def _serve(self, listening: socket.socket) -> None:
        try:
            await self._uvicorn.serve(sockets=[listening])
        except SystemExit:
            pass  # uvicorn exits this way when start-up fails; the log says why
        finally:
            listening.close()

    def abort_start(self) -> None:
        """Tell uvicorn to exit and cancel its task (the starting task may be cancelled)."""
        if self._uvicorn is not None:
            self._uvicorn.should_exit = self._uvicorn.force_exit = True
        if self._task is not None:
            self._task.cancel()
        self._release_log()

    async def stop(self) -> None:
        """Graceful stop, then a forced one if it takes 5 s longer than the graceful limit,
        then a cancellation."""
        if self._task is not None:
            self._uvicorn.should_exit = True
            limit = None if self.graceful_shutdown_timeout is None else (
                self.graceful_shutdown_timeout + 5)
            done, _ = await asyncio.wait([self._task], timeout=limit)
            if not done:
                self._uvicorn.force_exit = True
                done, _ = await asyncio.wait([self._task], timeout=5)
            if not done:
                self._task.cancel()
                await asyncio.wait([self._task])
        self._release_log()

    def _release_log(self) -> None:
        if self._capturing:
            LOG_DISPATCHER.buffers.pop(self._buffer_name, None)
            self._capturing = False
