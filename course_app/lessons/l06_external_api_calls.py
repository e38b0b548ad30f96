"""Lesson 06's weather API, kept importable because lesson 11's tests import it.

Lesson 06 writes this app in its own cells (section 6.4) and explains each part there: one shared
`httpx.AsyncClient`, created in the lifespan with explicit timeouts and handed to path operations
through the `upstream_client` dependency (so tests can swap it with `app.dependency_overrides`),
and upstream trouble turned into a clear answer: a timeout is a 504, an upstream error or a
connection failure a 502, each with a message.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Annotated, Literal

import httpx
from fastapi import Depends, FastAPI, HTTPException, Request

UPSTREAM_TIMEOUT = httpx.Timeout(1.0, connect=0.5)
"""Our explicit limits for the weather service, in seconds: 0.5 to connect, 1.0 for the rest."""
SIMULATE = {"ok": {}, "error": {"status": "503"}, "slow": {"stall": "2"},
            "drop": {"abort": "true"}}
"""What `?simulate=` asks the fake upstream to do (a lesson-only switch; a real API has none)."""


def upstream_client(request: Request) -> httpx.AsyncClient:
    """Dependency: the app's one shared client for the weather service, from lifespan state."""
    return request.state.upstream


Upstream = Annotated[httpx.AsyncClient, Depends(upstream_client)]


def build_weather_app(upstream_url: str, timeout: httpx.Timeout = UPSTREAM_TIMEOUT) -> FastAPI:
    """Our API, calling the weather service at `upstream_url` (a base URL on 127.0.0.1).

    `GET /forecast/{city}?simulate=ok|error|slow|drop` returns the upstream's weather for `city`
    (200), or 504 when it is too slow, 502 when it fails or cannot be reached.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with httpx.AsyncClient(base_url=upstream_url, timeout=timeout) as client:
            yield {"upstream": client}

    app = FastAPI(title="Weather for our users", lifespan=lifespan)

    @app.get("/forecast/{city}")
    async def forecast(city: str, client: Upstream,
                       simulate: Literal["ok", "error", "slow", "drop"] = "ok") -> dict:
        try:
            response = await client.get(f"/weather/{city}", params=SIMULATE[simulate])
            response.raise_for_status()
        except httpx.TimeoutException:
            raise HTTPException(504, f"the weather service did not answer within "
                                     f"{client.timeout.read} s") from None
        except httpx.HTTPStatusError as error:
            raise HTTPException(502, f"the weather service failed "
                                     f"({error.response.status_code})") from None
        except httpx.TransportError as error:
            raise HTTPException(502, f"could not talk to the weather service "
                                     f"({type(error).__name__})") from None
        return response.json()

    return app
