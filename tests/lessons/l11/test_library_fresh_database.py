"""Lesson 11.3: each test gets a fresh in-memory database through the app's own lifespan."""

import httpx
import pytest
from asgi_lifespan import LifespanManager

from course_app.database import DatabaseSettings, database_settings
from course_app.lessons.l05_async_database import build_library_app

pytestmark = pytest.mark.anyio


@pytest.fixture
async def library():
    """Lesson 05's app on a new, empty in-memory database, opened and closed by its lifespan."""
    app = build_library_app()
    app.dependency_overrides[database_settings] = lambda: DatabaseSettings("sqlite://:memory:")
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


# The two tests below both create the same author. If any data leaked from one test to the
# next, whichever ran second would get a 409 instead of a 201.

async def test_creating_an_author(library):
    response = await library.post("/authors", json={"name": "Ted Chiang"})
    assert response.status_code == 201
    assert [a["name"] for a in (await library.get("/authors")).json()] == ["Ted Chiang"]


async def test_creating_the_same_author_again_in_another_test(library):
    response = await library.post("/authors", json={"name": "Ted Chiang"})
    assert response.status_code == 201


async def test_a_duplicate_within_one_test_is_a_409(library):
    await library.post("/authors", json={"name": "Ted Chiang"})
    response = await library.post("/authors", json={"name": "Ted Chiang"})
    assert response.status_code == 409
    assert response.json() == {"detail": "an author named 'Ted Chiang' already exists"}
