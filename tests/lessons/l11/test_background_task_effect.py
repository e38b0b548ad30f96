"""Lesson 11.5: in-process, the call waits for background tasks, so assert their effect at once."""

import httpx
import pytest
from asgi_lifespan import LifespanManager

from course_app.lessons.l08_background_tasks import mail_app, outbox

pytestmark = pytest.mark.anyio


@pytest.fixture
async def mail(tmp_path):
    """Lesson 08's app, sending its emails into this test's own temporary folder."""
    mail_app.dependency_overrides[outbox] = lambda: tmp_path
    try:
        async with LifespanManager(mail_app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield client, tmp_path
    finally:
        mail_app.dependency_overrides.clear()  # a shared app: leave it as it was


async def test_the_welcome_email_is_written_by_the_time_the_call_returns(mail):
    client, folder = mail
    response = await client.post("/signup", params={"email": "ada@example.com"})
    assert response.status_code == 200
    assert (folder / "ada@example.com.txt").read_text() == "Welcome to the café, ada@example.com!"


async def test_a_bad_address_queues_no_email(mail):
    client, folder = mail
    response = await client.post("/signup", params={"email": "not-an-address"})
    assert response.status_code == 422
    assert list(folder.iterdir()) == []
