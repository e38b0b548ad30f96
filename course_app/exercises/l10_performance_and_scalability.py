"""Lesson 10's exercises: read a load sweep the way a capacity plan does.

Each check calls the answer with made-up sweeps whose numbers are chosen so that the usual
mistakes (comparing with the previous run, using the median, ignoring the latency limit) give a
different answer from the right one.
"""

from __future__ import annotations

import inspect

from course_app.exercise import Hint, exercise
from course_app.load import LoadResult
from course_app.solutions import l10_performance_and_scalability as solutions


def run(concurrency: int, p50_ms: float, p95_ms: float, throughput: float,
        max_ms: float | None = None) -> LoadResult:
    """A made-up `LoadResult` of 100 requests with the given median, p95 and throughput: 90
    take `p50_ms`, 9 take `p95_ms` and the slowest `max_ms` (default `p95_ms`)."""
    latencies = [p50_ms / 1000] * 90 + [p95_ms / 1000] * 9 + [(max_ms or p95_ms) / 1000]
    return LoadResult(path="/scenario", concurrency=concurrency, sent=100,
                      wall_time=100 / throughput, latencies=latencies)


def _sweep(*rows: tuple) -> list[LoadResult]:
    return [run(*row) for row in rows]


# concurrency, p50 ms, p95 ms, throughput req/s
THREADPOOL = _sweep((1, 210, 215, 4.7), (10, 212, 225, 46), (40, 218, 290, 160),
                    (80, 450, 520, 167))
BLOCKED_LOOP = _sweep((1, 205, 206, 4.9), (2, 400, 410, 4.9), (4, 810, 830, 4.9))
AWAITED = _sweep((1, 209, 211, 4.8), (10, 215, 221, 46), (40, 229, 244, 170),
                 (80, 240, 279, 313))
GRADUAL = _sweep((1, 200, 210, 5), (10, 250, 300, 45), (40, 320, 420, 150), (80, 420, 600, 260))
"""Latency grows by under 1.5× from each run to the next, but by 2× from the first to 40."""
TAIL_ONLY = _sweep((1, 200, 210, 5), (10, 205, 230, 48), (40, 210, 700, 170))
"""The median stays flat while the p95 triples: only a p95 check sees it."""

ONE_OUTLIER = _sweep((1, 200, 210, 5), (10, 205, 220, 48, 900), (40, 210, 700, 170))
"""One request in a hundred was slow at c=10 (the max), but the p95 did not move until c=40."""

KNEE_CASES = [(THREADPOOL, 80), (BLOCKED_LOOP, 2), (AWAITED, None), (GRADUAL, 40),
              (TAIL_ONLY, 40), (ONE_OUTLIER, 40)]


def _call(answer, name: str, *args):
    result = answer(*args)
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()
        raise Hint(f"`{name}` only computes from the numbers it is given: make it a plain `def` "
                   "(an `async def` returns a coroutine that must be awaited).")
    if isinstance(result, LoadResult):
        raise Hint(f"`{name}` returned a whole LoadResult: return its `.concurrency` (an int).")
    return result


@exercise("10.1", "find the knee of a sweep", expects="function", solution=solutions.knee)
def check_knee(knee) -> str:
    for sweep, expected in KNEE_CASES:
        got = _call(knee, "knee", list(sweep))
        if got == expected:
            continue
        table = ", ".join(f"c={r.concurrency}: p95 {r.p95_ms:.0f} ms" for r in sweep)
        if expected is None:
            raise Hint(f"for a sweep whose latency hardly grows ({table}) the answer is None, "
                       f"not {got!r}: return None when no run is over 1.5× the first one's p95.")
        if sweep is GRADUAL and got is None:
            raise Hint(f"for {table} the answer is {expected}: compare each run with the "
                       "*first* run (the lowest concurrency), not with the run before it.")
        if sweep is ONE_OUTLIER and got == 10:
            raise Hint(f"for {table} the answer is {expected}: one slow request in a hundred "
                       "(the max) is not a knee; use the p95 (`.p95_ms`).")
        if sweep is TAIL_ONLY and got is None:
            raise Hint(f"for {table} the answer is {expected}: use the p95 (`.p95_ms`), not "
                       "the median; the slow tail is what users notice first.")
        raise Hint(f"for {table} the knee is at c={expected}, but `knee` returned {got!r}.")
    return "right for a threadpool, a blocked loop, an awaited wait, and two tricky sweeps."


OVERLOADED = _sweep((1, 200, 205, 5), (10, 210, 230, 48), (40, 220, 250, 40))
"""Throughput falls at 40 (the server thrashes) though the p95 stays within 300 ms."""

LIMIT_CASES = [(THREADPOOL, 300, 40), (THREADPOOL, 600, 80), (BLOCKED_LOOP, 300, 1),
               (AWAITED, 250, 40), (AWAITED, 100, None), (OVERLOADED, 300, 10)]


@exercise("10.2", "the best concurrency within a latency limit", expects="function",
          solution=solutions.best_concurrency)
def check_best_concurrency(best_concurrency) -> str:
    for sweep, limit, expected in LIMIT_CASES:
        got = _call(best_concurrency, "best_concurrency", list(sweep), limit)
        if got == expected:
            continue
        table = ", ".join(f"c={r.concurrency}: {r.throughput:.0f} req/s, p95 {r.p95_ms:.0f} ms"
                          for r in sweep)
        if expected is None:
            raise Hint(f"with a limit of {limit} ms and {table}, no run qualifies: return None, "
                       f"not {got!r}.")
        if got == max(sweep, key=lambda r: r.throughput).concurrency:
            raise Hint(f"with a limit of {limit} ms and {table}, c={got} has the most "
                       f"throughput but its p95 is over the limit: keep only the runs within "
                       f"it (the answer is {expected}).")
        if sweep is OVERLOADED and got == 40:
            raise Hint(f"with a limit of {limit} ms and {table}, c=40 is within the limit but "
                       f"serves less than c=10: pick the most throughput, not the highest "
                       f"concurrency (the answer is {expected}).")
        if got == min(sweep, key=lambda r: r.p95_ms).concurrency:
            raise Hint(f"with a limit of {limit} ms and {table}, c={got} is the fastest, but "
                       f"the aim is the most throughput within the limit ({expected}).")
        raise Hint(f"with a limit of {limit} ms and {table}, the answer is {expected}, but "
                   f"`best_concurrency` returned {got!r}.")
    return "right for every sweep and limit, including when no run is fast enough."
