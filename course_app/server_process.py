"""The child process behind `Server("module:app")`: uvicorn, plus a watch on its parent.

    python -m course_app.server_process MODULE:APP --port PORT [--workers N]
        [--graceful-shutdown-timeout SECONDS|none] [--parent-pid PID] [--no-access-log]

Runs `uvicorn.run` on 127.0.0.1. With `--parent-pid`, a watcher thread checks once a second that
the parent is still alive; when it is gone (a kernel restarted or killed), the server shuts
itself down with SIGTERM, so no course server outlives the notebook that started it.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time

import uvicorn

HOST = "127.0.0.1"


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(1)
        if os.getppid() != parent_pid:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)
            os._exit(1)  # the graceful stop did not finish: leave anyway


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app", help="an importable app, as MODULE:ATTRIBUTE")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--graceful-shutdown-timeout", default="none",
                        help="seconds, or 'none' for no limit")
    parser.add_argument("--parent-pid", type=int)
    parser.add_argument("--no-access-log", action="store_true")
    args = parser.parse_args(argv)
    if args.parent_pid:
        threading.Thread(target=_watch_parent, args=(args.parent_pid,), daemon=True).start()
    timeout = args.graceful_shutdown_timeout
    uvicorn.run(
        args.app,
        host=HOST,
        port=args.port,
        workers=args.workers,
        timeout_graceful_shutdown=None if timeout == "none" else float(timeout),
        access_log=not args.no_access_log,
        loop="asyncio",
    )


if __name__ == "__main__":
    main()
