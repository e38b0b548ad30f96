"""A taskiq worker process: it takes jobs from a broker and runs them.

    from course_app.job_worker import start_worker
    worker = start_worker("course_app.lessons.l13_jobs_and_shared_state:broker")
    worker.kill()        # a crash in the middle of a job
    worker.stop()        # a graceful stop
    print(worker.log)    # what it logged

    python -m course_app.job_worker MODULE:BROKER    (what start_worker runs)

The process does what `taskiq worker MODULE:BROKER --workers 1` does, without taskiq's
supervisor process (which restarts a dead worker: the lesson wants to see the crash): it
imports the broker, runs its start-up, prints `READY` and runs taskiq's receiver
(`taskiq.api.run_receiver_task`) until it is stopped. It runs under the course's keeper
(`course_app.services`), so it stops with the process that started it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys

from course_app.services import Service

READY = "READY"
"""The line a worker prints once it listens for jobs."""


def start_worker(broker: str, env: dict[str, str] | None = None) -> Service:
    """Start a worker process for the broker at `broker` ("module:attribute"), and wait until
    it listens (about 1 s: a fresh Python imports taskiq and the module; at most
    `course_app.services.STARTUP_SECONDS`).

    Raises:
        course_app.services.ServiceFailed: when it exits or is not ready in time.
    """
    return Service("worker", [sys.executable, "-m", "course_app.job_worker", broker], env=env,
                   ready=lambda log: READY in log).start()


async def _run(target: str) -> None:
    from taskiq.api import run_receiver_task

    module, _, attribute = target.partition(":")
    broker = getattr(importlib.import_module(module), attribute)
    broker.is_worker_process = True
    await broker.startup()
    print(READY, flush=True)
    try:
        await run_receiver_task(broker, max_async_tasks=10)
    finally:
        await broker.shutdown()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("broker", help="the broker, as MODULE:ATTRIBUTE")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stdout)
    try:
        asyncio.run(_run(args.broker))
    except KeyboardInterrupt:  # SIGINT from the keeper: a graceful stop
        pass


if __name__ == "__main__":
    main()
