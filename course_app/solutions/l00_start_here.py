"""Reference solutions for lesson 00."""

from course_app.client import AppClient
from course_app.lessons.l00_start_here import hello_app


async def greeting_body_for_ada() -> dict:
    """00.1: the JSON body of `GET /hello/Ada`.

    In the notebook, with the client opened in 0.5, this is one line:
    `answer = (await client.get("/hello/Ada")).json()`.
    """
    async with AppClient(hello_app) as client:
        response = await client.get("/hello/Ada")
    return response.json()


async def fetch_greeting(client, name: str) -> str:
    """00.2: ask the app to greet `name` and return only the message text."""
    response = await client.get(f"/hello/{name}")
    return response.json()["message"]
