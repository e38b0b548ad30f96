import asyncio

import pytest

from course_app.client import AppClient
from course_app.lessons import l09_limits_of_async as lesson
from course_app.pitfall import pitfall

pytestmark = pytest.mark.anyio


def test_count_primes_counts_primes():
    assert lesson.count_primes(30) == 10  # 2 3 5 7 11 13 17 19 23 29
    assert lesson.count_primes(2) == 0


async def test_cpu_work_inline_stalls_health_and_a_thread_or_process_does_not():
    results = await lesson.health_during_work()
    inline, thread, process = (results[way] for way in lesson.WAYS)
    assert inline["health_s"] > 3 * thread["health_s"]
    assert inline["health_s"] > 5 * process["health_s"]
    assert inline["max_lag_ms"] > 5 * max(process["max_lag_ms"], 5)


async def test_threads_take_turns_and_processes_run_in_parallel():
    sequential = await lesson.two_jobs("one after another", limit=150_000, repeat=3)
    threads = await lesson.two_jobs("threads", limit=150_000, repeat=3)
    processes = await lesson.two_jobs("processes", limit=150_000, repeat=3)
    assert threads.wall_time > 0.7 * sequential.wall_time
    assert threads.wall_time > 1.3 * processes.wall_time
    with pytest.raises(ValueError, match="way must be"):
        await lesson.two_jobs("fibres")
    with pytest.raises(ValueError, match="repeat must be"):
        await lesson.two_jobs("threads", repeat=0)


async def test_cpu_app_answers_every_way_in_process():
    async with AppClient(lesson.cpu_app) as client:
        bodies = [(await client.get(f"/{way}")).json() for way in lesson.WAYS]
        lag = (await client.get("/lag")).json()
    assert bodies == [{"primes": lesson.count_primes(lesson.WORK_LIMIT)}] * 3
    assert lag["max_lag_ms"] > 0


async def test_pitfall_a_task_error_nobody_awaited_is_caught_not_lost():
    async def fails() -> None:
        raise ConnectionError("mail server unreachable")

    with pitfall(report=False) as caught:
        task = asyncio.create_task(fails())
        await asyncio.sleep(0.01)
        del task
    assert caught.lines == [
        "Task exception was never retrieved (ConnectionError: mail server unreachable)"
    ]
