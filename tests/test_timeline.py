import asyncio
import time

import pytest

from course_app.timeline import Timeline, figure, seconds


def test_spans_are_listed_in_the_order_they_were_opened_not_by_start_time():
    timeline = Timeline("t")
    outer = timeline.span("first opened")
    with outer:
        with timeline.span("second opened"):
            pass
    assert [s.name for s in timeline.spans] == ["first opened", "second opened"]
    assert timeline.table().splitlines()[2].startswith("first opened")
    assert timeline.table(order="name").splitlines()[2].startswith("first opened")


@pytest.mark.anyio
async def test_concurrent_spans_overlap_and_sequential_ones_do_not():
    concurrent = Timeline("c")

    async def wait(name):
        async with concurrent.span(name):
            await asyncio.sleep(0.1)

    await asyncio.gather(wait("a"), wait("b"), wait("c"))
    assert concurrent.max_overlap() == 3
    assert concurrent.busy_time > 2 * concurrent.wall_time

    sequential = Timeline("s")
    for name in "abc":
        with sequential.span(name):
            time.sleep(0.02)
    assert sequential.max_overlap() == 1
    assert sequential.wall_time >= sequential.busy_time


def test_table_has_a_fixed_format():
    timeline = Timeline("fixed")
    timeline.record("b", 10.0, 10.25)
    timeline.record("a", 10.5, 11.0)
    assert timeline.table() == (
        "fixed\n"
        "span     start       end  duration\n"
        "b       0.00 s    0.25 s    0.25 s\n"
        "a       0.50 s    1.00 s    0.50 s\n"
        "wall time 1.00 s, sum of spans 0.75 s, at most 1 at once"
    )
    assert timeline["a"].duration == 0.5


def test_bad_input_is_refused_with_a_message():
    timeline = Timeline()
    with pytest.raises(ValueError, match="ends"):
        timeline.record("x", 2.0, 1.0)
    with pytest.raises(ValueError, match="order"):
        timeline.table(order="start")
    with pytest.raises(KeyError, match="no span named"):
        timeline["missing"]
    with pytest.raises(ValueError):
        figure()


def test_empty_timeline_and_clear():
    timeline = Timeline()
    assert (timeline.wall_time, timeline.busy_time, timeline.max_overlap()) == (0.0, 0.0, 0)
    timeline.record("x", 1.0, 2.0)
    timeline.clear()
    assert timeline.spans == []


def test_figure_has_one_panel_per_timeline_with_one_bar_per_span():
    first, second = Timeline("first"), Timeline("second")
    first.record("a", 0.0, 1.0)
    first.record("b", 0.0, 2.0)
    second.record("c", 0.0, 0.5)
    fig = figure(first, second)
    axes = fig.get_axes()
    assert len(axes) == 2
    assert [len(ax.patches) for ax in axes] == [2, 1]
    assert axes[0].get_title() == "first: wall time 2.00 s"


def test_seconds_format():
    assert seconds(0.3) == "0.30 s"
    assert seconds(12.345) == "12.35 s"


def test_ms_prints_seconds_as_milliseconds_in_one_format():
    from course_app.timeline import ms

    assert ms(0.0123) == "12.3 ms"
    assert ms(0) == "0.0 ms"
    assert ms(1.5) == "1500.0 ms"
