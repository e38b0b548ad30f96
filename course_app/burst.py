"""Send a burst of concurrent requests to a real server and record each on a timeline.

    timeline = await burst("http://127.0.0.1:8123", "/blocking", count=5)
    timeline.show()

All requests go out at once from one `httpx.AsyncClient` (its connection pool allows up to
`count` connections), so the timeline shows how the *server* handled them: side by side, or one
after another. Loopback only: `base_url` must be a course server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from course_app.timeline import Timeline


def require_loopback(base_url: str) -> None:
    """Refuse any base URL that is not plain HTTP to 127.0.0.1 (where course servers listen).

    Raises:
        ValueError: saying what is wrong: the scheme (`http://` is needed), the host, or a
            user name in the URL (which would hide the real host).
    """
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError) as error:
        raise ValueError(f"{base_url!r} is not a URL: {error}") from None
    if url.scheme != "http":
        raise ValueError(f"{base_url!r} needs the scheme http://, as in "
                         "'http://127.0.0.1:8000' (course servers speak plain HTTP)")
    if url.host != "127.0.0.1" or url.userinfo:
        raise ValueError(f"requests go to a course server on 127.0.0.1 only, not {base_url!r}")


async def burst(base_url: str, path: str, count: int = 5, method: str = "GET") -> Timeline:
    """Send `count` `method path` requests at once to `base_url`.

    Returns a timeline titled `path` with one span per request ("request 1", ...), each from
    sending the request to receiving the whole response.

    Raises:
        ValueError: when `base_url` is not on 127.0.0.1 or `count` is not positive.
        httpx.HTTPError: on a connection error or a non-2xx response.
    """
    require_loopback(base_url)
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    timeline = Timeline(path)

    async def one(client: httpx.AsyncClient, number: int) -> None:
        async with timeline.span(f"request {number}"):
            response = await client.request(method, path)
        response.raise_for_status()

    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        await asyncio.gather(*(one(client, n) for n in range(1, count + 1)))
    return timeline


async def latency_during(base_url: str, slow_path: str, probe_path: str = "/health",
                         delay: float = 0.05, method: str = "GET") -> tuple[float, float]:
    """How long a quick request takes while a slow one is being served.

    Sends `method slow_path`, waits `delay` seconds so the server is busy with it, then sends
    `GET probe_path`. Returns `(slow_seconds, probe_seconds)`: each request's time from sending
    to the full response, in seconds.

    Raises:
        ValueError: when `base_url` is not on 127.0.0.1.
        httpx.HTTPError: on a connection error or a non-2xx response.
    """
    require_loopback(base_url)

    async def timed(client: httpx.AsyncClient, verb: str, path: str) -> float:
        started = time.perf_counter()
        response = await client.request(verb, path)
        response.raise_for_status()
        return time.perf_counter() - started

    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        slow = asyncio.create_task(timed(client, method, slow_path))
        await asyncio.sleep(delay)
        probe = await timed(client, "GET", probe_path)
        return await slow, probe
