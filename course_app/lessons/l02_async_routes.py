"""Lesson 02's café menu API: path and query parameters, validation, and a lifespan.

`menu_app`'s lifespan loads the menu once at start-up and hands it to every request as
`request.state.menu`; `GET /menu/{item}` takes a path parameter and a validated query
parameter. It lives here, not in the notebook, because it is served in a child process
(`python -m uvicorn course_app.lessons.l02_async_routes:menu_app`) and lesson 11 tests it; the
lesson's other apps are written in the notebook.
"""

from __future__ import annotations

import asyncio
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
    """Start-up: load the menu once. What it yields (a mapping) is copied into every request's
    `request.state`."""
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
