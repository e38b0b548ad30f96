"""Reference solutions for lesson 01."""

import asyncio
import time


async def four_orders_concurrently() -> float:
    """01.1: measure it instead of guessing: four waits of 0.5 s started together."""
    started = time.perf_counter()
    await asyncio.gather(*(asyncio.sleep(0.5) for _ in range(4)))
    return time.perf_counter() - started


async def serve_all(names, grind, brew):
    """01.2: one coroutine per order, all started together. Each grinds first (CPU work: the
    loop cannot switch meanwhile), then awaits its brew (a wait: the next order grinds
    meanwhile). Results come back in the order of `names`."""

    async def one_order(name):
        grind(name)
        return await brew(name)

    return await asyncio.gather(*(one_order(name) for name in names))
