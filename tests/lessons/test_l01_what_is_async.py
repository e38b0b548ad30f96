"""Lesson 01 follows the learner's edits: the notebook's own code, changed and run again."""

import re

from course_app.notebook_runner import rerun_section, section_text
from course_app.paths import NOTEBOOKS

NOTEBOOK = NOTEBOOKS / "01_what_is_async.ipynb"


def _wall_times(text: str) -> list[float]:
    return [float(value) for value in re.findall(r"wall time (\d+\.\d\d) s", text)]


def test_shorter_cpu_work_shortens_the_batch_and_still_does_not_overlap():
    ran = rerun_section(NOTEBOOK, "1.6", {"grind_beans(0.15)": "grind_beans(0.05)"})
    text = section_text(ran, "1.6")
    (wall,) = _wall_times(text)
    assert 0.14 <= wall < 0.35, text  # three orders of 0.05 s, one after another
    assert "at most 1 at once" in text


def test_a_fourth_order_overlaps_too_inside_fastapi():
    names = 'NAMES = ["Ada", "Grace", "Linus"]'
    ran = rerun_section(NOTEBOOK, "1.5", {names: 'NAMES = ["Ada", "Grace", "Linus", "Alan"]'})
    text = section_text(ran, "1.5")
    assert "Alan" in text and "at most 4 at once" in text, text
    (wall,) = _wall_times(text)
    assert wall < 0.6 * 4 * 0.3, text
