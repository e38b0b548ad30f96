"""Lesson 04 follows the learner's edits: the notebook's own apps, changed and run again."""

import re

from course_app.notebook_runner import rerun_section, section_text
from course_app.paths import NOTEBOOKS

NOTEBOOK = NOTEBOOKS / "04_when_to_use_async.ipynb"


def _peaks(text: str) -> list[int]:
    return [int(peak) for peak in re.findall(r"at most ~?(\d+) at a time", text)]


def test_the_threadpool_runs_at_most_40_and_the_lifespan_can_raise_it():
    default = section_text(rerun_section(NOTEBOOK, "4.3"), "4.3")
    assert max(_peaks(default)) <= 40, default
    raised = section_text(rerun_section(NOTEBOOK, "4.4", {"THREADS = 100": "THREADS = 60"}),
                          "4.4")
    assert "with 60 threads" in raised, raised
    (peak,) = _peaks(raised)
    assert 40 < peak <= 60, raised


def test_a_lower_dependency_limit_lets_fewer_calls_run_at_once():
    limit = "max_concurrency=5"
    text = section_text(rerun_section(NOTEBOOK, "4.5", {limit: "max_concurrency=2"}), "4.5")
    calls = re.search(r"at most (\d+) dependency calls at once; (\d+) worker threads", text)
    assert calls, text
    assert int(calls[1]) <= 2 and int(calls[2]) <= 2, text
    wall = float(re.search(r"20 requests: (\d+\.\d\d) s", text)[1])
    assert wall > 0.8 * 10 * 0.2, text  # ten rounds of two calls of 0.2 s
