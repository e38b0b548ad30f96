"""Run a short Python script in a child process, as a learner would run `python shop.py`.

    run = await run_script(SOURCE, name="shop.py")
    run.exited, run.seconds, run.output, run.error   # did it end by itself, how long, what it
                                                     # printed, the last line of its traceback
    run = await run_script(SOURCE, quiet_for=1.0)    # killed 1 s after its last line of output

For what a notebook cannot show in its own kernel: a script that never exits, or one that
imports itself under a second name. The script is written to a new temporary folder as `name`
and run there with this Python (`sys.executable`), with the course importable; the folder is
deleted afterwards.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from course_app.paths import COURSE_ROOT

ROOT = COURSE_ROOT
"""The course's folder, put on the script's `PYTHONPATH` so it can import `course_app`."""


@dataclass(frozen=True)
class ScriptRun:
    """What a script run gave.

    Attributes:
        exited: True when the script ended by itself within the time limit.
        seconds: how long it ran, in seconds, until it exited or was killed.
        returncode: its exit status (None when it was killed).
        output: its standard output, one string per line.
        error: the last line of the traceback it printed on standard error, such as
            `ValueError: boom`, without addresses or paths of the temporary folder;
            None when it printed none.
        quiet_seconds: seconds from its last line of output to its end (exit or kill); from
            its start when it printed nothing.
    """

    exited: bool
    seconds: float
    returncode: int | None
    output: list[str]
    error: str | None
    quiet_seconds: float = 0.0


def _last_error_line(stderr: str, folder: str) -> str | None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    if not any(line.startswith("Traceback") for line in lines):
        return None
    return lines[-1].replace(folder + os.sep, "")


async def run_script(source: str, *args: str, name: str = "script.py", timeout: float = 60.0,
                     quiet_for: float | None = None) -> ScriptRun:
    """Write `source` to `name` in a temporary folder and run `python name *args` there.

    Args:
        source: the script's code.
        args: command-line arguments for the script (`sys.argv[1:]`).
        name: the script's file name; the folder is the script's `sys.path[0]`, so the script
            can `import` itself by that name (without `.py`).
        timeout: seconds to wait, in all, before the script is killed.
        quiet_for: when given, the script is also killed once it has printed at least one line
            and then printed nothing more for `quiet_for` seconds: a script that did its work
            but does not exit. Measured from its output, so a slow start (a busy machine,
            slow imports) does not count against it.

    Returns a `ScriptRun`. Never raises for what the script does (an error in it is reported in
    `ScriptRun.error`); the child is always gone when this returns.
    """
    with tempfile.TemporaryDirectory(prefix="course-script-") as folder:
        path = Path(folder) / name
        path.write_text(source, encoding="utf-8")
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
        started = time.perf_counter()
        child = await asyncio.create_subprocess_exec(
            sys.executable, name, *args, cwd=folder, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        lines: list[str] = []
        last_line_at: list[float] = []

        async def read_lines() -> None:
            async for line in child.stdout:
                lines.append(line.decode(errors="replace").rstrip("\r\n"))
                last_line_at[:] = [time.perf_counter()]

        reads = [asyncio.ensure_future(read_lines()), asyncio.ensure_future(child.stderr.read())]
        exited = False
        try:
            while True:
                now = time.perf_counter()
                if now - started > timeout or (
                        quiet_for is not None and last_line_at
                        and now - last_line_at[0] > quiet_for):
                    break
                try:
                    await asyncio.wait_for(asyncio.shield(child.wait()), 0.05)
                    exited = True
                    break
                except TimeoutError:
                    continue
        finally:  # also when the cell is interrupted: no script outlives it
            seconds = time.perf_counter() - started
            if child.returncode is None:
                child.kill()
                await child.wait()
        _, stderr = await asyncio.gather(*reads)
        quiet = started + seconds - (last_line_at[0] if last_line_at else started)
        return ScriptRun(exited=exited, seconds=seconds,
                         returncode=child.returncode if exited else None, output=lines,
                         error=_last_error_line(stderr.decode(errors="replace"), folder),
                         quiet_seconds=quiet)
