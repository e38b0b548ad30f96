"""Reference solutions for lesson 08."""

from fastapi.concurrency import run_in_threadpool

from course_app.lessons.l08_background_tasks import deliver, record_delivery


def waits() -> dict[str, float]:
    """08.1: what section 8.1 measures. A real client has its response at once (the task runs
    afterwards); the in-process client returns only after the 0.5 s task."""
    return {"real server": 0.0, "in-process": 0.5}


async def notify(email: str) -> None:
    """08.2: the task must stay `async def` to await `record_delivery`, so its blocking call
    goes to the threadpool; the event loop serves other requests meanwhile."""
    await run_in_threadpool(deliver, email)
    await record_delivery(email)
