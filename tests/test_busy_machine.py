"""Stored outputs show the claims, never what a busy machine prints instead.

Where a timing claim needs free cores or a fast enough machine, the notebook measures that first
and, when it does not hold, prints a line that starts with `BUSY_MACHINE` instead of failing.
The stored outputs come from an idle machine: a stored line with the marker means they were made
on a busy one, and must be made again (`make notebooks` on a quiet machine)."""

from pathlib import Path

import nbformat
import pytest

from course_app.timeline import BUSY_MACHINE

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9]*.ipynb"))


def _stored_text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        text = output.get("text", "")
        parts.append("".join(text) if isinstance(text, list) else text)
        parts.append(str(output.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_stored_output_shows_a_busy_machine_line(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code, start=1):
        for line in _stored_text(cell).splitlines():
            assert BUSY_MACHINE not in line, (
                f"cell [{number}] stored what a busy machine shows: {line!r}; run the notebook "
                "again on a quiet machine")


def test_every_busy_machine_fallback_in_the_notebooks_carries_the_marker():
    """The fallback texts (a claim measured first, with a line instead of a failure) all print
    through BUSY_MACHINE, so the test above sees them."""
    fallbacks = 0
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            for phrase in ("less busy", "machine is quieter", "free cores ("):
                if phrase in cell.source:
                    assert "BUSY_MACHINE" in cell.source, f"{path.name}: {phrase!r} without it"
                    fallbacks += 1
    assert fallbacks >= 2, "lessons 09 and 10 print what a busy machine shows"


def test_a_notebook_that_needs_a_free_core_waits_for_one_and_names_what_keeps_it_busy():
    import os
    import subprocess
    import sys

    from course_app.free_cores import busiest_processes, wait_for_free_cores

    every_core = (os.cpu_count() or 1) - 0.3  # the spinner keeps one core from being free
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        waited, cores = wait_for_free_cores(wanted=every_core, limit=1.0)
        assert waited >= 1.0 and cores < every_core, (waited, cores)
        # Named among the busiest (other tests' kernels and servers may be busier just now).
        assert any(line.startswith(f"{spinner.pid} ") for line in busiest_processes(count=10))
    finally:
        spinner.kill()
        spinner.wait()
