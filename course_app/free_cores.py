"""How many CPU cores are free on this machine right now, and what keeps them busy (psutil).

The test suite runs the notebooks whose claims need a free core only once the machine is quiet
(`wait_for_free_cores`), and names the busiest processes when it is not. Lessons 09 and 13 measure
the cores their own worker processes get instead (`cpu_share`), which is what their claims need.
"""

from __future__ import annotations

import time

import psutil


def free_cores(seconds: float = 0.3) -> float:
    """Cores left idle by every process on this machine over the next `seconds` s (0.0 to the
    number of cores; 2.0 on an idle two-core machine)."""
    return (100 - psutil.cpu_percent(interval=seconds)) / 100 * (psutil.cpu_count() or 1)


def busiest_processes(seconds: float = 0.3, count: int = 3) -> list[str]:
    """The `count` processes that used the most CPU over the next `seconds` s, busiest first,
    as "PID NAME: N% of a core"."""
    processes = list(psutil.process_iter(["name"]))
    for process in processes:
        try:
            process.cpu_percent(None)
        except psutil.Error:
            pass
    time.sleep(seconds)
    used = []
    for process in processes:
        try:
            used.append((process.cpu_percent(None), process.pid, process.info["name"]))
        except psutil.Error:
            continue
    return [f"{pid} {name}: {percent:.0f}% of a core"
            for percent, pid, name in sorted(used, reverse=True)[:count]]


def wait_for_free_cores(wanted: float, limit: float) -> tuple[float, float]:
    """Wait until `wanted` cores are free in two 0.3 s samples in a row, or `limit` s have
    passed; returns (seconds waited, free cores in the last sample)."""
    started = time.monotonic()
    quiet_in_a_row = 0
    while True:
        cores = free_cores()
        quiet_in_a_row = quiet_in_a_row + 1 if cores >= wanted else 0
        waited = time.monotonic() - started
        if quiet_in_a_row == 2 or waited >= limit:
            return waited, cores
