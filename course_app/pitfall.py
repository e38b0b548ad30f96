"""Run deliberately wrong code and show what goes wrong in one short line, not a traceback.

    with pitfall():
        asyncio.run(main())
    # caught RuntimeError: asyncio.run() cannot be called from a running event loop

    async with pitfall(timeout=1.0):          # a hang, stopped after 1 s
        await never_finishes()
    # caught TimeoutError: gave up after 1.00 s

Every exception raised inside the block, every warning it causes, and every error asyncio reports
through the event loop's exception handler (such as "Task exception was never retrieved") is
printed as one line that starts with `caught `. That includes "coroutine ... was never
awaited": Python only warns when the forgotten coroutine object is garbage-collected, which can
be long after the mistake, so the helper drops the exception's traceback (which may still hold
the coroutine) and runs the garbage collector before it stops listening for warnings. Nothing
escapes into later cells, and "Run all" never stops at a pitfall cell.

The helper returns a record (`with pitfall() as caught:`) so the cell can assert what happened.
"""

from __future__ import annotations

import asyncio
import gc
import re
import traceback
import warnings
from dataclasses import dataclass, field

PREFIX = "caught "
"""Every line this module prints starts with this; the output checks rely on it."""

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def describe(error: BaseException | warnings.WarningMessage) -> str:
    """One stable line for an exception or a caught warning: `TypeName: first line of message`.

    Memory addresses (` at 0x7f...`) are removed, so the line reads the same on every run. An
    exception group (from a `TaskGroup`, say) also names its first exception.
    """
    if isinstance(error, warnings.WarningMessage):
        kind, message = error.category.__name__, str(error.message)
    else:
        kind, message = type(error).__name__, str(error)
    first_line = message.strip().splitlines()[0] if message.strip() else ""
    first_line = _ADDRESS.sub("", first_line)
    line = f"{kind}: {first_line}" if first_line else kind
    if isinstance(error, BaseExceptionGroup) and error.exceptions:
        line += f"; the first is {describe(error.exceptions[0])}"
    return line


def _release(error: BaseException) -> None:
    """Drop what `error` and the exceptions chained to it keep alive.

    Their tracebacks' frames, and an AttributeError's `.obj`, may hold the forgotten
    coroutine; letting it go while warnings are still recorded makes its "never awaited"
    warning land inside the block instead of in some later cell.
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        traceback.clear_frames(error.__traceback__)
        error.__traceback__ = None
        if isinstance(error, AttributeError):
            error.obj = None
        if error.__cause__ is not None:
            _release(error.__cause__)
        error = error.__context__


@dataclass
class Caught:
    """What a `pitfall` block raised and warned about.

    Attributes:
        error: the exception raised inside the block, or None.
        warnings: the warnings raised inside the block (or by objects it left behind), in order.
        lines: the printed lines, without the `caught ` prefix.
    """

    error: BaseException | None = None
    warnings: list[warnings.WarningMessage] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def error_type(self) -> type[BaseException] | None:
        """The exception's class, or None when the block raised nothing."""
        return None if self.error is None else type(self.error)

    def warned(self, text: str) -> bool:
        """True when a caught warning's message contains `text`."""
        return any(text in str(w.message) for w in self.warnings)


class pitfall:  # noqa: N801 - used like a function: `with pitfall():`
    """Context manager (`with` or `async with`) that contains a deliberate mistake.

    Args:
        timeout: seconds after which the body of an `async with` block is cancelled and reported
            as `TimeoutError: gave up after N s` (uses `asyncio.timeout`); None waits forever.
            Only for `async with`: a plain `with` block cannot be interrupted.
        quiet_if_fine: when False (the default), a block that raises nothing prints
            `caught nothing: the block ran without an error or a warning`.
        report: when False, print nothing and only fill in the record (the exercise checks
            use this to look at what a learner's code raised).
        show_warnings: when False, the warnings are still caught (and kept in the record) but
            not printed: for mistakes whose side warnings differ between Python versions.

    Catches `Exception` subclasses and `TimeoutError`; `KeyboardInterrupt` and `SystemExit`
    still stop the cell, so a learner can always interrupt.
    """

    def __init__(
        self,
        timeout: float | None = None,
        quiet_if_fine: bool = False,
        report: bool = True,
        show_warnings: bool = True,
    ) -> None:
        self.timeout = timeout
        self.show_warnings = show_warnings
        self.quiet_if_fine = quiet_if_fine
        self.report = report
        self.caught = Caught()
        self._recorder: warnings.catch_warnings | None = None
        self._log: list[warnings.WarningMessage] = []
        self._timeout_cm = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous_handler = None
        self._loop_errors: list[str] = []

    def __enter__(self) -> Caught:
        if self.timeout is not None:
            raise TypeError("pitfall(timeout=...) needs `async with`: a `with` block cannot be "
                            "interrupted")
        self._start_recording()
        return self.caught

    def __exit__(self, exc_type, exc, tb) -> bool:
        return self._finish(exc)

    async def __aenter__(self) -> Caught:
        self._start_recording()
        if self.timeout is not None:
            self._timeout_cm = asyncio.timeout(self.timeout)
            await self._timeout_cm.__aenter__()
        return self.caught

    async def __aexit__(self, exc_type, exc, tb) -> bool:
        if self._timeout_cm is not None:
            try:
                await self._timeout_cm.__aexit__(exc_type, exc, tb)
            except TimeoutError as timed_out:
                exc = TimeoutError(f"gave up after {self.timeout:.2f} s")
                exc.__cause__ = timed_out
        return self._finish(exc)

    def _start_recording(self) -> None:
        self._recorder = warnings.catch_warnings(record=True)
        self._log = self._recorder.__enter__()
        warnings.simplefilter("always")
        # Errors asyncio reports through the loop's exception handler ("Task exception was never
        # retrieved") would otherwise be logged into whatever cell runs next.
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None
        if self._loop is not None:
            self._previous_handler = self._loop.get_exception_handler()
            self._loop.set_exception_handler(self._record_loop_error)

    def _record_loop_error(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        error = context.get("exception")
        message = context.get("message", "error in the event loop")
        self._loop_errors.append(f"{message} ({describe(error)})" if error else message)

    def _stop_recording(self) -> None:
        self._recorder.__exit__(None, None, None)
        if self._loop is not None:
            self._loop.set_exception_handler(self._previous_handler)

    def _finish(self, exc: BaseException | None) -> bool:
        if exc is not None and not isinstance(exc, Exception):
            self._stop_recording()
            return False  # KeyboardInterrupt, SystemExit, CancelledError: let them through
        if exc is not None:
            _release(exc)
            self.caught.error = exc
        gc.collect()
        self._stop_recording()
        self.caught.warnings = list(self._log)
        if exc is not None:
            self.caught.lines.append(describe(exc))
        self.caught.lines.extend(self._loop_errors)
        if self.show_warnings:
            self.caught.lines.extend(describe(w) for w in self.caught.warnings)
        if not self.report:
            return True
        for line in dict.fromkeys(self.caught.lines):  # each distinct line once, in order
            print(PREFIX + line)
        if not self.caught.lines and not self.quiet_if_fine:
            print(PREFIX + "nothing: the block ran without an error or a warning")
        return True
