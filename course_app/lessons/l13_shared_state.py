"""Lesson 13's apps that share state between processes: notes kept in memory or in Valkey, a
rate limit counted in Valkey, and a backend for the load balancer, with a cache in front of a
slow upstream (single-flight in each process, or with a lock in Valkey).

uvicorn serves `notes_app` (with `--workers 2`) and `backend_app` (two single-worker processes
behind Caddy) in child processes, so they must be importable. They read the Valkey server's URL
from `$COURSE_VALKEY_URL`, which `course_app.valkey.start_valkey()` sets in the notebook's process
and children inherit. Kept apart from the job queue's module so that these processes start
without importing taskiq. The lesson shows each part with `show_source` where it runs.
"""

from __future__ import annotations

import asyncio
import os
import time

import redis.asyncio as redis
from fastapi import FastAPI, HTTPException

VALKEY_URL = os.environ.get("COURSE_VALKEY_URL", "redis://127.0.0.1:6379/0")
valkey = redis.Redis.from_url(VALKEY_URL, decode_responses=True)


# --- state: in one process's memory, or in Valkey ---

notes_app = FastAPI(title="Notes")
notes: list[str] = []  # each worker process has its own list


@notes_app.post("/memory/notes")
async def add_note_in_memory(text: str) -> dict:
    notes.append(text)
    return {"pid": os.getpid()}


@notes_app.get("/memory/notes")
async def list_notes_in_memory() -> dict:
    return {"notes": notes, "pid": os.getpid()}


@notes_app.post("/valkey/notes")
async def add_note_in_valkey(text: str) -> dict:
    await valkey.rpush("l13:notes", text)
    return {"pid": os.getpid()}


@notes_app.get("/valkey/notes")
async def list_notes_in_valkey() -> dict:
    return {"notes": await valkey.lrange("l13:notes", 0, -1), "pid": os.getpid()}


LIMIT, WINDOW_SECONDS = 5, 10


async def allow(client: str) -> bool:
    """At most LIMIT requests per client per window, counted in Valkey: one counter for
    every worker process. INCR is atomic; the first request of a window sets its expiry."""
    key = f"l13:rate:{client}"
    async with valkey.pipeline(transaction=True) as pipe:
        count, _ = await pipe.incr(key).expire(key, WINDOW_SECONDS, nx=True).execute()
    return count <= LIMIT


@notes_app.get("/limited")
async def limited(client: str) -> dict:
    if not await allow(client):
        raise HTTPException(429, "too many requests")
    return {"pid": os.getpid()}


# --- a backend for the load balancer ---

backend_app = FastAPI(title="Backend")


@backend_app.get("/io")
@backend_app.post("/io")
async def io_bound(seconds: float = 0.2) -> dict:
    await valkey.incr(f"l13:started:{os.getpid()}")  # for the lesson: who started what
    await asyncio.sleep(seconds)  # waiting on something else: the loop serves others
    return {"pid": os.getpid()}


@backend_app.get("/cpu")
async def cpu_bound(seconds: float = 0.1) -> dict:
    began, cpu_began = time.perf_counter(), time.process_time()
    while time.perf_counter() - began < seconds:  # CPU work: holds this process's loop
        pass
    share = (time.process_time() - cpu_began) / (time.perf_counter() - began)
    return {"pid": os.getpid(), "cpu_share": share}


# --- a cache in front of a slow upstream, in each process or in Valkey ---

cache: dict[str, str] = {}
in_flight: dict[str, asyncio.Task] = {}


async def slow_upstream(item: str) -> str:
    await valkey.incr("l13:upstream_calls")  # counted across every process
    await asyncio.sleep(0.3)
    return f"{item}: 4.20"


@backend_app.get("/price/{item}")
async def price(item: str) -> dict:
    if item not in cache:  # one fetch in flight per key, in this process
        if item not in in_flight:
            in_flight[item] = asyncio.create_task(slow_upstream(item))
        cache[item] = await in_flight[item]
        in_flight.pop(item, None)
    return {"price": cache[item], "pid": os.getpid()}


@backend_app.get("/shared-price/{item}")
async def shared_price(item: str) -> dict:
    key = f"l13:price:{item}"
    while (cached := await valkey.get(key)) is None:
        if await valkey.set(f"{key}:lock", os.getpid(), nx=True, px=2_000):  # one winner
            cached = await slow_upstream(item)
            await valkey.set(key, cached, ex=60)
            break
        await asyncio.sleep(0.05)  # another process is fetching it: wait for the cache
    return {"price": cached, "pid": os.getpid()}
