"""Lesson 10's exercises (`course_app/exercises/l10_performance_and_scalability.py`): the reference
solutions pass, and each wrong answer below gets the hint written beside it."""

import pytest
from wrong_answers import (
    WrongAnswers,
    assert_hint,
    assert_passes,
    lesson_exercise_ids,
    reference_answer,
)

pytestmark = pytest.mark.anyio
wrong = WrongAnswers("10")


@pytest.mark.parametrize("exercise_id", lesson_exercise_ids("10"))
async def test_reference_solution_passes(exercise_id):
    await assert_passes(exercise_id, await reference_answer(exercise_id))


@wrong("10.1", "compare each run with the *first* run")
def _knee_vs_previous(results):
    for before, after in zip(results, results[1:], strict=False):
        if after.p95_ms > 1.5 * before.p95_ms:
            return after.concurrency
    return None


@wrong("10.1", "use the p95")
def _knee_median(results):
    for result in results[1:]:
        if result.p50_ms > 1.5 * results[0].p50_ms:
            return result.concurrency
    return None


@wrong("10.1", "return its `.concurrency`")
def _knee_returns_the_result(results):
    for result in results[1:]:
        if result.p95_ms > 1.5 * results[0].p95_ms:
            return result
    return None


@wrong("10.1", "the knee is at c=2")
def _knee_always_last(results):
    return results[-1].concurrency


@wrong("10.1", "make it a plain `def`")
async def _knee_async(results):
    return None


@wrong("10.1", "has no body")
def _knee_unwritten(results):
    ...


@wrong("10.1", "one slow request in a hundred")
def _knee_max(results):
    for result in results[1:]:
        if result.max_ms > 1.5 * results[0].max_ms:
            return result.concurrency
    return None


@wrong("10.2", "keep only the runs within")
def _best_ignores_the_limit(results, p95_limit_ms):
    return max(results, key=lambda r: r.throughput).concurrency


@wrong("10.2", "the aim is the most throughput within the limit")
def _best_fastest(results, p95_limit_ms):
    return min(results, key=lambda r: r.p95_ms).concurrency


@wrong("10.2", "no run qualifies")
def _best_never_none(results, p95_limit_ms):
    within = [r for r in results if r.p95_ms <= p95_limit_ms] or results
    return max(within, key=lambda r: r.throughput).concurrency


@wrong("10.2", "return its `.concurrency`")
def _best_returns_the_result(results, p95_limit_ms):
    within = [r for r in results if r.p95_ms <= p95_limit_ms]
    return max(within, key=lambda r: r.throughput) if within else None


@wrong("10.2", "pick the most throughput")
def _best_highest_concurrency_within(results, p95_limit_ms):
    within = [r for r in results if r.p95_ms <= p95_limit_ms]
    return max(within, key=lambda r: r.concurrency).concurrency if within else None


def test_every_exercise_has_at_least_three_wrong_answers():
    counts = wrong.count()
    assert counts and all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), wrong.cases)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    await assert_hint(exercise_id, answer, hint)
