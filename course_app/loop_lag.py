"""Measure how late the event loop wakes up: the symptom of blocking code in a coroutine.

    async with LoopLagMonitor() as lag:
        await something()
    print(lag.max_lag)          # seconds the loop was late at its worst

A task sleeps for `interval` seconds again and again and notes how much later than asked it
woke up. On a free loop that lateness is a millisecond or so; while a coroutine blocks the
thread (for example with `time.sleep`), no task can run, and the lateness grows to the length
of the block.
"""

from __future__ import annotations

import asyncio
import time


class LoopLagMonitor:
    """Async context manager that samples the running loop's lag while its body runs.

    Args:
        interval: seconds between samples (default 0.01). Shorter finds shorter stalls but
            costs more wake-ups.

    Attributes:
        samples: each sample's lag in seconds (how much later than `interval` the sleep ended).
        times: when each sample was taken, in seconds since the monitor started or was last
            `reset` (`window_start`, a `time.perf_counter()` reading); `samples[i]` was taken
            at `times[i]`, so the two draw the lag over time.
        max_lag: the largest lag seen, in seconds (0.0 before any sample); `max_lag_ms` in
            milliseconds.

    Raises:
        ValueError: when `interval` is not positive.
    """

    def __init__(self, interval: float = 0.01) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive, got {interval}")
        self.interval = interval
        self.samples: list[float] = []
        self.times: list[float] = []
        self.window_start = time.perf_counter()
        self._task: asyncio.Task | None = None

    @property
    def max_lag(self) -> float:
        return max(self.samples, default=0.0)

    @property
    def max_lag_ms(self) -> float:
        """`max_lag` in milliseconds."""
        return self.max_lag * 1000

    def reset(self) -> float:
        """Forget the samples so far, start a new window, and return the largest lag of the old
        one, in seconds."""
        worst, self.samples, self.times = self.max_lag, [], []
        self.window_start = time.perf_counter()
        return worst

    async def _sample(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.interval)
            now = time.perf_counter()
            self.samples.append(max(0.0, now - before - self.interval))
            self.times.append(now - self.window_start)

    async def __aenter__(self) -> LoopLagMonitor:
        self.window_start = time.perf_counter()
        self._task = asyncio.create_task(self._sample(), name="loop-lag-monitor")
        await asyncio.sleep(0)  # let the monitor take its first reading before the body starts
        return self

    async def __aexit__(self, *exc_info) -> None:
        # One more turn of the loop, so a block at the very end of the body is also measured.
        await asyncio.sleep(self.interval)
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
