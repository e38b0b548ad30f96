"""Checks on the lesson notebooks beyond nbval's output comparison."""

import re
from pathlib import Path

import nbformat
import pytest

from course_app.check import HINT_MARK
from course_app.lesson_list import LESSONS
from course_app.notebook_runner import execute
from course_app.pitfall import PREFIX
from course_app.server import LOG_PREFIX

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
FORBIDDEN = re.compile(
    r"\w*Warning\b:|Traceback \(most recent call last\)|\w+Error:|/tmp/|/private/var/|/var/folders/"
    r"|site-packages"
)


def _text_of(output) -> str:
    """The text a reader sees as output: streams and plain-text results. Markdown results are
    source listings and tables the lesson displays on purpose, and PNGs are pictures."""
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return "\n".join([f"{output.ename}: {output.evalue}", *output.traceback])
    return output.get("data", {}).get("text/plain", "")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_come_from_one_clean_run(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), (
        "run `make notebooks` to store the outputs of one clean run"
    )
    for number, cell in enumerate(code, start=1):
        for output in cell.outputs:
            assert output.output_type != "error", f"cell [{number}] stored an error"
            assert output.get("name") != "stderr", f"cell [{number}] wrote to stderr"
            for line in _text_of(output).splitlines():
                if line.startswith((PREFIX, HINT_MARK, LOG_PREFIX)):
                    continue  # a pitfall line, an exercise hint or a server log line
                assert not FORBIDDEN.search(line), f"cell [{number}] shows: {line!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_title_matches_the_lesson_list(path):
    (item,) = [lesson for lesson in LESSONS if lesson.notebook == path.name]
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown"
    assert first.source.splitlines()[0] == f"# {item.label}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_run_all_twice_in_one_kernel(path):
    """A learner can press "Run all" again without restarting the kernel."""
    execute(path, times=2)  # raises CellExecutionError, naming the cell, on any error
