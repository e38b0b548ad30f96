import re

import httpx
import pytest

from course_app.client import AppClient
from course_app.lessons import l02_async_routes as lesson
from course_app.notebook_runner import rerun_section, section_text
from course_app.paths import NOTEBOOKS
from course_app.pitfall import pitfall

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


# --- the notebook, edited and run again ---------------------------------------------------------

NOTEBOOK = NOTEBOOKS / "02_async_routes.ipynb"


def test_fewer_blocking_requests_take_fewer_times_as_long():
    ran = rerun_section(NOTEBOOK, "2.9", {"requests = 5": "requests = 2"})
    text = section_text(ran, "2.9")
    match = re.search(r"2 blocking requests took (\d+\.\d)× as long as 2 awaiting ones", text)
    assert match, text
    assert 1.5 < float(match[1]) < 3.5  # about 2: two waits one after another, against one


def test_the_lifespan_state_is_copied_per_request_and_a_rebound_list_is_too():
    ran = section_text(rerun_section(NOTEBOOK, "2.5"), "2.5")
    assert "{'visits': 1, 'orders': ['latte', 'matcha', 'espresso']}" in ran
    # a learner's edit: rebind the list instead of mutating it, and each request starts afresh
    edited = section_text(rerun_section(NOTEBOOK, "2.5", {
        "request.state.orders.append(item)": "request.state.orders = [*request.state.orders, item]",
    }), "2.5")
    assert "{'visits': 1, 'orders': ['espresso']}" in edited
