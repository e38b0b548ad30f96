"""Lesson 02: async path operations, parameters, validation, the lifespan, a real server.

`menu_app` is a café's menu API. Its lifespan loads the menu once at start-up and hands it to
every request as `request.state.menu`; `GET /menu/{item}` takes a path parameter and a
validated query parameter. `sleepy_app` is the pitfall: an `async def` path operation that
waits with `time.sleep`, next to one that awaits.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from enum import StrEnum

from fastapi import FastAPI, HTTPException, Query, Request
from pydantic import BaseModel

PRICES = {"espresso": 2.40, "flat-white": 3.20, "latte": 3.50, "matcha": 3.80}
"""Price of a regular size, in euros."""
SIZE_FACTOR = {"small": 0.8, "regular": 1.0, "large": 1.3}


class Size(StrEnum):
    small = "small"
    regular = "regular"
    large = "large"


class Quote(BaseModel):
    item: str
    size: Size
    quantity: int
    total: float


async def load_menu() -> dict[str, float]:
    """Pretend to read the menu from a database: an awaited 0.05 s wait, then `PRICES`."""
    await asyncio.sleep(0.05)
    return dict(PRICES)


@asynccontextmanager
async def menu_lifespan(app: FastAPI):
    """Start-up: load the menu once. What it yields becomes `request.state` in every request."""
    menu = await load_menu()
    yield {"menu": menu}
    menu.clear()  # shut-down: release what start-up acquired


menu_app = FastAPI(title="Café menu", lifespan=menu_lifespan)


@menu_app.get("/menu")
async def list_menu(request: Request) -> list[str]:
    """Every item on the menu, alphabetically."""
    return sorted(request.state.menu)


@menu_app.get("/menu/{item}")
async def quote(
    item: str,
    request: Request,
    size: Size = Size.regular,
    quantity: int = Query(1, ge=1, le=10, description="cups, 1 to 10"),
) -> Quote:
    """The price of `quantity` cups of `item` in `size`; 404 for an item not on the menu."""
    menu = request.state.menu
    if item not in menu:
        raise HTTPException(404, f"no {item!r} on the menu; try one of: {', '.join(sorted(menu))}")
    total = round(menu[item] * SIZE_FACTOR[size.value] * quantity, 2)
    return Quote(item=item, size=size, quantity=quantity, total=total)


# --- pitfall: on_event next to lifespan ---------------------------------------------------------


def build_app_with_on_event(events: list[str]) -> FastAPI:
    """An app with a lifespan *and* an `@app.on_event("startup")` handler.

    Both append to `events` when they run. FastAPI warns that `on_event` is deprecated
    (DeprecationWarning, at decoration time); with `lifespan=` set, the handler never runs.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        events.append("lifespan start-up")
        yield
        events.append("lifespan shut-down")

    app = FastAPI(lifespan=lifespan)

    @app.on_event("startup")
    async def old_style_startup() -> None:
        events.append("on_event start-up")

    return app


# --- pitfall: time.sleep in an async path operation ----------------------------------------------

WAIT_SECONDS = 0.3
"""How long each `sleepy_app` request waits, in seconds."""

sleepy_app = FastAPI(title="Sleepy café")


@sleepy_app.get("/blocking")
async def blocking_wait() -> dict[str, str]:
    """The pitfall: `time.sleep` inside `async def` blocks the server's event loop."""
    time.sleep(WAIT_SECONDS)
    return {"waited": "blocking"}


@sleepy_app.get("/awaiting")
async def awaiting_wait() -> dict[str, str]:
    """The fix: `await asyncio.sleep` lets the loop serve other requests meanwhile."""
    await asyncio.sleep(WAIT_SECONDS)
    return {"waited": "awaiting"}
