"""JupyterLab as `make lab` starts it, in a real browser: lesson 00 opens, cells run, plots show.

JupyterLab runs with `make lab`'s flags (`make lab-flags` prints them) on a temporary copy of the
notebooks (running a cell never changes the committed ones), on a free port, with a test token,
and with its own Jupyter config, runtime, settings and workspace folders in the temporary folder,
so the settings of whoever runs the tests play no part.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

COURSE_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "course-browser-test"
LESSON_00 = "00_start_here.ipynb"


def lab_flags() -> list[str]:
    """`make lab`'s JupyterLab flags, from the Makefile itself."""
    made = subprocess.run(["make", "-s", "--no-print-directory", "lab-flags"], cwd=COURSE_ROOT,
                          capture_output=True, text=True, check=True)
    return made.stdout.splitlines()


def code_cell_indexes(notebook: Path) -> dict[str, int]:
    """Positions (among all cells) of the first code cell and of the first cell that plots."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = [index for index, cell in enumerate(cells) if cell["cell_type"] == "code"]
    plots = [index for index in code if ".plot()" in "".join(cells[index]["source"])]
    return {"first": code[0], "plot": plots[0]}


class Lab:
    """A running JupyterLab: its process, base URL, and a clean stop."""

    def __init__(self, root: Path):
        from course_app.server import free_port

        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ,
               "JUPYTER_CONFIG_DIR": str(root / ".jupyter-config"),
               "JUPYTER_RUNTIME_DIR": str(root / ".jupyter-runtime"),
               "JUPYTERLAB_SETTINGS_DIR": str(root / ".jupyterlab-user-settings"),
               "JUPYTERLAB_WORKSPACES_DIR": str(root / ".jupyterlab-workspaces")}
        self.log = (root / "jupyterlab.log").open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", *lab_flags(), "--no-browser",
             f"--ServerApp.root_dir={root}", f"--ServerApp.port={self.port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}"],
            cwd=COURSE_ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            assert self.process.poll() is None, f"JupyterLab exited: {self.log_text()}"
            try:
                if httpx.get(f"{self.url}/api/status", params={"token": TOKEN}).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"JupyterLab did not start: {self.log_text()}"
            time.sleep(0.5)

    def log_text(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return (self.root / "jupyterlab.log").read_text(encoding="utf-8")[-3000:]

    def stop(self) -> tuple[int, list[int]]:
        """Shut JupyterLab down through its API; (exit code, its child processes still alive)."""
        children = psutil.Process(self.process.pid).children(recursive=True)
        httpx.post(f"{self.url}/api/shutdown", headers={"Authorization": f"token {TOKEN}"})
        code = self.process.wait(timeout=60)
        _, alive = psutil.wait_procs(children, timeout=10)
        self.log.close()
        return code, [child.pid for child in alive]

    def kill(self) -> None:
        if self.process.poll() is None:
            for child in psutil.Process(self.process.pid).children(recursive=True):
                child.kill()
            self.process.kill()
            self.process.wait(timeout=10)
        if not self.log.closed:
            self.log.close()


@pytest.fixture(scope="module")
def lab(browser, tmp_path_factory):
    """JupyterLab with `make lab`'s settings on a copy of the notebooks (module-wide)."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(COURSE_ROOT / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    running = Lab(root)
    yield running
    running.kill()


