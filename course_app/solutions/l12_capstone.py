"""Reference solutions for lesson 12, the capstone."""


import httpx

from course_app.lessons.l12_capstone import fetch_sections, section_urls


async def fetch_with_events(client, limit, bases, city, currency):
    """12.1: the three sections plus events, all in one `gather`."""
    urls = {**section_urls(bases, city, currency), "events": f"{bases['events']}/events/{city}"}
    return await fetch_sections(client, limit, urls)


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


