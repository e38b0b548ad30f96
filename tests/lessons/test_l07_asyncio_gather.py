"""Lesson 07 writes its fan-outs in the notebook; these tests change its numbers and re-run its
sections, as a learner would, and check that the output follows."""

import re

from course_app.notebook_runner import rerun_section, section_text
from course_app.paths import NOTEBOOKS

NOTEBOOK = NOTEBOOKS / "07_asyncio_gather.ipynb"


def _completed(text: str, when: str) -> tuple[int, int]:
    """(completed when it raised, completed 0.25 s later) from a 7.3 line about `when`."""
    found = re.search(rf"completed when {when} raised: (\d+), 0\.25 s later: (\d+)", text)
    assert found, text
    return int(found[1]), int(found[2])


def test_a_larger_semaphore_lets_more_calls_run_at_once():
    ran = rerun_section(NOTEBOOK, "7.5", {"Semaphore(3)": "Semaphore(4)"})
    text = section_text(ran, "7.5")
    assert "peak 4 in flight" in text
    assert "peak 12 in flight" in text  # the unbounded fan-out, for comparison


def test_a_failure_leaves_gather_s_other_calls_running():
    text = section_text(rerun_section(NOTEBOOK, "7.3"), "7.3")
    at_error, later = _completed(text, "gather")
    assert later > at_error  # gather raised; the Oslo call still completed
    assert "caught HTTPStatusError: Server error '503 Service Unavailable'" in text
    assert "euro to dollar: error 503" in text and "weather in Oslo: ok" in text
    at_error, later = _completed(text, "it")
    assert later == at_error  # the TaskGroup cancelled the Oslo call


def test_a_pool_timeout_longer_than_a_call_lets_the_extra_calls_wait_for_a_connection():
    ran = rerun_section(NOTEBOOK, "7.6", {"pool=0.1)": "pool=1.0)"})
    text = section_text(ran, "7.6")
    assert "caught nothing" in text
    assert "the answer is all 10 answer, in about 0.6 s" in text
