import pytest

from course_app.client import AppClient
from course_app.lessons import l08_background_tasks as lesson

pytestmark = pytest.mark.anyio


async def test_a_real_client_gets_the_response_before_the_task_and_in_process_does_not():
    timings = await lesson.response_then_task()
    real_response, real_email = timings["real server"]
    in_process_response, _ = timings["in-process"]
    assert real_response < 0.3 * real_email
    assert in_process_response > 0.7 * lesson.EMAIL_SECONDS


async def test_only_a_blocking_async_task_stalls_the_next_request():
    pings = await lesson.ping_after_task()
    blocked = pings["async def + time.sleep"]
    assert blocked > 3 * max(pings["def + time.sleep"], pings["async def + await asyncio.sleep"])


async def test_tasks_run_in_order_and_a_failing_one_only_reaches_the_log():
    assert await lesson.order_log() == ["audit: order seen", "receipt: order 7",
                                        "loyalty points: order 7", "kitchen ticket: order 7"]
    status, archived, server = await lesson.failing_newsletter()
    assert status == 200
    assert not archived  # the task after the failing one never ran
    assert server.exception_lines() == ["ConnectionRefusedError: SMTP server said no"]


async def test_a_graceful_stop_keeps_a_running_task_a_limit_or_a_kill_loses_it():
    endings = await lesson.what_survives_each_ending()
    assert {ending: sent for ending, (sent, _) in endings.items()} == {
        "graceful stop": True, "graceful stop, 0.2 s limit": False, "kill": False}
    with pytest.raises(ValueError, match="ending must be one of"):
        await lesson.what_survives("x@example.com", "unplug")


async def test_bad_input_gets_a_clear_answer():
    async with AppClient(lesson.mail_app) as client:
        not_an_email = await client.post("/signup", params={"email": "ada"})
        unknown_kind = await client.post("/tasks/nap")
    assert not_an_email.status_code == 422
    assert not_an_email.json() == {"detail": "'ada' is not an email address"}
    assert unknown_kind.status_code == 404
    assert unknown_kind.json() == {"detail": "no task kind 'nap'"}


async def test_the_outbox_is_a_setting(monkeypatch, tmp_path):
    monkeypatch.setenv(lesson.OUTBOX_ENV, str(tmp_path / "mail"))
    async with AppClient(lesson.mail_app) as client:
        await client.post("/signup", params={"email": "linus@example.com"})
    assert (tmp_path / "mail" / "linus@example.com.txt").read_text() == (
        "Welcome to the café, linus@example.com!")
