"""Execute lesson notebooks in a fresh kernel, the way `pytest --nbval` does.

    python -m course_app.notebook_runner notebooks/*.ipynb     # what `make notebooks` runs

Each notebook runs top to bottom in a new `python3` kernel started in the notebook's folder
(nbval's working directory too), and its outputs and execution counts (1..n) are written back
in place. The kernel's `COURSE_PROGRESS_FILE` points at a temporary file, so making the stored
outputs never touches a learner's exercise progress. Uses `nbclient`, the executor behind
`jupyter nbconvert --execute`.
"""

from __future__ import annotations

import argparse
import atexit
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient

from course_app.paths import PROGRESS_FILE_VARIABLE as PROGRESS_ENV_VAR

T = TypeVar("T")

CELL_TIMEOUT = 120
"""Seconds one cell may run before the run fails (nbval gets the same limit in the Makefile)."""


def _client(notebook: nbformat.NotebookNode, folder: Path) -> NotebookClient:
    return NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        record_timing=False,  # no per-cell timestamps in the stored notebook: clean diffs
        store_widget_state=False,  # lesson 01's slider: its random ids would make noisy diffs
        resources={"metadata": {"path": str(folder)}},
    )


QUICK_EXIT = "import sys; sys.stdout.flush_timeout = sys.stderr.flush_timeout = 0.2"
"""Run in the kernel after its last cell, so that it stops in about 0.2-0.5 s rather than 3.3 s.
When asked to shut down, ipykernel 7.4's control thread sometimes flushes its output to the
IOPub thread that the main thread has just stopped (a race: ipython/ipykernel#1518 fixes a
neighbour of it), and waits `flush_timeout` (10 s) for an answer that never comes, until
jupyter_client sends SIGTERM after 2.5 s. Measured: about one kernel stop in six took 3.3 s;
with this, the slowest of 30 took 0.5 s. The kernel's exit handlers still run."""


KERNEL_START_ATTEMPTS = 3
"""How many kernels `execute` starts before it gives up. jupyter_client picks a kernel's five
free ports, and the kernel binds them a moment later; another process (a second test, a
server) can take one in between, and the kernel then dies with "Address already in use".
Seen once in a `make test` that ran two tests at a time."""


def start_again_when_it_dies(start: Callable[[], T]) -> T:
    """`start()`, a kernel start, called again (a new kernel, new ports) each time it raises
    RuntimeError, as jupyter_client does for a kernel that died before it answered, up to
    `KERNEL_START_ATTEMPTS` calls in all. Used here and for nbval's kernels (conftest.py).

    Raises:
        RuntimeError: the last call's.
    """
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        try:
            return start()
        except RuntimeError:
            if attempt == KERNEL_START_ATTEMPTS:
                raise


START_AHEAD = False
"""When True (the test suite sets it, in conftest.py), `execute` starts the next kernel while its
own runs the cells, and the next `execute` in this process connects to that one, ready by then,
instead of waiting for a new kernel (0.7-0.8 s to start on an idle 2-core machine). Measured:
8 restart tests one at a time took 16.2-17.5 s with it, 20.3-20.7 s without. Off for
`make notebooks`.

A kernel takes its environment variables when it starts, and a test may change some before the
next run (its own progress file, say). The kernel started ahead is given the changes (in
`os.environ`, before the first cell, so also to every process it starts), which is the same as
starting with them for a kernel that has run nothing yet; unless a changed variable is read
when Python starts (`PYTHON*`, `LD_*`, `PATH`...) or the folder differs: that kernel is stopped
and a new one started."""

_ahead: tuple[object, str, dict[str, str]] | None = None
"""The kernel started ahead: (its kernel manager, its working folder, the environment it got)."""

_READ_AT_START = re.compile(r"PYTHON|LD_|DYLD_|PATH$|JPY_|JUPYTER|IPYTHON|MPLBACKEND$")
"""Environment variables a kernel reads as it starts: one that changed needs a new kernel."""


def _start_ahead(folder: Path) -> None:
    """Start a kernel in `folder` for the next `execute` (when `START_AHEAD`); it boots on its own
    while this process goes on."""
    global _ahead
    if START_AHEAD:  # the previous one was taken or stopped by `_start_kernel`
        client = _client(nbformat.v4.new_notebook(), folder)
        client.km = client.create_kernel_manager()
        client.start_new_kernel()  # returns once the process is launched, before it answers
        _ahead = (client.km, str(folder), dict(os.environ))


