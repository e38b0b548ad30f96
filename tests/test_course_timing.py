"""The course benchmark reads what the notebooks measured, from the timelines they show."""

import importlib.util
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from course_app import paths
from course_app.timeline import RECORD_ENV, Timeline

BENCHMARK = paths.COURSE_ROOT / "benchmarks" / "course_timing.py"


def _benchmark():
    spec = importlib.util.spec_from_file_location("course_timing", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_a_shown_timeline_is_recorded_only_when_asked(tmp_path, monkeypatch):
    timeline = Timeline("gather")
    timeline.record("a", 0.0, 0.3)
    timeline.record("b", 0.0, 0.1)
    monkeypatch.delenv(RECORD_ENV, raising=False)
    timeline.table()
    record = tmp_path / "t.jsonl"
    monkeypatch.setenv(RECORD_ENV, str(record))
    timeline.table()
    assert len(record.read_text().splitlines()) == 1
    summary = timeline.summary()
    assert summary["wall_time"] == summary["longest_span"] == 0.3
    assert summary["max_overlap"] == 2


def test_the_benchmark_runs_a_notebook_and_reads_its_timelines(tmp_path):
    notebook = new_notebook(cells=[new_code_cell(
        "import asyncio\n"
        "from course_app.timeline import Timeline\n"
        "t = Timeline('two waits with gather')\n"
        "async def wait(name, s):\n"
        "    async with t.span(name):\n"
        "        await asyncio.sleep(s)\n"
        "await asyncio.gather(wait('a', 0.2), wait('b', 0.1))\n"
        "t.show()\n")])
    path = tmp_path / "99_toy.ipynb"
    nbformat.write(notebook, path)
    benchmark = _benchmark()
    wall, summaries = benchmark.run_notebook(path)
    ((title, timeline_wall, longest, overlap),) = benchmark.overlap_rows(summaries)
    assert title == "two waits with gather"
    assert longest >= 0.2 and timeline_wall >= longest
    assert overlap > 0.6, "the two waits overlapped"
    assert wall >= timeline_wall


def test_each_notebook_is_measured_against_its_lesson_s_budget():
    benchmark = _benchmark()
    assert benchmark.budget_verdict("04_when_to_use_async.ipynb", 9.9) == "within its 10 s budget"
    assert benchmark.budget_verdict("04_when_to_use_async.ipynb", 10.1) == "OVER its 10 s budget"
    assert benchmark.budget_verdict("10_performance_and_scalability.ipynb", 29.0) == (
        "within its 30 s budget")
    assert benchmark.budget_verdict("12_capstone.ipynb", 20.5) == "OVER its 20 s budget"
