"""Reference solutions for lesson 06."""

from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, HTTPException


async def forecast(client: httpx.AsyncClient, city: str) -> dict:
    """06.1: our caller gets a 504 for a slow upstream, a 502 for a failing or unreachable one, and
    a 404 for a city the upstream does not know."""
    try:
        response = await client.get(f"/weather/{city}")
        response.raise_for_status()
    except httpx.TimeoutException:
        raise HTTPException(504, "the weather service is too slow") from None
    except httpx.HTTPStatusError as error:
        if error.response.status_code == 404:  # our caller asked for a city that does not exist
            raise HTTPException(404, f"the weather service knows no city {city!r}") from None
        raise HTTPException(502, f"the weather service failed ({error.response.status_code})") \
            from None
    except httpx.TransportError:
        raise HTTPException(502, "could not reach the weather service") from None
    return response.json()


@asynccontextmanager
async def lifespan(app: FastAPI):
    """06.2: one client for the whole app, closed when the app shuts down."""
    async with httpx.AsyncClient(base_url=app.state.upstream_url,
                                 timeout=httpx.Timeout(1.0, connect=0.5)) as client:
        yield {"upstream": client}
