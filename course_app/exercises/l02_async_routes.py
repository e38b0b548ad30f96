"""Lesson 02's exercises: write an async path operation, then a lifespan."""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute

from course_app.check import Hint, exercise
from course_app.client import AppClient
from course_app.solutions import l02_async_routes as solutions


async def _double_app_reference():
    return solutions.build_double_app()


@exercise("02.1", "an async path operation with a typed path parameter", expects="value",
          solution=_double_app_reference)
async def check_double_app(app) -> str:
    if not isinstance(app, FastAPI):
        raise Hint(f"expected a FastAPI app, got {type(app).__name__}: `double_app = FastAPI()`.")
    routes = {route.path: route for route in app.routes if isinstance(route, APIRoute)}
    route = routes.get("/double/{number}")
    if route is None:
        raise Hint(f"no path operation for `/double/{{number}}`; the app has: "
                   f"{', '.join(routes) or 'none'}.")
    if "GET" not in route.methods:
        raise Hint("`/double/{number}` must answer GET: use `@double_app.get(...)`.")
    if not inspect.iscoroutinefunction(route.endpoint):
        raise Hint(f"`{route.endpoint.__name__}` is a plain `def`; make it `async def`.")
    async with AppClient(app) as client:
        good = await client.get("/double/21")
        bad = await client.get("/double/twenty")
    if good.status_code != 200:
        raise Hint(f"GET /double/21 answered {good.status_code}: {good.text[:120]}")
    if good.json() != {"result": 42}:
        raise Hint(f"GET /double/21 returned {good.json()!r}; expected {{'result': 42}}. "
                   "Is `number` declared as `int`?")
    if bad.status_code != 422:
        raise Hint(f"GET /double/twenty answered {bad.status_code}; declare `number: int` so "
                   "FastAPI rejects it with 422.")
    return "GET /double/21 gives 42, and /double/twenty gets a 422."


@exercise("02.2", "a lifespan that shares state with requests", expects="function",
          solution=solutions.lifespan)
async def check_lifespan(lifespan) -> str:
    if inspect.isasyncgenfunction(lifespan):
        raise Hint("close: decorate it with `@asynccontextmanager` (from `contextlib`), so "
                   "FastAPI can use it with `async with`.")
    if inspect.isgeneratorfunction(lifespan) or inspect.iscoroutinefunction(lifespan):
        raise Hint("a lifespan is an `async def` with one `yield`, decorated with "
                   "`@asynccontextmanager`.")
    app = FastAPI(lifespan=lifespan)

    @app.get("/specials")
    async def specials(request: Request) -> list[str]:
        return list(request.state.specials)

    async with AppClient(app) as client:
        response = await client.get("/specials")
    if response.status_code != 200:
        raise Hint("requests cannot find `request.state.specials`: yield a dict, "
                   "`yield {\"specials\": [...]}`.")
    if not response.json():
        raise Hint("`specials` is empty: put at least one drink in the list.")
    return f"requests see the specials: {response.json()}."
