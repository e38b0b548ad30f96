"""Lesson 13: jobs that outlive the request. The job queue's broker and jobs, and the API that
enqueues them (`jobs_api`).

A taskiq worker process imports the broker and jobs, and uvicorn serves `jobs_api` in a child
process, so both must be importable. They read the Valkey server's URL from
`$COURSE_VALKEY_URL`, which `course_app.valkey.start_valkey()` sets in the notebook's process and
children inherit. The apps that share state between processes are in `l13_shared_state`. The
lesson shows each part with `show_source` where it runs.
"""

from __future__ import annotations

import asyncio
import os
import time
from contextlib import asynccontextmanager

import redis.asyncio as redis
from fastapi import BackgroundTasks, FastAPI
from taskiq.middlewares.smart_retry_middleware import SmartRetryMiddleware
from taskiq_redis import RedisAsyncResultBackend, RedisStreamBroker

VALKEY_URL = os.environ.get("COURSE_VALKEY_URL", "redis://127.0.0.1:6379/0")
valkey = redis.Redis.from_url(VALKEY_URL, decode_responses=True)


class RetryWithBackoff(SmartRetryMiddleware):
    """taskiq's retry middleware; its delay needs a scheduler process, so wait here instead."""

    async def on_send(self, kicker, message, delay: float) -> None:
        await asyncio.sleep(delay)  # 0.2 s, 0.4 s, 0.6 s, ...: taskiq's delay × retry number
        await kicker.kiq(*message.args, **message.kwargs)


def make_broker(url: str) -> RedisStreamBroker:
    """The job queue: a Valkey stream; results kept in Valkey for 10 minutes."""
    return RedisStreamBroker(
        url, queue_name="l13:jobs",
        idle_timeout=1_000,  # ms unacknowledged before another worker may take the job over
        xread_block=100, unacknowledged_lock_timeout=1,
    ).with_result_backend(
        RedisAsyncResultBackend(url, result_ex_time=600),
    ).with_middlewares(
        RetryWithBackoff(default_retry_count=3, default_delay=0.2, use_delay_exponent=True),
    )


broker = make_broker(VALKEY_URL)


@broker.task
async def make_report(user: str, seconds: float = 0.3) -> dict:
    await asyncio.sleep(seconds)  # the slow part: a query, a PDF, an upstream call
    await valkey.rpush("l13:reports", f"report for {user}")
    return {"user": user, "worker_pid": os.getpid()}


@broker.task
async def send_welcome_email(user: str, seconds: float = 1.5) -> str:
    await valkey.rpush("l13:outbox", f"welcome, {user}")  # the email goes out ...
    await asyncio.sleep(seconds)  # ... then the rest of the job runs
    return "sent"


@broker.task(retry_on_error=True, max_retries=3)
async def sync_account(account: str, failures: int) -> str | None:
    attempt = await valkey.rpush(f"l13:attempts:{account}", time.time())
    if attempt <= failures:
        raise ConnectionError(f"upstream refused attempt {attempt}")
    return f"synced on attempt {attempt}"


# --- the API that enqueues (served by uvicorn in a child process) ---


@asynccontextmanager
async def broker_lifespan(app: FastAPI):
    await broker.startup()  # connects, and creates the stream's consumer group
    yield
    await broker.shutdown()


jobs_api = FastAPI(title="Reports", lifespan=broker_lifespan)


async def write_report(user: str, seconds: float) -> None:
    await asyncio.sleep(seconds)
    await valkey.rpush("l13:reports", f"report for {user}")


@jobs_api.post("/reports", status_code=202)
async def order_report(user: str, seconds: float = 0.3) -> dict:
    job = await make_report.kiq(user, seconds)  # into Valkey; a worker runs it
    return {"job_id": job.task_id}


@jobs_api.post("/reports-in-process", status_code=202)
async def order_report_in_process(user: str, bg: BackgroundTasks, seconds: float = 0.3) -> dict:
    bg.add_task(write_report, user, seconds)  # lesson 08: runs in this server process
    return {"job_id": None}


@jobs_api.get("/jobs/{job_id}")
async def job_status(job_id: str) -> dict:
    if not await broker.result_backend.is_result_ready(job_id):
        return {"status": "pending"}
    result = await broker.result_backend.get_result(job_id)
    if result.is_err:
        return {"status": "failed", "error": f"{type(result.error).__name__}: {result.error}"}
    return {"status": "done", "result": result.return_value}
