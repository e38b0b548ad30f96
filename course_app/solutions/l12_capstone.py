"""Reference solutions for lesson 12, the capstone."""

import asyncio

import httpx


async def gather_within(calls, seconds):
    """12.1: every call at once; at the deadline, the results so far, and a 504 for the rest."""
    tasks = {name: asyncio.create_task(call) for name, call in calls.items()}
    await asyncio.wait(tasks.values(), timeout=seconds)
    results = {}
    for name, task in tasks.items():
        if task.done():
            results[name] = task.result()
        else:
            task.cancel()  # nobody will read it: stop it calling the service
            results[name] = {"error": f"{name}: no answer within {seconds} s", "status": 504}
    return results


async def events_section(client, url):
    """12.2: events, or an error message: never an exception for an upstream problem."""
    try:
        response = await client.get(url)
        response.raise_for_status()
    except httpx.TimeoutException:
        return {"error": "events: no answer in time"}
    except httpx.HTTPError as error:  # an error status, or a connection that failed
        return {"error": f"events: unavailable ({type(error).__name__})"}
    return {"data": response.json()}
