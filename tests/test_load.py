"""The load generator: bounds, concurrency, percentiles, errors by kind, and the plot."""

import pytest

from course_app.fake_upstream import build_upstream
from course_app.load import LoadResult, figure, generate_load
from course_app.server import Server, free_port

pytestmark = pytest.mark.anyio


async def test_concurrency_is_the_peak_in_flight_and_results_add_up():
    upstream = build_upstream(latency=0.05)
    async with Server(upstream, access_log=False) as base_url:
        result = await generate_load(base_url, "/weather/Oslo", requests=30, concurrency=10)
        stats = upstream.state.stats.as_dict()
    assert stats["peak_in_flight"] == 10
    assert result.sent == result.succeeded == 30 and not result.errors
    assert result.concurrency == 10
    # three rounds of 0.05 s: the throughput is about 10 / 0.05 s, within wide margins
    assert 50 < result.throughput < 250
    assert 50 <= result.p50_ms <= result.p95_ms <= result.p99_ms <= result.max_ms
    assert stats["connections"] == 10  # one kept-alive connection per worker


async def test_without_keep_alive_every_request_opens_a_connection():
    upstream = build_upstream(latency=0)
    async with Server(upstream, access_log=False) as base_url:
        await generate_load(base_url, "/weather/Oslo", requests=12, concurrency=3,
                            keep_alive=False)
        assert upstream.state.stats.as_dict()["connections"] == 12


async def test_errors_are_counted_by_kind_and_never_raised():
    async with Server(build_upstream(latency=0), access_log=False) as base_url:
        failing = await generate_load(base_url, "/weather/Oslo?status=503", requests=5,
                                      concurrency=2)
    assert failing.errors == {"status 503": 5} and failing.succeeded == 0
    assert failing.throughput == 0
    assert "5 status 503" in failing.summary()
    closed = await generate_load(f"http://127.0.0.1:{free_port()}", "/", requests=3,
                                 concurrency=1)
    assert closed.errors == {"ConnectError": 3}


async def test_max_seconds_stops_sending():
    async with Server(build_upstream(latency=0.1), access_log=False) as base_url:
        result = await generate_load(base_url, "/weather/Oslo", requests=1000, concurrency=2,
                                     max_seconds=0.3)
    assert 2 <= result.sent <= 12
    assert result.wall_time < 1.0


async def test_bounds_and_loopback_are_enforced():
    for kwargs in ({"requests": 0}, {"requests": 10**6}, {"concurrency": 0},
                   {"concurrency": 10**4}):
        with pytest.raises(ValueError):
            await generate_load("http://127.0.0.1:9", "/", **kwargs)
    with pytest.raises(ValueError, match="127.0.0.1 only"):
        await generate_load("http://example.com", "/")
    with pytest.raises(ValueError, match="127.0.0.1 only"):
        await generate_load("http://127.0.0.1:1@192.0.2.1", "/")
    for url in ("127.0.0.1:8000", "https://127.0.0.1:1"):
        with pytest.raises(ValueError, match="needs the scheme http://"):
            await generate_load(url, "/")
    for kwargs in ({"max_seconds": 0}, {"requests": 2.5}, {"requests": "10"}):
        with pytest.raises(ValueError):
            await generate_load("http://127.0.0.1:9", "/", **kwargs)


def test_summary_and_percentiles_of_known_latencies():
    result = LoadResult("/x", concurrency=4, sent=4, wall_time=2.0,
                        latencies=[0.1, 0.2, 0.3, 0.4])
    assert result.throughput == 2.0
    assert result.p50_ms == pytest.approx(250)
    assert result.max_ms == pytest.approx(400)
    assert result.summary() == ("c=4    n=4         2.0 req/s  p50   250.0 ms  p95   385.0 ms  "
                                "p99   397.0 ms  max   400.0 ms  ok")
    empty = LoadResult("/x", concurrency=1, sent=0, wall_time=1.0)
    assert empty.p95_ms != empty.p95_ms  # nan: no successful request
    assert empty.summary().endswith("nothing sent")


def test_figure_draws_one_line_per_sweep():
    sweep = [LoadResult("/x", c, c, 1.0, [0.2] * c) for c in (1, 10, 40)]
    fig = figure({"a": sweep, "b": sweep}, "throughput")
    (axes,) = fig.axes
    assert len(axes.lines) == 2
    assert list(axes.lines[0].get_ydata()) == [1.0, 10.0, 40.0]
    with pytest.raises(ValueError, match="throughput, p50_ms"):
        figure({"a": sweep}, "p50")
