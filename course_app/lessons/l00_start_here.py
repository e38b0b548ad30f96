"""Lesson 00: the first app a learner drives from a notebook.

`hello_app` greets people by name, after a short pretend look-up (an awaited sleep standing in
for a database or another service).
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

LOOKUP_SECONDS = 0.05
"""How long the pretend look-up behind each greeting waits, in seconds."""

hello_app = FastAPI(title="Hello, async")


@hello_app.get("/hello")
async def hello() -> dict[str, str]:
    """Greet the world."""
    return {"message": "Hello, async world!"}


@hello_app.get("/hello/{name}")
async def hello_name(name: str) -> dict[str, str]:
    """Greet `name`, after a pretend look-up of `LOOKUP_SECONDS`."""
    await asyncio.sleep(LOOKUP_SECONDS)
    return {"message": f"Hello, {name}!"}
