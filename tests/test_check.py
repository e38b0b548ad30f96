"""The exercise core: the slips it answers itself, and that it never raises."""

import asyncio
import warnings

import pytest

from course_app import progress
from course_app.check import check, evaluate, exercises, find, lesson_module_name
from course_app.exercise import Hint, exercise, unregister

pytestmark = pytest.mark.anyio


async def _double(x):
    return 2 * x


@pytest.fixture
def toy_exercises():
    """Three throwaway exercises, removed again after the test."""
    @exercise("T.1", "double", expects="async function", solution=_double, time_limit=0.3)
    async def check_double(answer):
        result = await answer(21)
        if result != 42:
            raise Hint(f"double(21) gave {result!r}")
        return "doubles"

    @exercise("T.2", "a value", expects="value", solution=lambda: 42)
    def check_value(answer):
        if answer != 42:
            raise Hint("not 42")
        return ""

    @exercise("T.3", "any function", expects="function", solution=len)
    def check_function(answer):
        return answer([1, 2])

    yield
    for exercise_id in ("T.1", "T.2", "T.3"):
        unregister(exercise_id)


@pytest.mark.usefixtures("toy_exercises")
class TestSlipsAnsweredByTheCore:
    async def test_gather_given_a_generator_gets_the_star_hint_not_the_await_hint(self):
        async def gathers_a_generator(x):
            results = await asyncio.gather(_double(x) for _ in range(2))
            return results[0]

        async def gathers_a_list(x):
            results = await asyncio.gather([_double(x) for _ in range(2)])
            return results[0]

        for answer in (gathers_a_generator, gathers_a_list):
            passed, hint = await evaluate("T.1", answer)
            assert not passed
            assert "with `*`" in hint and "never awaited" not in hint, hint

    async def test_a_pass_is_recorded(self, progress_file):
        assert await evaluate("T.1", _double) == (True, "doubles")
        assert "T.1" in progress.load()

    async def test_a_hint_is_not_recorded(self, progress_file):
        async def wrong(x):
            return x

        assert await evaluate("T.1", wrong) == (False, "double(21) gave 21")
        assert progress.load() == {}

    @pytest.mark.parametrize("answer", [None, ...])
    async def test_nothing_filled_in(self, answer):
        passed, hint = await evaluate("T.1", answer)
        assert not passed and "nothing to check yet" in hint

    async def test_plain_def_where_async_def_is_expected(self):
        def plain(x):
            return 2 * x

        passed, hint = await evaluate("T.1", plain)
        assert not passed and "plain `def`" in hint

    async def test_a_coroutine_object_is_closed_without_a_warning(self):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            passed, hint = await evaluate("T.1", _double(1))
            passed_value, hint_value = await evaluate("T.2", _double(21))
        assert seen == []
        assert not passed and "without parentheses" in hint
        assert not passed_value and "put `await` in front" in hint_value

    async def test_a_function_where_a_value_is_expected(self):
        passed, hint = await evaluate("T.2", _double)
        assert not passed and "call it" in hint

    async def test_a_value_where_a_function_is_expected(self):
        passed, hint = await evaluate("T.3", 3)
        assert not passed and "expected a function" in hint

    async def test_an_answer_that_raises(self):
        async def broken(x):
            return {}["missing"]

        passed, hint = await evaluate("T.1", broken)
        assert not passed and hint == "your answer raised KeyError: 'missing'"

    async def test_an_unfinished_answer(self):
        async def unfinished(x):
            raise NotImplementedError

        passed, hint = await evaluate("T.1", unfinished)
        assert not passed and "looks unfinished" in hint

    async def test_a_hanging_answer_is_stopped(self):
        async def hangs(x):
            await asyncio.Event().wait()

        passed, hint = await evaluate("T.1", hangs)
        assert not passed and "did not finish within the check's 0.3 s" in hint

    async def test_a_forgotten_await_inside_the_answer(self):
        async def forgets(x):
            _double(x)
            return 42

        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            passed, hint = await evaluate("T.1", forgets)
        assert seen == []
        assert not passed and "'_double' was never awaited" in hint

    async def test_an_answer_that_exits(self):
        async def exits(x):
            raise SystemExit(0)

        passed, hint = await evaluate("T.1", exits)
        assert not passed and "sys.exit()" in hint

    async def test_an_interrupted_check_says_so(self, capsys):
        async def hangs(x):
            await asyncio.Event().wait()

        async def run_the_check():
            await check("T.1", hangs)

        task = asyncio.create_task(run_the_check())
        await asyncio.sleep(0.05)
        task.cancel()
        await task  # no CancelledError escapes
        assert capsys.readouterr().out == "❌ T.1 not checked: the check was interrupted.\n"

    async def test_an_unknown_exercise(self):
        passed, hint = await evaluate("nope", 1)
        assert not passed and "there is no exercise 'nope'" in hint and "T.1" in hint

    async def test_check_prints_one_line(self, capsys):
        await check("T.2", 42)
        await check("T.2", 41)
        assert capsys.readouterr().out == "✅ T.2 passed.\n❌ T.2 not yet: not 42\n"

    async def test_check_without_await_says_how_to_fix_it(self):
        pending = check("T.2", 42)
        assert "await check('T.2', ...)" in repr(pending)
        assert await pending is None


def test_exercise_registration_refuses_bad_definitions():
    with pytest.raises(ValueError, match="expects"):
        exercise("X.1", "x", expects="number", solution=len)
    first_id = next(iter(exercises()))
    with pytest.raises(ValueError, match="registered twice"):
        exercise(first_id, "again", expects="value", solution=len)(lambda answer: "")


def test_exercise_ids_name_an_existing_lesson():
    from course_app.lesson_list import LESSONS

    numbers = {f"{item.number:02d}" for item in LESSONS}
    for exercise_id in exercises():
        assert exercise_id.split(".")[0] in numbers, exercise_id


def test_an_exercise_is_found_in_its_lesson_s_module_by_name():
    assert lesson_module_name("07.1") == "course_app.exercises.l07_asyncio_gather"
    assert lesson_module_name("12.lifespan") == "course_app.exercises.l12_capstone"
    assert lesson_module_name("99.1") is None
    assert find("07.1").title and find("99.1") is None


def test_the_progress_table_lists_every_exercise(progress_file):
    from course_app.check import progress_table

    progress.record_pass("00.1")
    rows = progress_table().splitlines()
    assert rows[1].startswith("00.1") and "passed" in rows[1]
    assert rows[-1] == f"1 of {len(exercises())} exercises passed"


async def test_a_function_a_process_pool_cannot_send_gets_a_hint_about_importable_functions():
    from concurrent.futures import ProcessPoolExecutor

    from course_app.slips import known_error_hint

    def made_in_a_cell(n):  # local: pickle cannot name it for another interpreter
        return n

    with ProcessPoolExecutor(max_workers=1) as pool:
        with pytest.raises(Exception) as caught:
            await asyncio.get_running_loop().run_in_executor(pool, made_in_a_cell, 1)
    hint = known_error_hint(caught.value) or ""
    assert "importable" in hint and "9.3" in hint, (caught.value, hint)
