"""Lesson 10: its notebook's claims follow its code, and the app it serves on several worker
processes does what the lesson says."""

import os
import re

import pytest

from course_app.client import AppClient
from course_app.lessons import l10_performance_and_scalability as lesson
from course_app.notebook_runner import rerun_section, section_text
from course_app.paths import NOTEBOOKS

pytestmark = pytest.mark.anyio

NOTEBOOK = NOTEBOOKS / "10_performance_and_scalability.ipynb"


def _peaks(text: str) -> list[int]:
    """The "at most ~N upstream calls at once" numbers a section printed, in order."""
    return [int(n) for n in re.findall(r"at most ~(\d+) upstream calls at once", text)]


def test_a_smaller_semaphore_lets_fewer_upstream_calls_run_at_once():
    ran = rerun_section(NOTEBOOK, "10.6", {"LIMIT = 20": "LIMIT = 5"})
    unbounded, bounded = _peaks(section_text(ran, "10.6"))
    assert bounded <= 5 < unbounded


def test_max_concurrency_1_lets_one_request_at_a_time_call_the_upstream():
    ran = rerun_section(NOTEBOOK, "10.7", {"max_concurrency=2": "max_concurrency=1"})
    (peak,) = _peaks(section_text(ran, "10.7"))
    assert 0 < peak <= 10  # one request's 10 calls at a time, never two requests' 20


async def test_the_workers_app_blocks_its_loop_and_names_its_process():
    async with AppClient(lesson.workers_app) as client:
        worker = (await client.get("/worker")).json()
        blocked = await client.get("/async-blocking")
    assert worker == {"pid": os.getpid()}
    assert blocked.json() == {"waited": lesson.WAIT_SECONDS}
