"""Lesson 03: coroutines, `await`, tasks, and running async code from a notebook.

`fetch_data` is the source text's example (its 2 s wait shortened to 0.2 s). `make_coffee` and
`make_toast` are two independent waits for the tasks section. `nest_asyncio_demo` runs the
`nest_asyncio` story in a child Python process, because `nest_asyncio.apply()` patches asyncio
for good in whatever process calls it.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter

FETCH_SECONDS = 0.2
finished: Counter[str] = Counter()
"""How many times each of `fetch_data`, `make_coffee` and `make_toast` ran to its end; the
exercise checks read it to see that an answer really awaited them."""


async def fetch_data() -> dict[str, str]:
    """Wait `FETCH_SECONDS` (standing in for a network call), then return sample data."""
    await asyncio.sleep(FETCH_SECONDS)
    finished["fetch_data"] += 1
    return {"data": "Sample data"}


COFFEE_SECONDS, TOAST_SECONDS = 0.3, 0.2


async def make_coffee() -> str:
    """Wait `COFFEE_SECONDS` for the machine; return "coffee ready"."""
    await asyncio.sleep(COFFEE_SECONDS)
    finished["make_coffee"] += 1
    return "coffee ready"


async def make_toast() -> str:
    """Wait `TOAST_SECONDS` for the toaster; return "toast ready"."""
    await asyncio.sleep(TOAST_SECONDS)
    finished["make_toast"] += 1
    return "toast ready"


NEST_ASYNCIO_SCRIPT = '''\
import asyncio
import nest_asyncio

async def fetch():
    await asyncio.sleep(0.01)
    return "data"

def library_function():
    """Library code that starts its own event loop, as some synchronous APIs do."""
    return asyncio.run(fetch())

async def main():
    try:
        library_function()
    except RuntimeError as error:
        print("without nest_asyncio:", error)
    nest_asyncio.apply()
    print("with nest_asyncio:", library_function())
    print("asyncio.run now comes from module:", asyncio.run.__module__)

asyncio.run(main())
'''
"""The script `nest_asyncio_demo` runs: library code calling `asyncio.run` inside a loop."""


def nest_asyncio_demo() -> str:
    """Run `NEST_ASYNCIO_SCRIPT` in a child Python process and return what it printed.

    Warnings are ignored in the child (the failed `asyncio.run` leaves a coroutine that was
    never awaited); only its standard output is returned.

    Raises:
        subprocess.CalledProcessError: if the child exits with an error.
        subprocess.TimeoutExpired: if it runs longer than 30 s.
    """
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", NEST_ASYNCIO_SCRIPT],
        capture_output=True, text=True, timeout=30, check=True,
    )
    return done.stdout
