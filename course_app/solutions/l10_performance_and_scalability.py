"""Reference solutions for lesson 10: reading a load sweep."""

from course_app.load import LoadResult


def knee(results: list[LoadResult]) -> int | None:
    """10.1: the first concurrency whose p95 is over 1.5× the p95 at the lowest concurrency."""
    ordered = sorted(results, key=lambda result: result.concurrency)
    baseline = ordered[0].p95_ms
    for result in ordered[1:]:
        if result.p95_ms > 1.5 * baseline:
            return result.concurrency
    return None


def best_concurrency(results: list[LoadResult], p95_limit_ms: float) -> int | None:
    """10.2: the highest throughput among the runs whose p95 stays within the limit."""
    within = [result for result in results if result.p95_ms <= p95_limit_ms]
    if not within:
        return None
    return max(within, key=lambda result: result.throughput).concurrency
