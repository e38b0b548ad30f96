"""Reference solutions for lesson 03."""

import asyncio

from course_app.lessons.l03_async_and_await import fetch_data, make_coffee, make_toast


async def main() -> str:
    """03.1: `fetch_data()` only runs when awaited."""
    data = await fetch_data()
    return data["data"]


async def breakfast() -> list[str]:
    """03.2: start both as tasks, then await them: the waits overlap."""
    coffee = asyncio.create_task(make_coffee())
    toast = asyncio.create_task(make_toast())
    return [await coffee, await toast]
