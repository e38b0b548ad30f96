"""Reference solutions for lesson 07."""

import asyncio

import httpx


async def weather_within(client: httpx.AsyncClient, cities: list[str],
                         deadline: float) -> dict[str, dict | None]:
    """07.1: each call gets its own deadline (seconds), so a slow city costs only itself."""

    async def weather(city: str) -> dict | None:
        try:
            async with asyncio.timeout(deadline):
                response = await client.get(f"/weather/{city}")
        except TimeoutError:
            return None  # the call was cancelled when its deadline passed
        response.raise_for_status()
        return response.json()

    bodies = await asyncio.gather(*(weather(city) for city in cities))
    return dict(zip(cities, bodies, strict=True))


async def fetch_bounded(client: httpx.AsyncClient, cities: list[str],
                        limit: int) -> list[dict | httpx.HTTPStatusError]:
    """07.2: at most `limit` calls in flight (one shared semaphore); each failure is returned
    in its city's place instead of raised."""
    semaphore = asyncio.Semaphore(limit)

    async def weather(city: str) -> dict:
        async with semaphore:
            response = await client.get(f"/weather/{city}")
        response.raise_for_status()
        return response.json()

    return await asyncio.gather(*(weather(city) for city in cities), return_exceptions=True)
