import asyncio
import time

import pytest

from course_app.loop_lag import LoopLagMonitor

pytestmark = pytest.mark.anyio


async def test_blocking_shows_as_lag_and_awaiting_does_not():
    async with LoopLagMonitor() as free:
        await asyncio.sleep(0.2)
    async with LoopLagMonitor() as blocked:
        time.sleep(0.2)
    assert blocked.max_lag > 0.15
    assert blocked.max_lag > 5 * max(free.max_lag, 0.01)


async def test_interval_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        LoopLagMonitor(interval=0)


async def test_reset_returns_the_worst_lag_and_starts_again():
    async with LoopLagMonitor() as lag:
        time.sleep(0.1)
        await asyncio.sleep(0.03)
        worst = lag.reset()
        await asyncio.sleep(0.03)
    assert worst > 0.08
    assert lag.max_lag < 0.05
    assert lag.max_lag_ms == lag.max_lag * 1000


async def test_each_sample_has_its_time_in_the_window():
    async with LoopLagMonitor() as lag:
        await asyncio.sleep(0.05)
        time.sleep(0.1)
        await asyncio.sleep(0.03)
    assert len(lag.times) == len(lag.samples) >= 3
    assert lag.times == sorted(lag.times) and lag.times[0] > 0
    stalled = lag.times[lag.samples.index(lag.max_lag)]
    assert stalled > 0.14  # the block ended about 0.15 s into the window
    lag.reset()
    assert lag.times == [] and lag.samples == []
