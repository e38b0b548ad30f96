"""Reference solutions for lesson 04."""

import asyncio

from fastapi.concurrency import run_in_threadpool


def choices() -> dict[str, str]:
    """04.1: the decision table, applied to each job."""
    return {
        "call a weather API with httpx.AsyncClient": "async def",
        "query a database with a driver that has no async API": "def",
        "resize a large image in pure Python": "process pool",
    }


async def fetch_customers(ids, lookup):
    """04.2: each blocking call runs in a worker thread of FastAPI's threadpool, all started
    together; the event loop stays free and the five waits overlap. `gather` keeps the order of
    `ids`."""
    return await asyncio.gather(*(run_in_threadpool(lookup, customer_id) for customer_id in ids))
