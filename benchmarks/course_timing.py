"""The course's own benchmark: how long each notebook takes, and how close each measured
comparison comes to its ideal; on request, how long setting up and `make test` take.

    .venv/bin/python benchmarks/course_timing.py                 # parts 1 and 2 (about 2 minutes)
    .venv/bin/python benchmarks/course_timing.py --no-notebooks  # only the comparisons
    .venv/bin/python benchmarks/course_timing.py --setup         # and part 3 (a few minutes)
    .venv/bin/python benchmarks/course_timing.py --make-test     # and part 4 (10 minutes or so)

Part 1 executes every notebook in a fresh kernel, the way nbval does (nothing is written back),
and prints each one's wall time and the total. Part 2 runs the lessons' comparison functions
directly, not through the notebooks, and prints for each its ideal time (the longest single
wait it contains: what perfect concurrency would take), the measured time, and the efficiency
(ideal / measured; 100 % is perfect, 25 % means four waits ran one after another).

Part 3 builds a fresh environment from requirements.txt twice, back to back, in a temporary
folder, the way `make setup` does (tools/environment.py): with uv, then with pip (its fallback),
and prints each wall time and the ratio. uv's cache is used as it is (warm, after the first
`make setup`); pip downloads. Needs the package index. Part 4 clones this checkout into a
temporary folder and runs `make test` there, as a learner would, then prints its wall time and
the time of each phase (setup, ruff, the parallel pytest run, the serial one).

It reports; it is not a test, and it fails only when a notebook or a comparison raises.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def time_notebooks() -> list[tuple[str, float]]:
    """Execute every notebook once, in order; returns (file name, wall seconds) for each."""
    from course_app.notebook_runner import execute

    timings = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        started = time.perf_counter()
        execute(path)
        timings.append((path.name, time.perf_counter() - started))
        print(f"  {path.name:40} {timings[-1][1]:6.1f} s", flush=True)
    return timings


@dataclass
class Comparison:
    """One measured comparison: `run()` returns the measured seconds of its concurrent way."""

    lesson: str
    name: str
    ideal: float
    run: Callable[[], Awaitable[float]]


async def _l01_gather() -> float:
    from course_app.lessons.l01_what_is_async import serve_concurrently

    return (await serve_concurrently(["Ada", "Grace", "Alan"])).wall_time


async def _l01_app() -> float:
    from course_app.lessons.l01_what_is_async import order_through_app

    return (await order_through_app(["Ada", "Grace", "Alan"])).wall_time


async def _l04_threadpool_41() -> float:
    from course_app.lessons.l04_when_to_use_async import threadpool_waves

    timeline, _ = (await threadpool_waves(counts=(41,)))[41]
    return timeline.wall_time


async def _l05_gather_sqlite() -> float:
    from course_app.database import fresh_database
    from course_app.lessons.l05_async_database import queries_one_after_another_vs_gather

    async with fresh_database():
        measured = await queries_one_after_another_vs_gather(count=4, seconds=0.1)
    return measured["gather"].wall_time


async def _l07_gather() -> float:
    from course_app.client import AppClient
    from course_app.fake_upstream import build_upstream
    from course_app.lessons.l07_asyncio_gather import with_gather

    async with AppClient(build_upstream()) as client:
        _, timeline = await with_gather(client)
    return timeline.wall_time


async def _l09_processes() -> float:
    from course_app.lessons.l09_limits_of_async import two_jobs

    return (await two_jobs("processes")).wall_time


def _l10(path: str, concurrency: int) -> Callable[[], Awaitable[float]]:
    async def run() -> float:
        from course_app.lessons.l10_performance_and_scalability import sweep

        return (await sweep(path, (concurrency,)))[0].wall_time

    return run


def _l10_workers(workers: int) -> Callable[[], Awaitable[float]]:
    async def run() -> float:
        from course_app.lessons.l10_performance_and_scalability import on_workers

        return (await on_workers(workers, concurrency=4)).wall_time

    return run


async def _l12_sections() -> float:
    from course_app.lessons.l12_capstone import in_process_services, one_by_one_vs_gather

    _, together = await one_by_one_vs_gather(in_process_services())
    return together.wall_time


def comparisons() -> list[Comparison]:
    """Every comparison the benchmark runs, with its ideal time in seconds."""
    from course_app.lessons.l01_what_is_async import BREW_SECONDS
    from course_app.lessons.l04_when_to_use_async import THREADPOOL_WAIT_SECONDS
    from course_app.lessons.l07_asyncio_gather import CALLS
    from course_app.lessons.l09_limits_of_async import time_one_job
    from course_app.lessons.l10_performance_and_scalability import ROUNDS, WAIT_SECONDS
    from course_app.lessons.l12_capstone import UPSTREAM_LATENCIES

    rounds = ROUNDS * WAIT_SECONDS  # each worker of a lesson 10 run sends ROUNDS requests
    return [
        Comparison("01", "three brews with gather", BREW_SECONDS, _l01_gather),
        Comparison("01", "three requests through FastAPI", BREW_SECONDS, _l01_app),
        Comparison("04", "41 blocking def requests, 40 threads", THREADPOOL_WAIT_SECONDS,
                   _l04_threadpool_41),
        Comparison("05", "four 0.1 s queries with gather, SQLite", 0.1, _l05_gather_sqlite),
        Comparison("07", "three upstream calls with gather", max(s for _, s in CALLS.values()),
                   _l07_gather),
        Comparison("09", "two CPU jobs in two processes", time_one_job(), _l09_processes),
        Comparison("10", "async def + await, 40 at once", rounds, _l10("/async-io", 40)),
        Comparison("10", "def + blocking, 80 at once", rounds, _l10("/def-blocking", 80)),
        Comparison("10", "async def + blocking, 4 at once, 1 worker", rounds, _l10_workers(1)),
        Comparison("10", "async def + blocking, 4 at once, 2 workers", rounds, _l10_workers(2)),
        Comparison("12", "three dashboard sections with gather", max(UPSTREAM_LATENCIES.values()),
                   _l12_sections),
    ]


async def time_comparisons() -> list[tuple[Comparison, float]]:
    """Run every comparison once, in order; returns (comparison, measured seconds)."""
    results = []
    for comparison in comparisons():
        measured = await comparison.run()
        results.append((comparison, measured))
        print(f"  {comparison.lesson:6}  {comparison.name:45} {comparison.ideal:6.2f} s "
              f"{measured:7.2f} s  {comparison.ideal / measured:9.0%}", flush=True)
    return results


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
    parser.add_argument("--no-notebooks", action="store_true", help="skip part 1")
    parser.add_argument("--setup", action="store_true",
                        help="part 3: a fresh environment with uv, then with pip")
    parser.add_argument("--make-test", action="store_true",
                        help="part 4: make test in a fresh clone, with each phase's time")
    args = parser.parse_args(argv)
    if not args.no_notebooks:
        print("Part 1: every notebook, executed once in a fresh kernel")
        timings = time_notebooks()
        print(f"  {'total':40} {sum(t for _, t in timings):6.1f} s\n")
    print("Part 2: the lessons' comparisons, run directly")
    print(f"  {'lesson':6}  {'comparison':45} {'ideal':>8} {'measured':>9} {'efficiency':>10}")
    asyncio.run(time_comparisons())
    if args.setup:
        print("\nPart 3: a fresh environment from requirements.txt, back to back")
        time_setup()
    if args.make_test:
        print("\nPart 4: make test in a fresh clone")
        time_make_test()
    return 0


if __name__ == "__main__":
    sys.exit(main())