def test_lesson_00_opens_runs_cells_and_shows_a_plot(watched, lab, screenshots):
    committed = (COURSE_ROOT / "notebooks" / LESSON_00).read_bytes()
    page = watched.page
    page.goto(f"{lab.url}/?token={TOKEN}")  # make lab's default URL: lesson 00
    page.wait_for_url(f"**/lab/tree/notebooks/{LESSON_00}*", timeout=60_000)
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
    where = code_cell_indexes(lab.root / "notebooks" / LESSON_00)
    # The status bar says "Python 3 (ipykernel) | Idle" once the kernel is ready.
    page.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"\| Idle")).wait_for(
        timeout=120_000)
    first = cells.nth(where["first"])
    first.locator(".cm-content").click(timeout=60_000)
    page.keyboard.press("Shift+Enter")
    first.locator(".jp-OutputArea-output").get_by_text(
        "An event loop is running in this kernel: True").wait_for(timeout=90_000)

    # On, cell by cell, to the first one that draws a timeline.
    for _ in range(where["plot"] - where["first"]):
        page.keyboard.press("Shift+Enter")
        page.wait_for_timeout(100)
    plot = cells.nth(where["plot"]).locator(".jp-OutputArea-output img")
    plot.wait_for(timeout=90_000)
    plot.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 100",
                           arg=plot.element_handle())
    page.screenshot(path=screenshots / "jupyterlab_lesson_00.png")

    assert page.get_by_text("official Jupyter news").count() == 0, "the news pop-up is shown"
    assert page.locator(".Toastify__toast").count() == 0, "a notification covers the lesson"
    errors = [text for text in watched.console_errors if "favicon" not in text]
    assert errors == []
    page.keyboard.press("Control+s")  # saves the copy, never the committed notebook
    assert (COURSE_ROOT / "notebooks" / LESSON_00).read_bytes() == committed


def test_lesson_01_slider_and_toggle_redraw_the_timeline(watched, lab, screenshots):
    """The one interactive experiment: moving a control sends the requests again and redraws."""
    notebook = "01_what_is_async.ipynb"
    text = (lab.root / "notebooks" / notebook).read_text(encoding="utf-8")
    cells_json = json.loads(text)["cells"]
    set_up = [index for index, cell in enumerate(cells_json) if cell["cell_type"] == "code"
              and "".join(cell["source"]).startswith("# Set-up")]
    widget = next(index for index, cell in enumerate(cells_json)
                  if "widgets.IntSlider" in "".join(cell["source"]))
    page = watched.page
    # A workspace of its own: only this notebook open, so the status bar speaks of its kernel.
    page.goto(f"{lab.url}/lab/workspaces/slider/tree/notebooks/{notebook}?token={TOKEN}")
    page.locator(".jp-StatusBar-Widget").get_by_text(notebook).wait_for(timeout=120_000)
    page.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"\| Idle")).wait_for(
        timeout=120_000)
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
    for index in [*set_up, widget]:  # the set-up cells, then the experiment
        cells.nth(index).locator(".cm-content").click(timeout=60_000)
        page.keyboard.press("Shift+Enter")
    cell = cells.nth(widget)
    cell.locator(".jp-InputPrompt").get_by_text(f"[{len(set_up) + 1}]").wait_for(
        timeout=120_000)
    picture = cell.locator(".widget-output img")
    picture.wait_for(timeout=60_000)
    picture.scroll_into_view_if_needed()

    def redrawn(before: str) -> str:
        page.screenshot(path=screenshots / "jupyterlab_lesson_01_slider.png")  # if it fails
        page.wait_for_function(
            "([cell, before]) => { const img = cell.querySelector('.widget-output img');"
            " return img && img.src !== before && img.complete && img.naturalWidth > 100; }",
            arg=[cell.element_handle(), before], timeout=90_000)
        return picture.get_attribute("src")

    first = picture.get_attribute("src")
    cell.get_by_role("button", name="def + time.sleep", exact=True).click()
    toggled = redrawn(first)
    cell.locator(".noUi-handle").first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    cell.locator(".widget-readout").get_by_text("5", exact=True).wait_for(timeout=30_000)
    redrawn(toggled)
    page.screenshot(path=screenshots / "jupyterlab_lesson_01_slider.png")
    errors = [text for text in watched.console_errors if "favicon" not in text]
    assert errors == []


def test_jupyterlab_stops_cleanly(lab):
    code, alive = lab.stop()
    assert code == 0, lab.log_text()
    assert alive == [], f"processes left by JupyterLab: {alive}"
    assert "Kernel shutdown: " in lab.log_text(), "the kernel was shut down, not left behind"
