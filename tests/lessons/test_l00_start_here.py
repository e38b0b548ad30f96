import asyncio

import pytest

from course_app.client import AppClient
from course_app.lessons.l00_start_here import LOOKUP_SECONDS, hello_app
from course_app.notebook_runner import rerun_section, section_text
from course_app.paths import NOTEBOOKS

pytestmark = pytest.mark.anyio


async def test_greetings():
    async with AppClient(hello_app) as client:
        assert (await client.get("/hello")).json() == {"message": "Hello, async world!"}
        assert (await client.get("/hello/Ada")).json() == {"message": "Hello, Ada!"}
        missing = await client.get("/goodbye")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not Found"}


async def test_greetings_by_name_overlap():
    loop = asyncio.get_running_loop()
    async with AppClient(hello_app) as client:
        started = loop.time()
        await asyncio.gather(*(client.get(f"/hello/{n}") for n in range(10)))
        took = loop.time() - started
    assert took < 0.5 * 10 * LOOKUP_SECONDS


def test_another_name_gets_its_own_greeting_when_the_cell_runs_again():
    notebook = NOTEBOOKS / "00_start_here.ipynb"
    grace = 'client.get("/hello/Grace")'
    ran = rerun_section(notebook, "0.5", {grace: grace.replace("Grace", "Linus")})
    text = section_text(ran, "0.5")
    assert "Hello, Linus!" in text and "Grace" not in text, text
