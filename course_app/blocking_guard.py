"""Stop code that keeps the event loop's thread busy too long, so a kernel never freezes.

    async with interrupt_if_blocked(3.0) as guard:
        await learners_answer()            # time.sleep(1e6) inside it: LoopBlocked after ~3 s
    guard.blocked_for                      # seconds the loop was stuck, or None

An `asyncio.timeout` cannot stop code that blocks: the loop that would cancel it is the thing
that is stuck. A thread cannot be stopped in Python at all. But a notebook cell runs in the
kernel's main thread, and there a timer signal (`signal.setitimer`, SIGALRM) interrupts
`time.sleep`, a lock's `acquire` and plain Python loops. While the guard is active, a heartbeat
callback on the loop records when the loop last ran; a timer fires every `check_every` seconds,
and when the heartbeat is older than `limit`, its handler raises `LoopBlocked` inside whatever
is running, the blocking code. If that code swallows it and blocks again, the next one is a
`LoopStillBlocked`, which `except Exception:` does not catch.

Where there is no `setitimer` (Windows) or the guard is entered outside the main thread, it
does nothing (`guard.active` is False): blocking code then runs to its end, as it would anyway.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time


class LoopBlocked(Exception):  # noqa: N818 - it names what happened to the loop
    """Raised inside code that kept the event loop's thread busy for longer than the limit."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the event loop was blocked for {seconds:.1f} s and was interrupted")
        self.seconds = seconds


class LoopStillBlocked(BaseException):  # noqa: N818 - it names what happened to the loop
    """Raised at the next tick when code swallowed `LoopBlocked` (`except Exception:`) and went
    on blocking; not an `Exception`, so such a handler cannot swallow it too."""


class interrupt_if_blocked:  # noqa: N801 - used like a function: `async with interrupt_if_...`
    """Async context manager: raise `LoopBlocked` in code that blocks the loop for `limit` s.

    Args:
        limit: seconds without a loop heartbeat after which the running code is interrupted.
        check_every: seconds between timer signals (and heartbeats: a fifth of it).

    Attributes:
        active: whether the timer is set (False on Windows or off the main thread).
        blocked_for: the seconds the loop was stuck when it was interrupted, else None.
    """

    def __init__(self, limit: float, check_every: float = 0.25) -> None:
        self.limit = limit
        self.check_every = check_every
        self.active = False
        self.blocked_for: float | None = None
        self._last_beat = 0.0
        self._beat: asyncio.TimerHandle | None = None
        self._previous_handler = None

    def _heartbeat(self) -> None:
        self._last_beat = time.monotonic()
        loop = asyncio.get_running_loop()
        self._beat = loop.call_later(self.check_every / 5, self._heartbeat)

    def _on_timer(self, signum, frame) -> None:
        stuck = time.monotonic() - self._last_beat
        if stuck > self.limit:
            first = self.blocked_for is None
            self.blocked_for = stuck
            self._last_beat = time.monotonic()  # raise again only after another full limit
            if first:
                raise LoopBlocked(stuck)
            raise LoopStillBlocked(f"the event loop is still blocked after {stuck:.1f} s")

    async def __aenter__(self) -> interrupt_if_blocked:
        if not hasattr(signal, "setitimer") or threading.current_thread() is not \
                threading.main_thread():
            return self
        self._previous_handler = signal.signal(signal.SIGALRM, self._on_timer)
        self._heartbeat()
        signal.setitimer(signal.ITIMER_REAL, self.check_every, self.check_every)
        self.active = True
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        if not self.active:
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self._previous_handler or signal.SIG_DFL)
        if self._beat is not None:
            self._beat.cancel()
        self.active = False
