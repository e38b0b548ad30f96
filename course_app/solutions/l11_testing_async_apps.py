"""Reference solutions for lesson 11: tests, each checked by whether it can fail."""

import time


async def test_missing_author_is_404(client):
    """11.1: the status code and the message, so a default 404 or a 200 cannot pass."""
    response = await client.get("/authors/9999")
    assert response.status_code == 404
    assert response.json() == {"detail": "no author with id 9999"}


async def test_fetch_all_is_concurrent(fetch_all, fetch_one):
    """11.2: compare with one call on the same machine (a ratio), and check the results."""
    cities = ["Oslo", "Lima", "Accra", "Perth"]
    started = time.perf_counter()
    await fetch_one("Oslo")
    one = time.perf_counter() - started

    started = time.perf_counter()
    results = await fetch_all(cities)
    together = time.perf_counter() - started

    assert [result["city"] for result in results] == cities
    assert together < 2 * one  # four calls in about the time of one: they overlapped


