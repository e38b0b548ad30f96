"""Lesson 02's exercises: write an async path operation, then a lifespan."""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request

from course_app.client import AppClient
from course_app.exercise import Hint, exercise, hint_if_blocked, hint_if_not_a_lifespan
from course_app.loop_lag import LoopLagMonitor
from course_app.pitfall import describe
from course_app.solutions import l02_async_routes as solutions


def _recording_endpoints(app, endpoints: list):
    """Wrap `app` so that each HTTP request's matched endpoint function is appended to
    `endpoints` (Starlette's router puts it in the scope as "endpoint"; None when no route
    matched). Finds path operations however they were added, routers included."""

    async def recording(scope, receive, send):
        try:
            await app(scope, receive, send)
        finally:
            if scope["type"] == "http":
                endpoints.append(scope.get("endpoint"))

    return recording


@exercise("02.1", "an async path operation with a typed path parameter", expects="value",
          solution=solutions.build_double_app)
async def check_double_app(app) -> str:
    if not isinstance(app, FastAPI):
        raise Hint(f"expected a FastAPI app, got {type(app).__name__}: `double_app = FastAPI()`.")
    endpoints: list = []
    async with AppClient(_recording_endpoints(app, endpoints), raise_app_exceptions=True) as client:
        async with LoopLagMonitor() as lag:
            good = await client.get("/double/21")
        bad = await client.get("/double/twenty")
    endpoint = endpoints[0]
    if good.status_code == 404 and endpoint is None:
        raise Hint("GET /double/21 found no path operation: add one for the path "
                   "`/double/{number}` with `@double_app.get(...)`.")
    if good.status_code == 405:
        raise Hint("`/double/{number}` must answer GET: use `@double_app.get(...)`.")
    if endpoint is not None and not inspect.iscoroutinefunction(endpoint):
        raise Hint(f"`{endpoint.__name__}` is a plain `def`; make it `async def`.")
    hint_if_blocked(lag.max_lag, f"`{getattr(endpoint, '__name__', 'the path operation')}`")
    if good.status_code != 200:
        raise Hint(f"GET /double/21 answered {good.status_code}: {good.text[:120]}")
    if good.json() is None:
        raise Hint("GET /double/21 returned null: is the `return` missing?")
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
    hint_if_not_a_lifespan(lifespan)
    app = FastAPI(lifespan=lifespan)

    @app.get("/specials")
    async def read_specials(request: Request):
        return getattr(request.state, "specials", None)

    try:
        async with AppClient(app, raise_app_exceptions=True) as client:
            response = await client.get("/specials")
    except Hint:
        raise
    except Exception as error:  # the learner's lifespan failed to start or stop
        raise Hint(f"the app could not run your lifespan ({describe(error)}): yield a dict, "
                   "like `yield {\"specials\": [...]}`.") from None
    specials = response.json()
    if specials is None:
        raise Hint("requests cannot find `request.state.specials`: yield a dict, "
                   "`yield {\"specials\": [...]}`.")
    if not isinstance(specials, list) or not all(isinstance(s, str) for s in specials):
        raise Hint(f"`specials` is {specials!r}: make it a list of drink names, like "
                   "`[\"chai\"]`.")
    if not specials:
        raise Hint("`specials` is empty: put at least one drink in the list.")
    return f"requests see the specials: {specials}."
