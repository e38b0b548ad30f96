"""Lesson 10's app for several worker processes, importable so that uvicorn can start it.

`uvicorn --workers N` (the course's `Server(WORKERS_APP, workers=N)`) starts N processes that
import the app by name, so an app served that way cannot be one defined in a notebook cell. Every
other app of lesson 10 is written in the notebook itself.
"""

from __future__ import annotations

import os
import time

from fastapi import FastAPI

WAIT_SECONDS = 0.2
"""How long `/async-blocking` blocks its worker's event loop, in seconds."""

WORKERS_APP = "course_app.lessons.l10_performance_and_scalability:workers_app"
"""The app below, as uvicorn imports it in each worker process."""

workers_app = FastAPI(title="One blocked event loop per worker")


@workers_app.get("/async-blocking")
async def async_blocking() -> dict[str, float]:
    """The mistake: a blocking wait in `async def` holds this worker's event loop."""
    time.sleep(WAIT_SECONDS)
    return {"waited": WAIT_SECONDS}


@workers_app.get("/worker")
async def worker() -> dict[str, int]:
    """Which worker process answered: its process id."""
    return {"pid": os.getpid()}
