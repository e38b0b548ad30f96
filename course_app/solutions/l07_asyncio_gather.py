"""Reference solutions for lesson 07."""

import asyncio

import httpx


async def fetch_all(client: httpx.AsyncClient, cities: list[str]) -> list[dict]:
    """07.1: all at once; `gather` returns the bodies in the order of `cities`."""

    async def weather(city: str) -> dict:
        response = await client.get(f"/weather/{city}")
        response.raise_for_status()
        return response.json()

    return await asyncio.gather(*(weather(city) for city in cities))


async def fetch_bounded(client: httpx.AsyncClient, cities: list[str], limit: int) -> list[dict]:
    """07.2: at most `limit` calls in flight, guarded by a semaphore."""
    semaphore = asyncio.Semaphore(limit)

    async def weather(city: str) -> dict:
        async with semaphore:
            response = await client.get(f"/weather/{city}")
        response.raise_for_status()
        return response.json()

    return await asyncio.gather(*(weather(city) for city in cities))
