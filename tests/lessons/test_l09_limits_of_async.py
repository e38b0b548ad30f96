"""Lesson 09: `cpu_app` answers every way, and the notebook follows the learner's edits."""

import re

import pytest

from course_app.client import AppClient
from course_app.lessons import l09_limits_of_async as lesson
from course_app.lessons.l09_primes import count_primes, cpu_share
from course_app.notebook_runner import rerun_section, section_text
from course_app.paths import NOTEBOOKS

NOTEBOOK = NOTEBOOKS / "09_limits_of_async.ipynb"


def test_count_primes_counts_primes():
    assert count_primes(30) == 10  # 2 3 5 7 11 13 17 19 23 29
    assert count_primes(2) == 0


def test_cpu_share_is_a_share_of_one_core():
    assert 0.0 < cpu_share(0.05) <= 1.05


@pytest.mark.anyio
async def test_cpu_app_answers_every_way_and_hands_over_its_loop_lag():
    async with AppClient(lesson.cpu_app) as client:
        bodies = [(await client.get(f"/{way}", params={"limit": 5000})).json()
                  for way in ("inline", "thread", "process")]
        lag = (await client.get("/lag")).json()
        again = (await client.get("/lag")).json()
    assert bodies == [{"primes": count_primes(5000)}] * 3
    assert lag["max_lag"] >= 0 and lag["samples"]
    assert all(len(sample) == 2 for sample in lag["samples"])
    assert len(again["samples"]) < len(lag["samples"])  # each GET /lag starts a new window


def _slowest_health(text: str) -> dict[str, float]:
    found = re.findall(r"^(\w+)\s+/health median .*? slowest\s+(\d+\.\d) ms", text,
                       flags=re.MULTILINE)
    return {way: float(value) for way, value in found}


def test_cpu_work_inline_stalls_health_and_a_thread_or_process_does_not():
    ran = rerun_section(NOTEBOOK, "9.1")  # the section's own asserts check the ratios too
    slowest = _slowest_health(section_text(ran, "9.1"))
    assert set(slowest) == {"inline", "thread", "process"}, slowest
    assert slowest["inline"] > 3 * slowest["thread"], slowest
    assert slowest["inline"] > 5 * slowest["process"], slowest


def test_debug_mode_reports_the_longer_block_and_a_higher_threshold_hides_it():
    block = "time.sleep(0.2)  # the blocking"
    longer = rerun_section(NOTEBOOK, "9.6", {block: block.replace("0.2", "0.4")})
    held = re.search(r"'checkout' \(checkout\(\)\) held the loop for (\d+\.\d) ms",
                     section_text(longer, "9.6"))
    assert held and float(held[1]) >= 400, section_text(longer, "9.6")
    threshold = "slow_callback_duration = 0.05"
    hidden = rerun_section(NOTEBOOK, "9.6", {threshold: threshold.replace("0.05", "1.0")})
    assert "held the loop" not in section_text(hidden, "9.6")
