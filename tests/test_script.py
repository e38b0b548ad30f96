"""The script runner: a child process with a time limit, its output, its error, and always gone."""

import pytest

from course_app.script import run_script

pytestmark = pytest.mark.anyio


async def test_a_script_that_exits_gives_its_output_and_status():
    run = await run_script("import sys\nprint('hello', sys.argv[1])\n", "Ada")
    assert run.exited and run.returncode == 0
    assert run.output == ["hello Ada"] and run.error is None


async def test_an_error_is_the_last_line_of_its_traceback_without_the_folder():
    run = await run_script("import shop\nraise ValueError('no ' + shop.__file__)\n", name="shop.py")
    assert run.exited and run.returncode == 1
    assert run.error == "ValueError: no shop.py"  # it imported itself, from its own folder


async def test_a_script_that_hangs_is_killed_after_the_time_limit():
    run = await run_script("import time\nprint('working', flush=True)\ntime.sleep(60)\n",
                           timeout=1.5)
    assert not run.exited and run.returncode is None
    assert run.output == ["working"] and 1.5 <= run.seconds < 10


async def test_quiet_for_kills_a_script_that_stopped_printing_but_not_one_still_starting():
    hangs = await run_script("import time\ntime.sleep(1.0)\nprint('done', flush=True)\n"
                             "time.sleep(60)\n", quiet_for=0.5)
    assert not hangs.exited and hangs.output == ["done"]
    assert 1.5 <= hangs.seconds < 10  # the silent second before 'done' did not count