def _take_the_kernel_ahead(folder: Path):
    """(kernel manager, code that brings its environment up to date) for the kernel started
    ahead, when it suits a kernel for `folder` now (see `START_AHEAD`); (None, "") otherwise,
    the kernel started ahead being stopped."""
    global _ahead
    if _ahead is not None and _ahead[1] == str(folder):
        manager, _, its = _ahead
        now = dict(os.environ)
        changed = {name: value for name, value in now.items() if its.get(name) != value}
        removed = [name for name in its if name not in now]
        if not any(_READ_AT_START.match(name) for name in [*changed, *removed]):
            _ahead = None
            # Binds no name in the kernel: a set-up cell that forgot `import os` still fails.
            code = f"__import__('os').environ.update({changed!r})" + "".join(
                f"; __import__('os').environ.pop({name!r}, None)" for name in removed)
            return manager, code
    stop_the_kernel_ahead()
    return None, ""


def stop_the_kernel_ahead() -> None:
    """Stop the kernel started ahead, if there is one (at exit, at the latest)."""
    global _ahead
    if _ahead is not None:
        manager, _ahead = _ahead[0], None
        try:
            run_sync(manager.shutdown_kernel)(now=True)
        finally:
            run_sync(manager.cleanup_resources)()


atexit.register(stop_the_kernel_ahead)


def _start_kernel(client: NotebookClient, folder: Path | None = None) -> None:
    """Start `client`'s kernel, or take the one started ahead for `folder` (`START_AHEAD`), and
    connect to it (`start_again_when_it_dies`)."""
    def start() -> None:
        ahead, up_to_date = _take_the_kernel_ahead(folder) if folder is not None else (None, "")
        client.km = ahead or client.create_kernel_manager()
        if ahead is None:
            client.start_new_kernel()
        client.start_new_kernel_client()  # on failure, stops the kernel and forgets it
        if ahead is not None:
            client.wait_for_reply(client.kc.execute(up_to_date, silent=True, store_history=False))
    start_again_when_it_dies(start)


def _quick_exit(client: NotebookClient) -> None:
    """Shorten the kernel's output flush timeout (`QUICK_EXIT`): every output is in by now."""
    client.wait_for_reply(client.kc.execute(QUICK_EXIT, silent=True, store_history=False))


def numbered_sections(notebook: nbformat.NotebookNode) -> list[tuple[str, list[int]]]:
    """Each numbered section of a lesson notebook, in order: (its number, such as "4.2", and the
    indices of its cells, from its `## 4.2 ...` heading up to the next `## ` heading). Cells before
    the first numbered section, and unnumbered ones such as `## Recap`, belong to none."""
    found: list[tuple[str, list[int]]] = []
    for index, cell in enumerate(notebook.cells):
        heading = re.search(r"^## (\S+)", cell.source, flags=re.MULTILINE) \
            if cell.cell_type == "markdown" else None
        if heading:
            found.append((heading[1], []))
        if found:
            found[-1][1].append(index)
    return [(number, cells) for number, cells in found if re.fullmatch(r"\d+\.\d+", number)]


SET_UP_MARK = "# Set-up"
"""The first line of every cell a learner runs again after restarting the kernel."""


def section_cells(notebook: nbformat.NotebookNode, number: str,
                  to_the_end: bool = False) -> list[int]:
    """The cells a learner runs after restarting the kernel to come back to section `number`:
    every `# Set-up` code cell above it, then the section's code cells (on to the notebook's
    last cell when `to_the_end`).

    Raises:
        KeyError: when the notebook has no numbered section `number` (such as "7.5").
    """
    sections = dict(numbered_sections(notebook))
    if number not in sections:
        raise KeyError(f"no section {number} in this notebook; it has {list(sections)}")
    section = sections[number]
    if to_the_end:
        section = list(range(section[0], len(notebook.cells)))
    set_up = [i for i, cell in enumerate(notebook.cells[:section[0]])
              if cell.cell_type == "code" and cell.source.startswith(SET_UP_MARK)]
    return set_up + [i for i in section if notebook.cells[i].cell_type == "code"]


