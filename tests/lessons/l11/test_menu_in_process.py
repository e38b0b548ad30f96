"""Lesson 11.1: async tests of lesson 02's menu app, in-process, with its lifespan."""

import httpx
import pytest
from asgi_lifespan import LifespanManager

from course_app.lessons.l02_async_routes import menu_app

pytestmark = pytest.mark.anyio  # every test in this file runs on an event loop


@pytest.fixture
async def client():
    """A client that calls the app in-process, after its lifespan has started."""
    async with LifespanManager(menu_app) as manager:  # start-up now, shut-down at the end
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_the_menu_lists_every_item(client):
    response = await client.get("/menu")
    assert response.status_code == 200
    assert response.json() == ["espresso", "flat-white", "latte", "matcha"]


async def test_an_unknown_item_is_a_404_with_a_message(client):
    response = await client.get("/menu/tea")
    assert response.status_code == 404
    assert "no 'tea' on the menu" in response.json()["detail"]


async def test_without_the_lifespan_the_app_has_no_menu():
    transport = httpx.ASGITransport(app=menu_app)  # no LifespanManager: start-up never ran
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with pytest.raises(AttributeError, match="'State' object has no attribute 'menu'"):
            await client.get("/menu")
