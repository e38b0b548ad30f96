import asyncio
import warnings

import pytest

from course_app.pitfall import describe, pitfall


async def greet() -> str:
    return "hello"


def test_an_exception_becomes_one_caught_line(capsys):
    with pitfall() as caught:
        raise RuntimeError("asyncio.run() cannot be called from a running event loop\nmore")
    assert capsys.readouterr().out == (
        "caught RuntimeError: asyncio.run() cannot be called from a running event loop\n"
    )
    assert caught.error_type is RuntimeError


def test_a_forgotten_coroutine_is_reported_inside_the_block_and_not_after(capsys):
    with warnings.catch_warnings(record=True) as outside:
        warnings.simplefilter("always")
        with pitfall() as caught:
            greet()  # never awaited
    assert outside == []
    assert caught.warned("was never awaited")
    assert capsys.readouterr().out == "caught RuntimeWarning: coroutine 'greet' was never awaited\n"


def test_a_coroutine_held_by_an_attribute_error_is_released_inside_the_block(capsys):
    with warnings.catch_warnings(record=True) as outside:
        warnings.simplefilter("always")
        with pitfall() as caught:
            greet().json()
    assert outside == []
    assert caught.error_type is AttributeError
    assert caught.warned("'greet' was never awaited")


def test_a_clean_block_says_so(capsys):
    with pitfall() as caught:
        pass
    assert caught.error is None
    assert capsys.readouterr().out.startswith("caught nothing")


def test_report_false_prints_nothing(capsys):
    with pitfall(report=False) as caught:
        raise ValueError("x")
    assert capsys.readouterr().out == ""
    assert caught.lines == ["ValueError: x"]


@pytest.mark.anyio
async def test_async_timeout_stops_a_hang(capsys):
    async with pitfall(timeout=0.05) as caught:
        await asyncio.Event().wait()
    assert caught.error_type is TimeoutError
    assert capsys.readouterr().out == "caught TimeoutError: gave up after 0.05 s\n"


def test_timeout_needs_async_with():
    with pytest.raises(TypeError, match="async with"):
        with pitfall(timeout=1):
            pass


def test_keyboard_interrupt_is_not_swallowed():
    with pytest.raises(KeyboardInterrupt):
        with pitfall():
            raise KeyboardInterrupt


def test_describe_removes_addresses():
    assert describe(ValueError("<coroutine object f at 0x7f00ab12>")) == (
        "ValueError: <coroutine object f>"
    )
    assert describe(ValueError()) == "ValueError"


def test_describe_names_the_first_error_of_a_group():
    group = ExceptionGroup("unhandled errors in a TaskGroup", [ValueError("burnt toast")])
    assert describe(group) == (
        "ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception); "
        "the first is ValueError: burnt toast"
    )