def apply_edits(notebook: nbformat.NotebookNode, edits: dict[str, str],
                cells: list[int] | None = None) -> None:
    """Change the notebook's code the way a learner would, in place: each `old` text becomes
    `new` (plain text, not a pattern), among the code cells `cells` (all when None).

    Raises:
        ValueError: when an `old` text is not found exactly once there, so a test that edits a
            number that has moved or been renamed fails loudly instead of testing nothing.
    """
    chosen = range(len(notebook.cells)) if cells is None else cells
    code = [i for i in chosen if notebook.cells[i].cell_type == "code"]
    for old, new in edits.items():
        found = [i for i in code if old in notebook.cells[i].source]
        count = sum(notebook.cells[i].source.count(old) for i in found)
        if count != 1:
            raise ValueError(f"{old!r} occurs {count} times in the chosen cells, not once")
        notebook.cells[found[0]].source = notebook.cells[found[0]].source.replace(old, new)


def rerun_section(path: Path, number: str, edits: dict[str, str] | None = None,
                  to_the_end: bool = False) -> nbformat.NotebookNode:
    """Act out a learner who changes a section's code and runs it again: in a fresh kernel, run
    the `# Set-up` cells above section `number` and then the section, with `edits` applied to
    their source first (see `apply_edits`).

    Returns the notebook with the new outputs in the cells that ran (`section_cells`).

    Raises:
        KeyError: for a section the notebook does not have.
        ValueError: for an edit whose old text is not found exactly once in those cells.
        nbclient.exceptions.CellExecutionError: when a cell raises.
    """
    notebook = nbformat.read(path, as_version=4)
    cells = section_cells(notebook, number, to_the_end)
    if edits:
        apply_edits(notebook, edits, cells)
    return execute(path, cells=cells, notebook=notebook)


def section_text(notebook: nbformat.NotebookNode, number: str) -> str:
    """The plain text a reader sees under the code cells of section `number` (streams and
    plain-text results, joined): what an edit-and-rerun test reads its effect from."""
    texts = []
    for index in dict(numbered_sections(notebook))[number]:
        cell = notebook.cells[index]
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.output_type == "stream":
                texts.append(output.text)
            elif output.output_type == "error":
                texts.append(f"{output.ename}: {output.evalue}")
            else:
                texts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


def execute(path: Path, times: int = 1, cells: list[int] | None = None,
            notebook: nbformat.NotebookNode | None = None) -> nbformat.NotebookNode:
    """Run the cells of the notebook at `path` `times` times in one fresh kernel.

    Args:
        path: the notebook (`.ipynb`); its folder is the kernel's working directory.
        times: how many times the cells run, one after another, in the same kernel.
        cells: indices (0-based, among all cells) of the cells to run, in this order; every cell
            when None. The other cells keep their stored outputs.
        notebook: the notebook to run instead of the one read from `path` (an edited copy).

    Returns the notebook with the outputs of the last run. Running twice in one kernel is how
    the tests make sure that "Run all" can be repeated without a restart; running a few cells
    is how they act out a learner who restarted the kernel in the middle of a lesson.

    Raises:
        nbclient.exceptions.CellExecutionError: when a cell raises; the message names the cell.
        nbclient.exceptions.CellTimeoutError: when a cell runs longer than `CELL_TIMEOUT`.
    """
    if notebook is None:
        notebook = nbformat.read(path, as_version=4)
    folder = path.parent.resolve()
    client = _client(notebook, folder)
    with tempfile.TemporaryDirectory() as scratch:
        previous = os.environ.get(PROGRESS_ENV_VAR)
        os.environ.setdefault(PROGRESS_ENV_VAR, str(Path(scratch) / "progress.json"))
        try:
            _start_kernel(client, folder)
            with client.setup_kernel():
                # The kernel's own description of its language, stored as JupyterLab stores it
                # when it connects, so opening the notebook does not mark it modified.
                reply = client.wait_for_reply(client.kc.kernel_info())
                if reply and "language_info" in reply["content"]:
                    notebook.metadata["language_info"] = reply["content"]["language_info"]
                _start_ahead(folder)
                for _ in range(times):
                    client.execution_count = 0
                    for index in range(len(notebook.cells)) if cells is None else cells:
                        client.execute_cell(notebook.cells[index], index)
                _quick_exit(client)
        finally:
            if previous is None:
                os.environ.pop(PROGRESS_ENV_VAR, None)
    return notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Re-execute notebooks in place.")
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.notebooks:
        started = time.perf_counter()
        notebook = execute(path)
        nbformat.write(notebook, path)
        print(f"{path}: executed in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
