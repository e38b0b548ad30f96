"""Reference solutions for lesson 04."""

from fastapi.concurrency import run_in_threadpool

from course_app.lessons.l04_when_to_use_async import legacy_lookup


def choices() -> dict[str, str]:
    """04.1: the decision table, applied to each job."""
    return {
        "call a weather API with httpx.AsyncClient": "async def",
        "query a database with a driver that has no async API": "def",
        "resize a large image in pure Python": "process pool",
    }


async def fetch_customer(customer_id: int) -> dict:
    """04.2: the blocking call runs on FastAPI's threadpool; the event loop stays free."""
    return await run_in_threadpool(legacy_lookup, customer_id)
