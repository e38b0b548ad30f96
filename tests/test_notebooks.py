"""Checks on the lesson notebooks beyond nbval's output comparison."""

import configparser
import re
from pathlib import Path

import nbformat
import pytest

from course_app.check import HINT_MARK
from course_app.lesson_list import LESSONS
from course_app.notebook_runner import execute, numbered_sections, section_cells
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


# --- a learner who restarts the kernel in the middle of a lesson ------------------------------

SANITIZE = configparser.ConfigParser(interpolation=None)
SANITIZE.read(Path(__file__).resolve().parent / "sanitize.cfg")


def _sanitized(text: str) -> str:
    """`text` with what varies between runs rewritten, as nbval does with `tests/sanitize.cfg`."""
    for rule in SANITIZE.sections():
        text = re.sub(SANITIZE[rule]["regex"], SANITIZE[rule]["replace"], text)
    return text


def _what_a_reader_sees(cell) -> tuple[str, str, list[str]]:
    """(stdout, stderr, each result's plain text) of a code cell, streams joined as nbval does."""
    streams = {"stdout": "", "stderr": ""}
    results = []
    for output in cell.outputs:
        if output.output_type == "stream":
            streams[output.name] += output.text
        elif output.output_type == "error":
            results.append(f"{output.ename}: {output.evalue}")
        else:
            results.append(output.get("data", {}).get("text/plain", ""))
    return (_sanitized(streams["stdout"]), _sanitized(streams["stderr"]),
            [_sanitized(text) for text in results])


def _restart_cases():
    """The last numbered section with code of every notebook, and every section with an
    exercise check: the places a learner is most likely to come back to after a restart."""
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        sections = [(number, cells) for number, cells in numbered_sections(notebook)
                    if any(notebook.cells[i].cell_type == "code" for i in cells)]
        chosen = {sections[-1][0]} | {
            number for number, cells in sections
            if any("await check(" in notebook.cells[i].source for i in cells)}
        for number, _ in sections:
            if number in chosen:
                yield pytest.param(path, number, id=f"{path.stem[:2]}-section-{number}")


@pytest.mark.parametrize(("path", "number"), list(_restart_cases()))
def test_a_section_runs_after_a_restart_and_its_set_up_cells(path, number):
    """Restart the kernel, run the cells marked `# Set-up` above the section, then the section
    (the last one runs on to the end of the notebook): no error, and the same output as the
    stored run, once `tests/sanitize.cfg` has rewritten what varies."""
    notebook = nbformat.read(path, as_version=4)
    sections = numbered_sections(notebook)
    start = dict(sections)[number][0]
    cells = section_cells(notebook, number, to_the_end=sections[-1][0] == number)
    ran = execute(path, cells=cells)  # raises CellExecutionError, naming the cell
    for i in cells:
        if i < start:
            continue  # a set-up cell above the section
        if "NBVAL_IGNORE_OUTPUT" in notebook.cells[i].source:
            continue
        assert _what_a_reader_sees(ran.cells[i]) == _what_a_reader_sees(notebook.cells[i]), (
            f"cell {i} of section {number} shows something else after a restart")
