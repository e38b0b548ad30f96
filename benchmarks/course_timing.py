"""The course's own benchmark: how long each notebook takes, and how well each timeline the
lessons show overlaps its waits.

    .venv/bin/python benchmarks/course_timing.py              # every notebook (about 2 minutes)
    .venv/bin/python benchmarks/course_timing.py 07 12        # only these lessons

It executes each notebook in a fresh kernel, the way nbval does (nothing is written back), and
prints its wall time and the total. While a notebook runs, every timeline it shows (a table or a
chart from `course_app.timeline`) is recorded (`COURSE_TIMELINE_RECORD`), so the comparisons
are the ones the learner sees, with the code in the notebook, not a copy of it. For each
recorded timeline it prints the wall time, the longest single span (what perfect concurrency
would take), and the overlap (longest span / wall time: 100 % when everything ran at once, 33 %
when three equal waits ran one after another).

It reports; it is not a test, and it fails only when a notebook raises.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def notebooks(lessons: list[str] | None = None) -> list[Path]:
    """The lesson notebooks in order, or only those whose two-digit number is in `lessons`."""
    found = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    return [path for path in found if not lessons or path.name[:2] in lessons]


def run_notebook(path: Path) -> tuple[float, list[dict]]:
    """Execute one notebook in a fresh kernel; returns (wall seconds, the summaries of the
    timelines it showed, in order: see `course_app.timeline.Timeline.summary`)."""
    from course_app.notebook_runner import execute
    from course_app.timeline import RECORD_ENV

    with tempfile.TemporaryDirectory() as scratch:
        record = Path(scratch) / "timelines.jsonl"
        previous = os.environ.get(RECORD_ENV)
        os.environ[RECORD_ENV] = str(record)  # the kernel inherits it
        try:
            started = time.perf_counter()
            execute(path)
            wall = time.perf_counter() - started
        finally:
            if previous is None:
                os.environ.pop(RECORD_ENV, None)
            else:
                os.environ[RECORD_ENV] = previous
        lines = record.read_text(encoding="utf-8").splitlines() if record.exists() else []
    return wall, [json.loads(line) for line in lines]


def overlap_rows(summaries: list[dict]) -> list[tuple[str, float, float, float]]:
    """(title, wall s, longest span s, overlap) for each distinct timeline shown; a timeline
    shown twice (as a table and a chart) is listed once, with its last measurement."""
    latest: dict[str, dict] = {}
    for summary in summaries:
        latest[summary["title"]] = summary
    return [(title, s["wall_time"], s["longest_span"],
             s["longest_span"] / s["wall_time"] if s["wall_time"] else 1.0)
            for title, s in latest.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="two-digit lesson numbers (default: all)")
    args = parser.parse_args(argv)
    total = 0.0
    for path in notebooks(args.lessons):
        wall, summaries = run_notebook(path)
        total += wall
        print(f"{path.name:44} {wall:6.1f} s", flush=True)
        for title, timeline_wall, longest, overlap in overlap_rows(summaries):
            print(f"    {title[:46]:46} wall {timeline_wall:6.2f} s  longest span"
                  f" {longest:6.2f} s  overlap {overlap:5.0%}", flush=True)
    print(f"{'total':44} {total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
