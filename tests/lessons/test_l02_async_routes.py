import warnings

import httpx
import pytest

from course_app.burst import burst
from course_app.client import AppClient
from course_app.lessons import l02_async_routes as lesson
from course_app.pitfall import pitfall
from course_app.server import Server

pytestmark = pytest.mark.anyio


async def test_menu_quotes_and_lists():
    async with AppClient(lesson.menu_app) as client:
        assert (await client.get("/menu")).json() == sorted(lesson.PRICES)
        quote = await client.get("/menu/latte", params={"size": "large", "quantity": 2})
    assert quote.json() == {"item": "latte", "size": "large", "quantity": 2, "total": 9.1}


@pytest.mark.parametrize(
    ("params", "message"),
    [({"quantity": 12}, "less than or equal to 10"),
     ({"quantity": 0}, "greater than or equal to 1"),
     ({"quantity": "two"}, "valid integer"),
     ({"size": "huge"}, "'small', 'regular' or 'large'")],
)
async def test_bad_parameters_get_a_422_with_a_message(params, message):
    async with AppClient(lesson.menu_app) as client:
        response = await client.get("/menu/latte", params=params)
    assert response.status_code == 422
    assert message in response.json()["detail"][0]["msg"]


async def test_unknown_item_is_a_404_with_the_menu():
    async with AppClient(lesson.menu_app) as client:
        response = await client.get("/menu/mocha")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("no 'mocha' on the menu; try one of: espresso")


async def test_pitfall_a_bare_transport_skips_the_lifespan():
    transport = httpx.ASGITransport(app=lesson.menu_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as bare:
        with pitfall(report=False) as caught:
            await bare.get("/menu")
    assert caught.error_type is AttributeError
    assert "'State' object has no attribute 'menu'" in str(caught.error)


async def test_pitfall_on_event_next_to_lifespan_never_runs():
    events: list[str] = []
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        app = lesson.build_app_with_on_event(events)
    assert any("on_event is deprecated" in str(w.message) for w in seen)
    async with AppClient(app):
        pass
    assert events == ["lifespan start-up", "lifespan shut-down"]


async def test_pitfall_time_sleep_serialises_requests_on_a_real_server():
    async with Server(lesson.sleepy_app) as base_url:
        blocking = await burst(base_url, "/blocking", count=4)
        awaiting = await burst(base_url, "/awaiting", count=4)
    assert blocking.wall_time > 2.5 * awaiting.wall_time
    assert awaiting.max_overlap() == 4
