"""Lesson 08 writes its path operations and tasks in the notebook; these tests re-run its
sections (with a number changed, as a learner would) and pin the importable `mail_app` that
section 8.6 serves in child processes and lesson 11 reuses."""

import re

import pytest

from course_app.client import AppClient
from course_app.lessons import l08_background_tasks as lesson
from course_app.notebook_runner import rerun_section, section_text
from course_app.paths import NOTEBOOKS

NOTEBOOK = NOTEBOOKS / "08_background_tasks.ipynb"


def _timings(text: str) -> dict[str, tuple[float, float]]:
    """{run title: (response in s, task end in s)} from section 8.1's printed lines."""
    found = re.findall(r"^(.+): response after (\d+\.\d) ms, task ended after (\d+\.\d\d) s$",
                       text, flags=re.MULTILINE)
    return {title: (float(response) / 1000, float(end)) for title, response, end in found}


def test_a_real_client_gets_the_response_before_the_task_and_in_process_does_not():
    # A longer task: the gap on the real server grows with it, and the in-process call with it.
    ran = rerun_section(NOTEBOOK, "8.1", {"time.sleep(0.5)": "time.sleep(1.0)"})
    timings = _timings(section_text(ran, "8.1"))
    real_response, real_end = timings["real server (uvicorn)"]
    in_process_response, in_process_end = timings["in-process client (httpx.ASGITransport)"]
    assert real_end > 0.9 and in_process_end > 0.9  # the task now takes 1 s
    assert real_response < real_end - 0.5
    assert in_process_response > 0.9


def test_a_graceful_stop_keeps_a_running_task_a_limit_or_a_kill_loses_it():
    text = section_text(rerun_section(NOTEBOOK, "8.6"), "8.6")
    sent = dict(re.findall(r"^(.+?)\s+stopping took .*, receipt sent: (\w+)$", text,
                           flags=re.MULTILINE))
    assert sent == {"graceful stop": "True", "graceful stop, 0.2 s limit": "False",
                    "kill": "False"}
    assert "Cancel 1 running task(s), timeout graceful shutdown exceeded" in text
    assert "Waiting for background tasks to complete." in text


@pytest.mark.anyio
async def test_bad_input_gets_a_clear_answer():
    async with AppClient(lesson.mail_app) as client:
        not_an_email = await client.post("/signup", params={"email": "ada"})
    assert not_an_email.status_code == 422
    assert not_an_email.json() == {"detail": "'ada' is not an email address"}


@pytest.mark.anyio
async def test_the_outbox_is_a_setting_and_in_process_the_tasks_are_done_on_return(
        monkeypatch, tmp_path):
    monkeypatch.setenv(lesson.OUTBOX_ENV, str(tmp_path / "mail"))
    async with AppClient(lesson.mail_app) as client:
        await client.post("/signup", params={"email": "linus@example.com"})
        await client.post("/receipts", params={"email": "ada@example.com"})
    assert (tmp_path / "mail" / "linus@example.com.txt").read_text() == (
        "Welcome to the café, linus@example.com!")
    assert (tmp_path / "mail" / "ada@example.com.txt").read_text() == (
        "Your receipt, ada@example.com.")


@pytest.mark.anyio
async def test_record_delivery_says_whether_the_email_was_delivered_first():
    await lesson.record_delivery("early@example.com")
    lesson.deliver("late@example.com")
    await lesson.record_delivery("late@example.com")
    assert lesson.was_recorded("early@example.com") is False
    assert lesson.was_recorded("late@example.com") is True
    assert lesson.was_recorded("nobody@example.com") is None
