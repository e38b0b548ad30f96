"""Reference solutions for lesson 03."""

import asyncio

from course_app.lessons.l03_async_and_await import butter, fetch_data, make_coffee, make_toast


async def main() -> str:
    """03.1: `fetch_data()` only runs when awaited."""
    data = await fetch_data()
    return data["data"]


async def breakfast() -> list[str]:
    """03.2: toast-then-butter is one chain; run it as a task alongside the coffee."""

    async def buttered_toast() -> str:
        return await butter(await make_toast())

    coffee = asyncio.create_task(make_coffee())
    toast = asyncio.create_task(buttered_toast())
    return [await coffee, await toast]
