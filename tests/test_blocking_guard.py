"""A blocking answer is interrupted, answered with a hint, and leaves the kernel usable."""

import asyncio
import threading
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_app.blocking_guard import LoopBlocked, interrupt_if_blocked
from course_app.check import evaluate
from course_app.exercise import Hint, exercise, unregister
from course_app.notebook_runner import execute

pytestmark = pytest.mark.anyio


async def _sleeps():
    time.sleep(60)


async def _spins():
    while True:
        pass


async def _waits_on_a_thread_lock():
    threading.Semaphore(0).acquire()


async def _swallows_and_sleeps_again():
    while True:
        try:
            time.sleep(60)
        except Exception:
            pass


@pytest.mark.parametrize("blocking", [_sleeps, _spins, _waits_on_a_thread_lock])
async def test_blocking_code_is_interrupted_and_the_loop_keeps_time_afterwards(blocking):
    threads = threading.active_count()
    started = time.monotonic()
    with pytest.raises(LoopBlocked):
        async with interrupt_if_blocked(0.5) as guard:
            await blocking()
    assert guard.blocked_for >= 0.5
    assert time.monotonic() - started < 3
    assert threading.active_count() == threads, "no thread is left running the answer"
    started = time.monotonic()
    await asyncio.sleep(0.2)
    assert 0.15 < time.monotonic() - started < 0.5, "the next timing is undisturbed"


async def test_code_that_awaits_is_left_alone():
    async with interrupt_if_blocked(0.2) as guard:
        await asyncio.sleep(0.8)
    assert guard.blocked_for is None


@pytest.fixture
def blocking_exercise():
    @exercise("T.9", "an answer", expects="async function", solution=_sleeps, time_limit=10)
    async def check_answer(answer):
        await answer()
        raise Hint("should not get here")

    yield
    unregister("T.9")


@pytest.mark.usefixtures("blocking_exercise")
@pytest.mark.parametrize("blocking", [_sleeps, _swallows_and_sleeps_again])
async def test_a_check_answers_a_blocking_answer_with_a_hint_within_its_limit(blocking):
    started = time.monotonic()
    passed, hint = await evaluate("T.9", blocking)
    assert not passed
    assert "the event loop was frozen for more than 3 s" in hint and "time.sleep" in hint
    # 3 s, or 6 s when the answer swallowed the first interruption
    assert time.monotonic() - started < 8


def test_in_a_real_kernel_a_blocking_answer_gets_a_hint_and_the_next_cell_runs(tmp_path):
    notebook = new_notebook(cells=[
        new_code_cell(
            "import time\n"
            "from course_app.check import check\n"
            "from course_app.exercise import exercise\n"
            "@exercise('T.8', 'x', expects='async function', solution=print, time_limit=10)\n"
            "async def check_it(answer):\n"
            "    await answer()\n"
            "async def answer():\n"
            "    time.sleep(600)\n"
            "started = time.monotonic()\n"
            "await check('T.8', answer)\n"
            "print(f'{time.monotonic() - started:.1f}')\n"),
        new_code_cell("import asyncio\nawait asyncio.sleep(0.1)\nprint('next cell ran')"),
    ])
    path = tmp_path / "blocking.ipynb"
    nbformat.write(notebook, path)
    ran = execute(path)
    first = "".join(o.get("text", "") for o in ran.cells[0].outputs)
    assert "the event loop was frozen for more than 3 s" in first, first
    assert float(first.strip().splitlines()[-1]) < 6, "the hint came soon after the limit"
    assert "next cell ran" in "".join(o.get("text", "") for o in ran.cells[1].outputs)
