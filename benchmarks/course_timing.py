"""The course's own benchmark: how long each notebook takes, and how well each timeline the
lessons show overlaps its waits.

    .venv/bin/python benchmarks/course_timing.py              # every notebook (about 2 minutes)
    .venv/bin/python benchmarks/course_timing.py 07 12        # only these lessons
    .venv/bin/python benchmarks/course_timing.py --setup      # also: a fresh venv, uv vs pip
    .venv/bin/python benchmarks/course_timing.py --make-test  # also: make test in a fresh clone

It executes each notebook in a fresh kernel, the way nbval does (nothing is written back), one
at a time, and prints its wall time against its budget (the lesson list's `budget_seconds`), the
sum for lessons 00-12 against their 90 s target, and the total. While a notebook runs, every
timeline it shows (a table or a chart from `course_app.timeline`) is recorded
(`COURSE_TIMELINE_RECORD`), so the comparisons are the ones the learner sees, with the code in
the notebook, not a copy of it. For each recorded timeline it prints the wall time, the longest
single span (what perfect concurrency would take), and the overlap (longest span / wall time:
100 % when everything ran at once, 33 % when three equal waits ran one after another).

With `--setup`, it builds a fresh environment from requirements.txt twice, back to back, in a
temporary folder, the way `make setup` does (tools/environment.py): with uv, then with pip (its
fallback), and prints each wall time and the ratio (uv's cache as it is; pip downloads; needs the
package index). With `--make-test`, it clones this checkout into a temporary folder and runs
`make test` there, as a learner would, then prints its wall time and each phase's.

It reports; it is not a test, and it fails only when a notebook raises.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
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


LAST_CORE_LESSON = 12
"""Lessons 00 to this one are the course's core, whose notebooks share one time target."""
CORE_TARGET_SECONDS = 90.0
"""What lessons 00-12 should take in all, one notebook at a time, in seconds."""


def budget_verdict(notebook: str, wall: float) -> str:
    """"within its 10 s budget" or "OVER its 10 s budget": `wall` (seconds) against the lesson
    list's `budget_seconds` for `notebook` (a file name such as `04_when_to_use_async.ipynb`)."""
    from course_app.lesson_list import LESSONS

    budget = next(lesson.budget_seconds for lesson in LESSONS if lesson.notebook == notebook)
    return f"{'within' if wall <= budget else 'OVER'} its {budget:g} s budget"


def overlap_rows(summaries: list[dict]) -> list[tuple[str, float, float, float]]:
    """(title, wall s, longest span s, overlap) for each distinct timeline shown; a timeline
    shown twice (as a table and a chart) is listed once, with its last measurement."""
    latest: dict[str, dict] = {}
    for summary in summaries:
        latest[summary["title"]] = summary
    return [(title, s["wall_time"], s["longest_span"],
             s["longest_span"] / s["wall_time"] if s["wall_time"] else 1.0)
            for title, s in latest.items()]


def time_setup() -> dict[str, float]:
    """Build a fresh environment from requirements.txt with uv, then with pip, in a temporary
    folder, as `make setup` does; returns {"uv": seconds, "pip": seconds}."""
    sys.path.insert(0, str(ROOT / "tools"))
    import environment

    timings = {}
    with tempfile.TemporaryDirectory(prefix="course-setup-") as scratch:
        for installer in ("uv", "pip"):
            venv = Path(scratch) / installer
            started = time.perf_counter()
            environment.ensure(venv, [ROOT / environment.BASE_REQUIREMENTS], bytecode=False,
                               use_uv=installer == "uv")
            timings[installer] = time.perf_counter() - started
            print(f"  {'fresh venv with ' + installer:40} {timings[installer]:6.1f} s",
                  flush=True)
    print(f"  {'pip / uv':40} {timings['pip'] / timings['uv']:6.1f} x")
    return timings


def time_make_test() -> int:
    """`make test` in a fresh clone of this checkout; prints its phases' times, returns its
    exit code."""
    with tempfile.TemporaryDirectory(prefix="course-make-test-") as scratch:
        clone = Path(scratch) / "course"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        started = time.perf_counter()
        done = subprocess.run(["make", "test"], cwd=clone, capture_output=True, text=True)
        total = time.perf_counter() - started
    output = done.stdout + done.stderr
    setup = re.search(r"^environment .*\[([\d.]+) s\]$", output, flags=re.MULTILINE)
    if setup:
        print(f"  {setup[1]:>7} s  setup (tools/environment.py --test)")
    phases = output.split("\nphase times:\n")[-1].strip().splitlines()
    for line in phases:
        print(f"  {line.strip()}")
    print(f"  {total:7.1f} s  make test, in all (exit code {done.returncode})")
    summary = [line for line in output.splitlines() if re.match(r"=+ .* in [\d.]+s", line)]
    for line in summary:
        print(f"  pytest: {line.strip('= ')}")
    return done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="two-digit lesson numbers (default: all)")
    parser.add_argument("--no-notebooks", action="store_true", help="skip the notebooks")
    parser.add_argument("--setup", action="store_true",
                        help="also a fresh environment with uv, then with pip")
    parser.add_argument("--make-test", action="store_true",
                        help="also make test in a fresh clone, with each phase's time")
    args = parser.parse_args(argv)
    walls: dict[str, float] = {}
    for path in [] if args.no_notebooks else notebooks(args.lessons):
        wall, summaries = run_notebook(path)
        walls[path.name] = wall
        print(f"{path.name:44} {wall:6.1f} s  ({budget_verdict(path.name, wall)})", flush=True)
        for title, timeline_wall, longest, overlap in overlap_rows(summaries):
            print(f"    {title[:46]:46} wall {timeline_wall:6.2f} s  longest span"
                  f" {longest:6.2f} s  overlap {overlap:5.0%}", flush=True)
    core = [wall for name, wall in walls.items() if int(name[:2]) <= LAST_CORE_LESSON]
    if core:
        print(f"{'lessons 00-12':44} {sum(core):6.1f} s  (target {CORE_TARGET_SECONDS:g} s"
              f"{'' if len(core) == LAST_CORE_LESSON + 1 else f'; {len(core)} of them ran'})")
    print(f"{'total':44} {sum(walls.values()):6.1f} s")
    if args.setup:
        print("\nA fresh environment from requirements.txt, back to back")
        time_setup()
    if args.make_test:
        print("\nmake test in a fresh clone")
        return time_make_test()
    return 0


if __name__ == "__main__":
    sys.exit(main())
