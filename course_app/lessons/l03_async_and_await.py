"""Lesson 03: the waits its cells and exercises await.

`fetch_data` is the source text's example (its 2 s wait shortened to 0.2 s). `make_coffee`,
`make_toast` and `butter` are independent (and one dependent) waits for the tasks sections and
exercise 03.2. They live here, not in the notebook, because the exercise checks must see them run:
each counts its finished runs in `finished`, and the kitchen's three record their spans on the
`kitchen` timeline.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from course_app.timeline import Timeline

FETCH_SECONDS = 0.2
finished: Counter[str] = Counter()
"""How many times each function here ran to its end; the exercise checks read it to see that an
answer really awaited them."""
kitchen = Timeline("kitchen")
"""The spans of `make_coffee`, `make_toast` and `butter`, for exercise 03.2's check."""


async def fetch_data() -> dict[str, str]:
    """Wait `FETCH_SECONDS` (standing in for a network call), then return sample data."""
    await asyncio.sleep(FETCH_SECONDS)
    finished["fetch_data"] += 1
    return {"data": "Sample data"}


COFFEE_SECONDS, TOAST_SECONDS, BUTTER_SECONDS = 0.3, 0.2, 0.2


async def make_coffee() -> str:
    """Wait `COFFEE_SECONDS` for the machine; return "coffee ready"."""
    async with kitchen.span("make_coffee"):
        await asyncio.sleep(COFFEE_SECONDS)
    finished["make_coffee"] += 1
    return "coffee ready"


async def make_toast() -> str:
    """Wait `TOAST_SECONDS` for the toaster; return "toast ready"."""
    async with kitchen.span("make_toast"):
        await asyncio.sleep(TOAST_SECONDS)
    finished["make_toast"] += 1
    return "toast ready"


async def butter(toast: str) -> str:
    """Butter the toast `make_toast()` returned, in `BUTTER_SECONDS`; return "buttered toast".

    Raises:
        ValueError: for anything but "toast ready" (there is nothing to butter yet).
    """
    if toast != "toast ready":
        raise ValueError(f"nothing to butter: got {toast!r}, not the toast make_toast() made")
    async with kitchen.span("butter"):
        await asyncio.sleep(BUTTER_SECONDS)
    finished["butter"] += 1
    return "buttered toast"
